//! Whose a case's failure is, decided once beside its verdict and read by every report: the
//! service under test, the documentation the case came from, an operation the target does not
//! serve, a prerequisite that could not be made, or — against conform's own server — a gap of
//! that server. Pure: the expectation, the run, the verdict and the schemas in; a cause out.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::check::{FailureKind, Outcome, Verdict};
use crate::exec::protocol::CaseRun;
use crate::exec::transport::Response;
use crate::graph::Method;
use crate::schema::registry::Schemas;
use crate::suite::model::Expect;

/// Why a case did not pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Cause {
    /// The target deviates from the contract: a status, a property, a header.
    Service,
    /// The page contradicts the metadata or itself.
    Documentation,
    /// The target answers a documented operation as one it does not have (an unknown segment,
    /// 405, 501).
    NotServed,
    /// A prerequisite failed: the case could not be sent.
    Setup,
    /// conform's own server lacks what the case needs: a defect to fix, not a verdict.
    ReferenceServer,
}

impl Cause {
    pub const ALL: [Cause; 5] = [
        Cause::Service,
        Cause::Documentation,
        Cause::NotServed,
        Cause::Setup,
        Cause::ReferenceServer,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Service => "service",
            Self::Documentation => "documentation",
            Self::NotServed => "not served",
            Self::Setup => "setup",
            Self::ReferenceServer => "reference server",
        }
    }
}

/// A cause and what shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blame {
    pub cause: Cause,
    pub detail: String,
}

/// What the cause of a case's outcome is decided from.
pub struct Judged<'a> {
    pub expect: &'a Expect,
    pub method: Method,
    pub run: &'a CaseRun,
    pub verdict: &'a Verdict,
    /// The target is conform's own server (embedded, or a `conform mock`).
    pub own_server: bool,
    /// The page's documented request and response blocks, as written.
    pub page: Vec<&'a str>,
}

/// The cause of a case that did not pass; `None` for one that passed or was skipped.
pub fn decide(judged: &Judged<'_>, schemas: &Schemas) -> Option<Blame> {
    let verdict = judged.verdict;
    let first = verdict.failures.first();
    match verdict.outcome {
        Outcome::Pass | Outcome::Skip => return None,
        Outcome::Error => {
            let detail = first.map_or_else(String::new, |f| f.message.clone());
            return Some(Blame {
                cause: Cause::Setup,
                detail,
            });
        }
        Outcome::Fail => {}
    }
    let response = judged
        .run
        .exchange()
        .and_then(|exchange| exchange.result.as_ref().ok());
    if let Some(detail) = response.and_then(not_served) {
        return Some(Blame {
            cause: Cause::NotServed,
            detail,
        });
    }
    if let Some(detail) = documentation(judged, schemas) {
        return Some(Blame {
            cause: Cause::Documentation,
            detail,
        });
    }
    let cause = if judged.own_server {
        Cause::ReferenceServer
    } else {
        Cause::Service
    };
    let detail = first.map_or_else(String::new, |f| f.message.clone());
    Some(Blame { cause, detail })
}

/// How the answer says the operation is not there: 405, 501, or Graph's unknown segment.
fn not_served(response: &Response) -> Option<String> {
    match response.status {
        405 => return Some("405 Method Not Allowed".to_string()),
        501 => return Some("501 Not Implemented".to_string()),
        400 | 404 => {}
        _ => return None,
    }
    let message = error_message(response)?;
    message
        .starts_with("Resource not found for the segment")
        .then_some(message)
}

/// The message of Graph's error envelope in `response`.
fn error_message(response: &Response) -> Option<String> {
    let body = response.json().ok()?;
    Some(body.pointer("/error/message")?.as_str()?.to_string())
}

/// What in the documentation makes the case fail, when that is all that does: a documented
/// request that breaks its own type's schema (refused, or echoed back), or properties the
/// documented answer shows that the type does not have.
fn documentation(judged: &Judged<'_>, schemas: &Schemas) -> Option<String> {
    if let Some(unsent) = unsent_body(judged) {
        return Some(unsent);
    }
    if let Some(selected_out) = selected_out(judged) {
        return Some(selected_out);
    }
    let schema = judged.expect.schema.as_ref()?;
    let key = schemas.key(&schema.name, schema.api.as_deref());
    if let Some(broken) = broken_request(judged, schemas, key) {
        return Some(broken);
    }
    if let Some(shown) = page_values(judged) {
        return Some(shown);
    }
    if let Some(refused) = refused_page_value(judged) {
        return Some(refused);
    }
    if let Some(stand_in) = refused_stand_in(judged) {
        return Some(stand_in);
    }
    let failures = &judged.verdict.failures;
    let unknown: Vec<&str> = failures
        .iter()
        .filter(|f| f.kind == FailureKind::Schema)
        .filter_map(|f| f.pointer.as_deref())
        .filter_map(|pointer| pointer.split('/').nth(1))
        .filter(|property| {
            schemas
                .properties(key)
                .is_some_and(|known| !known.contains_key(*property))
        })
        .collect();
    (!unknown.is_empty() && unknown.len() == failures.len()).then(|| {
        format!(
            "the documented answer shows {}, which {key} does not have",
            unknown
                .iter()
                .map(|p| format!("`{p}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    })
}

/// When every failure is a property the documented answer shows and the request's own
/// `$select` leaves out: the page's example answers more than its request asks.
fn selected_out(judged: &Judged<'_>) -> Option<String> {
    let exchange = judged.run.exchange()?;
    let query = exchange.path.split_once('?')?.1;
    let select = crate::graph::selected_properties(query)?;
    let mut left_out = Vec::new();
    for failure in &judged.verdict.failures {
        let property = failure
            .pointer
            .as_deref()
            .filter(|_| {
                failure
                    .message
                    .ends_with("(the documented response shows it)")
            })?
            .trim_start_matches('/');
        if property.contains('/') || select.contains(&property.to_ascii_lowercase()) {
            return None;
        }
        left_out.push(format!("`{property}`"));
    }
    (!left_out.is_empty()).then(|| {
        format!(
            "the documented answer shows {}, which the request's $select leaves out",
            left_out.join(", ")
        )
    })
}

/// An answer that says no body came (`Empty Payload`) to a case that sent none: the page's
/// request body could not be sent (it is not JSON), or the page shows none where the operation
/// takes one — the page's to fix either way.
fn unsent_body(judged: &Judged<'_>) -> Option<String> {
    let exchange = judged.run.exchange()?;
    let response = exchange.result.as_ref().ok()?;
    let message = error_message(response)?;
    if exchange.request_body.is_some()
        || response.status != 400
        || !message.starts_with("Empty Payload")
    {
        return None;
    }
    let shows_body = judged.page.iter().any(|block| {
        let mut lines = block.lines().map(str::trim).filter(|l| !l.is_empty());
        let starts_request = lines
            .next()
            .and_then(|l| l.split_whitespace().next())
            .is_some_and(|word| word == judged.method.as_str());
        starts_request && lines.any(|l| !l.contains(':') || l.starts_with('{'))
    });
    Some(match shows_body {
        true => "the page's request body is not JSON: it could not be sent".to_string(),
        false => "the page's request shows no body, and the operation takes one".to_string(),
    })
}

/// When every failure is a schema rule broken by a value the page itself writes (`"HTML"` for
/// an enum, `"skuId-value"` for a uuid), echoed back or shown as the answer: those values.
fn page_values(judged: &Judged<'_>) -> Option<String> {
    let failures = &judged.verdict.failures;
    let body = judged.run.exchange()?.result.as_ref().ok()?.json().ok()?;
    let mut shown = Vec::new();
    for failure in failures {
        let pointer = failure
            .pointer
            .as_deref()
            .filter(|_| failure.kind == FailureKind::Schema)?;
        let value = crate::suite::model::value_at(body, pointer)?.as_str()?;
        let literal = Value::String(value.to_string()).to_string();
        if !judged.page.iter().any(|text| text.contains(&literal)) {
            return None;
        }
        shown.push(format!("{literal} at `{pointer}`"));
    }
    (!shown.is_empty()).then(|| {
        format!(
            "the page's own value breaks the schema: {}",
            shown.join(", ")
        )
    })
}

/// A 400 whose error names, in quotes, a value or property the request sent as the page wrote
/// it (`Cannot convert the literal 'String (timestamp)'`, `Invalid property 'owner'`): the
/// target refuses the page's own text.
fn refused_page_value(judged: &Judged<'_>) -> Option<String> {
    let exchange = judged.run.exchange()?;
    let response = exchange.result.as_ref().ok().filter(|r| r.status == 400)?;
    let message = error_message(response)?;
    let sent = exchange.request_body.as_deref()?;
    let quoted = message.split('\'').skip(1).step_by(2);
    for text in quoted.filter(|t| !t.is_empty()) {
        let literal = Value::String(text.to_string()).to_string();
        if sent.contains(&literal) && judged.page.iter().any(|page| page.contains(&literal)) {
            return Some(format!(
                "the target refuses the page's own {literal}: {message}"
            ));
        }
    }
    None
}

/// A refused request (4xx) whose body sends a stand-in the page wrote for a value (`{id}`,
/// `<id>`, `…-value`) where a real one belongs: what it names cannot exist.
fn refused_stand_in(judged: &Judged<'_>) -> Option<String> {
    let exchange = judged.run.exchange()?;
    exchange
        .result
        .as_ref()
        .ok()
        .filter(|r| (400..500).contains(&r.status))?;
    let sent: Value = serde_json::from_str(exchange.request_body.as_deref()?).ok()?;
    let stand_in = strings(&sent).find(|text| is_stand_in(text))?;
    let literal = Value::String(stand_in.to_string()).to_string();
    judged
        .page
        .iter()
        .any(|page| page.contains(&literal))
        .then(|| format!("the page's request sends the stand-in {literal}, which names nothing"))
}

/// Whether a value is a stand-in for one: a placeholder in braces or angle brackets in it, or
/// a `…-value` name.
fn is_stand_in(text: &str) -> bool {
    let bracketed = |open: char, close: char| {
        text.split(open).skip(1).any(|rest| {
            rest.split_once(close)
                .is_some_and(|(name, _)| !name.is_empty() && !name.contains(' '))
        })
    };
    bracketed('{', '}') || bracketed('<', '>') || text.ends_with("-value")
}

/// Every string in a JSON value.
fn strings(value: &Value) -> Box<dyn Iterator<Item = &str> + '_> {
    match value {
        Value::String(text) => Box::new(std::iter::once(text.as_str())),
        Value::Array(items) => Box::new(items.iter().flat_map(strings)),
        Value::Object(members) => Box::new(members.values().flat_map(strings)),
        _ => Box::new(std::iter::empty()),
    }
}

/// A create's or an update's documented body that breaks the schema of the type it writes:
/// the first rule it breaks.
fn broken_request(judged: &Judged<'_>, schemas: &Schemas, key: &str) -> Option<String> {
    let writes_the_type = match judged.method {
        Method::Patch | Method::Put => true,
        Method::Post => judged.expect.status == 201,
        _ => false,
    };
    if !writes_the_type || judged.expect.collection {
        return None;
    }
    let exchange = judged.run.exchange()?;
    let sent = exchange.request_body.as_deref()?;
    let body: Value = serde_json::from_str(sent).ok()?;
    let refused = exchange
        .result
        .as_ref()
        .is_ok_and(|r| (400..500).contains(&r.status));
    // What the page sent is to blame when it was refused, or when the answer breaks the rules
    // where the request did.
    let violation = schemas
        .validate(key, &body)?
        .into_iter()
        // A partial body (an update) lacks properties by design.
        .filter(|v| v.keyword != "required")
        .find(|v| {
            refused
                || judged.verdict.failures.iter().any(|f| {
                    f.pointer
                        .as_deref()
                        .filter(|p| !p.is_empty())
                        .is_some_and(|p| p.starts_with(&v.pointer) || v.pointer.starts_with(p))
                })
        })?;
    Some(format!(
        "the documented request breaks {key} at `{}`: {}",
        violation.pointer, violation.message
    ))
}

#[cfg(test)]
mod tests;
