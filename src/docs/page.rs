//! Graph documentation pages: Markdown whose fenced code blocks carry JSON annotations in HTML
//! comments (`<!-- { "blockType": "request", "name": "..." } -->`). Parsed with pulldown-cmark,
//! keeping byte offsets so that import and lint can point into the page.

use std::ops::Range;
use std::path::{Path, PathBuf};

use pulldown_cmark::{CodeBlockKind, Event, HeadingLevel, Parser, Tag, TagEnd};
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
    /// Whether it stands in an "HTTP request" section: below such a heading, above the next
    /// heading of that level or higher (language tab headings end no section).
    pub in_request_section: bool,
}

/// A status the prose states ("returns `201 Created`").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProseStatus {
    pub status: u16,
    pub span: Range<usize>,
    pub role: StatusRole,
}

/// What the prose says a status means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StatusRole {
    /// What the operation returns when it succeeds ("If successful, … returns `201 Created`").
    Success,
    /// A status returned under a condition other than plain success ("returns `202 Accepted`
    /// when …", "If the `Prefer` header is used, … `204`"); the condition in lower case.
    Alternative(String),
    /// A failure ("If the shift doesn't exist, … `404 Not Found`").
    Failure,
}

#[derive(Debug, Clone)]
pub struct Page {
    pub path: PathBuf,
    pub text: String,
    pub title: Option<String>,
    pub blocks: Vec<Block>,
    pub prose_statuses: Vec<ProseStatus>,
    /// The "HTTP request" headings.
    pub request_headings: Vec<Range<usize>>,
}

/// The JSON inside an HTML comment, tolerating `<!--{`, `}-->` and comments over many lines.
fn comment_json(html: &str) -> Option<(Map<String, Value>, usize)> {
    let open = html.find("<!--")?;
    let inner_start = open + 4;
    let close = html[inner_start..].find("-->")? + inner_start;
    let inner = html[inner_start..close].trim();
    let parsed = serde_json::from_str::<Value>(inner)
        .or_else(|_| serde_json::from_str::<Value>(&without_trailing_commas(inner)));
    match parsed {
        Ok(Value::Object(map)) => Some((map, open)),
        _ => None,
    }
}

/// `text` without commas that close a list or object (`["a", "b",]`): annotations are read as
/// leniently as the documentation's own tools read them.
fn without_trailing_commas(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_string = false;
    let mut escaped = false;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if in_string {
            in_string = c != '"' || escaped;
            escaped = c == '\\' && !escaped;
        } else if c == '"' {
            in_string = true;
        } else if c == ',' && matches!(chars.clone().find(|n| !n.is_whitespace()), Some(']' | '}'))
        {
            continue;
        }
        out.push(c);
    }
    out
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
            if lang == "http" && crate::graph::Method::parse_exact(first).is_some() {
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

/// Reads a page: its code blocks with their annotations and sections, its title, and the
/// statuses its prose says an operation returns.
pub fn parse(path: &Path, text: String) -> Page {
    let mut reader = Reader::default();
    for (event, range) in Parser::new(&text).into_offset_iter() {
        reader.read(event, range);
    }
    reader.flush_html();
    let prose_statuses = with_roles(&text, std::mem::take(&mut reader.prose_statuses));
    let page_title = blocks_title(&text);
    Page {
        path: path.to_path_buf(),
        title: page_title.or(reader.title),
        text,
        blocks: reader.blocks,
        prose_statuses,
        request_headings: reader.request_headings,
    }
}

/// The role of each status from the words of its clause: from the previous status of its
/// sentence (or the sentence's start) to the next one (or the sentence's end).
fn with_roles(text: &str, found: Vec<(u16, Range<usize>, Range<usize>)>) -> Vec<ProseStatus> {
    let spans: Vec<Range<usize>> = found.iter().map(|(_, span, _)| span.clone()).collect();
    found
        .into_iter()
        .enumerate()
        .map(|(index, (status, span, paragraph))| {
            let start = paragraph.start.min(span.start);
            let end = paragraph.end.clamp(span.end, text.len());
            let previous_end = index
                .checked_sub(1)
                .map(|i| spans[i].end)
                .filter(|e| *e >= start && *e <= span.start)
                .unwrap_or(start);
            let next_start = spans
                .get(index + 1)
                .map(|s| s.start)
                .filter(|s| *s >= span.end && *s <= end)
                .unwrap_or(end);
            let before = &text[previous_end..span.start];
            let before = before.rfind(". ").map_or(before, |i| &before[i + 2..]);
            let after = &text[span.end..next_start];
            let after = after.find(". ").map_or(after, |i| &after[..i]);
            let clause = format!("{before} {after}").to_ascii_lowercase();
            ProseStatus {
                role: role_of(status, &clause),
                status,
                span,
            }
        })
        .collect()
}

fn role_of(status: u16, clause: &str) -> StatusRole {
    if status >= 400 {
        return StatusRole::Failure;
    }
    let words: Vec<&str> = clause
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let conditional = words
        .iter()
        .any(|w| matches!(*w, "if" | "when" | "unless" | "depending" | "whether"));
    let successful = words.iter().any(|w| w.starts_with("success"));
    if conditional && !successful {
        StatusRole::Alternative(clause.split_whitespace().collect::<Vec<_>>().join(" "))
    } else {
        StatusRole::Success
    }
}

/// A code block being read: its language, span, content, and where the content starts.
struct OpenCode {
    lang: String,
    span: Range<usize>,
    content: String,
    content_start: Option<usize>,
}

/// A heading being read.
struct OpenHeading {
    level: HeadingLevel,
    text: String,
    span: Range<usize>,
    /// A language tab (`# [HTTP](#tab/http)`): it names a tab, not a section.
    tab: bool,
}

/// What the reader of a page knows so far, fed one Markdown event at a time.
#[derive(Default)]
struct Reader {
    blocks: Vec<Block>,
    /// Status, its span, the span of its paragraph.
    prose_statuses: Vec<(u16, Range<usize>, Range<usize>)>,
    title: Option<String>,
    section: String,
    heading: Option<OpenHeading>,
    /// The level of the "HTTP request" heading whose section is being read.
    request_level: Option<HeadingLevel>,
    request_headings: Vec<Range<usize>>,
    /// The last annotation seen, until something other than a code block follows it.
    pending: Option<Annotation>,
    html: String,
    html_start: usize,
    code: Option<OpenCode>,
    /// The span of the paragraph being read.
    paragraph: Option<Range<usize>>,
    said_returns: bool,
}

impl Reader {
    fn read(&mut self, event: Event<'_>, range: Range<usize>) {
        let is_html = matches!(event, Event::Html(_) | Event::InlineHtml(_));
        if !is_html && !self.html.is_empty() {
            self.flush_html();
        }
        match event {
            Event::Html(fragment) | Event::InlineHtml(fragment) => {
                if self.html.is_empty() {
                    self.html_start = range.start;
                }
                self.html.push_str(&fragment);
            }
            Event::Start(Tag::Heading { level, .. }) => {
                self.heading = Some(OpenHeading {
                    level,
                    text: String::new(),
                    span: range,
                    tab: false,
                });
            }
            Event::Start(Tag::Link { dest_url, .. }) if dest_url.starts_with("#tab/") => {
                if let Some(heading) = self.heading.as_mut() {
                    heading.tab = true;
                }
            }
            Event::End(TagEnd::Heading(_)) => self.end_heading(),
            Event::Start(Tag::Paragraph) => {
                self.paragraph = Some(range);
                self.said_returns = false;
            }
            Event::End(TagEnd::Paragraph) => self.paragraph = None,
            Event::Start(Tag::CodeBlock(kind)) => {
                let lang = match kind {
                    CodeBlockKind::Fenced(info) => info
                        .split_whitespace()
                        .next()
                        .unwrap_or("")
                        .to_ascii_lowercase(),
                    CodeBlockKind::Indented => String::new(),
                };
                self.code = Some(OpenCode {
                    lang,
                    span: range,
                    content: String::new(),
                    content_start: None,
                });
            }
            Event::Text(fragment) => self.text(&fragment, range),
            Event::Code(fragment) => self.inline_code(&fragment, range),
            Event::End(TagEnd::CodeBlock) => self.end_code_block(),
            Event::Start(Tag::List(_) | Tag::Table(_) | Tag::BlockQuote(_)) => self.pending = None,
            _ => {}
        }
    }

    /// An HTML comment holding JSON is the annotation of the code block that follows it.
    fn flush_html(&mut self) {
        if let Some((fields, at)) = comment_json(&self.html) {
            let start = self.html_start + at;
            let end = start
                + self.html[at..]
                    .find("-->")
                    .map_or(self.html.len() - at, |i| i + 3);
            self.pending = Some(Annotation {
                fields,
                span: start..end,
            });
        }
        self.html.clear();
    }

    fn end_heading(&mut self) {
        if let Some(heading) = self.heading.take() {
            let text = heading.text.trim();
            if heading.level == HeadingLevel::H1 && self.title.is_none() {
                self.title = Some(text.to_string());
            }
            if !heading.tab {
                if text.to_ascii_lowercase().contains("http request") {
                    self.request_level = Some(heading.level);
                    self.request_headings.push(heading.span);
                } else if self.request_level.is_some_and(|l| heading.level <= l) {
                    self.request_level = None;
                }
            }
            self.section = text.to_string();
        }
        // An annotation may stand above the `##### Request` heading of its block: kept.
    }

    fn text(&mut self, fragment: &str, range: Range<usize>) {
        if let Some(code) = self.code.as_mut() {
            code.content_start.get_or_insert(range.start);
            code.content.push_str(fragment);
        } else if let Some(heading) = self.heading.as_mut() {
            heading.text.push_str(fragment);
        } else if self.paragraph.is_some() {
            let lower = fragment.to_ascii_lowercase();
            if lower.contains("return") || lower.contains("respond") {
                self.said_returns = true;
            }
        }
    }

    /// Inline code: part of a heading, or a status the prose says is returned.
    fn inline_code(&mut self, fragment: &str, range: Range<usize>) {
        if let Some(heading) = self.heading.as_mut() {
            heading.text.push_str(fragment);
        } else if let Some(paragraph) = &self.paragraph
            && self.said_returns
            && let Some(status) = status_in_code(fragment)
        {
            self.prose_statuses.push((status, range, paragraph.clone()));
        }
    }

    fn end_code_block(&mut self) {
        let Some(code) = self.code.take() else {
            return;
        };
        let annotation = self.pending.take();
        let http_or_json = matches!(code.lang.as_str(), "http" | "json");
        // A listing of request lines in another language (or none) under "HTTP request" is
        // read as the ignored listing it is.
        let first = code.content.split_whitespace().next().unwrap_or("");
        let listing = annotation.is_none()
            && !http_or_json
            && self.request_level.is_some()
            && crate::graph::Method::parse_exact(first).is_some();
        let kind = if listing {
            BlockKind::Ignored
        } else {
            kind_of(annotation.as_ref(), &code.lang, &code.content)
        };
        if annotation.is_some() || http_or_json || listing {
            self.blocks.push(Block {
                kind,
                annotation,
                content_start: code.content_start.unwrap_or(code.span.start),
                lang: code.lang,
                content: code.content,
                span: code.span,
                section: self.section.clone(),
                in_request_section: self.request_level.is_some(),
            });
        }
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

/// Gives blocks without annotations the kind a reader would (`import --unannotated`): an
/// `http` block that starts with a method line is a request — a syntax listing when it stands
/// under an "HTTP request" heading — and the next `http` block that starts with a status line,
/// or `json` block under a "Response" heading, is its response. True when a pair was made.
pub fn pair_unannotated(page: &mut Page) -> bool {
    let mut waiting = false;
    let mut paired = false;
    for block in &mut page.blocks {
        if block.kind != BlockKind::Unannotated {
            continue;
        }
        let first = block.content.split_whitespace().next().unwrap_or("");
        let section = block.section.to_ascii_lowercase();
        let lang = block.lang.to_ascii_lowercase();
        if lang == "http" && crate::graph::Method::parse_exact(first).is_some() {
            if section.contains("http request") {
                block.kind = BlockKind::Ignored;
            } else {
                block.kind = BlockKind::Request;
                waiting = true;
            }
        } else if waiting
            && ((lang == "http" && first.starts_with("HTTP/"))
                || (lang == "json" && section.contains("response")))
        {
            block.kind = BlockKind::Response;
            waiting = false;
            paired = true;
        }
    }
    paired
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
                if word.starts_with("HTTP/") || crate::graph::Method::parse_exact(word).is_some() {
                    message.start_line = Some((trimmed.to_string(), offset));
                    offset += line.len();
                    continue;
                }
            }
            // A blank line right after the start line, before any header, is the page's
            // spacing (`POST …`, blank, `Content-type: …`, blank, the body): headers follow.
            let spacing = message.start_line.is_some() && message.headers.is_empty();
            if in_headers && trimmed.is_empty() && !spacing {
                in_headers = false;
                offset += line.len();
                continue;
            }
            if in_headers && trimmed.is_empty() {
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
mod tests;
