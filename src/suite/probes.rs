//! Probes derived from a documented case: what each sends and what it must answer, following
//! Graph's error contract and resource life cycle. Pure: the same case, schemas and selection
//! always derive the same probes, so the plan and the run agree on them.

use std::sync::Arc;

use serde_json::{Value, json};

use crate::graph::Method;
use crate::probe_kind::{ProbeKind, ProbeSelection};
use crate::schema::registry::Schemas;
use crate::schema::shape::JsonType;
use crate::suite::model::{Attach, Case, Expect, ProbeSetting, Request, SourceFile, Template};

/// An id no resource has: the `not-found` probe asks for it.
pub const MISSING_ID: &str = "00000000-0000-0000-0000-000000000000";

/// The body `malformed-json` sends: a JSON object cut short.
pub const MALFORMED_JSON: &str = "{\"conform-probe\": ";

/// A probe of one case.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Probe {
    pub kind: ProbeKind,
    pub action: ProbeAction,
    /// What the answer must be (status, and for `read-back` the resource).
    pub expect: Expect,
    /// The answer must be Graph's error envelope, with this `error.code` when one is given.
    pub envelope: Option<Envelope>,
    /// What the probe changed, for the reader of the record.
    pub detail: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Envelope {
    pub code: Option<String>,
}

/// What a probe sends.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub enum ProbeAction {
    /// One request after the case's setup: the case's own, altered, or a read of a URL.
    Send {
        request: Request,
        /// Whether it carries the run's token.
        authenticated: bool,
    },
    /// The case's request, then `read` until it answers the expected status or the wait for
    /// consistency is over; after the teardown when `after_teardown`.
    AfterCreate { read: Request, after_teardown: bool },
}

impl Attach for Probe {
    fn attach(&mut self, file: &Arc<SourceFile>) {
        match &mut self.action {
            ProbeAction::Send { request, .. } => request.attach(file),
            ProbeAction::AfterCreate { read, .. } => read.attach(file),
        }
        self.expect.attach(file);
    }
}

impl ProbeAction {
    /// The request whose answer is judged.
    pub fn judged_request(&self) -> &Request {
        match self {
            Self::Send { request, .. } => request,
            Self::AfterCreate { read, .. } => read,
        }
    }
}

/// The probes of `case` the run asks for, in the order of `ProbeKind::ALL`, leaving out those
/// the case switches off and those that do not apply to it.
pub fn derive(case: &Case, schemas: &Schemas, selection: &ProbeSelection) -> Vec<Probe> {
    if *selection == ProbeSelection::None {
        return Vec::new();
    }
    ProbeKind::ALL
        .into_iter()
        .filter(|kind| selection.includes(*kind))
        .filter_map(|kind| {
            let setting = case
                .probes
                .iter()
                .find(|(k, _)| *k == kind)
                .map(|(_, setting)| setting);
            match setting {
                Some(ProbeSetting::Off) => None,
                Some(ProbeSetting::Expect {
                    status,
                    code,
                    method,
                }) => derive_one(case, schemas, kind, *method).map(|mut probe| {
                    if let Some(status) = status {
                        probe.expect.status = *status;
                    }
                    if let (Some(code), Some(envelope)) = (code, &mut probe.envelope) {
                        envelope.code = Some(code.clone());
                    }
                    probe
                }),
                None => derive_one(case, schemas, kind, None),
            }
        })
        .collect()
}

fn derive_one(
    case: &Case,
    schemas: &Schemas,
    kind: ProbeKind,
    method: Option<Method>,
) -> Option<Probe> {
    let altered = |request: Request, status: u16, detail: Option<String>| Probe {
        kind,
        action: ProbeAction::Send {
            request,
            authenticated: kind != ProbeKind::Auth,
        },
        expect: error_expect(status),
        envelope: Some(Envelope {
            code: (kind == ProbeKind::Auth).then(|| "InvalidAuthenticationToken".to_string()),
        }),
        detail,
    };
    match kind {
        ProbeKind::Auth => Some(altered(case.request.clone(), 401, None)),
        ProbeKind::MalformedJson => {
            case.request.json.as_ref()?;
            let request = Request {
                json: Some(MALFORMED_JSON.into()),
                ..case.request.clone()
            };
            Some(altered(request, 400, None))
        }
        ProbeKind::WrongType => {
            let (request, detail) = wrong_type(case, schemas)?;
            Some(altered(request, 400, Some(detail)))
        }
        ProbeKind::WrongMethod => {
            let method = match method {
                Some(method) => method,
                None => default_wrong_method(case)?,
            };
            let request = Request {
                method,
                ..case.request.clone()
            };
            Some(altered(request, 405, Some(format!("sent {method}"))))
        }
        ProbeKind::NotFound => {
            let (item, variable) = item_url(case)?;
            let missing =
                std::collections::HashMap::from([(variable.to_string(), MISSING_ID.to_string())]);
            let raw = item.render_known(&missing);
            let path = Template::parse(raw, item.origin.clone()).ok()?;
            Some(altered(
                read(path),
                404,
                Some(format!("asked for id {MISSING_ID}")),
            ))
        }
        ProbeKind::ReadBack => life_cycle(case, kind, false),
        ProbeKind::GoneAfterDelete => {
            let deletes = case
                .teardown
                .iter()
                .any(|s| s.request.method == Method::Delete);
            deletes.then(|| life_cycle(case, kind, true)).flatten()
        }
    }
}

/// The method no server may allow on the case's path, read from its last segment: `PUT` where
/// the case POSTs (a collection or an action) or reads a collection (a plural name), `POST`
/// elsewhere — an entity by its key, a singleton, a single navigation — since OData allows PUT
/// there, as a replace. None for a stream or a system segment (`$value`, `content`), where
/// every method may mean something, and when the case sends that method itself.
fn default_wrong_method(case: &Case) -> Option<Method> {
    let path = case.request.path.raw.split('?').next().unwrap_or_default();
    let last = path
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or_default();
    if last.starts_with('$') || last.eq_ignore_ascii_case("content") {
        return None;
    }
    let keyed = crate::api::typing::placeholder_name(last).is_some() || last.ends_with(')');
    let collection = !keyed && last.ends_with('s');
    let method = if case.request.method == Method::Post || collection {
        Method::Put
    } else {
        Method::Post
    };
    (case.request.method != method).then_some(method)
}

/// `read-back` and `gone-after-delete`: the item URL of what the case creates, read after the
/// create (200, the created resource) or after the teardown (404).
fn life_cycle(case: &Case, kind: ProbeKind, after_teardown: bool) -> Option<Probe> {
    let (item, _) = item_url(case)?;
    let expect = if after_teardown {
        error_expect(404)
    } else {
        Expect {
            status: 200,
            schema: case
                .expect
                .schema
                .clone()
                .filter(|_| !case.expect.collection),
            collection: false,
            required: case.expect.required.clone(),
            body: case.expect.body.clone(),
            headers: Vec::new(),
        }
    };
    Some(Probe {
        kind,
        action: ProbeAction::AfterCreate {
            read: read(item),
            after_teardown,
        },
        expect,
        envelope: after_teardown.then_some(Envelope { code: None }),
        detail: None,
    })
}

fn error_expect(status: u16) -> Expect {
    Expect {
        status,
        schema: None,
        collection: false,
        required: Vec::new(),
        body: None,
        headers: Vec::new(),
    }
}

fn read(path: Template) -> Request {
    Request {
        method: Method::Get,
        path,
        headers: Vec::new(),
        json: None,
        capture: Vec::new(),
    }
}

/// The URL of the item the case creates, and the variable holding its id: the path of a
/// teardown DELETE that names a variable the case's request captures, else, for a POST that
/// captures `/id`, the request's path and that id.
pub fn item_url(case: &Case) -> Option<(Template, String)> {
    let captured: Vec<&str> = case
        .request
        .capture
        .iter()
        .map(|c| c.variable.as_str())
        .collect();
    let deleted = case.teardown.iter().find_map(|step| {
        let path = &step.request.path;
        let variable = path.variables().find(|v| captured.contains(v))?;
        (step.request.method == Method::Delete).then(|| (path.clone(), variable.to_string()))
    });
    if deleted.is_some() {
        return deleted;
    }
    if case.request.method != Method::Post {
        return None;
    }
    let id = case.request.capture.iter().find(|c| c.pointer == "/id")?;
    let path = &case.request.path;
    let raw = format!("{}/{{{}}}", path.raw.trim_end_matches('/'), id.variable);
    let item = Template::parse(raw, path.origin.clone()).ok()?;
    Some((item, id.variable.clone()))
}

/// The case's request with one property the schema types sent as another JSON type, and what
/// was changed. Booleans first: no server reads an object as one.
fn wrong_type(case: &Case, schemas: &Schemas) -> Option<(Request, String)> {
    let schema = case.expect.schema.as_ref()?;
    let schema = schemas.key(&schema.name, schema.api.as_deref());
    let json = case.request.json.as_deref()?;
    let Value::Object(mut body) = serde_json::from_str::<Value>(json).ok()? else {
        return None;
    };
    const PREFERRED: [JsonType; 6] = [
        JsonType::Boolean,
        JsonType::Integer,
        JsonType::Number,
        JsonType::String,
        JsonType::Object,
        JsonType::Array,
    ];
    let (property, typed) = PREFERRED.iter().find_map(|wanted| {
        body.keys()
            .filter(|key| !key.contains('@'))
            .find(|key| schemas.property_type(schema, key) == Some(*wanted))
            .map(|key| (key.clone(), *wanted))
    })?;
    let wrong = match typed {
        JsonType::Boolean => json!("not-a-boolean"),
        JsonType::Integer | JsonType::Number => json!("not-a-number"),
        JsonType::String | JsonType::Null => json!(12345),
        JsonType::Object => json!("not-an-object"),
        JsonType::Array => json!("not-an-array"),
    };
    let detail = format!(
        "sent `{property}` as {} {wrong} where schema {schema} types it {}",
        JsonType::of(&wrong).as_str(),
        typed.as_str()
    );
    body.insert(property, wrong);
    let request = Request {
        json: Some(Value::Object(body).to_string().into()),
        ..case.request.clone()
    };
    Some((request, detail))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::{Path, PathBuf};

    const THREAD: &str = r#"{"type": "object", "properties": {
        "id": {"type": "string"}, "topic": {"type": "string"},
        "isLocked": {"type": "boolean"}, "toRecipients": {"type": "array"}}}"#;

    fn schemas() -> Schemas {
        Schemas::compile(&[(PathBuf::from("schemas/thread.json"), THREAD.to_string())]).unwrap()
    }

    fn case(extra: &str) -> Case {
        let text = format!(
            r#"
[[case]]
name = "create"
[case.request]
method = "POST"
path = "/v1.0/groups/{{group-id}}/threads"
capture = {{ thread-id = "/id" }}
json = '{{"topic": "t", "isLocked": false, "toRecipients": []}}'
[case.expect]
status = 201
schema = "thread"
body = '{{"topic": "t"}}'
{extra}
"#
        );
        crate::suite::format::parse_file(Path::new("cases/c.toml"), text)
            .unwrap()
            .remove(0)
    }

    const TEARDOWN: &str = r#"[[case.teardown]]
method = "DELETE"
path = "/v1.0/groups/{group-id}/items/{thread-id}""#;

    fn kinds(probes: &[Probe]) -> Vec<&str> {
        probes.iter().map(|p| p.kind.as_str()).collect()
    }

    #[test]
    fn a_create_with_a_body_and_a_delete_gets_every_probe() {
        let probes = derive(&case(TEARDOWN), &schemas(), &ProbeSelection::All);
        assert_eq!(
            kinds(&probes),
            [
                "auth",
                "malformed-json",
                "wrong-type",
                "wrong-method",
                "not-found",
                "read-back",
                "gone-after-delete"
            ]
        );
        let statuses: Vec<u16> = probes.iter().map(|p| p.expect.status).collect();
        assert_eq!(statuses, [401, 400, 400, 405, 404, 200, 404]);
        assert_eq!(
            probes[0].envelope,
            Some(Envelope {
                code: Some("InvalidAuthenticationToken".into())
            })
        );
        assert!(matches!(
            probes[0].action,
            ProbeAction::Send {
                authenticated: false,
                ..
            }
        ));
        // The item URL is the teardown's DELETE path, the id a value no resource has.
        let not_found = probes[4].action.judged_request();
        assert_eq!(
            not_found.path.raw,
            format!("/v1.0/groups/{{group-id}}/items/{MISSING_ID}")
        );
        assert_eq!(not_found.method, Method::Get);
        let read_back = &probes[5];
        assert_eq!(
            read_back.action.judged_request().path.raw,
            "/v1.0/groups/{group-id}/items/{thread-id}"
        );
        assert_eq!(
            read_back.expect.body,
            Some(serde_json::json!({"topic": "t"}))
        );
        assert!(read_back.envelope.is_none());
    }

    #[test]
    fn wrong_type_changes_the_boolean_and_says_so() {
        let probes = derive(
            &case(""),
            &schemas(),
            &ProbeSelection::Only(vec![ProbeKind::WrongType]),
        );
        let request = probes[0].action.judged_request();
        let body: Value = serde_json::from_str(request.json.as_deref().unwrap()).unwrap();
        assert_eq!(body["isLocked"], "not-a-boolean");
        assert_eq!(body["topic"], "t", "only one property changes");
        assert_eq!(
            probes[0].detail.as_deref(),
            Some(
                "sent `isLocked` as string \"not-a-boolean\" where schema thread types it boolean"
            )
        );
    }

    #[test]
    fn without_a_delete_the_item_is_the_collection_path_and_the_id() {
        let probes = derive(&case(""), &schemas(), &ProbeSelection::All);
        assert!(
            !kinds(&probes).contains(&"gone-after-delete"),
            "nothing deletes it"
        );
        let read_back = probes
            .iter()
            .find(|p| p.kind == ProbeKind::ReadBack)
            .unwrap();
        assert_eq!(
            read_back.action.judged_request().path.raw,
            "/v1.0/groups/{group-id}/threads/{thread-id}"
        );
    }

    #[test]
    fn a_case_switches_probes_off_or_expects_otherwise() {
        let settings = r#"[case.probes]
auth = false
read-back = true
not-found = { status = 400, code = "invalidRequest" }
wrong-method = { method = "patch" }"#;
        let probes = derive(&case(settings), &schemas(), &ProbeSelection::All);
        assert!(!kinds(&probes).contains(&"auth"));
        assert!(kinds(&probes).contains(&"read-back"));
        let not_found = probes
            .iter()
            .find(|p| p.kind == ProbeKind::NotFound)
            .unwrap();
        assert_eq!(not_found.expect.status, 400);
        assert_eq!(
            not_found.envelope,
            Some(Envelope {
                code: Some("invalidRequest".into())
            })
        );
        let wrong = probes
            .iter()
            .find(|p| p.kind == ProbeKind::WrongMethod)
            .unwrap();
        assert_eq!(wrong.action.judged_request().method, Method::Patch);
        assert!(derive(&case(settings), &schemas(), &ProbeSelection::None).is_empty());
    }

    #[test]
    fn a_read_without_body_or_capture_gets_only_auth_and_wrong_method() {
        let text = r#"
[[case]]
name = "list"
[case.request]
method = "GET"
path = "/v1.0/groups/g/threads"
[case.expect]
status = 200
"#;
        let case = crate::suite::format::parse_file(Path::new("cases/l.toml"), text.into())
            .unwrap()
            .remove(0);
        let probes = derive(&case, &schemas(), &ProbeSelection::All);
        assert_eq!(kinds(&probes), ["auth", "wrong-method"]);
        let wrong = |method: &str, path: &str| {
            let text = text
                .replace("\"GET\"", &format!("\"{method}\""))
                .replace("/v1.0/groups/g/threads", path);
            let case = crate::suite::format::parse_file(Path::new("cases/l.toml"), text)
                .unwrap()
                .remove(0);
            default_wrong_method(&case).map(Method::as_str)
        };
        assert_eq!(wrong("GET", "/v1.0/groups/g/threads"), Some("PUT"));
        assert_eq!(
            wrong("GET", "/v1.0/groups/{group-id}"),
            Some("POST"),
            "PUT replaces an entity in OData: no wrong method there"
        );
        assert_eq!(wrong("GET", "/v1.0/users('{user-id}')"), Some("POST"));
        assert_eq!(wrong("GET", "/v1.0/me"), Some("POST"), "a singleton");
        assert_eq!(
            wrong("POST", "/v1.0/groups/{group-id}/threads/{t}/reply"),
            Some("PUT")
        );
        assert_eq!(wrong("PUT", "/v1.0/groups/g/threads"), None);
        assert_eq!(
            wrong("GET", "/v1.0/me/drive/items/{i}/content"),
            None,
            "a stream"
        );
        assert_eq!(wrong("GET", "/v1.0/users/$count"), None);
    }

    #[test]
    fn bad_probe_settings_are_located() {
        let parse = |settings: &str| {
            let text = format!(
                "[[case]]\nname = \"x\"\n[case.request]\nmethod = \"GET\"\npath = \"/v1.0/x\"\n[case.expect]\nstatus = 200\n[case.probes]\n{settings}\n"
            );
            crate::suite::format::parse_file(Path::new("cases/b.toml"), text)
                .unwrap_err()
                .to_string()
        };
        let unknown = parse("readback = false");
        assert!(unknown.contains("unknown probe `readback`"), "{unknown}");
        assert!(unknown.contains("b.toml:9:12"), "{unknown}");
        let misplaced = parse("auth = { method = \"PATCH\" }");
        assert!(
            misplaced.contains("`method` is for the wrong-method probe"),
            "{misplaced}"
        );
        let status = parse("auth = { status = 99 }");
        assert!(
            status.contains("status 99 is not an HTTP status"),
            "{status}"
        );
    }
}
