//! Time zones as Graph names them (Windows names, and the IANA names it also takes), with
//! their daylight-saving rules, and wall-clock times converted between them — what
//! `Prefer: outlook.timezone` asks of every `dateTimeTimeZone` in an answer.

/// When a zone keeps daylight time (an hour ahead of standard).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Daylight {
    Never,
    /// Second Sunday of March 02:00 to first Sunday of November 02:00, local.
    UnitedStates,
    /// Last Sunday of March to last Sunday of October, 01:00 UTC.
    Europe,
    /// First Sunday of October 02:00 to first Sunday of April 03:00, local.
    Australia,
    /// Last Sunday of September 02:00 to first Sunday of April 03:00, local.
    NewZealand,
}

/// A zone: its canonical (Windows) name, its other names, its standard offset in minutes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Zone {
    pub name: &'static str,
    aliases: &'static [&'static str],
    standard: i64,
    daylight: Daylight,
}

const fn zone(
    name: &'static str,
    aliases: &'static [&'static str],
    standard: i64,
    daylight: Daylight,
) -> Zone {
    Zone {
        name,
        aliases,
        standard,
        daylight,
    }
}

use Daylight::{Australia, Europe, Never, NewZealand, UnitedStates};

const ZONES: &[Zone] = &[
    zone(
        "UTC",
        &["Etc/UTC", "Coordinated Universal Time", "Z"],
        0,
        Never,
    ),
    zone(
        "Greenwich Standard Time",
        &["Atlantic/Reykjavik", "GMT"],
        0,
        Never,
    ),
    zone(
        "GMT Standard Time",
        &["Europe/London", "Europe/Dublin", "Europe/Lisbon"],
        0,
        Europe,
    ),
    zone(
        "W. Europe Standard Time",
        &[
            "Europe/Berlin",
            "Europe/Amsterdam",
            "Europe/Rome",
            "Europe/Stockholm",
            "Europe/Vienna",
            "Europe/Zurich",
        ],
        60,
        Europe,
    ),
    zone(
        "Romance Standard Time",
        &[
            "Europe/Paris",
            "Europe/Brussels",
            "Europe/Madrid",
            "Europe/Copenhagen",
        ],
        60,
        Europe,
    ),
    zone(
        "Central Europe Standard Time",
        &["Europe/Budapest", "Europe/Prague", "Europe/Belgrade"],
        60,
        Europe,
    ),
    zone(
        "Central European Standard Time",
        &["Europe/Warsaw", "Europe/Zagreb"],
        60,
        Europe,
    ),
    zone(
        "FLE Standard Time",
        &[
            "Europe/Helsinki",
            "Europe/Kiev",
            "Europe/Kyiv",
            "Europe/Riga",
            "Europe/Vilnius",
        ],
        120,
        Europe,
    ),
    zone(
        "GTB Standard Time",
        &["Europe/Athens", "Europe/Bucharest"],
        120,
        Europe,
    ),
    zone("Russian Standard Time", &["Europe/Moscow"], 180, Never),
    zone(
        "South Africa Standard Time",
        &["Africa/Johannesburg"],
        120,
        Never,
    ),
    zone("Arabian Standard Time", &["Asia/Dubai"], 240, Never),
    zone(
        "India Standard Time",
        &["Asia/Kolkata", "Asia/Calcutta"],
        330,
        Never,
    ),
    zone("China Standard Time", &["Asia/Shanghai"], 480, Never),
    zone("Singapore Standard Time", &["Asia/Singapore"], 480, Never),
    zone("Tokyo Standard Time", &["Asia/Tokyo"], 540, Never),
    zone("Korea Standard Time", &["Asia/Seoul"], 540, Never),
    zone(
        "AUS Eastern Standard Time",
        &["Australia/Sydney", "Australia/Melbourne"],
        600,
        Australia,
    ),
    zone(
        "New Zealand Standard Time",
        &["Pacific/Auckland"],
        720,
        NewZealand,
    ),
    zone("Hawaiian Standard Time", &["Pacific/Honolulu"], -600, Never),
    zone(
        "Alaskan Standard Time",
        &["America/Anchorage"],
        -540,
        UnitedStates,
    ),
    zone(
        "Pacific Standard Time",
        &["America/Los_Angeles", "PST8PDT"],
        -480,
        UnitedStates,
    ),
    zone(
        "US Mountain Standard Time",
        &["America/Phoenix"],
        -420,
        Never,
    ),
    zone(
        "Mountain Standard Time",
        &["America/Denver", "MST7MDT"],
        -420,
        UnitedStates,
    ),
    zone(
        "Central Standard Time",
        &["America/Chicago", "CST6CDT"],
        -360,
        UnitedStates,
    ),
    zone(
        "Eastern Standard Time",
        &["America/New_York", "EST5EDT"],
        -300,
        UnitedStates,
    ),
    zone(
        "Atlantic Standard Time",
        &["America/Halifax"],
        -240,
        UnitedStates,
    ),
    zone(
        "E. South America Standard Time",
        &["America/Sao_Paulo"],
        -180,
        Never,
    ),
];

/// The zone `name` stands for, whatever its case and surrounding blanks.
pub fn named(name: &str) -> Option<Zone> {
    let name = name.trim();
    ZONES.iter().copied().find(|zone| {
        zone.name.eq_ignore_ascii_case(name)
            || zone.aliases.iter().any(|a| a.eq_ignore_ascii_case(name))
    })
}

/// `date_time` (`YYYY-MM-DDTHH:MM:SS[.fraction]`), a wall-clock time in `from`, as the same
/// instant on the wall clocks of `to`; `None` when it is not such a time.
pub fn convert(date_time: &str, from: Zone, to: Zone) -> Option<String> {
    let (seconds, rest) = wall_seconds(date_time)?;
    // The fraction is kept as written; an offset after it is the zone's to say.
    let digits = rest
        .strip_prefix('.')
        .map_or(0, |f| f.bytes().take_while(u8::is_ascii_digit).count() + 1);
    let fraction = &rest[..digits];
    let utc = seconds - from.offset_at_local(seconds) * 60;
    let local = utc + to.offset_at_utc(utc) * 60;
    Some(format!("{}{fraction}", civil_text(local)))
}

/// The instant (seconds since 1970) of `date_time`: a wall-clock time in `zone`.
pub fn instant_in(date_time: &str, zone: Zone) -> Option<i64> {
    let (seconds, _) = wall_seconds(date_time)?;
    Some(seconds - zone.offset_at_local(seconds) * 60)
}

/// The instant (seconds since 1970) of an ISO 8601 time with its offset (`Z`, `+01:00`); one
/// without is UTC, as Graph reads query parameters.
pub fn instant(text: &str) -> Option<i64> {
    let (seconds, rest) = wall_seconds(text)?;
    let rest = rest.trim_start_matches(|c: char| c == '.' || c.is_ascii_digit());
    let offset = match rest.as_bytes().first() {
        None | Some(b'Z' | b'z') => 0,
        Some(sign @ (b'+' | b'-')) => {
            let hours: i64 = rest.get(1..3)?.parse().ok()?;
            let minutes: i64 = rest.get(4..6).map_or(Some(0), |m| m.parse().ok())?;
            let minutes = hours * 60 + minutes;
            if *sign == b'-' { -minutes } else { minutes }
        }
        Some(_) => return None,
    };
    Some(seconds - offset * 60)
}

impl Zone {
    /// Minutes ahead of UTC at the instant `utc` (seconds since 1970).
    fn offset_at_utc(&self, utc: i64) -> i64 {
        let (year, ..) = civil(utc + self.standard * 60);
        let standard = self.standard * 60;
        let daylight_from_local =
            |local: i64, in_daylight: bool| local - standard - if in_daylight { 3600 } else { 0 };
        let in_daylight = match self.daylight {
            Never => false,
            UnitedStates => {
                let start = daylight_from_local(sunday(year, 3, 2) + 2 * 3600, false);
                let end = daylight_from_local(sunday(year, 11, 1) + 2 * 3600, true);
                (start..end).contains(&utc)
            }
            Europe => {
                let start = last_sunday(year, 3) + 3600;
                let end = last_sunday(year, 10) + 3600;
                (start..end).contains(&utc)
            }
            Australia | NewZealand => {
                let end = daylight_from_local(sunday(year, 4, 1) + 3 * 3600, true);
                let start_day = if self.daylight == Australia {
                    sunday(year, 10, 1)
                } else {
                    last_sunday(year, 9)
                };
                let start = daylight_from_local(start_day + 2 * 3600, false);
                utc < end || utc >= start
            }
        };
        self.standard + if in_daylight { 60 } else { 0 }
    }

    /// Minutes ahead of UTC for the wall-clock time `local` (seconds since 1970, local).
    fn offset_at_local(&self, local: i64) -> i64 {
        self.offset_at_utc(local - self.standard * 60)
    }
}

/// The `nth` Sunday of `month` in `year`, at midnight (seconds since 1970).
fn sunday(year: i64, month: i64, nth: i64) -> i64 {
    let first = days_from_civil(year, month, 1);
    // 1970-01-01 was a Thursday: day 0 is weekday 4 (Sunday is 0).
    let weekday = (first + 4).rem_euclid(7);
    let first_sunday = first + (7 - weekday) % 7;
    (first_sunday + 7 * (nth - 1)) * 86_400
}

/// The last Sunday of `month` in `year`, at midnight.
fn last_sunday(year: i64, month: i64) -> i64 {
    let (next_year, next_month) = if month == 12 {
        (year + 1, 1)
    } else {
        (year, month + 1)
    };
    let last_day = days_from_civil(next_year, next_month, 1) - 1;
    let weekday = (last_day + 4).rem_euclid(7);
    (last_day - weekday) * 86_400
}

/// Seconds of a `YYYY-MM-DDTHH:MM:SS` wall-clock time, and what follows them as written.
fn wall_seconds(text: &str) -> Option<(i64, &str)> {
    let number = |range: std::ops::Range<usize>| -> Option<i64> {
        let part = text.get(range)?;
        part.bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| part.parse().ok())?
    };
    let bytes = text.as_bytes();
    if bytes.get(4) != Some(&b'-') || bytes.get(10) != Some(&b'T') || bytes.get(13) != Some(&b':') {
        return None;
    }
    let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
    let (hour, minute, second) = (
        number(11..13)?,
        number(14..16)?,
        number(17..19).unwrap_or(0),
    );
    if !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 59
    {
        return None;
    }
    let rest = text.get(19..).unwrap_or("");
    let seconds = days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second;
    Some((seconds, rest))
}

fn civil_text(seconds: i64) -> String {
    let (year, month, day) = civil(seconds);
    let in_day = seconds.rem_euclid(86_400);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}",
        in_day / 3600,
        in_day % 3600 / 60,
        in_day % 60
    )
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let day_of_year = (153 * (month + if month > 2 { -3 } else { 9 }) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The date of `seconds` since 1970.
fn civil(seconds: i64) -> (i64, i64, i64) {
    let days = seconds.div_euclid(86_400) + 719_468;
    let era = days.div_euclid(146_097);
    let day_of_era = days - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zone(name: &str) -> Zone {
        named(name).unwrap()
    }

    #[test]
    fn zones_are_known_by_every_name_graph_takes() {
        assert_eq!(
            zone(" pacific standard time ").name,
            "Pacific Standard Time"
        );
        assert_eq!(zone("America/Los_Angeles").name, "Pacific Standard Time");
        assert_eq!(zone("utc").name, "UTC");
        assert!(named("Mars Standard Time").is_none());
    }

    #[test]
    fn wall_clock_times_convert_across_daylight_saving() {
        let (utc, pacific) = (zone("UTC"), zone("Pacific Standard Time"));
        // Winter: eight hours behind; summer: seven.
        assert_eq!(
            convert("2026-01-15T18:00:00.0000000", utc, pacific).as_deref(),
            Some("2026-01-15T10:00:00.0000000")
        );
        assert_eq!(
            convert("2026-07-01T02:30:00", utc, pacific).as_deref(),
            Some("2026-06-30T19:30:00")
        );
        // The night the clocks go forward (8 March 2026): 09:59 UTC is still standard time.
        assert_eq!(
            convert("2026-03-08T09:59:00", utc, pacific).as_deref(),
            Some("2026-03-08T01:59:00")
        );
        assert_eq!(
            convert("2026-03-08T10:00:00", utc, pacific).as_deref(),
            Some("2026-03-08T03:00:00")
        );
        let (berlin, sydney) = (zone("W. Europe Standard Time"), zone("Australia/Sydney"));
        assert_eq!(
            convert("2026-07-01T12:00:00", berlin, utc).as_deref(),
            Some("2026-07-01T10:00:00")
        );
        assert_eq!(
            convert("2026-01-01T00:00:00", utc, sydney).as_deref(),
            Some("2026-01-01T11:00:00")
        );
        assert_eq!(
            convert("2026-07-01T00:00:00", utc, sydney).as_deref(),
            Some("2026-07-01T10:00:00")
        );
        assert_eq!(
            convert("2026-12-31T23:00:00", utc, zone("India Standard Time")).as_deref(),
            Some("2027-01-01T04:30:00")
        );
        assert_eq!(convert("not a time", utc, pacific), None);
        assert_eq!(
            instant("2026-01-15T18:00:00.000Z"),
            instant_in("2026-01-15T10:00:00", pacific)
        );
        assert_eq!(
            instant("2026-01-15T19:00:00+01:00"),
            instant("2026-01-15T18:00:00")
        );
        assert_eq!(convert("2026-13-01T00:00:00", utc, pacific), None);
    }
}
