//! Graph documentation pages: Markdown whose fenced code blocks carry JSON annotations in HTML
//! comments (`<!-- { "blockType": "request", "name": "..." } -->`). Parsed with pulldown-cmark,
//! keeping byte offsets so that import and lint can point into the page.

use std::ops::Range;
use std::path::{Path, PathBuf};

use pulldown_cmark::{CodeBlockKind, Event, Parser, Tag, TagEnd};
use serde_json::{Map, Value};

/// What an annotated block is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockKind {
    Request,
    Response,
    Ignored,
    /// `resource` and `example` blocks: kept for reference, not turned into cases.
    Reference,
    /// An `http` or `json` block with no annotation.
    Unannotated,
}

#[derive(Debug, Clone)]
pub struct Annotation {
    pub fields: Map<String, Value>,
    pub span: Range<usize>,
}

impl Annotation {
    pub fn str(&self, key: &str) -> Option<&str> {
        self.fields.get(key).and_then(Value::as_str)
    }
}

/// A fenced code block of the page.
#[derive(Debug, Clone)]
pub struct Block {
    pub kind: BlockKind,
    pub annotation: Option<Annotation>,
    /// The fence's info string (`http`, `json`).
    pub lang: String,
    pub content: String,
    /// Byte offset of `content` in the page.
    pub content_start: usize,
    /// The whole block, fences included.
    pub span: Range<usize>,
    /// The heading the block stands under.
    pub section: String,
}

/// A status the prose states ("returns `201 Created`").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProseStatus {
    pub status: u16,
    pub span: Range<usize>,
}

#[derive(Debug, Clone)]
pub struct Page {
    pub path: PathBuf,
    pub text: String,
    pub title: Option<String>,
    pub blocks: Vec<Block>,
    pub prose_statuses: Vec<ProseStatus>,
}

/// The JSON inside an HTML comment, tolerating `<!--{`, `}-->` and comments over many lines.
fn comment_json(html: &str) -> Option<(Map<String, Value>, usize)> {
    let open = html.find("<!--")?;
    let inner_start = open + 4;
    let close = html[inner_start..].find("-->")? + inner_start;
    let inner = html[inner_start..close].trim();
    match serde_json::from_str::<Value>(inner) {
        Ok(Value::Object(map)) => Some((map, open)),
        _ => None,
    }
}

/// The kind a block's annotation (or, without `blockType`, its shape) gives it.
fn kind_of(annotation: Option<&Annotation>, lang: &str, content: &str) -> BlockKind {
    let Some(annotation) = annotation else {
        return BlockKind::Unannotated;
    };
    match annotation.str("blockType") {
        Some("request") => BlockKind::Request,
        Some("response") => BlockKind::Response,
        Some("ignored") => BlockKind::Ignored,
        Some(_) => BlockKind::Reference,
        None => {
            let first = content.split_whitespace().next().unwrap_or("");
            if lang == "http" && crate::suite::model::is_method(first) {
                BlockKind::Request
            } else if first.starts_with("HTTP/")
                || annotation.fields.contains_key("@odata.type")
                || annotation.fields.contains_key("truncated")
            {
                BlockKind::Response
            } else {
                BlockKind::Reference
            }
        }
    }
}

/// The status a piece of inline code states: `201 Created`, `201, Created`, `204`.
fn status_in_code(code: &str) -> Option<u16> {
    let digits: String = code
        .trim()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    match digits.parse::<u16>() {
        Ok(status) if digits.len() == 3 && (100..=599).contains(&status) => Some(status),
        _ => None,
    }
}

pub fn parse(path: &Path, text: String) -> Page {
    let mut blocks = Vec::new();
    let mut prose_statuses = Vec::new();
    let mut title = None;
    let mut section = String::new();
    let mut heading: Option<(pulldown_cmark::HeadingLevel, String)> = None;
    // The last annotation seen, until something other than a code block follows it.
    let mut pending: Option<Annotation> = None;
    let mut html = String::new();
    let mut html_start = 0;
    let mut code: Option<(String, Range<usize>, String, usize)> = None;
    let mut in_paragraph = false;
    let mut said_returns = false;

    let flush_html = |html: &mut String, html_start: usize, pending: &mut Option<Annotation>| {
        if let Some((fields, at)) = comment_json(html) {
            let start = html_start + at;
            let end = start + html[at..].find("-->").map_or(html.len() - at, |i| i + 3);
            *pending = Some(Annotation {
                fields,
                span: start..end,
            });
        }
        html.clear();
    };

    for (event, range) in Parser::new(&text).into_offset_iter() {
        let is_html = matches!(event, Event::Html(_) | Event::InlineHtml(_));
        if !is_html && !html.is_empty() {
            flush_html(&mut html, html_start, &mut pending);
        }
        match event {
            Event::Html(fragment) | Event::InlineHtml(fragment) => {
                if html.is_empty() {
                    html_start = range.start;
                }
                html.push_str(&fragment);
            }
            Event::Start(Tag::Heading { level, .. }) => heading = Some((level, String::new())),
            Event::End(TagEnd::Heading(_)) => {
                if let Some((level, text)) = heading.take() {
                    if level == pulldown_cmark::HeadingLevel::H1 && title.is_none() {
                        title = Some(text.trim().to_string());
                    }
                    section = text.trim().to_string();
                }
                pending = None;
            }
            Event::Start(Tag::Paragraph) => {
                in_paragraph = true;
                said_returns = false;
            }
            Event::End(TagEnd::Paragraph) => in_paragraph = false,
            Event::Start(Tag::CodeBlock(kind)) => {
                let lang = match kind {
                    CodeBlockKind::Fenced(info) => info
                        .split_whitespace()
                        .next()
                        .unwrap_or("")
                        .to_ascii_lowercase(),
                    CodeBlockKind::Indented => String::new(),
                };
                code = Some((lang, range.clone(), String::new(), usize::MAX));
            }
            Event::Text(fragment) => {
                if let Some((_, _, content, start)) = code.as_mut() {
                    if *start == usize::MAX {
                        *start = range.start;
                    }
                    content.push_str(&fragment);
                } else if let Some((_, heading_text)) = heading.as_mut() {
                    heading_text.push_str(&fragment);
                } else if in_paragraph && fragment.to_ascii_lowercase().contains("return") {
                    said_returns = true;
                }
            }
            Event::Code(fragment) => {
                if let Some((_, heading_text)) = heading.as_mut() {
                    heading_text.push_str(&fragment);
                } else if in_paragraph
                    && said_returns
                    && let Some(status) = status_in_code(&fragment)
                {
                    prose_statuses.push(ProseStatus {
                        status,
                        span: range.clone(),
                    });
                    said_returns = false;
                }
            }
            Event::End(TagEnd::CodeBlock) => {
                if let Some((lang, span, content, start)) = code.take() {
                    let annotation = pending.take();
                    let content_start = if start == usize::MAX {
                        span.start
                    } else {
                        start
                    };
                    let kind = kind_of(annotation.as_ref(), &lang, &content);
                    if annotation.is_some() || matches!(lang.as_str(), "http" | "json") {
                        blocks.push(Block {
                            kind,
                            annotation,
                            lang,
                            content,
                            content_start,
                            span,
                            section: section.clone(),
                        });
                    }
                }
            }
            Event::Start(Tag::List(_) | Tag::Table(_) | Tag::BlockQuote(_)) => pending = None,
            _ => {}
        }
    }
    if !html.is_empty() {
        flush_html(&mut html, html_start, &mut pending);
    }
    let page_title = blocks_title(&text);
    Page {
        path: path.to_path_buf(),
        title: page_title.or(title),
        text,
        blocks,
        prose_statuses,
    }
}

/// The page annotation's description (`"type": "#page.annotation"`), when there is one.
fn blocks_title(text: &str) -> Option<String> {
    let mut rest = text;
    while let Some(open) = rest.find("<!--") {
        let Some((fields, _)) = comment_json(&rest[open..]) else {
            rest = &rest[open + 4..];
            continue;
        };
        if fields.get("type").and_then(Value::as_str) == Some("#page.annotation") {
            return fields
                .get("description")
                .and_then(Value::as_str)
                .filter(|d| !d.is_empty())
                .map(str::to_string);
        }
        rest = &rest[open + 4..];
    }
    None
}

/// The method and target of a request line (`POST /users/<id | upn>/x HTTP/1.1`); the
/// target may hold spaces inside `<...>` placeholders.
pub fn request_line(line: &str) -> Option<(&str, &str)> {
    let line = line.trim();
    let (method, rest) = line.split_once(char::is_whitespace)?;
    let mut target = rest.trim();
    if let Some((before, version)) = target.rsplit_once(' ')
        && version.starts_with("HTTP/")
    {
        target = before.trim_end();
    }
    (!target.is_empty()).then_some((method, target))
}

/// An HTTP message of a code block: start line, headers, body, with offsets into the page.
#[derive(Debug, Clone, Default)]
pub struct HttpMessage {
    pub start_line: Option<(String, usize)>,
    pub headers: Vec<(String, String, usize)>,
    pub body: Option<(String, usize)>,
}

/// Splits an `http` block: optional start line, headers, then the body (a blank line or a line
/// starting `{` or `[` ends the headers).
pub fn http_message(block: &Block) -> HttpMessage {
    let mut message = HttpMessage::default();
    let mut offset = block.content_start;
    let mut lines = block.content.split_inclusive('\n').peekable();
    // Leading blank lines.
    while let Some(line) = lines.peek() {
        if line.trim().is_empty() {
            offset += line.len();
            lines.next();
        } else {
            break;
        }
    }
    let mut in_headers = true;
    let mut first = true;
    let mut body_start = None;
    for line in lines {
        let trimmed = line.trim();
        if body_start.is_none() {
            if first {
                first = false;
                let word = trimmed.split_whitespace().next().unwrap_or("");
                if word.starts_with("HTTP/") || crate::suite::model::is_method(word) {
                    message.start_line = Some((trimmed.to_string(), offset));
                    offset += line.len();
                    continue;
                }
            }
            if in_headers && trimmed.is_empty() {
                in_headers = false;
                offset += line.len();
                continue;
            }
            if in_headers
                && !trimmed.starts_with('{')
                && !trimmed.starts_with('[')
                && let Some((name, value)) = trimmed.split_once(':')
            {
                message
                    .headers
                    .push((name.trim().to_string(), value.trim().to_string(), offset));
                offset += line.len();
                continue;
            }
            body_start = Some(offset);
        }
        offset += line.len();
    }
    if let Some(start) = body_start {
        let body = &block.content[start - block.content_start..];
        if !body.trim().is_empty() {
            message.body = Some((body.trim_end().to_string(), start));
        }
    }
    message
}

#[cfg(test)]
mod tests {
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
}
