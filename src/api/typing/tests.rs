use super::*;
use crate::api::fixtures::office_model;

/// (operation for the method, the result in words, each segment's kind in words).
fn typed(method: &str, path: &str) -> (Option<&'static str>, String, Vec<String>) {
    let model = office_model();
    let typed = type_path(&[&model], path).unwrap();
    assert_eq!(typed.untyped, None, "{path}");
    let result = typed
        .segments
        .last()
        .map(Typed::reached)
        .unwrap_or_default();
    let kinds = typed.segments.iter().map(Typed::describe).collect();
    (
        typed
            .operation(crate::graph::Method::parse(method).unwrap())
            .map(Operation::as_str),
        result,
        kinds,
    )
}

/// (method, path, operation, the type reached).
const OPERATIONS: &[(&str, &str, &str, &str)] = &[
    (
        "POST",
        "/v1.0/groups/{id}/threads",
        "create",
        "collection of microsoft.graph.conversationThread",
    ),
    (
        "GET",
        "/v1.0/groups/{id}/threads",
        "list",
        "collection of microsoft.graph.conversationThread",
    ),
    (
        "GET",
        "/v1.0/groups/{id}/threads/{id}",
        "read",
        "microsoft.graph.conversationThread",
    ),
    (
        "PATCH",
        "/v1.0/users/{id}",
        "update",
        "microsoft.graph.user",
    ),
    (
        "PUT",
        "/v1.0/users/{id}/mailboxSettings",
        "replace",
        "microsoft.graph.mailboxSettings",
    ),
    (
        "DELETE",
        "/v1.0/groups/{id}/conversations/{id}",
        "delete",
        "microsoft.graph.conversation",
    ),
    (
        "POST",
        "/v1.0/groups/{id}/threads/{id}/reply",
        "action",
        "nothing",
    ),
    (
        "GET",
        "/v1.0/reports/getUsageReport(period='D7')",
        "function",
        "microsoft.graph.report",
    ),
    (
        "POST",
        "/v1.0/groups/{id}/members/$ref",
        "reference",
        "collection of microsoft.graph.directoryObject",
    ),
    (
        "DELETE",
        "/v1.0/groups/{id}/members/{id}/$ref",
        "reference",
        "microsoft.graph.directoryObject",
    ),
    (
        "PUT",
        "/v1.0/me/drive/items/{id}/content",
        "media",
        "Edm.Stream",
    ),
    ("GET", "/v1.0/users/$count", "read", "Edm.Int32"),
    (
        "GET",
        "/v1.0/users/delta()",
        "function",
        "collection of microsoft.graph.user",
    ),
];

#[test]
fn names_the_operation_a_method_makes_of_a_path() {
    let table = OPERATIONS;
    for &(method, path, operation, result) in table {
        let (found, reached, _) = typed(method, path);
        assert_eq!(
            (found, reached.as_str()),
            (Some(operation), result),
            "{method} {path}"
        );
    }
    assert_eq!(
        typed("DELETE", "/v1.0/users").0,
        None,
        "no delete of a collection"
    );
}

#[test]
fn places_keys_casts_drive_paths_and_names_without_regard_to_case() {
    let (_, _, kinds) = typed("POST", "/v1.0/applications(appId='{appId}')/addPassword");
    assert_eq!(kinds[2], "alternate key (appId)");
    let (_, reached, kinds) = typed(
        "GET",
        "/v1.0/me/messages/AAMk=/attachments/microsoft.graph.fileAttachment",
    );
    assert_eq!(reached, "collection of microsoft.graph.fileAttachment");
    assert_eq!(kinds[3], "key (literal)");
    assert_eq!(kinds[5], "type cast");
    let (operation, reached, kinds) = typed("GET", "/v1.0/me/drive/root:/a/b.txt:/content");
    assert_eq!((operation, reached.as_str()), (Some("media"), "Edm.Stream"));
    assert_eq!(kinds[4], "drive path");
    let (_, _, kinds) = typed("GET", "/v1.0/ME/calendargroups");
    assert_eq!(kinds[1], "singleton; the metadata spells it `me`");
    assert_eq!(
        kinds[2],
        "navigation (contained); the metadata spells it `calendarGroups`"
    );
    let (_, _, kinds) = typed("GET", "/v1.0/users('a@b.c')/manager");
    assert_eq!(kinds[2], "key (literal)");
    assert_eq!(kinds[3], "navigation (reference)");
    let model = office_model();
    let typed = type_path(&[&model], "/groups/{id}").unwrap();
    assert_eq!(
        (typed.version, typed.untyped),
        (None, None),
        "no version needed to type"
    );
}

#[test]
fn says_where_a_path_stops_making_sense() {
    let model = office_model();
    let untyped = |path: &str| type_path(&[&model], path).unwrap().untyped.unwrap();
    let stop = untyped("/v1.0/groups/{id}/thread/{id}");
    assert_eq!(stop.segment, "thread");
    assert_eq!(stop.at, 18);
    assert_eq!(stop.nearest.first().map(String::as_str), Some("threads"));
    assert_eq!(untyped("/v1.0/gropus").nearest[0], "groups");
    assert!(
        untyped("/v1.0/users/{id}/$ref/x")
            .reason
            .contains("nothing may follow")
    );
    assert!(
        untyped("/v1.0/me/displayName/x")
            .reason
            .contains("`$value`")
    );
    assert!(
        untyped("/v1.0/me(1)")
            .reason
            .contains("takes no parentheses")
    );
    assert!(untyped("/v1.0").reason.contains("no entity set"));
    assert!(type_path(&[&model], "/v1.0/users('x)").is_err());
}

proptest::proptest! {
    #[test]
    fn arbitrary_paths_never_panic(text in ".{0,80}", method in "(GET|POST|PATCH|PUT|DELETE|X)") {
        let model = office_model();
        if let Ok(typed) = type_path(&[&model], &text) {
            let _ = crate::graph::Method::parse(&method).map(|m| typed.operation(m));
            let _ = typed.result();
        }
        let _ = type_path(&[&model], &format!("/v1.0/groups/{text}"));
    }
}
