//! Judging traffic: an exchange a client made, seen as it passed (`conform proxy`), against
//! what the contract says of its operation — no case file, only the typed path, the model, the
//! schemas and what the suite documents of the operation. Pure.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::api::operations::{OperationId, OperationKind};
use crate::api::typing::{SegmentKind, TypedPath};
use crate::check::{
    Failure, FailureKind, Outcome, Verdict, check_collection, check_content_type,
    check_error_envelope, check_no_body, check_schema,
};
use crate::exec::transport::Response;
use crate::graph::{self, Method};
use crate::schema::registry::Schemas;
use crate::schema::type_names::type_name;

/// What a suite documents of each operation (`--cases`): where it documents a status, a
/// success must have one of them; where its documented answer shows properties, a success of
/// that status must have them (unless the request chose its properties with `$select`).
#[derive(Debug, Clone, Default)]
pub struct DocumentedStatuses {
    statuses: BTreeMap<OperationId, BTreeMap<u16, Vec<String>>>,
}

impl DocumentedStatuses {
    /// A documented answer of `operation`: its status and the pointers it shows. Only a
    /// success counts: a case that documents an error (a 404 of a missing item) says nothing
    /// of what the operation answers when it succeeds.
    pub fn add(&mut self, operation: OperationId, status: u16, shown: &[String]) {
        if !(200..300).contains(&status) {
            return;
        }
        let required = self
            .statuses
            .entry(operation)
            .or_default()
            .entry(status)
            .or_default();
        for pointer in shown {
            if !required.contains(pointer) {
                required.push(pointer.clone());
            }
        }
    }

    fn of(&self, operation: &OperationId) -> Option<&BTreeMap<u16, Vec<String>>> {
        self.statuses.get(operation)
    }
}

/// What an exchange is judged with.
pub struct Contract<'c> {
    pub schemas: &'c Schemas,
    pub documented: &'c DocumentedStatuses,
}

/// The verdict on one answer to `method` on `typed` (a path the model placed), of `operation`.
pub fn judge_exchange(
    contract: &Contract<'_>,
    (typed, operation): (&TypedPath, &OperationId),
    (method, query): (Method, Option<&str>),
    response: &Response,
) -> Verdict {
    let selected = query.and_then(graph::selected_properties).is_some();
    let mut failures = every_answer(response);
    if (200..=299).contains(&response.status) {
        failures.extend(success_status(contract, operation, method, response));
        failures.extend(success_body(contract.schemas, typed, operation, response));
        failures.extend(shown(contract, operation, selected, response));
    }
    verdict(failures)
}

/// What every answer owes, whatever it answers: a `request-id`, and Graph's envelope on an error.
fn every_answer(response: &Response) -> Vec<Failure> {
    let mut failures = Vec::new();
    if response.header("request-id").is_none() {
        failures.push(Failure::new(
            FailureKind::Header,
            "`request-id` is missing: Graph answers every request with one",
        ));
    }
    if response.status >= 400 {
        failures.extend(check_error_envelope(response, None));
    }
    failures
}

/// A request of a JSON batch, placed in the URL space: its typed path and operation.
pub type Placed = (TypedPath, OperationId);

/// The verdict on a JSON batch's answer (`POST /{version}/$batch`): the envelope, and each
/// answer in `responses` judged as the exchange of the request with its `id` — failures point
/// into the batch (`/responses/2/body/id`). `place` types a request's method and `url`; a
/// request it cannot place, or whose method is none, is not judged.
pub fn judge_batch(
    contract: &Contract<'_>,
    requests: &Value,
    response: &Response,
    place: &dyn Fn(Method, &str) -> Option<Placed>,
) -> Verdict {
    let mut failures = every_answer(response);
    if response.status != 200 {
        return verdict(failures);
    }
    let answers = response
        .json()
        .ok()
        .and_then(|body| body.get("responses"))
        .and_then(Value::as_array);
    let Some(answers) = answers else {
        let message = "a batch answers `{\"responses\": [...]}`; it is missing";
        failures.push(Failure::at(FailureKind::Schema, "/responses", message));
        return verdict(failures);
    };
    let sent = requests.get("requests").and_then(Value::as_array);
    for (index, answer) in answers.iter().enumerate() {
        let id = answer.get("id").and_then(Value::as_str);
        let request = sent
            .into_iter()
            .flatten()
            .find(|r| r.get("id").and_then(Value::as_str) == id);
        let (Some(request), Some(status)) = (request, answer.get("status").and_then(Value::as_u64))
        else {
            continue;
        };
        let method = match request.get("method").and_then(Value::as_str) {
            Some(text) => Method::parse(text),
            None => Some(Method::Get),
        };
        let Some(method) = method else {
            continue;
        };
        let url = request
            .get("url")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let Some((typed, operation)) = place(method, url) else {
            continue;
        };
        let inner = inner_response(answer, status);
        let query = url.split_once('?').map(|(_, query)| query);
        let judged = judge_exchange(contract, (&typed, &operation), (method, query), &inner);
        // An answer inside a batch promises no headers of its own: its status and body are judged.
        let judged = judged
            .failures
            .into_iter()
            .filter(|f| f.kind != FailureKind::Header);
        failures.extend(judged.map(|mut f| {
            f.pointer = Some(match (f.pointer.take(), f.kind) {
                (Some(pointer), _) => format!("/responses/{index}/body{pointer}"),
                (None, FailureKind::Status) => format!("/responses/{index}/status"),
                (None, _) => format!("/responses/{index}"),
            });
            f.message = format!("request `{}`: {}", id.unwrap_or("?"), f.message);
            f
        }));
    }
    verdict(failures)
}

/// An answer inside a batch as a response of its own: its status, headers and body.
fn inner_response(answer: &Value, status: u64) -> Response {
    let mut headers: Vec<(String, String)> = answer
        .get("headers")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter_map(|(name, value)| Some((name.to_ascii_lowercase(), value.as_str()?.to_string())))
        .collect();
    let body = match answer.get("body") {
        Some(Value::Null) | None => Vec::new(),
        Some(body) => {
            // A body inside the batch's JSON is JSON, whatever its headers say.
            if !headers.iter().any(|(name, _)| name == "content-type") {
                headers.push(("content-type".into(), "application/json".into()));
            }
            body.to_string().into_bytes()
        }
    };
    Response::new(u16::try_from(status).unwrap_or(0), headers, body)
}

fn verdict(failures: Vec<Failure>) -> Verdict {
    Verdict {
        outcome: if failures.is_empty() {
            Outcome::Pass
        } else {
            Outcome::Fail
        },
        failures,
        diff: None,
        undocumented: Vec::new(),
    }
}

/// The successes Graph's conventions allow for an operation, where the suite documents none.
fn conventional(kind: &OperationKind, method: Method) -> &'static [u16] {
    match (kind, method) {
        (OperationKind::Create, _) => &[201, 202, 204],
        (OperationKind::List | OperationKind::Function(_), _) => &[200],
        (OperationKind::Read, _) => &[200],
        (OperationKind::Update, _) => &[200, 204],
        (OperationKind::Replace, _) => &[200, 201, 204],
        (OperationKind::Delete, _) => &[204],
        (OperationKind::Action(_), _) => &[200, 201, 202, 204],
        (OperationKind::Ref(_), Method::Get) => &[200],
        (OperationKind::Ref(_), _) => &[200, 201, 204],
        (OperationKind::Media, Method::Get) => &[200, 206],
        (OperationKind::Media, _) => &[200, 201, 204],
    }
}

fn success_status(
    contract: &Contract<'_>,
    operation: &OperationId,
    method: Method,
    response: &Response,
) -> Option<Failure> {
    let documented = contract.documented.of(operation);
    let allowed: Vec<u16> = match documented {
        Some(statuses) => statuses.keys().copied().collect(),
        None => conventional(&operation.kind, method).to_vec(),
    };
    if allowed.contains(&response.status) {
        return None;
    }
    let expected: Vec<String> = allowed.iter().map(|s| graph::status_text(*s)).collect();
    let whose = match documented {
        Some(_) => "as the suite documents it",
        None => "by Graph's conventions",
    };
    Some(Failure::new(
        FailureKind::Status,
        format!(
            "{operation} answers {} {whose}, got {}",
            expected.join(" or "),
            graph::status_text(response.status)
        ),
    ))
}

/// The properties the suite's documented answer of this status shows.
fn shown(
    contract: &Contract<'_>,
    operation: &OperationId,
    selected: bool,
    response: &Response,
) -> Vec<Failure> {
    let documented = contract
        .documented
        .of(operation)
        .and_then(|s| s.get(&response.status));
    match (documented, response.json()) {
        (Some(required), Ok(body)) if !selected && !required.is_empty() => {
            crate::check::check_required(required, body)
        }
        _ => Vec::new(),
    }
}

/// A success's body: none for 204; else JSON of the type the path reaches — an entity, or a
/// collection in `value` with an absolute `@odata.nextLink`. Streams, counts and values are
/// not JSON documents and are not judged.
fn success_body(
    schemas: &Schemas,
    typed: &TypedPath,
    operation: &OperationId,
    response: &Response,
) -> Vec<Failure> {
    if response.status == 204 {
        return check_no_body(response);
    }
    let last = typed.segments.last().map(|s| &s.step);
    let raw = matches!(
        last,
        Some(SegmentKind::Value | SegmentKind::Count | SegmentKind::Ref)
    ) || matches!(operation.kind, OperationKind::Media);
    if raw || response.body.is_empty() {
        return Vec::new();
    }
    if let Some(failure) = check_content_type(response) {
        return vec![failure];
    }
    let Ok(body) = response.json() else {
        let message = "the body is labelled JSON but is not JSON";
        return vec![Failure::at(FailureKind::Body, "", message)];
    };
    if typed.result().is_none() {
        return Vec::new();
    }
    let mut failures = next_link(body);
    let Some((key, collection)) = answer_schema(schemas, typed, operation) else {
        return failures;
    };
    failures.extend(match collection {
        true => check_collection(schemas, key, body),
        false => check_schema(schemas, key, body),
    });
    failures
}

/// The schema a success of `operation` on `typed` answers (its key), and whether the answer is
/// a collection of it; `None` when the path reaches no type the schemas have.
pub fn answer_schema<'s>(
    schemas: &'s Schemas,
    typed: &'s TypedPath,
    operation: &OperationId,
) -> Option<(&'s str, bool)> {
    let (ty, collection) = typed.result()?;
    // A create answers the one entity it made, not the collection it was posted to.
    let collection = collection && operation.kind != OperationKind::Create;
    let key = schemas.key(type_name(ty), Some(&operation.version));
    (!ty.starts_with("Edm.") && schemas.contains(key)).then_some((key, collection))
}

/// `@odata.nextLink`, where there is one, is a whole URL.
fn next_link(body: &Value) -> Vec<Failure> {
    match body.get("@odata.nextLink") {
        Some(Value::String(link))
            if link.starts_with("https://") || link.starts_with("http://") =>
        {
            Vec::new()
        }
        Some(link) => vec![Failure::at(
            FailureKind::Body,
            "/@odata.nextLink",
            format!("`@odata.nextLink` must be an absolute URL, got {link}"),
        )],
        None => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::typing::type_path;

    fn response(status: u16, body: Value) -> Response {
        let headers = vec![
            ("content-type".to_string(), "application/json".to_string()),
            ("request-id".to_string(), "r1".to_string()),
        ];
        let body = match body {
            Value::Null => Vec::new(),
            body => body.to_string().into_bytes(),
        };
        Response::new(status, headers, body)
    }

    fn judge(
        method: &str,
        path: &str,
        answer: &Response,
        documented: &DocumentedStatuses,
    ) -> Vec<Failure> {
        let model = crate::api::fixtures::office_model();
        let schemas = Schemas::load_dir(std::path::Path::new("schemas")).unwrap();
        let (path, query) = match path.split_once('?') {
            Some((path, query)) => (path, Some(query)),
            None => (path, None),
        };
        let typed = type_path(&[&model], path).unwrap();
        let method = Method::parse(method).unwrap();
        let operation = crate::api::operations::operation_of(&model, &typed, method).unwrap();
        let contract = Contract {
            schemas: &schemas,
            documented,
        };
        judge_exchange(&contract, (&typed, &operation), (method, query), answer).failures
    }

    #[test]
    fn a_create_that_answers_as_graph_does_passes() {
        let created = response(201, serde_json::json!({"id": "t1", "topic": "Plans"}));
        let none = DocumentedStatuses::default();
        assert_eq!(
            judge("POST", "/v1.0/groups/g/threads", &created, &none),
            vec![]
        );
    }

    #[test]
    fn each_deviation_is_named_with_its_pointer() {
        let none = DocumentedStatuses::default();
        let wrong_type = response(
            201,
            serde_json::json!({"id": "t1", "hasAttachments": "yes"}),
        );
        let failures = judge("POST", "/v1.0/groups/g/threads", &wrong_type, &none);
        assert_eq!(
            failures[0].pointer.as_deref(),
            Some("/hasAttachments"),
            "{failures:?}"
        );
        let ok_for_a_create = response(200, serde_json::json!({"id": "t1"}));
        let failures = judge("POST", "/v1.0/groups/g/threads", &ok_for_a_create, &none);
        assert_eq!(failures[0].kind, FailureKind::Status, "{failures:?}");
        let plain = Response::new(
            404,
            vec![("request-id".into(), "r".into())],
            b"not found".to_vec(),
        );
        let failures = judge("GET", "/v1.0/groups/g", &plain, &none);
        assert!(
            failures
                .iter()
                .any(|f| f.message.contains("error envelope")),
            "{failures:?}"
        );
        let relative = response(
            200,
            serde_json::json!({"value": [], "@odata.nextLink": "/v1.0/groups?$skiptoken=1"}),
        );
        let failures = judge("GET", "/v1.0/groups", &relative, &none);
        assert_eq!(
            failures[0].pointer.as_deref(),
            Some("/@odata.nextLink"),
            "{failures:?}"
        );
        let anonymous = Response::new(204, Vec::new(), Vec::new());
        let failures = judge("DELETE", "/v1.0/groups/g", &anonymous, &none);
        assert!(failures[0].message.contains("request-id"), "{failures:?}");
    }

    #[test]
    fn each_answer_of_a_batch_is_judged_as_its_request_s_exchange() {
        let model = crate::api::fixtures::office_model();
        let schemas = Schemas::load_dir(std::path::Path::new("schemas")).unwrap();
        let documented = DocumentedStatuses::default();
        let contract = Contract {
            schemas: &schemas,
            documented: &documented,
        };
        let requests = serde_json::json!({"requests": [
            {"id": "1", "method": "GET", "url": "/groups/g"},
            {"id": "2", "method": "POST", "url": "/groups/g/threads"},
            {"id": "3", "method": "get", "url": "/me/drive/root:/a/b.txt:/content"}
        ]});
        let answers = serde_json::json!({"responses": [
            {"id": "1", "status": 200, "headers": {"Content-Type": "application/json"}, "body": {"id": "g"}},
            {"id": "2", "status": 200, "body": {"id": "t", "hasAttachments": "no"}},
            {"id": "3", "status": 206}
        ]});
        let batch = response(200, answers);
        let place = |method: Method, url: &str| {
            let typed = type_path(&[&model], &format!("/v1.0{url}")).ok()?;
            let operation = crate::api::operations::operation_of(&model, &typed, method)?;
            Some((typed, operation))
        };
        let failures = judge_batch(&contract, &requests, &batch, &place).failures;
        let pointers: Vec<&str> = failures
            .iter()
            .filter_map(|f| f.pointer.as_deref())
            .collect();
        assert_eq!(
            pointers,
            ["/responses/1/status", "/responses/1/body/hasAttachments"],
            "{failures:?}"
        );
        assert!(
            failures[0].message.starts_with("request `2`: "),
            "{failures:?}"
        );
        let missing = judge_batch(
            &contract,
            &requests,
            &response(200, serde_json::json!({})),
            &place,
        );
        assert_eq!(missing.failures[0].pointer.as_deref(), Some("/responses"));
        let anonymous = Response::new(502, Vec::new(), Vec::new());
        let kinds: Vec<FailureKind> = judge_batch(&contract, &requests, &anonymous, &place)
            .failures
            .iter()
            .map(|f| f.kind)
            .collect();
        assert!(
            kinds.contains(&FailureKind::Header),
            "a batch answers with a request-id, whatever its status: {kinds:?}"
        );
    }

    #[test]
    fn a_documented_status_is_the_one_expected() {
        let mut documented = DocumentedStatuses::default();
        let create: OperationId = "v1.0 conversationThread create".parse().unwrap();
        let created = response(201, serde_json::json!({"id": "t1"}));
        // A documented error is no documented success: the conventions still hold.
        documented.add(create.clone(), 404, &[]);
        let failures = judge("POST", "/v1.0/groups/g/threads", &created, &documented);
        assert_eq!(failures, vec![]);
        documented.add(create.clone(), 202, &[]);
        let failures = judge("POST", "/v1.0/groups/g/threads", &created, &documented);
        assert!(
            failures[0].message.contains("as the suite documents it"),
            "{failures:?}"
        );
        documented.add(create, 201, &["/topic".to_string()]);
        let failures = judge("POST", "/v1.0/groups/g/threads", &created, &documented);
        assert_eq!(
            failures[0].pointer.as_deref(),
            Some("/topic"),
            "a shown property is missing: {failures:?}"
        );
        // A request that chose its properties answers those, however it spells `$select`.
        for query in ["$select=id", "%24select=id", "select=id", "$SELECT=id"] {
            let path = format!("/v1.0/groups/g/threads?{query}");
            let failures = judge("POST", &path, &created, &documented);
            assert_eq!(failures, vec![], "{query}");
        }
    }
}
