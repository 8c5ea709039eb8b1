//! The reference server over an API model (`tests/fixtures/csdl/office.csdl`), by feature:
//! the generic routes (`collections`), files, uploads, delta and batches (`files`), suites run
//! on it (`runs`), and Graph's own rules (`graph_rules`). The helpers they share are here.

mod collections;
mod files;
mod graph_rules;
mod runs;

use crate::common::Test;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use conform::api::file::Models;
use conform::api::model::{ApiModel, MemberKind};
use conform::mock::behaviour::MockConfig;
use conform::mock::broken::BrokenRule;
use conform::schema::registry::Schemas;
use serde_json::{Value, json};

use crate::common;

pub(super) fn office() -> ApiModel {
    let path = common::root().join("tests/fixtures/csdl/office.csdl");
    let csdl =
        conform::schema::csdl::parse(&path, &std::fs::read_to_string(&path).unwrap()).unwrap();
    ApiModel::from_csdl(&csdl, "v1.0", "office.csdl").unwrap()
}

pub(super) fn server(
    runtime: &tokio::runtime::Runtime,
    broken: Vec<BrokenRule>,
) -> conform::mock::server::Server {
    let config = MockConfig {
        served: Some(conform::mock::generic::served::Served {
            models: Arc::new(Models::from_models(vec![office()])),
            ..Default::default()
        }),
        fixtures: vec![("group-id".into(), "g-fixture".into())],
        broken,
        ..MockConfig::default()
    };
    common::reference_server_with(runtime, config)
}

/// `conform COMMAND --cases CASES --schemas SCHEMAS EXTRA…` with `env`.
pub(super) fn over_suite(
    command: &str,
    cases: &Path,
    schemas: &Path,
    extra: &[&str],
    env: &[(&str, &str)],
) -> common::test::Ran {
    let (cases, schemas) = (cases.to_str().unwrap(), schemas.to_str().unwrap());
    let mut args = vec![command, "--cases", cases, "--schemas", schemas];
    args.extend_from_slice(extra);
    Test::new().args(&args).envs(env).run()
}

/// A reference server standing for a tenant that serves the suite as documented, its group
/// `g-fixture` there from the start.
pub(super) fn tenant(
    runtime: &tokio::runtime::Runtime,
    (cases, schemas): (&Path, &Path),
) -> conform::mock::server::Server {
    let config = MockConfig {
        fixtures: vec![("group-id".into(), "g-fixture".into())],
        ..common::serving(schemas, cases)
    };
    common::reference_server_with(runtime, config)
}

/// `conform COMMAND` over the suite against `base`, a reference server standing for a tenant
/// (no `--reset`: not disposable), its group `g-fixture` given.
pub(super) fn over_tenant(
    command: &str,
    (cases, schemas): (&Path, &Path),
    base: &str,
    extra: &[&str],
) -> common::test::Ran {
    let mut args = vec!["--base-url", base, "--var", "group-id=g-fixture"];
    args.extend_from_slice(extra);
    over_suite(command, cases, schemas, &args, &[("CONFORM_TOKEN", "t")])
}

/// (status, headers' location, body) of one request with a token.
pub(super) fn send(
    runtime: &tokio::runtime::Runtime,
    base: &str,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> (u16, Option<String>, Value) {
    runtime.block_on(async {
        let mut request = common::http_client()
            .request(method.parse().unwrap(), format!("{base}{path}"))
            .bearer_auth("t");
        if let Some(body) = body {
            request = request
                .header("content-type", "application/json")
                .body(body.to_string());
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let location = response
            .headers()
            .get("location")
            .map(|v| v.to_str().unwrap().to_string());
        let bytes = response.bytes().await.unwrap();
        (
            status,
            location,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        )
    })
}

/// A folder holding the office schemas and a suite of one case file, `name` with `text`:
/// (the folder, the cases, the schemas).
pub(super) fn suite_of(name: &str, text: &str) -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let schemas_dir = dir.path().join("schemas");
    schemas(&schemas_dir);
    let cases = dir.path().join("cases");
    std::fs::create_dir_all(&cases).unwrap();
    std::fs::write(cases.join(name), text).unwrap();
    (dir, cases, schemas_dir)
}

/// The schemas of the office metadata, as `schemas import` writes them.
pub(super) fn schemas(dir: &Path) -> Schemas {
    common::import_schemas("office.csdl", dir);
    Schemas::load_dir(dir).unwrap()
}

/// Every collection a client can create in: the entity sets, then the contained collections of
/// what was created there, one level down.
pub(super) fn collections(model: &ApiModel) -> Vec<(String, String)> {
    model
        .roots
        .iter()
        .filter(|r| {
            r.collection
                && model
                    .restriction(&r.name)
                    .is_none_or(|x| x.insertable != Some(false))
        })
        .map(|r| (format!("/v1.0/{}", r.name), r.ty.clone()))
        .collect()
}

/// A case directory: create, list and read groups' threads, typed by the office model.
pub(super) fn office_cases(dir: &Path) -> PathBuf {
    let cases = dir.join("cases");
    std::fs::create_dir_all(&cases).unwrap();
    std::fs::write(
        cases.join("threads.toml"),
        r#"[[case]]
name = "create_thread"
[case.request]
method = "POST"
path = "/v1.0/groups/{group-id}/threads"
json = '{"topic": "Plans"}'
capture = { thread-id = "/id" }
[case.expect]
status = 201
schema = "conversationThread"
[[case.teardown]]
method = "DELETE"
path = "/v1.0/groups/{group-id}/threads/{thread-id}"

[[case]]
name = "list_users"
[case.request]
method = "GET"
path = "/v1.0/users"
[case.expect]
status = 200
schema = "user"
collection = true
"#,
    )
    .unwrap();
    cases
}

/// A read whose documented message a tenant already holds, and a delete of a message that
/// nothing in the suite creates: its prerequisite is made from what the read shows.
pub(super) const MESSAGES: &str = r#"[[case]]
name = "get_message"
[case.doc]
response = '''
HTTP/1.1 200 OK
Content-type: application/json

{"id": "m-documented", "subject": "Quarterly plans"}
'''
[case.request]
method = "GET"
path = "/v1.0/me/messages/{message-id}"
[case.expect]
status = 200

[[case]]
name = "delete_message"
[case.request]
method = "DELETE"
path = "/v1.0/me/messages/{message-id}"
[case.expect]
status = 204
"#;

/// A suite as `conform import` writes it: keys named after their types, no setup steps.
/// A folder with the office fixture's schemas, the imported suite and where reports go.
pub(super) struct Imported {
    pub dir: tempfile::TempDir,
    pub schemas_dir: PathBuf,
    pub cases: PathBuf,
    pub reports: PathBuf,
}

pub(super) fn imported() -> Imported {
    let dir = tempfile::tempdir().unwrap();
    let schemas_dir = dir.path().join("schemas");
    schemas(&schemas_dir);
    let cases = imported_cases(dir.path());
    let reports = dir.path().join("reports");
    Imported {
        dir,
        schemas_dir,
        cases,
        reports,
    }
}

pub(super) fn imported_cases(dir: &Path) -> PathBuf {
    let cases = dir.join("imported");
    std::fs::create_dir_all(&cases).unwrap();
    let case = |name: &str, method: &str, path: &str, status: u16, json: Option<&str>| {
        let body = json.map(|j| format!("json = '{j}'\n")).unwrap_or_default();
        format!(
            "[[case]]\nname = \"{name}\"\n[case.request]\nmethod = \"{method}\"\npath = \"{path}\"\n{body}[case.expect]\nstatus = {status}\n\n"
        )
    };
    let suite = [
        case(
            "create_conversation",
            "POST",
            "/v1.0/groups/{group-id}/conversations",
            201,
            Some(r#"{"topic": "t"}"#),
        ),
        case(
            "create_thread",
            "POST",
            "/v1.0/groups/{group-id}/conversations/{conversation-id}/threads",
            201,
            Some(r#"{"topic": "t"}"#),
        ),
        case(
            "get_thread",
            "GET",
            "/v1.0/groups/{group-id}/conversations/{conversation-id}/threads/{conversationThread-id}",
            200,
            None,
        ),
        case(
            "reply",
            "POST",
            "/v1.0/groups/{group-id}/conversations/{conversation-id}/threads/{conversationThread-id}/reply",
            202,
            Some(r#"{"post": {}}"#),
        ),
        case(
            "reply_in_group",
            "POST",
            "/v1.0/groups/{group-id}/threads/{conversationThread-id}/reply",
            202,
            Some(r#"{"post": {}}"#),
        ),
        case(
            "delete_conversation",
            "DELETE",
            "/v1.0/groups/{group-id}/conversations/{conversation-id}",
            204,
            None,
        ),
        case(
            "update_group",
            "PATCH",
            "/v1.0/groups/{group-id}",
            204,
            Some(r#"{"displayName": "x"}"#),
        ),
        case(
            "get_report",
            "GET",
            "/v1.0/reports/getUsageReport(period='{period}')",
            200,
            None,
        ),
    ];
    std::fs::write(cases.join("office.toml"), suite.concat()).unwrap();
    cases
}

/// A server over the office model answering as `cases` (written to a scratch folder)
/// documents, with a group `g` and a drive `d`.
pub(super) fn documented_server(
    runtime: &tokio::runtime::Runtime,
    cases: &str,
) -> (tempfile::TempDir, conform::mock::server::Server) {
    let dir = tempfile::tempdir().unwrap();
    let schemas_dir = dir.path().join("schemas");
    schemas(&schemas_dir);
    let cases_dir = dir.path().join("cases");
    std::fs::create_dir_all(&cases_dir).unwrap();
    std::fs::write(cases_dir.join("documented.toml"), cases).unwrap();
    let config = MockConfig {
        fixtures: vec![
            ("group-id".into(), "g".into()),
            ("drive-id".into(), "d".into()),
        ],
        ..common::serving(&schemas_dir, &cases_dir)
    };
    let server = common::reference_server_with(runtime, config);
    (dir, server)
}
