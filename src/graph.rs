//! Facts of Graph's wire format that the checks, the transport and the reference server share:
//! status lines, JSON media types, and reading the Graph error envelope
//! (`{"error": {"code": ..., "message": ...}}`).

use serde_json::Value;

/// An HTTP method, read once (without regard to case) where a case file or a request names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Method {
    Get,
    Post,
    Put,
    Patch,
    Delete,
    Head,
    Options,
}

impl Method {
    pub const ALL: [Self; 7] = [
        Self::Get,
        Self::Post,
        Self::Put,
        Self::Patch,
        Self::Delete,
        Self::Head,
        Self::Options,
    ];

    /// `post`, `POST`: the method; `None` for what is none.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|m| m.as_str().eq_ignore_ascii_case(text))
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Get => "GET",
            Self::Post => "POST",
            Self::Put => "PUT",
            Self::Patch => "PATCH",
            Self::Delete => "DELETE",
            Self::Head => "HEAD",
            Self::Options => "OPTIONS",
        }
    }

    /// As written on the wire (`GET`, not `get`): how an HTTP message names its method.
    pub fn parse_exact(word: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.as_str() == word)
    }

    /// The methods there are, as an error lists them.
    pub fn names() -> String {
        Self::ALL.map(Self::as_str).join(", ")
    }

    /// The method as the HTTP crates name it.
    pub fn http(self) -> reqwest::Method {
        match self {
            Self::Get => reqwest::Method::GET,
            Self::Post => reqwest::Method::POST,
            Self::Put => reqwest::Method::PUT,
            Self::Patch => reqwest::Method::PATCH,
            Self::Delete => reqwest::Method::DELETE,
            Self::Head => reqwest::Method::HEAD,
            Self::Options => reqwest::Method::OPTIONS,
        }
    }

    /// Reading: safe to repeat, and it changes nothing.
    pub fn reads(self) -> bool {
        matches!(self, Self::Get | Self::Head)
    }
}

impl std::fmt::Display for Method {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `post`, `POST`; the error names the methods there are.
impl std::str::FromStr for Method {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        Self::parse(text).ok_or_else(|| {
            format!(
                "unknown HTTP method `{text}`; expected one of {}",
                Self::names()
            )
        })
    }
}

impl serde::Serialize for Method {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for Method {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// The API versions Graph has.
pub const VERSIONS: [&str; 2] = ["v1.0", "beta"];

/// Whether a segment is written as an API version — `v1.0`, `beta`, `v2`, a version Graph may
/// add (`v` and digits and dots): the one answer to "is this a version?", for paths, folders
/// and flags. Which of them Graph has is `VERSIONS`.
pub fn is_version(segment: &str) -> bool {
    segment == "beta"
        || segment.strip_prefix('v').is_some_and(|rest| {
            !rest.is_empty() && rest.chars().all(|c| c.is_ascii_digit() || c == '.')
        })
}

/// The properties a query's `$select` names (lower-cased), read as Graph reads its options:
/// decoded, the `$` optional, the name in any case; `None` when it selects none.
pub fn selected_properties(query: &str) -> Option<Vec<String>> {
    let (_, select) = url::form_urlencoded::parse(query.as_bytes())
        .find(|(name, _)| name.trim_start_matches('$').eq_ignore_ascii_case("select"))?;
    Some(
        select
            .split(',')
            .map(|name| name.trim().to_ascii_lowercase())
            .collect(),
    )
}

/// `201 Created`; the bare number for a status without a standard reason phrase.
pub fn status_text(status: u16) -> String {
    let reason = reqwest::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason());
    match reason {
        Some(reason) => format!("{status} {reason}"),
        None => status.to_string(),
    }
}

/// JSON is `application/json` or any `+json` type, with any parameters.
pub fn is_json_media_type(content_type: &str) -> bool {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// ` (code: message)` when `body` is a Graph error envelope, else empty.
pub fn error_summary(body: Option<&Value>) -> String {
    match body.and_then(error_code_and_message) {
        Some((code, Some(message))) => format!(" ({code}: {message})"),
        Some((code, None)) => format!(" ({code})"),
        None => String::new(),
    }
}

/// The code and message of a Graph error envelope, when `body` is one.
pub fn error_code_and_message(body: &Value) -> Option<(String, Option<String>)> {
    let error = &body["error"];
    let code = error["code"].as_str()?.to_string();
    Some((code, error["message"].as_str().map(str::to_string)))
}

/// The JSON body of a documented response block (status line and headers first), if any.
pub fn documented_body(response_block: &str) -> Option<serde_json::Value> {
    let start = response_block.find(['{', '['])?;
    let mut values = serde_json::Deserializer::from_str(&response_block[start..]).into_iter();
    values.next()?.ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_error_envelope_and_nothing_else() {
        let body = serde_json::json!({"error": {"code": "itemNotFound", "message": "gone"}});
        assert_eq!(
            error_code_and_message(&body),
            Some(("itemNotFound".to_string(), Some("gone".to_string())))
        );
        assert_eq!(error_summary(Some(&body)), " (itemNotFound: gone)");
        let bare = serde_json::json!({"error": {"code": "x"}});
        assert_eq!(error_summary(Some(&bare)), " (x)");
        assert_eq!(error_summary(None), "");
        assert_eq!(error_summary(Some(&serde_json::json!({"value": []}))), "");
    }

    #[test]
    fn status_text_has_the_reason_phrase_when_there_is_one() {
        assert_eq!(status_text(429), "429 Too Many Requests");
        assert_eq!(status_text(599), "599");
    }

    #[test]
    fn json_media_types_allow_parameters_and_suffixes() {
        assert!(is_json_media_type("application/json; charset=utf-8"));
        assert!(is_json_media_type("application/problem+json"));
        assert!(!is_json_media_type("text/plain"));
    }
}
