//! The secrets of one exchange: the bearer token, cookies, the credentials of a token request
//! (`client_secret`, `password`, …) and whatever `--redact` names, as headers, form fields or
//! JSON properties. None of them reaches a report or a recorded file.

use serde_json::Value;

use crate::proxy::forward::{Answer, Seen};
use crate::secret::{Redactor, Secret};

/// Fields whose values are credentials wherever they appear.
const CREDENTIALS: [&str; 6] = [
    "client_secret",
    "client_assertion",
    "password",
    "refresh_token",
    "access_token",
    "assertion",
];

fn secret_name(name: &str, redact: &[String]) -> bool {
    CREDENTIALS.iter().any(|c| c.eq_ignore_ascii_case(name))
        || redact.iter().any(|r| r.eq_ignore_ascii_case(name))
}

/// A redactor that knows every secret value `seen` carries.
pub fn of(seen: &Seen, redact: &[String]) -> Redactor {
    let redactor = Redactor::default();
    for (name, value) in &seen.headers {
        match name.as_str() {
            "authorization" => {
                redactor.add(Secret::new(value.clone()));
                if let Some((_, token)) = value.split_once(' ') {
                    redactor.add(Secret::new(token.trim()));
                }
            }
            "cookie" => {
                redactor.add(Secret::new(value.clone()));
                for pair in value.split(';') {
                    if let Some((_, cookie)) = pair.split_once('=') {
                        redactor.add(Secret::new(cookie.trim()));
                    }
                }
            }
            name if secret_name(name, redact) => redactor.add(Secret::new(value.clone())),
            _ => {}
        }
    }
    if let Some(body) = &seen.body {
        body_values(body, redact, &redactor);
    }
    // An answer may carry a secret of its own (a token endpoint's `access_token`).
    if let Answer::Read(response) = &seen.answer {
        body_values(&response.body, redact, &redactor);
    }
    redactor
}

/// Adds the values of secret-named fields of a form or JSON body.
fn body_values(body: &[u8], redact: &[String], redactor: &Redactor) {
    let Ok(text) = std::str::from_utf8(body) else {
        return;
    };
    for (name, value) in url::form_urlencoded::parse(text.as_bytes()) {
        if secret_name(&name, redact) {
            redactor.add(Secret::new(value.into_owned()));
        }
    }
    if let Ok(json) = serde_json::from_str::<Value>(text) {
        named_values(&json, redact, redactor);
    }
}

/// Adds the values of secret-named properties anywhere in `json`.
fn named_values(json: &Value, redact: &[String], redactor: &Redactor) {
    match json {
        Value::Object(map) => {
            for (name, value) in map {
                match value {
                    Value::String(text) if secret_name(name, redact) => {
                        redactor.add(Secret::new(text.clone()));
                    }
                    other => named_values(other, redact, redactor),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|i| named_values(i, redact, redactor)),
        _ => {}
    }
}

/// `json` with every secret-named property's value replaced.
pub fn without_named(json: Value, redact: &[String]) -> Value {
    match json {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(name, value)| match secret_name(&name, redact) {
                    true => (name, Value::String("[REDACTED]".into())),
                    false => (name, without_named(value, redact)),
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(
            items
                .into_iter()
                .map(|i| without_named(i, redact))
                .collect(),
        ),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exec::transport::Response;

    fn seen(headers: &[(&str, &str)], body: &str) -> Seen {
        Seen {
            method: "POST".into(),
            target: "/token".into(),
            headers: headers
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
            body: Some(body.as_bytes().to_vec()),
            answer: Answer::Streamed { status: 200 },
            duration: std::time::Duration::ZERO,
        }
    }

    #[test]
    fn tokens_cookies_credentials_and_named_fields_are_secrets() {
        let seen = seen(
            &[
                ("authorization", "Bearer tok-123456"),
                ("cookie", "session=ck-abcdef"),
                ("x-api-key", "key-7890"),
            ],
            "grant_type=client_credentials&client_secret=s3cr3t-value&tenant=contoso",
        );
        let redactor = of(&seen, &["X-Api-Key".to_string()]);
        let text = redactor.redact("tok-123456 ck-abcdef s3cr3t-value key-7890 contoso");
        assert_eq!(text, "[REDACTED] [REDACTED] [REDACTED] [REDACTED] contoso");
        let json = serde_json::json!({"passwordProfile": {"password": "Pa55word!"}, "name": "x"});
        let redactor = of(&self::seen(&[], &json.to_string()), &[]);
        assert_eq!(redactor.redact("Pa55word!"), "[REDACTED]");
        let cleaned = without_named(json, &[]);
        assert_eq!(cleaned["passwordProfile"]["password"], "[REDACTED]");
    }

    #[test]
    fn a_secret_named_in_the_answer_is_a_secret_too() {
        let mut seen = seen(&[], "{}");
        let answer = serde_json::json!({"access_token": "at-from-answer", "secretText": "st-42"});
        seen.answer = Answer::Read(Response::new(200, Vec::new(), answer.to_string().into()));
        let redactor = of(&seen, &["secretText".to_string()]);
        assert_eq!(
            redactor.redact("at-from-answer st-42 other"),
            "[REDACTED] [REDACTED] other"
        );
    }
}
