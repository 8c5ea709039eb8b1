//! What a case takes from a documented HTTP message: the request's JSON body and the headers it
//! sends, the properties the documented answer shows, and what the answer's headers promise.

use serde_json::Value;

use crate::docs::page;
use crate::suite::writer::HeaderDraft;

/// The properties of an example response body: the case requires each of them.
pub fn top_level_properties(body: &str, notes: &mut Vec<String>) -> Vec<String> {
    match serde_json::from_str::<Value>(body) {
        Ok(Value::Object(map)) => map
            .keys()
            .filter(|k| !k.starts_with('@'))
            .cloned()
            .collect(),
        Ok(_) => Vec::new(),
        Err(e) => {
            notes.push(format!("The example response body is not JSON ({e})."));
            Vec::new()
        }
    }
}

/// The example request's body, when it is JSON.
pub fn request_json(message: &page::HttpMessage, notes: &mut Vec<String>) -> Option<String> {
    let (body, _) = message.body.as_ref()?;
    match serde_json::from_str::<Value>(body) {
        Ok(_) => Some(body.clone()),
        Err(e) => {
            notes.push(format!(
                "The example request body is not JSON ({e}); it is not sent."
            ));
            None
        }
    }
}

/// What the documented response's headers promise of every response: `Preference-Applied`
/// and `OData-Version` their value; `Location`, `Content-Location` and `ETag` only presence
/// (their values are per response); the media type of a non-JSON body. Dates, ids,
/// lengths and the rest are not the contract.
pub fn contractual_headers(
    answer: &page::HttpMessage,
    has_body: bool,
) -> Vec<(String, HeaderDraft)> {
    answer
        .headers
        .iter()
        .filter_map(|(name, value, _)| {
            let rule = match name.to_ascii_lowercase().as_str() {
                "preference-applied" | "odata-version" => HeaderDraft::Equals(value.clone()),
                "location" | "content-location" | "etag" => HeaderDraft::Present,
                "content-type" if has_body && !crate::graph::is_json_media_type(value) => {
                    let media_type = value.split(';').next().unwrap_or("").trim();
                    if media_type.is_empty() {
                        return None;
                    }
                    HeaderDraft::Pattern(format!("(?i)^{}", regex::escape(media_type)))
                }
                _ => return None,
            };
            Some((name.clone(), rule))
        })
        .collect()
}

/// The example request's headers a case sends: conform sets length, type and authorization.
pub fn forwarded_headers(message: &page::HttpMessage) -> Vec<(String, String)> {
    message
        .headers
        .iter()
        .filter(|(name, _, _)| {
            !matches!(
                name.to_ascii_lowercase().as_str(),
                "content-length" | "content-type" | "authorization"
            )
        })
        .map(|(name, value, _)| (name.clone(), value.clone()))
        .collect()
}
