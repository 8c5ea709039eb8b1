//! OneNote as Graph keeps it. Notebooks, section groups, sections and pages are one set of
//! entities: a section made in a notebook is also one of `onenote/sections`, a page made in a
//! section one of `onenote/pages`. A page is created from HTML — `text/html`,
//! `application/xhtml+xml`, or `multipart/form-data` whose `Presentation` part is the HTML —
//! and answers with the HTML's `<title>`; its `content` is that HTML.

use serde_json::{Map, Value, json};

use crate::mock::generic::entities::Entities;
use crate::mock::generic::incoming::Incoming;

/// The collections of `onenote` that hold every entity of their kind.
const EVERY: &[&str] = &["notebooks", "sectionGroups", "sections", "pages"];

/// After an entity is made inside a OneNote hierarchy: it is one of its kind's collection of
/// the `onenote` it is in, too.
pub fn after_create(store: &mut Entities, created: &str) {
    let Some(at) = created.find("/onenote/") else {
        return;
    };
    let onenote = &created[..at + "/onenote".len()];
    let Some((collection, _)) = created.rsplit_once('/') else {
        return;
    };
    let kind = collection.rsplit('/').next().unwrap_or_default();
    let every = format!("{onenote}/{kind}");
    if EVERY.contains(&kind) && collection != every {
        store.link(&every, created);
    }
}

/// A page as its HTML makes it, when the request sends one (by its media type).
pub struct Page {
    pub body: Map<String, Value>,
    pub html: Vec<u8>,
}

/// The page a request's HTML makes; `None` when the request sends JSON or no HTML at all.
pub fn page(exchange: &Incoming) -> Option<Page> {
    let media_type = exchange.media_type();
    let base = media_type.split(';').next().unwrap_or_default().trim();
    let html = match base.to_ascii_lowercase().as_str() {
        "text/html" | "application/xhtml+xml" => exchange.body.clone(),
        "multipart/form-data" => presentation(exchange)?,
        _ => return None,
    };
    let text = String::from_utf8_lossy(&html);
    let mut body = Map::new();
    body.insert("title".into(), json!(title(&text)));
    Some(Page { body, html })
}

/// The text of an HTML document's `<title>`, empty when it has none.
fn title(html: &str) -> String {
    let lower = html.to_ascii_lowercase();
    let Some(open) = lower.find("<title") else {
        return String::new();
    };
    let Some(start) = lower[open..].find('>').map(|i| open + i + 1) else {
        return String::new();
    };
    let end = lower[start..]
        .find("</title")
        .map_or(html.len(), |i| start + i);
    html[start..end].trim().to_string()
}

/// The `Presentation` part of a multipart body.
fn presentation(exchange: &Incoming) -> Option<Vec<u8>> {
    let content_type = exchange
        .headers
        .get(axum::http::header::CONTENT_TYPE)?
        .to_str()
        .ok()?;
    let boundary = content_type
        .split(';')
        .filter_map(|p| p.trim().split_once('='))
        .find(|(name, _)| name.eq_ignore_ascii_case("boundary"))?
        .1
        .trim_matches('"');
    parts(&exchange.body, boundary)
        .into_iter()
        .find(|(headers, _)| {
            headers
                .to_ascii_lowercase()
                .contains("name=\"presentation\"")
        })
        .map(|(_, content)| content.to_vec())
}

/// The parts of a multipart body: each one's headers, as text, and its content.
fn parts<'b>(body: &'b [u8], boundary: &str) -> Vec<(String, &'b [u8])> {
    let delimiter = format!("--{boundary}");
    let mut parts = Vec::new();
    let mut rest = body;
    while let Some(at) = find(rest, delimiter.as_bytes()) {
        let after = &rest[at + delimiter.len()..];
        if after.starts_with(b"--") {
            break;
        }
        let Some(next) = find(after, delimiter.as_bytes()) else {
            break;
        };
        let part = &after[..next];
        let part = part.strip_prefix(b"\r\n").unwrap_or(part);
        let part = part.strip_suffix(b"\r\n").unwrap_or(part);
        if let Some(split) = find(part, b"\r\n\r\n") {
            let headers = String::from_utf8_lossy(&part[..split]).into_owned();
            parts.push((headers, &part[split + 4..]));
        }
        rest = &after[next..];
    }
    parts
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_is_titled_by_its_html() {
        assert_eq!(
            title("<html><head><TITLE> Plans </TITLE></head></html>"),
            "Plans"
        );
        assert_eq!(title("Sample page content"), "");
    }

    #[test]
    fn the_presentation_part_of_a_multipart_body_is_found() {
        let body = b"--b1\r\nContent-Disposition: form-data; name=\"Presentation\"\r\nContent-Type: text/html\r\n\r\n<title>New</title>\r\n--b1\r\nContent-Disposition: form-data; name=\"fileBlock1\"\r\n\r\n\x89PNG\r\n--b1--\r\n";
        let found = parts(body, "b1");
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].1, b"<title>New</title>");
        assert_eq!(found[1].1, b"\x89PNG");
    }

    #[test]
    fn a_section_made_in_a_notebook_is_one_of_every_section() {
        let mut store = Entities::default();
        let mut body = Map::new();
        body.insert("id".into(), json!("s1"));
        let notebook_sections = "/users/u/onenote/notebooks/n1/sections";
        let made = store.insert(
            notebook_sections,
            crate::mock::generic::entities::Entity::new("microsoft.graph.onenoteSection", body),
        );
        after_create(&mut store, &made);
        assert_eq!(store.get("/users/u/onenote/sections/s1"), store.get(&made));
    }
}
