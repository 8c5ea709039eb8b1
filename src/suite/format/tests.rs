use super::*;
use std::collections::HashMap;

const MINIMAL: &str = r#"
[doc]
seed = "x.txt"

[[case]]
name = "create"
tags = ["t"]

[[case.setup]]
method = "post"
path = "/v1.0/groups/{group-id}/conversations"
json = '{"topic": "setup"}'
status = 201
capture = { conversation-id = "/id" }

[case.request]
method = "POST"
path = "/v1.0/groups/{group-id}/conversations/{conversation-id}/threads"
json = '''
{ "topic": "t" }
'''

[case.expect]
status = 201
schema = "conversationThread"
required = ["id", "/posts/0"]
body = '{"topic": "t"}'

[[case.teardown]]
method = "DELETE"
path = "/v1.0/groups/{group-id}/conversations/{conversation-id}"
"#;

fn parse(text: &str) -> Result<Vec<Case>> {
    parse_file(Path::new("cases/t.toml"), text.to_string())
}

#[test]
fn reads_header_expectations_and_names_a_bad_pattern() {
    let text = "[[case]]\nname = \"h\"\n[case.request]\nmethod = \"GET\"\npath = \"/x\"\n[case.expect]\nstatus = 200\nheaders = { Location = true, ETag = false, \"Preference-Applied\" = \"return=minimal\", \"Content-Type\" = { pattern = \"^image/\" } }\n";
    let cases = parse_file(Path::new("h.toml"), text.to_string()).unwrap();
    let rules: Vec<String> = cases[0]
        .expect
        .headers
        .iter()
        .map(|h| format!("{} {:?}", h.name, h.rule))
        .collect();
    assert_eq!(rules.len(), 4);
    assert!(rules[0].starts_with("Content-Type Matches"), "{rules:?}");
    assert_eq!(rules[1], "ETag Absent");
    assert_eq!(rules[2], "Location Present");
    assert_eq!(rules[3], "Preference-Applied Equals(\"return=minimal\")");
    let bad = text.replace("^image/", "(unclosed");
    let error = parse_file(Path::new("h.toml"), bad).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("header `Content-Type`: not a regular expression"),
        "{error}"
    );
    assert_eq!(error.location().unwrap().line, 8);
}

#[test]
fn parses_a_full_case() {
    let cases = parse(MINIMAL).unwrap();
    let case = &cases[0];
    assert_eq!(case.name, "create");
    assert_eq!(case.page.seed.as_deref(), Some("x.txt"));
    assert_eq!(case.setup[0].request.method, Method::Post);
    assert_eq!(case.setup[0].status, Some(201));
    assert_eq!(case.setup[0].request.capture[0].variable, "conversation-id");
    assert_eq!(case.request.json.as_deref(), Some(r#"{"topic":"t"}"#));
    assert_eq!(case.expect.required, vec!["/id", "/posts/0"]);
    assert_eq!(
        case.request.path.variables().collect::<Vec<_>>(),
        vec!["group-id", "conversation-id"]
    );
    assert!(case.expect.wants_body());
    assert_eq!(case.teardown.len(), 1);
}

#[test]
fn renders_templates_and_names_the_missing_variable() {
    let cases = parse(MINIMAL).unwrap();
    let path = &cases[0].request.path;
    let mut vars = HashMap::new();
    vars.insert("group-id".to_string(), "g".to_string());
    assert_eq!(
        path.render(&vars),
        Err(crate::suite::model::Unfilled("conversation-id".to_string()))
    );
    vars.insert("conversation-id".to_string(), "c".to_string());
    assert_eq!(
        path.render(&vars).unwrap(),
        "/v1.0/groups/g/conversations/c/threads"
    );
}

#[test]
fn unknown_key_is_reported_at_its_line() {
    let text = MINIMAL.replace("status = 201\nschema", "staus = 201\nschema");
    let err = parse(&text).unwrap_err();
    assert!(err.message().contains("unknown field `staus`"), "{err}");
    assert_eq!(err.location().unwrap().line, 24);
}

#[test]
fn invalid_json_body_is_reported_inside_the_case_file() {
    let text = MINIMAL.replace("{ \"topic\": \"t\" }", "{ \"topic\": t }");
    let err = parse(&text).unwrap_err();
    let loc = err.location().unwrap();
    assert!(err.message().starts_with("invalid JSON"), "{err}");
    assert_eq!((loc.line, loc.column), (20, 13), "{err}");
}

#[test]
fn rejects_bad_status_method_path_and_placeholder() {
    let bad_status = MINIMAL.replace("[case.expect]\nstatus = 201", "[case.expect]\nstatus = 999");
    assert!(
        parse(&bad_status)
            .unwrap_err()
            .message()
            .contains("not an HTTP status")
    );
    let bad_method = MINIMAL.replace("method = \"POST\"", "method = \"FETCH\"");
    assert!(
        parse(&bad_method)
            .unwrap_err()
            .message()
            .contains("unknown HTTP method")
    );
    let bad_path = MINIMAL.replace(
        "path = \"/v1.0/groups/{group-id}/conversations/{conversation-id}/threads\"",
        "path = \"v1.0/x\"",
    );
    assert!(
        parse(&bad_path)
            .unwrap_err()
            .message()
            .contains("must start with `/`")
    );
    let unclosed = MINIMAL.replace("{conversation-id}/threads", "{conversation-id/threads");
    assert!(
        parse(&unclosed)
            .unwrap_err()
            .message()
            .contains("unclosed placeholder")
    );
}

#[test]
fn a_body_on_a_no_content_status_is_a_contradiction() {
    let text = MINIMAL.replace("[case.expect]\nstatus = 201", "[case.expect]\nstatus = 204");
    let err = parse(&text).unwrap_err();
    assert!(err.message().contains("status 204 has no body"), "{err}");
}

#[test]
fn empty_file_and_file_without_cases_are_errors() {
    assert!(parse("").unwrap_err().message().contains("no [[case]]"));
    assert!(parse("[doc]\nseed = \"x\"\n").is_err());
}
