use super::*;

const PAGE: &str = r#"# Make widget

Makes a widget.

## HTTP request
<!-- { "blockType": "ignored" } -->
```http
POST /groups/{id}/widgets
```

## Response
If successful, this method returns `201 Created` and a widget.

##### Request
<!--{
  "blockType": "request",
  "name": "make_widget"
}-->
``` http
POST https://graph.microsoft.com/v1.0/groups/{id}/widgets
Content-type: application/json

{ "topic": "t" }
```
<!-- { "blockType": "response", "truncated": true, "@odata.type": "microsoft.graph.widget" } -->
```http
HTTP/1.1 201 Created
Content-type: application/json
{
  "id": "1"
}
```

```json
{ "loose": true }
```
"#;

#[test]
fn finds_annotated_blocks_prose_status_and_title() {
    let page = parse(Path::new("p.md"), PAGE.to_string());
    assert_eq!(page.title.as_deref(), Some("Make widget"));
    let kinds: Vec<BlockKind> = page.blocks.iter().map(|b| b.kind).collect();
    assert_eq!(
        kinds,
        vec![
            BlockKind::Ignored,
            BlockKind::Request,
            BlockKind::Response,
            BlockKind::Unannotated
        ]
    );
    assert_eq!(
        page.blocks[1].annotation.as_ref().unwrap().str("name"),
        Some("make_widget")
    );
    assert_eq!(page.prose_statuses.len(), 1);
    assert_eq!(page.prose_statuses[0].status, 201);
    assert_eq!(
        &page.text[page.prose_statuses[0].span.clone()],
        "`201 Created`"
    );
}

#[test]
fn a_request_section_ends_at_a_heading_of_its_level_not_at_a_tab_or_subheading() {
    let text = "# P\n\n## HTTP request\n\n### For a user\n\n```http\nGET /users/{id}\n```\n\n\
# [HTTP](#tab/http)\n\n```\nGET /me\n```\n\n## Example\n\n```http\nGET /v1.0/me\n```\n";
    let page = parse(Path::new("p.md"), text.to_string());
    let inside: Vec<(bool, BlockKind)> = page
        .blocks
        .iter()
        .map(|b| (b.in_request_section, b.kind))
        .collect();
    assert_eq!(
        inside,
        vec![
            (true, BlockKind::Unannotated),
            (true, BlockKind::Ignored),
            (false, BlockKind::Unannotated)
        ],
        "a listing without a language under the heading is kept as ignored"
    );
    assert_eq!(page.request_headings.len(), 1);
}

#[test]
fn tells_success_alternative_and_failure_statuses_apart() {
    let text = "# P\n\n## Response\n\nIf successful, this method returns `200 OK`, or `206 Partial Content` if a provider times out. \
If the item doesn't exist, it returns `404 Not Found`. This method returns `202 Accepted` when the work is queued.\n";
    let page = parse(Path::new("p.md"), text.to_string());
    let roles: Vec<(u16, bool, bool)> = page
        .prose_statuses
        .iter()
        .map(|p| {
            (
                p.status,
                p.role == StatusRole::Success,
                p.role == StatusRole::Failure,
            )
        })
        .collect();
    assert_eq!(
        roles,
        vec![
            (200, true, false),
            (206, false, false),
            (404, false, true),
            (202, false, false)
        ]
    );
    match &page.prose_statuses[1].role {
        StatusRole::Alternative(condition) => {
            assert!(condition.contains("provider times out"), "{condition}")
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn annotations_may_close_a_list_with_a_comma() {
    assert_eq!(
        without_trailing_commas(r#"{ "name": ["a", "b" ,], "x": "1,]", }"#),
        r#"{ "name": ["a", "b" ], "x": "1,]" }"#
    );
    let page = parse(
            Path::new("p.md"),
            "<!-- { \"blockType\": \"response\", \"name\": [\"a\",] } -->\n```http\nHTTP/1.1 200 OK\n```\n".to_string(),
        );
    assert_eq!(page.blocks[0].kind, BlockKind::Response);
}

#[test]
fn reads_request_lines_with_spaces_in_placeholders() {
    assert_eq!(
        request_line("POST /users/<id | userPrincipalName>/joinedGroups/<id>/threads"),
        Some((
            "POST",
            "/users/<id | userPrincipalName>/joinedGroups/<id>/threads"
        ))
    );
    assert_eq!(
        request_line("GET https://h/v1.0/me HTTP/1.1"),
        Some(("GET", "https://h/v1.0/me"))
    );
    assert_eq!(request_line("GET"), None);
}

#[test]
fn splits_http_messages_with_offsets() {
    let page = parse(Path::new("p.md"), PAGE.to_string());
    let request = http_message(&page.blocks[1]);
    let (line, at) = request.start_line.unwrap();
    assert_eq!(
        line,
        "POST https://graph.microsoft.com/v1.0/groups/{id}/widgets"
    );
    assert!(page.text[at..].starts_with("POST https://"));
    assert_eq!(request.headers[0].0, "Content-type");
    let (body, at) = request.body.unwrap();
    assert_eq!(body, "{ \"topic\": \"t\" }");
    assert!(page.text[at..].starts_with("{ \"topic\""));
    let response = http_message(&page.blocks[2]);
    assert_eq!(response.start_line.unwrap().0, "HTTP/1.1 201 Created");
    assert!(
        response.body.unwrap().0.contains("\"id\": \"1\""),
        "no blank line before the body"
    );
}

#[test]
fn a_blank_line_between_the_start_line_and_the_headers_is_spacing() {
    let text = "```http\nPOST https://graph.microsoft.com/v1.0/me/calendars\n\nContent-type: application/json\n\n{\"name\": \"n\"}\n```\n```http\nPOST https://graph.microsoft.com/v1.0/me/calendars\n\n{\"name\": \"n\"}\n```\n";
    let page = parse(Path::new("p.md"), text.to_string());
    for block in &page.blocks {
        let request = http_message(block);
        assert_eq!(request.body.unwrap().0, "{\"name\": \"n\"}");
    }
    let spaced = http_message(&page.blocks[0]);
    assert_eq!(spaced.headers[0].1, "application/json");
}
