//! Values of the EDM primitive types, judged by their JSON form and range as OData's JSON
//! format writes them: integers as numbers in their type's range (an `Int64` also as a string),
//! `Double`/`Single` as numbers or `"NaN"`, `"INF"`, `"-INF"`, `Decimal` as a number or a
//! numeric string, and the text forms — `Guid`, `Date`, `TimeOfDay`, `DateTimeOffset`,
//! `Duration` (ISO 8601), `Binary` (base64) — well formed.

use serde_json::Value;

/// Whether `value` is a value of the primitive type `primitive` (`Int32`, without `Edm.`).
pub fn fits(primitive: &str, value: &Value) -> bool {
    let text = value.as_str();
    match primitive {
        "Boolean" => value.is_boolean(),
        "Byte" => integer_in(value, 0, 255, false),
        "SByte" => integer_in(value, -128, 127, false),
        "Int16" => integer_in(value, -32_768, 32_767, false),
        "Int32" => integer_in(value, i64::from(i32::MIN), i64::from(i32::MAX), false),
        "Int64" => integer_in(value, i64::MIN, i64::MAX, true),
        "Double" | "Single" => {
            value.is_number() || text.is_some_and(|s| matches!(s, "NaN" | "INF" | "-INF"))
        }
        "Decimal" => value.is_number() || text.is_some_and(|s| s.trim().parse::<f64>().is_ok()),
        "Stream" | "Untyped" => true,
        "DateTimeOffset" => text.is_some_and(is_date_time),
        "Date" => text.is_some_and(|s| s.len() == 10 && is_date_time(&format!("{s}T00:00:00Z"))),
        "TimeOfDay" => text.is_some_and(is_time_of_day),
        "Duration" => text.is_some_and(is_duration),
        "Guid" => text.is_some_and(|s| uuid::Uuid::parse_str(s).is_ok()),
        "Binary" => text.is_some_and(is_base64),
        _ if primitive.starts_with("Geography") || primitive.starts_with("Geometry") => {
            value.is_object()
        }
        _ => value.is_string(),
    }
}

/// An integer in `min..=max`: a JSON number without a fraction, or (`as_text`) a string of one.
fn integer_in(value: &Value, min: i64, max: i64, as_text: bool) -> bool {
    let number = match value {
        Value::Number(n) => n.as_i64(),
        Value::String(s) if as_text => s.trim().parse::<i64>().ok(),
        _ => None,
    };
    number.is_some_and(|n| (min..=max).contains(&n))
}

/// RFC 3339 `date-time`: `YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)`, with ranges checked.
pub fn is_date_time(value: &str) -> bool {
    let b = value.as_bytes();
    let date_ok = matches!(
        (
            digits(b, 0..4),
            b.get(4),
            digits(b, 5..7),
            b.get(7),
            digits(b, 8..10)
        ),
        (Some(_), Some(b'-'), Some(1..=12), Some(b'-'), Some(1..=31))
    );
    if !date_ok || !matches!(b.get(10), Some(b'T' | b't')) {
        return false;
    }
    let Some(rest) = time(&b[11..]) else {
        return false;
    };
    match rest {
        [b'Z' | b'z'] => true,
        [b'+' | b'-', h1, h2, b':', m1, m2] => {
            [h1, h2, m1, m2].iter().all(|c| c.is_ascii_digit())
                && (*h1 - b'0') * 10 + (*h2 - b'0') <= 23
                && (*m1 - b'0') * 10 + (*m2 - b'0') <= 59
        }
        _ => false,
    }
}

/// `HH:MM[:SS[.frac]]`.
fn is_time_of_day(value: &str) -> bool {
    let b = value.as_bytes();
    let short = matches!(
        (digits(b, 0..2), b.get(2), digits(b, 3..5)),
        (Some(0..=23), Some(b':'), Some(0..=59))
    );
    short && (b.len() == 5 || time(b).is_some_and(<[u8]>::is_empty))
}

/// `HH:MM:SS[.frac]` at the start of `b`; what follows it.
fn time(b: &[u8]) -> Option<&[u8]> {
    let ok = matches!(
        (
            digits(b, 0..2),
            b.get(2),
            digits(b, 3..5),
            b.get(5),
            digits(b, 6..8)
        ),
        (
            Some(0..=23),
            Some(b':'),
            Some(0..=59),
            Some(b':'),
            Some(0..=60)
        )
    );
    if !ok {
        return None;
    }
    let rest = &b[8..];
    match rest.split_first() {
        Some((b'.', fraction)) => {
            let count = fraction.iter().take_while(|c| c.is_ascii_digit()).count();
            (count > 0).then(|| &fraction[count..])
        }
        _ => Some(rest),
    }
}

fn digits(b: &[u8], range: std::ops::Range<usize>) -> Option<u32> {
    let part = b.get(range)?;
    part.iter()
        .all(u8::is_ascii_digit)
        .then(|| part.iter().fold(0, |n, d| n * 10 + u32::from(d - b'0')))
}

/// ISO 8601 duration as OData writes it: `[-]P[nD][T[nH][nM][n[.n]S]]`, at least one part.
fn is_duration(value: &str) -> bool {
    let rest = value.strip_prefix('-').unwrap_or(value);
    let Some(rest) = rest.strip_prefix('P') else {
        return false;
    };
    let (days, time) = match rest.split_once('T') {
        Some((days, time)) => (days, Some(time)),
        None => (rest, None),
    };
    let days_ok = days.is_empty() || parts(days, &['D']).is_some();
    let time_parts = time.map(|t| parts(t, &['H', 'M', 'S']));
    let counted = !days.is_empty() || matches!(time_parts, Some(Some(n)) if n > 0);
    days_ok && !matches!(time_parts, Some(None)) && counted
}

/// Counts the `number unit` parts of `text`, units in the order given, each once; `None`
/// when the text is not made of such parts (a fraction only before `S`).
fn parts(text: &str, units: &[char]) -> Option<usize> {
    let mut rest = text;
    let mut next_unit = 0;
    let mut count = 0;
    while !rest.is_empty() {
        let end = rest.find(|c: char| !c.is_ascii_digit() && c != '.')?;
        let (number, tail) = rest.split_at(end);
        let unit = tail.chars().next()?;
        let at = units[next_unit..].iter().position(|u| *u == unit)? + next_unit;
        let fraction_ok = !number.contains('.') || unit == 'S';
        if number.is_empty() || number.parse::<f64>().is_err() || !fraction_ok {
            return None;
        }
        next_unit = at + 1;
        count += 1;
        rest = &tail[1..];
    }
    Some(count)
}

/// Base64, standard or URL-safe alphabet, padded or not.
fn is_base64(value: &str) -> bool {
    let body = value.trim_end_matches('=');
    let padding = value.len() - body.len();
    padding <= 2
        && (padding == 0 || value.len() % 4 == 0)
        && body.len() % 4 != 1
        && body
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/' | b'-' | b'_'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn integers_are_numbers_in_their_range() {
        assert!(fits("Int32", &json!(2_147_483_647)));
        assert!(!fits("Int32", &json!(2_147_483_648_i64)));
        assert!(!fits("Int32", &json!("1")), "a string is no Int32");
        assert!(!fits("Int32", &json!(1.5)));
        assert!(
            fits("Int64", &json!("9007199254740993")),
            "an Int64 may be a string"
        );
        assert!(!fits("Byte", &json!(256)));
        assert!(!fits("SByte", &json!(-129)));
        assert!(fits("Int16", &json!(-32_768)));
        assert!(fits("Double", &json!("-INF")));
        assert!(!fits("Double", &json!("1.5")));
        assert!(fits("Decimal", &json!("1.50")));
        assert!(!fits("Boolean", &json!("true")));
    }

    #[test]
    fn text_forms_are_well_formed() {
        for (ty, good, bad) in [
            ("Date", "2026-12-07", "2026-12-32"),
            ("TimeOfDay", "08:30:00.5", "25:00"),
            (
                "DateTimeOffset",
                "2016-10-19T10:37:00.123+02:00",
                "2016-10-19T10:37:00",
            ),
            ("Duration", "PT1H30M", "P"),
            ("Duration", "-P2DT0.5S", "PT1.5H"),
            ("Duration", "P1D", "1D"),
            ("Binary", "aGVsbG8=", "aGVsbG8=="),
            ("Binary", "aGVsbG8", "a"),
            ("Guid", "0b8d5ac3-4b2a-4b65-8f9f-3c0a1f5d2e11", "0b8d5ac3"),
        ] {
            assert!(fits(ty, &json!(good)), "{ty} {good}");
            assert!(!fits(ty, &json!(bad)), "{ty} {bad}");
        }
        assert!(fits("TimeOfDay", &json!("08:30")));
        for bad in ["datetime-value", "2016-13-19T10:37:00Z", "2016-10-19"] {
            assert!(!is_date_time(bad), "{bad}");
        }
    }
}
