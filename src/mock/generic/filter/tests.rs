use super::*;
use serde_json::json;

fn entity() -> Map<String, Value> {
    json!({
        "displayName": "Adele Vance", "age": 31, "accountEnabled": true,
        "createdDateTime": "2020-03-01T10:00:00Z", "manager": null,
        "mail": {"address": "adele@contoso.com"}
    })
    .as_object()
    .unwrap()
    .clone()
}

#[test]
fn evaluates_what_graph_filters_by() {
    let table = [
        ("displayName eq 'adele vance'", true),
        ("displayName ne 'Adele Vance'", false),
        ("age gt 30 and age lt 32", true),
        ("age ge 32 or accountEnabled", true),
        ("not (age le 31)", false),
        ("startswith(displayName, 'Ad')", true),
        ("endswith(mail/address,'.com')", true),
        ("contains(displayName, 'xyz')", false),
        ("createdDateTime ge 2020-01-01T00:00:00Z", true),
        ("createdDateTime lt 2020-01-01", false),
        ("manager eq null", true),
        ("age in (1, 31, 7)", true),
        ("displayName in ('a', 'b')", false),
        ("missing eq null", true),
        ("startswith(displayName,'Ad') eq true", true),
        ("displayName eq 'It''s'", false),
    ];
    for (filter, expected) in table {
        let expr = parse(filter).unwrap_or_else(|e| panic!("{filter}: {e:?}"));
        assert_eq!(matches(&expr, &entity()), expected, "{filter}");
    }
}

#[test]
fn says_where_a_filter_goes_wrong() {
    let table = [
        ("displayName eq", 14, "expected a property or a value"),
        ("displayName eq 'x", 15, "a string is not closed"),
        ("(age eq 1", 9, "expected `)`"),
        ("age eq 1 age", 9, "unexpected `age`"),
        (
            "length(displayName) eq 3",
            6,
            "the function `length` is not supported",
        ),
        ("age add 1 eq 2", 4, "the operator `add` is not supported"),
        ("age eq #", 7, "unexpected `#`"),
        ("age in 1", 7, "expected `(` after `in`"),
    ];
    for (filter, at, message) in table {
        let error = parse(filter).unwrap_err();
        assert_eq!(
            (error.at, error.message.as_str()),
            (at, message),
            "{filter}"
        );
    }
    let deep = format!("{}age eq 1{}", "(".repeat(40), ")".repeat(40));
    assert!(parse(&deep).unwrap_err().message.contains("deeper than"));
    let nots = format!("{}true", "not ".repeat(40));
    assert!(parse(&nots).is_err());
    let long = vec!["a eq 1"; 300].join(" and ");
    assert!(
        parse(&long)
            .unwrap_err()
            .message
            .contains("more than 256 clauses")
    );
    let mut unsorted = vec![
        serde_json::json!("b"),
        Value::Null,
        serde_json::json!(1),
        serde_json::json!("a"),
    ];
    unsorted.sort_by(total_order);
    assert_eq!(
        unsorted,
        vec![
            Value::Null,
            serde_json::json!(1),
            serde_json::json!("a"),
            serde_json::json!("b")
        ]
    );
}

proptest::proptest! {
    #[test]
    fn arbitrary_filters_never_panic(text in ".{0,60}") {
        if let Ok(expr) = parse(&text) {
            let _ = matches(&expr, &entity());
        }
    }
}
