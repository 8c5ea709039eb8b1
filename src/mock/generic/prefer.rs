//! The `outlook.*` preferences a request states in `Prefer`, applied to its answer:
//! `outlook.timezone` converts every `dateTimeTimeZone` (`{dateTime, timeZone}`) to the zone
//! it names, `outlook.body-content-type` answers item bodies as text or HTML. Each applied
//! preference is named in `Preference-Applied`; one that was not applied is not claimed.

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::Response;
use serde_json::Value;

use crate::mock::generic::zones::{self, Zone};

/// The most of an answer read to apply preferences to it.
const MOST: usize = 64 * 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BodyType {
    Text,
    Html,
}

/// The `outlook.*` preferences of a request that the server applies.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Outlook {
    timezone: Option<Zone>,
    body: Option<BodyType>,
}

impl Outlook {
    /// The preferences of the `Prefer` headers (`outlook.timezone= "pacific standard time"`:
    /// names without regard to case or blanks, values quoted or not).
    pub fn read(headers: &HeaderMap) -> Self {
        let mut outlook = Outlook::default();
        let preferences = headers
            .get_all("prefer")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','));
        for preference in preferences {
            let Some((name, value)) = preference.split_once('=') else {
                continue;
            };
            let value = value.trim().trim_matches('"').trim();
            match name.trim().to_ascii_lowercase().as_str() {
                "outlook.timezone" => outlook.timezone = zones::named(value),
                "outlook.body-content-type" => {
                    outlook.body = match value.to_ascii_lowercase().as_str() {
                        "text" => Some(BodyType::Text),
                        "html" => Some(BodyType::Html),
                        _ => None,
                    }
                }
                _ => {}
            }
        }
        outlook
    }

    fn is_empty(&self) -> bool {
        self.timezone.is_none() && self.body.is_none()
    }

    /// `Preference-Applied`'s words for what was applied.
    fn applied(&self) -> Vec<String> {
        let zone = self
            .timezone
            .map(|zone| format!("outlook.timezone=\"{}\"", zone.name));
        let body = self.body.map(|body| {
            let name = if body == BodyType::Text {
                "text"
            } else {
                "html"
            };
            format!("outlook.body-content-type=\"{name}\"")
        });
        zone.into_iter().chain(body).collect()
    }

    /// `value` as the preferences ask, throughout.
    fn apply(&self, value: &mut Value) {
        match value {
            Value::Object(object) => {
                if let Some(to) = self.timezone {
                    converted(object, to);
                }
                if let Some(body) = self.body {
                    for name in ["body", "uniqueBody"] {
                        if let Some(Value::Object(item)) = object.get_mut(name) {
                            retyped(item, body);
                        }
                    }
                }
                object.values_mut().for_each(|v| self.apply(v));
            }
            Value::Array(items) => items.iter_mut().for_each(|v| self.apply(v)),
            _ => {}
        }
    }
}

/// `response` with the preferences applied to its JSON body, and named as applied.
pub async fn answered(outlook: &Outlook, response: Response) -> Response {
    let json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if outlook.is_empty() || !response.status().is_success() || !json {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MOST).await else {
        return Response::from_parts(parts, Body::empty());
    };
    let body = match serde_json::from_slice::<Value>(&bytes) {
        Ok(mut value) => {
            outlook.apply(&mut value);
            Body::from(value.to_string())
        }
        Err(_) => Body::from(bytes),
    };
    parts.headers.remove(header::CONTENT_LENGTH);
    name_applied(&mut parts.headers, outlook.applied());
    Response::from_parts(parts, body)
}

/// Says in `Preference-Applied` that `applied` were, whatever a page's example shows; other
/// preferences applied (`return=representation`) stay.
fn name_applied(headers: &mut HeaderMap, applied: Vec<String>) {
    let kept = headers
        .get("preference-applied")
        .and_then(|v| v.to_str().ok())
        .into_iter()
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|p| !p.is_empty() && !p.to_ascii_lowercase().starts_with("outlook."))
        .map(str::to_string);
    let all: Vec<String> = kept.chain(applied).collect();
    if let Ok(value) = HeaderValue::from_str(&all.join(", ")) {
        headers.insert("preference-applied", value);
    }
}

/// A `{dateTime, timeZone}` pair in a zone the server knows, moved to `to`.
fn converted(object: &mut serde_json::Map<String, Value>, to: Zone) {
    let (Some(Value::String(date_time)), Some(Value::String(zone))) =
        (object.get("dateTime"), object.get("timeZone"))
    else {
        return;
    };
    let Some(from) = zones::named(zone) else {
        return;
    };
    if let Some(moved) = zones::convert(date_time, from, to) {
        object.insert("dateTime".into(), Value::String(moved));
        object.insert("timeZone".into(), Value::String(to.name.into()));
    }
}

/// An item body (`{contentType, content}`) as text or HTML.
fn retyped(item: &mut serde_json::Map<String, Value>, to: BodyType) {
    let (Some(Value::String(kind)), Some(Value::String(content))) =
        (item.get("contentType"), item.get("content"))
    else {
        return;
    };
    let content = match (kind.to_ascii_lowercase().as_str(), to) {
        ("html", BodyType::Text) => html_text(content),
        ("text", BodyType::Html) => format!(
            "<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\"></head><body>{}</body></html>",
            escaped(content).replace('\n', "<br>")
        ),
        _ => return,
    };
    let kind = if to == BodyType::Text { "text" } else { "html" };
    item.insert("contentType".into(), Value::String(kind.into()));
    item.insert("content".into(), Value::String(content));
}

/// The text of an HTML document: what is between tags, outside `head`, `style` and `script`,
/// with the common entities read and blanks collapsed.
pub fn html_text(html: &str) -> String {
    let mut text = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        text.push_str(&rest[..open]);
        let tag_end = rest[open..]
            .find('>')
            .map_or(rest.len(), |end| open + end + 1);
        let tag = rest[open..tag_end].to_ascii_lowercase();
        rest = &rest[tag_end..];
        let skipped = ["head", "style", "script", "title"]
            .into_iter()
            .find(|name| tag.starts_with(&format!("<{name}")) && !tag.ends_with("/>"));
        if let Some(name) = skipped {
            let close = format!("</{name}");
            let end = rest.to_ascii_lowercase().find(&close).unwrap_or(rest.len());
            rest = &rest[end..];
        } else if tag.starts_with("<br") || tag.starts_with("<p") || tag.starts_with("</p") {
            text.push(' ');
        }
    }
    text.push_str(rest);
    let decoded = text
        .replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&");
    decoded.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn escaped(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn outlook(prefer: &str) -> Outlook {
        let mut headers = HeaderMap::new();
        headers.insert("prefer", HeaderValue::from_str(prefer).unwrap());
        Outlook::read(&headers)
    }

    #[test]
    fn every_date_time_in_a_zone_moves_to_the_preferred_one() {
        let preferred = outlook("outlook.timezone= \"pacific standard time\", odata.maxpagesize=2");
        let mut page = json!({"value": [{
            "start": {"dateTime": "2026-01-15T18:00:00.0000000", "timeZone": "UTC"},
            "end": {"dateTime": "2026-01-15T19:00:00.0000000", "timeZone": "Mars"},
            "subject": "s"
        }]});
        preferred.apply(&mut page);
        assert_eq!(
            page["value"][0]["start"],
            json!({"dateTime": "2026-01-15T10:00:00.0000000", "timeZone": "Pacific Standard Time"})
        );
        assert_eq!(
            page["value"][0]["end"]["timeZone"], "Mars",
            "a zone it does not know stays"
        );
        assert_eq!(
            preferred.applied(),
            ["outlook.timezone=\"Pacific Standard Time\""]
        );
        assert!(
            outlook("outlook.timezone=\"Mars\"").is_empty(),
            "not applied, not claimed"
        );
    }

    #[test]
    fn bodies_are_answered_as_text_or_html() {
        let mut message = json!({"body": {"contentType": "html",
            "content": "<html><head><title>t</title></head><body><p>Fish &amp; chips</p><br/>today</body></html>"}});
        outlook("outlook.body-content-type=\"text\"").apply(&mut message);
        assert_eq!(
            message["body"],
            json!({"contentType": "text", "content": "Fish & chips today"})
        );
        outlook("outlook.body-content-type=html").apply(&mut message);
        assert_eq!(message["body"]["contentType"], "html");
        assert!(
            message["body"]["content"]
                .as_str()
                .unwrap()
                .contains("Fish &amp; chips today")
        );
    }
}
