//! The reference server over an API model (`tests/fixtures/csdl/office.csdl`): every entity
//! set and contained collection served with state, answers judged by conform's own checks,
//! `$ref`, query options, Graph's errors, broken rules on generic routes, and a run of cases
//! against the embedded server.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use conform::api::file::Models;
use conform::api::model::{ApiModel, MemberKind};
use conform::mock::behaviour::MockConfig;
use conform::mock::broken::BrokenRule;
use conform::schema::registry::Schemas;
use serde_json::{Value, json};

use crate::common;

fn office() -> ApiModel {
    let path = common::root().join("tests/fixtures/csdl/office.csdl");
    let csdl =
        conform::schema::csdl::parse(&path, &std::fs::read_to_string(&path).unwrap()).unwrap();
    ApiModel::from_csdl(&csdl, "v1.0", "office.csdl").unwrap()
}

fn server(
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
fn over_suite(
    command: &str,
    cases: &Path,
    schemas: &Path,
    extra: &[&str],
    env: &[(&str, &str)],
) -> std::process::Output {
    let (cases, schemas) = (cases.to_str().unwrap(), schemas.to_str().unwrap());
    let mut args = vec![command, "--cases", cases, "--schemas", schemas];
    args.extend_from_slice(extra);
    common::conform(&args, env)
}

/// A reference server standing for a tenant that serves the suite as documented, its group
/// `g-fixture` there from the start.
fn tenant(
    runtime: &tokio::runtime::Runtime,
    (cases, schemas): (&Path, &Path),
) -> conform::mock::server::Server {
    let config = MockConfig {
        served: Some(conform::mock::generic::served::Served::from_dirs(schemas, cases).unwrap()),
        fixtures: vec![("group-id".into(), "g-fixture".into())],
        ..MockConfig::default()
    };
    common::reference_server_with(runtime, config)
}

/// `conform COMMAND` over the suite against `base`, a reference server standing for a tenant
/// (no `--reset`: not disposable), its group `g-fixture` given.
fn over_tenant(
    command: &str,
    (cases, schemas): (&Path, &Path),
    base: &str,
    extra: &[&str],
) -> std::process::Output {
    let mut args = vec!["--base-url", base, "--var", "group-id=g-fixture"];
    args.extend_from_slice(extra);
    over_suite(command, cases, schemas, &args, &[("CONFORM_TOKEN", "t")])
}

/// (status, headers' location, body) of one request with a token.
fn send(
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
fn suite_of(name: &str, text: &str) -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let schemas_dir = dir.path().join("schemas");
    schemas(&schemas_dir);
    let cases = dir.path().join("cases");
    std::fs::create_dir_all(&cases).unwrap();
    std::fs::write(cases.join(name), text).unwrap();
    (dir, cases, schemas_dir)
}

/// The schemas of the office metadata, as `schemas import` writes them.
fn schemas(dir: &Path) -> Schemas {
    common::import_schemas("office.csdl", dir);
    Schemas::load_dir(dir).unwrap()
}

/// Every collection a client can create in: the entity sets, then the contained collections of
/// what was created there, one level down.
fn collections(model: &ApiModel) -> Vec<(String, String)> {
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

#[test]
fn every_collection_creates_reads_and_lists_what_its_schema_allows() {
    let dir = tempfile::tempdir().unwrap();
    let schemas = schemas(dir.path());
    let model = office();
    let runtime = common::runtime();
    let server = server(&runtime, Vec::new());
    let base = server.base_url();
    let mut queue = collections(&model);
    let mut judged = 0;
    while let Some((collection, ty)) = queue.pop() {
        let abstract_type = ty.ends_with(".attachment");
        let body = if abstract_type {
            json!({"@odata.type": "#microsoft.graph.fileAttachment"})
        } else {
            json!({})
        };
        let (status, location, created) = send(&runtime, &base, "POST", &collection, Some(body));
        assert_eq!(status, 201, "POST {collection}: {created}");
        assert!(location.is_some(), "POST {collection} has a Location");
        let id = created["id"].as_str().unwrap().to_string();
        let item = format!("{collection}/{id}");
        let (status, _, read) = send(&runtime, &base, "GET", &item, None);
        assert_eq!(status, 200, "GET {item}: {read}");
        let name = ty.rsplit('.').next().unwrap();
        let failures = conform::check::check_schema(&schemas, name, &read);
        assert!(
            failures.is_empty(),
            "GET {item} breaks {name}: {failures:?}"
        );
        let (status, _, listed) = send(&runtime, &base, "GET", &collection, None);
        assert_eq!(status, 200);
        assert!(
            listed["value"]
                .as_array()
                .unwrap()
                .iter()
                .any(|i| i["id"] == id.as_str()),
            "{collection} lists {id}"
        );
        judged += 1;
        if collection.matches('/').count() < 3 {
            for member in model
                .lineage(&ty)
                .filter_map(|t| model.type_info(t))
                .flat_map(|i| i.members.iter())
            {
                let takes = model.insertable(&format!("{ty}/{}", member.name));
                // A view is listed through its window: its own test.
                let view = member.name == "calendarView";
                if member.kind == MemberKind::Contained && member.collection && takes && !view {
                    queue.push((format!("{item}/{}", member.name), member.ty.clone()));
                }
            }
        }
    }
    // Every collection of the fixture but `calendarGroups`, which its metadata closes to creates.
    assert!(judged >= 9, "only {judged} collections");
}

#[test]
fn the_life_cycle_follows_graphs_conventions() {
    let runtime = common::runtime();
    let server = server(&runtime, Vec::new());
    let base = server.base_url();
    let g = "/v1.0/groups/g-fixture";
    let (status, _, conversation) = send(
        &runtime,
        &base,
        "POST",
        &format!("{g}/conversations"),
        Some(json!({"topic": "Plans", "threads": [{"topic": "Plans", "posts": [{"body": "hi"}]}]})),
    );
    assert_eq!(status, 201, "{conversation}");
    let c = format!("{g}/conversations/{}", conversation["id"].as_str().unwrap());
    let (_, _, threads) = send(&runtime, &base, "GET", &format!("{c}/threads"), None);
    let t = format!(
        "{c}/threads/{}",
        threads["value"][0]["id"].as_str().unwrap()
    );
    let (_, _, posts) = send(&runtime, &base, "GET", &format!("{t}/posts"), None);
    assert_eq!(
        posts["value"][0]["body"], "hi",
        "deep insert keeps what it carries"
    );
    assert_eq!(
        send(
            &runtime,
            &base,
            "PATCH",
            &c,
            Some(json!({"topic": "Later"}))
        )
        .0,
        204
    );
    assert_eq!(send(&runtime, &base, "GET", &c, None).2["topic"], "Later");
    assert_eq!(send(&runtime, &base, "DELETE", &c, None).0, 204);
    let (status, _, gone) = send(&runtime, &base, "GET", &t, None);
    assert_eq!(
        status, 404,
        "what a deleted conversation contains is gone: {gone}"
    );
    assert_eq!(gone["error"]["code"], "ResourceNotFound");
    let (status, _, missing) = send(
        &runtime,
        &base,
        "POST",
        "/v1.0/groups/nobody/threads",
        Some(json!({"topic": "x"})),
    );
    assert_eq!(
        (status, missing["error"]["code"].as_str()),
        (404, Some("Request_ResourceNotFound"))
    );
    let (status, _, unknown) = send(&runtime, &base, "GET", &format!("{g}/thread"), None);
    assert_eq!(status, 400);
    assert_eq!(
        unknown["error"]["message"],
        "Resource not found for the segment 'thread'."
    );
    assert_eq!(send(&runtime, &base, "DELETE", "/v1.0/groups", None).0, 405);
    let (status, _, version) = send(&runtime, &base, "GET", "/v2.0/groups", None);
    assert_eq!(
        (status, version["error"]["message"].as_str()),
        (400, Some("Invalid version."))
    );
    let anonymous = runtime.block_on(async {
        let response = common::http_client()
            .get(format!("{base}/v1.0/groups"))
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        let body: Value = serde_json::from_slice(&response.bytes().await.unwrap()).unwrap();
        (status, body["error"]["code"].as_str().map(str::to_string))
    });
    assert_eq!(
        anonymous,
        (401, Some("InvalidAuthenticationToken".to_string()))
    );
    assert_eq!(
        send(
            &runtime,
            &base,
            "POST",
            "/v1.0/directoryObjects",
            Some(json!({}))
        )
        .0,
        405,
        "the metadata forbids inserts"
    );
    let (status, _, wrong) = send(
        &runtime,
        &base,
        "POST",
        &format!("{g}/threads"),
        Some(json!({"topic": 7})),
    );
    assert_eq!(status, 400);
    assert!(
        wrong["error"]["message"]
            .as_str()
            .unwrap()
            .contains("property 'topic'"),
        "{wrong}"
    );
    let (status, _, invalid) = send(
        &runtime,
        &base,
        "PATCH",
        g,
        Some(json!({"nickname": "x", "displayName": "G"})),
    );
    assert_eq!(status, 204, "groups are open types: {invalid}");
    let (status, _, strict) = send(
        &runtime,
        &base,
        "POST",
        &format!("{g}/threads"),
        Some(json!({"topik": "x"})),
    );
    assert_eq!(status, 400);
    assert!(
        strict["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Invalid property 'topik'")
    );
}

/// `POST /_mock/seed/{collection}`: an entity made for a run, shaped as the run sends it,
/// with the id it names (once), among references too; a path that is no collection is refused.
/// What was seeded is answered in the navigations a read expands.
#[test]
fn the_server_seeds_what_a_run_asks_for() {
    let runtime = common::runtime();
    let server = server(&runtime, Vec::new());
    let base = server.base_url();
    let seed = |path: &str, body: Value| {
        runtime.block_on(async {
            let response = common::http_client()
                .post(format!("{base}/_mock/seed{path}"))
                .body(body.to_string())
                .send()
                .await
                .unwrap();
            let status = response.status().as_u16();
            let bytes = response.bytes().await.unwrap();
            (status, serde_json::from_slice::<Value>(&bytes).unwrap())
        })
    };
    let (status, made) = seed("/v1.0/groups/g-fixture/threads", json!({"topic": "Seeded"}));
    assert_eq!(status, 201, "{made}");
    let id = made["id"].as_str().unwrap().to_string();
    let path = format!("/v1.0/groups/g-fixture/threads/{id}");
    let (status, _, thread) = send(&runtime, &base, "GET", &path, None);
    assert_eq!(
        (status, &thread["topic"]),
        (200, &json!("Seeded")),
        "{thread}"
    );

    let named = json!({"id": "inbox-like"});
    assert_eq!(seed("/v1.0/groups", named.clone()).1["id"], "inbox-like");
    assert_eq!(
        seed("/v1.0/groups", named).1["id"],
        "inbox-like",
        "made once"
    );
    let (status, _, _) = send(&runtime, &base, "GET", "/v1.0/groups/inbox-like", None);
    assert_eq!(status, 200);

    let (status, member) = seed("/v1.0/groups/g-fixture/members", json!({}));
    assert_eq!(status, 201, "{member}");
    let (_, _, members) = send(
        &runtime,
        &base,
        "GET",
        "/v1.0/groups/g-fixture/members",
        None,
    );
    assert!(
        members["value"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["id"] == member["id"]),
        "a member is referred to: {members}"
    );
    let expanded = "/v1.0/groups/g-fixture?$expand=members,threads($select=id)";
    let (_, _, group) = send(&runtime, &base, "GET", expanded, None);
    assert_eq!(group["members"][0]["id"], member["id"], "$expand: {group}");
    assert!(
        group["threads"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["id"] == id.as_str())
    );
    let (status, _, refused) = send(
        &runtime,
        &base,
        "GET",
        "/v1.0/groups/g-fixture?$expand=nope",
        None,
    );
    assert_eq!(
        status, 400,
        "an unknown navigation is never ignored: {refused}"
    );
    assert_eq!(
        refused["error"]["message"],
        "Could not find a property named 'nope' on type 'microsoft.graph.group'."
    );
    let (status, _, refused) = send(
        &runtime,
        &base,
        "GET",
        "/v1.0/groups/g-fixture?$expand=threads($orderby=topic)",
        None,
    );
    assert_eq!(
        status, 400,
        "a nested option not applied is refused: {refused}"
    );
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .contains("'$orderby'")
    );
    let (status, _, _) = send(&runtime, &base, "GET", "/v1.0/users?$expand=nope", None);
    assert_eq!(status, 400, "also where there is nothing to expand");
    let (status, refused) = seed("/v1.0/groups/nobody/threads", json!({}));
    assert_eq!(
        (status, &refused["error"]["code"]),
        (404, &json!("NotSeeded"))
    );
}

/// What the metadata says a navigation does not take is refused: a create where its
/// owner's type restricts inserts (`microsoft.graph.user/calendarGroups`) is 405.
#[test]
fn a_navigation_the_metadata_closes_to_creates_refuses_them() {
    let runtime = common::runtime();
    let server = server(&runtime, Vec::new());
    let base = server.base_url();
    let (status, _, refused) = send(
        &runtime,
        &base,
        "POST",
        "/v1.0/me/calendarGroups",
        Some(json!({"name": "Trips"})),
    );
    assert_eq!(status, 405, "{refused}");
    let (_, _, route) = send(
        &runtime,
        &base,
        "GET",
        "/_mock/routes?method=POST&path=/v1.0/me/calendarGroups",
        None,
    );
    assert_eq!(route["served"], "not at all", "{route}");
    assert!(
        route["why"]
            .as_str()
            .unwrap()
            .contains("microsoft.graph.user/calendarGroups"),
        "the routes say which rule decided: {route}"
    );
    let (status, _, _) = send(
        &runtime,
        &base,
        "POST",
        "/v1.0/me/mailFolders",
        Some(json!({"displayName": "Kept"})),
    );
    assert_eq!(status, 201, "another navigation of the type takes them");
}

/// A resumable upload: a session on the file, its ranges in order (202 until the last, 201
/// with the file), a range out of order 416, the content readable after.
#[test]
fn a_large_file_is_uploaded_in_ranges() {
    let runtime = common::runtime();
    let server = server(&runtime, Vec::new());
    let base = server.base_url();
    let file = "/v1.0/me/drive/root:/big.bin:";
    let (status, _, session) = send(
        &runtime,
        &base,
        "POST",
        &format!("{file}/createUploadSession"),
        Some(json!({})),
    );
    assert_eq!(status, 200, "{session}");
    assert_eq!(session["nextExpectedRanges"], json!(["0-"]));
    assert!(session["expirationDateTime"].is_string(), "{session}");
    let upload = session["uploadUrl"].as_str().unwrap().to_string();
    assert!(
        upload.starts_with(&base),
        "on the server's own host: {upload}"
    );
    let put = |range: &str, bytes: &'static [u8]| {
        runtime.block_on(async {
            let response = common::http_client()
                .put(&upload)
                .header("content-range", range)
                .body(bytes)
                .send()
                .await
                .unwrap();
            let status = response.status().as_u16();
            let bytes = response.bytes().await.unwrap();
            (
                status,
                serde_json::from_slice::<Value>(&bytes).unwrap_or(Value::Null),
            )
        })
    };
    let (status, next) = put("bytes 0-3/10", b"0123");
    assert_eq!((status, &next["nextExpectedRanges"]), (202, &json!(["4-"])));
    assert_eq!(put("bytes 6-9/10", b"6789").0, 416, "a range out of order");
    let (status, made) = put("bytes 4-9/10", b"456789");
    assert_eq!(status, 201, "{made}");
    assert_eq!(
        (&made["name"], &made["size"]),
        (&json!("big.bin"), &json!(10))
    );
    let content = runtime.block_on(async {
        let response = common::http_client()
            .get(format!("{base}{file}/content"))
            .bearer_auth("t")
            .send()
            .await
            .unwrap();
        response.bytes().await.unwrap()
    });
    assert_eq!(&content[..], b"0123456789");
    assert_eq!(
        put("bytes 0-0/1", b"x").0,
        404,
        "the session ended with the file"
    );
}

/// Change tracking: a delta round ends with a deltaLink; the next round answers what was
/// created, changed and deleted since; a token the server did not issue is 410.
#[test]
fn delta_rounds_see_what_changed() {
    let runtime = common::runtime();
    let server = server(&runtime, Vec::new());
    let base = server.base_url();
    let make = |name: &str| {
        let (status, _, user) = send(
            &runtime,
            &base,
            "POST",
            "/v1.0/users",
            Some(json!({"displayName": name})),
        );
        assert_eq!(status, 201, "{user}");
        user["id"].as_str().unwrap().to_string()
    };
    let (kept, changed, gone) = (make("kept"), make("changed"), make("gone"));
    let (status, _, first) = send(&runtime, &base, "GET", "/v1.0/users/delta", None);
    assert_eq!(status, 200, "{first}");
    assert!(first["value"].as_array().unwrap().len() >= 3, "{first}");
    let link = first["@odata.deltaLink"]
        .as_str()
        .expect("a deltaLink ends the round")
        .to_string();
    let next = link.strip_prefix(&base).unwrap().to_string();
    let added = make("added");
    send(
        &runtime,
        &base,
        "PATCH",
        &format!("/v1.0/users/{changed}"),
        Some(json!({"displayName": "renamed"})),
    );
    send(
        &runtime,
        &base,
        "DELETE",
        &format!("/v1.0/users/{gone}"),
        None,
    );
    let (status, _, second) = send(&runtime, &base, "GET", &next, None);
    assert_eq!(status, 200, "{second}");
    let entries = second["value"].as_array().unwrap();
    let entry = |id: &str| entries.iter().find(|e| e["id"] == id);
    assert!(entry(&added).is_some(), "created: {second}");
    assert_eq!(entry(&changed).unwrap()["displayName"], "renamed");
    assert_eq!(entry(&gone).unwrap()["@removed"]["reason"], "deleted");
    assert!(entry(&kept).is_none(), "unchanged: {second}");
    assert!(second["@odata.deltaLink"].is_string());
    let (status, _, unknown) = send(
        &runtime,
        &base,
        "GET",
        "/v1.0/users/delta?$deltatoken=never",
        None,
    );
    assert_eq!(status, 410, "{unknown}");
}

/// An upload answers the file it made; `Preference-Applied` says the preferences the request
/// stated.
#[test]
fn uploads_answer_the_file_and_preferences_are_the_requests() {
    let runtime = common::runtime();
    let server = server(&runtime, Vec::new());
    let base = server.base_url();
    let (status, headers, file) = runtime.block_on(async {
        let response = common::http_client()
            .put(format!(
                "{base}/v1.0/me/drive/root:/Reports/q3.txt:/content"
            ))
            .bearer_auth("t")
            .header("content-type", "text/plain")
            .header("prefer", "outlook.timezone=\"Pacific Standard Time\"")
            .body("totals")
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        (
            status,
            headers,
            serde_json::from_slice::<Value>(&response.bytes().await.unwrap())
                .unwrap_or(Value::Null),
        )
    });
    assert_eq!(status, 201, "a new file: {file}");
    assert_eq!(file["name"], "q3.txt", "{file}");
    assert_eq!(
        headers.get("preference-applied").unwrap(),
        "outlook.timezone=\"Pacific Standard Time\""
    );
}

/// `POST /v1.0/$batch`: each request served as if sent alone, in `dependsOn` order, a request
/// whose dependency failed answering 424; the batch needs a token as any request does.
#[test]
fn a_batch_is_served_request_by_request() {
    let runtime = common::runtime();
    let server = server(&runtime, Vec::new());
    let base = server.base_url();
    let post = |token: Option<&str>, body: Value| {
        runtime.block_on(async {
            let mut request = common::http_client()
                .post(format!("{base}/v1.0/$batch"))
                .header("content-type", "application/json")
                .body(body.to_string());
            if let Some(token) = token {
                request = request.bearer_auth(token);
            }
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            let bytes = response.bytes().await.unwrap();
            (
                status,
                serde_json::from_slice::<Value>(&bytes).unwrap_or(Value::Null),
            )
        })
    };
    let batch = json!({"requests": [
        {"id": "list", "method": "GET", "url": "/groups/g-fixture/threads", "dependsOn": ["new"]},
        {"id": "new", "method": "POST", "url": "/groups/g-fixture/threads",
         "headers": {"Content-Type": "application/json"}, "body": {"topic": "Batched"}},
        {"id": "missing", "method": "GET", "url": "/groups/nobody"},
        {"id": "after-missing", "method": "GET", "url": "/groups/g-fixture", "dependsOn": ["missing"]}
    ]});
    let (status, answer) = post(Some("t"), batch.clone());
    assert_eq!(status, 200, "{answer}");
    let by_id = |id: &str| {
        answer["responses"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == id)
            .cloned()
            .unwrap()
    };
    assert_eq!(by_id("new")["status"], 201, "{answer}");
    assert_eq!(by_id("new")["body"]["topic"], "Batched");
    assert_eq!(by_id("list")["status"], 200);
    assert_eq!(
        by_id("list")["body"]["value"][0]["topic"],
        "Batched",
        "after what it depends on"
    );
    assert_eq!(by_id("missing")["status"], 404);
    assert_eq!(by_id("after-missing")["status"], 424);
    let (status, _) = post(None, batch);
    assert_eq!(status, 401, "a batch needs a token");
    let (status, refused) = post(
        Some("t"),
        json!({"requests": [{"id": "1", "method": "GET", "url": "/me", "dependsOn": ["1"]}]}),
    );
    assert_eq!(status, 400, "{refused}");
    assert_eq!(refused["error"]["code"], "BadRequest");
}

#[test]
fn references_are_added_listed_and_removed() {
    let runtime = common::runtime();
    let server = server(&runtime, Vec::new());
    let base = server.base_url();
    let (_, _, user) = send(
        &runtime,
        &base,
        "POST",
        "/v1.0/users",
        Some(json!({"displayName": "Ada", "userPrincipalName": "ada@contoso.com"})),
    );
    let id = user["id"].as_str().unwrap();
    let members = "/v1.0/groups/g-fixture/members";
    let reference =
        json!({"@odata.id": format!("https://graph.microsoft.com/v1.0/directoryObjects/{id}")});
    assert_eq!(
        send(
            &runtime,
            &base,
            "POST",
            &format!("{members}/$ref"),
            Some(reference.clone())
        )
        .0,
        204
    );
    assert_eq!(
        send(
            &runtime,
            &base,
            "POST",
            &format!("{members}/$ref"),
            Some(reference)
        )
        .0,
        400,
        "once"
    );
    let (_, _, listed) = send(&runtime, &base, "GET", members, None);
    assert_eq!(listed["value"][0]["@odata.type"], "#microsoft.graph.user");
    assert_eq!(
        send(&runtime, &base, "GET", "/v1.0/users/ada@contoso.com", None).2["id"],
        id,
        "found by its principal name"
    );
    assert_eq!(
        send(
            &runtime,
            &base,
            "DELETE",
            &format!("{members}/{id}/$ref"),
            None
        )
        .0,
        204
    );
    assert!(
        send(&runtime, &base, "GET", members, None).2["value"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    let missing = json!({"@odata.id": "https://graph.microsoft.com/v1.0/directoryObjects/nobody"});
    assert_eq!(
        send(
            &runtime,
            &base,
            "POST",
            &format!("{members}/$ref"),
            Some(missing)
        )
        .0,
        404
    );
}

#[test]
fn collections_filter_select_order_count_and_page() {
    let runtime = common::runtime();
    let server = server(&runtime, Vec::new());
    let base = server.base_url();
    for i in 0..150 {
        let (status, _, _) = send(
            &runtime,
            &base,
            "POST",
            "/v1.0/users",
            Some(json!({"displayName": format!("user {i:03}")})),
        );
        assert_eq!(status, 201);
    }
    let (_, _, first) = send(&runtime, &base, "GET", "/v1.0/users?$count=true", None);
    assert_eq!(first["value"].as_array().unwrap().len(), 100);
    assert_eq!(first["@odata.count"], 150);
    let next = first["@odata.nextLink"].as_str().unwrap();
    let next = next.strip_prefix(&base).unwrap();
    let (_, _, second) = send(&runtime, &base, "GET", next, None);
    assert_eq!(second["value"].as_array().unwrap().len(), 50);
    assert!(second.get("@odata.nextLink").is_none());
    let query = "/v1.0/users?$filter=startswith(displayName,'user 14')&$orderby=displayName%20desc&$select=displayName&$top=3";
    let (_, _, found) = send(&runtime, &base, "GET", query, None);
    assert!(
        found["@odata.nextLink"].is_string(),
        "$top is the page size; more follow"
    );
    let names: Vec<&str> = found["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["displayName"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["user 149", "user 148", "user 147"]);
    assert!(found["value"][0].get("userPrincipalName").is_none());
    let (status, _, bad) = send(
        &runtime,
        &base,
        "GET",
        "/v1.0/users?$filter=displayName%20eq",
        None,
    );
    assert_eq!(status, 400);
    assert!(
        bad["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("Invalid filter clause")
    );
    // $search on directory objects needs ConsistencyLevel: eventual, and names a property.
    let (status, _, refused) = send(
        &runtime,
        &base,
        "GET",
        "/v1.0/users?$search=%22displayName:a%22",
        None,
    );
    assert_eq!(status, 400);
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .contains("ConsistencyLevel")
    );
    let found = runtime.block_on(async {
        let response = common::http_client()
            .get(format!("{base}/v1.0/users?$search=%22displayName:014%22"))
            .bearer_auth("t")
            .header("consistencylevel", "eventual")
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        let bytes = response.bytes().await.unwrap();
        (
            status,
            serde_json::from_slice::<Value>(&bytes).unwrap_or(Value::Null),
        )
    });
    assert_eq!(found.0, 200, "{}", found.1);
    let names: Vec<&Value> = found.1["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| &u["displayName"])
        .collect();
    assert_eq!(
        names,
        [&json!("user 014")],
        "a word that starts with the value"
    );
}

#[test]
fn broken_rules_apply_to_generic_routes() {
    let runtime = common::runtime();
    let ignores = server(&runtime, vec![BrokenRule::IgnoresDeletes]);
    let base = ignores.base_url();
    let (_, _, user) = send(&runtime, &base, "POST", "/v1.0/users", Some(json!({})));
    let item = format!("/v1.0/users/{}", user["id"].as_str().unwrap());
    assert_eq!(send(&runtime, &base, "DELETE", &item, None).0, 204);
    assert_eq!(
        send(&runtime, &base, "GET", &item, None).0,
        200,
        "ignores-deletes keeps it"
    );
    let forgets = server(
        &runtime,
        vec![BrokenRule::ForgetsCreated, BrokenRule::AcceptsWrongTypes],
    );
    let base = forgets.base_url();
    let (status, _, user) = send(
        &runtime,
        &base,
        "POST",
        "/v1.0/users",
        Some(json!({"displayName": 5})),
    );
    assert_eq!(
        status, 201,
        "accepts-wrong-types drops the property: {user}"
    );
    let item = format!("/v1.0/users/{}", user["id"].as_str().unwrap());
    assert_eq!(
        send(&runtime, &base, "GET", &item, None).0,
        404,
        "forgets-created"
    );
}

#[test]
fn concurrent_creates_and_deletes_under_one_parent_stay_consistent() {
    let runtime = common::runtime();
    let server = server(&runtime, Vec::new());
    let base = server.base_url();
    let threads = "/v1.0/groups/g-fixture/threads";
    let ids: Vec<String> = runtime.block_on(async {
        let client = common::http_client();
        let creates = (0..64).map(|i| {
            let client = client.clone();
            let url = format!("{base}{threads}");
            async move {
                let response = client
                    .post(url)
                    .bearer_auth("t")
                    .header("content-type", "application/json")
                    .body(json!({"topic": format!("t{i}")}).to_string())
                    .send()
                    .await
                    .unwrap();
                let body: Value = serde_json::from_slice(&response.bytes().await.unwrap()).unwrap();
                body["id"].as_str().unwrap().to_string()
            }
        });
        futures_util::future::join_all(creates).await
    });
    runtime.block_on(async {
        let client = common::http_client();
        let deletes = ids.iter().step_by(2).map(|id| {
            let request = client
                .delete(format!("{base}{threads}/{id}"))
                .bearer_auth("t");
            async move { request.send().await.unwrap().status().as_u16() }
        });
        assert!(
            futures_util::future::join_all(deletes)
                .await
                .iter()
                .all(|s| *s == 204)
        );
    });
    let (_, _, listed) = send(&runtime, &base, "GET", &format!("{threads}?$top=999"), None);
    let mut left: Vec<&str> = listed["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    left.sort_unstable();
    let mut expected: Vec<&str> = ids.iter().skip(1).step_by(2).map(String::as_str).collect();
    expected.sort_unstable();
    assert_eq!(left, expected, "no entity lost, duplicated or left behind");
}

/// A case directory: create, list and read groups' threads, typed by the office model.
fn office_cases(dir: &Path) -> PathBuf {
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

#[test]
fn the_embedded_server_serves_what_the_schemas_folder_models() {
    let dir = tempfile::tempdir().unwrap();
    let schemas_dir = dir.path().join("schemas");
    schemas(&schemas_dir);
    let cases = office_cases(dir.path());
    let run = over_suite(
        "run",
        &cases,
        &schemas_dir,
        &["--no-report", "--probes", "all"],
        &[],
    );
    let text = common::text(&run);
    assert_eq!(run.status.code(), Some(0), "{text}");
    assert!(text.contains("test result: ok. 11 passed"), "{text}");
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 48, ..Default::default() })]

    /// Arbitrary paths, query strings and bodies get an answer below 500, in the envelope when
    /// they are errors; the server never panics (a panic would drop the connection).
    #[test]
    fn arbitrary_requests_get_a_4xx_never_a_5xx(
        path in "[a-zA-Z0-9/(){}'$@:.,=%_-]{0,60}",
        query in "[a-zA-Z0-9$=&' ()/,-]{0,40}",
        body in ".{0,80}",
        method in proptest::sample::select(vec!["GET", "POST", "PATCH", "PUT", "DELETE"]),
    ) {
        let runtime = common::runtime();
        let server = server(&runtime, Vec::new());
        let base = server.base_url();
        let path: String = path.chars().map(|c| if c == '%' { '_' } else { c }).collect();
        let query: String = query.chars().map(|c| if c == ' ' { '+' } else { c }).collect();
        for target in [format!("/v1.0/{path}?{query}"), format!("/v1.0/groups/g-fixture/{path}?{query}")] {
            let answer = runtime.block_on(async {
                let Ok(url) = reqwest::Url::parse(&format!("{base}{target}")) else { return None };
                let response = common::http_client()
                    .request(method.parse().unwrap(), url)
                    .bearer_auth("t")
                    .header("content-type", "application/json")
                    .body(body.clone())
                    .send()
                    .await
                    .unwrap();
                let status = response.status().as_u16();
                let bytes = response.bytes().await.unwrap();
                Some((status, bytes))
            });
            if let Some((status, bytes)) = answer {
                proptest::prop_assert!(status < 500, "{method} {target}: {status}");
                if status >= 400 {
                    let error: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
                    proptest::prop_assert!(error["error"]["code"].is_string(), "{method} {target}: {error}");
                }
            }
        }
    }
}

/// A read whose documented message a tenant already holds, and a delete of a message that
/// nothing in the suite creates: its prerequisite is made from what the read shows.
const MESSAGES: &str = r#"[[case]]
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
fn imported_cases(dir: &Path) -> PathBuf {
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

#[test]
fn an_imported_suite_binds_its_placeholders_and_runs_without_touching_what_exists() {
    let dir = tempfile::tempdir().unwrap();
    let schemas_dir = dir.path().join("schemas");
    schemas(&schemas_dir);
    let cases = imported_cases(dir.path());
    std::fs::write(cases.join("messages.toml"), MESSAGES).unwrap();
    let reports = dir.path().join("reports");
    let runtime = common::runtime();
    let tenant = tenant(&runtime, (&cases, &schemas_dir));
    let run = over_tenant(
        "run",
        (&cases, &schemas_dir),
        &tenant.base_url(),
        &["--report", reports.to_str().unwrap()],
    );
    let text = common::text(&run);
    assert_eq!(
        run.status.code(),
        Some(0),
        "unbound cases never stop a run: {text}"
    );
    let outcomes = common::outcomes(&common::report(&reports));
    let outcome = |name: &str| {
        outcomes
            .iter()
            .find(|(n, _)| n.ends_with(name))
            .map(|(_, o)| o.as_str())
            .unwrap()
    };
    for created in [
        "create_thread",
        "get_thread",
        "reply",
        "delete_conversation",
        "create_conversation",
    ] {
        assert_eq!(outcome(created), "passed", "{created}: {text}");
    }
    assert_eq!(
        outcome("update_group"),
        "skipped",
        "the group was given, not created: {text}"
    );
    assert_eq!(outcome("get_report"), "skipped", "{text}");
    assert_eq!(
        outcome("reply_in_group"),
        "passed",
        "the group's thread is created from the create documented for its type: {text}"
    );
    let report = std::fs::read_to_string(reports.join("report.json")).unwrap();
    assert!(
        report.contains("not bound: PATCH would change {group-id}, which this run did not create"),
        "{report}"
    );
    assert!(
        report.contains("not bound: no value for {period}: pass --var period="),
        "{report}"
    );
    assert!(
        !text.contains("left behind"),
        "everything created is deleted: {text}"
    );
    // `list` plans as the run did, given the same values.
    let listed = over_suite(
        "list",
        &cases,
        &schemas_dir,
        &[
            "--format",
            "json",
            "--var",
            "group-id=g-fixture",
            "--base-url",
            &tenant.base_url(),
        ],
        &[],
    );
    let rows: Value = serde_json::from_slice(&listed.stdout).unwrap();
    let reply = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "reply_in_group")
        .unwrap();
    assert_eq!(
        reply["binding"]["placeholders"]["conversationThread-id"],
        "created from the create documented in create_thread"
    );
    let report = common::report(&reports);
    let deleted = report["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "delete_message")
        .unwrap()
        .clone();
    assert_eq!(deleted["decision"], "passed", "{text}");
    assert_eq!(
        deleted["binding"]["message-id"],
        "created with the entity the read documented in get_message shows"
    );
    // What existed before the run is as it was, and what the run made is gone.
    let (_, _, messages) = send(
        &runtime,
        &tenant.base_url(),
        "GET",
        "/v1.0/me/messages",
        None,
    );
    let subjects: Vec<&Value> = messages["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| &m["subject"])
        .collect();
    assert_eq!(
        subjects,
        [&json!("Quarterly plans")],
        "only the tenant's own message: {messages}"
    );
    let group = "/v1.0/groups/g-fixture";
    let (_, _, threads) = send(
        &runtime,
        &tenant.base_url(),
        "GET",
        &format!("{group}/threads"),
        None,
    );
    assert_eq!(
        threads["value"],
        json!([]),
        "nothing left behind: {threads}"
    );
    let (status, _, fixture) = send(&runtime, &tenant.base_url(), "GET", group, None);
    assert_eq!(status, 200);
    assert!(
        fixture.get("displayName").is_none_or(Value::is_null),
        "the given group is untouched: {fixture}"
    );
}

/// conform's own server is disposable: every case is sent, what nothing gives is seeded for the
/// case, a write to a fixture goes to a seeded entity, and whatever fails names its cause.
#[test]
fn on_its_own_server_the_suite_runs_whole_and_spares_the_fixtures() {
    let dir = tempfile::tempdir().unwrap();
    let schemas_dir = dir.path().join("schemas");
    schemas(&schemas_dir);
    let cases = imported_cases(dir.path());
    let reports = dir.path().join("reports");
    let run = over_suite(
        "run",
        &cases,
        &schemas_dir,
        &["--report", reports.to_str().unwrap(), "--var", "period=D7"],
        &[],
    );
    let text = common::text(&run);
    let report = common::report(&reports);
    let record = |name: &str| {
        report["cases"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == name)
            .unwrap_or_else(|| panic!("{name}: {text}"))
            .clone()
    };
    assert_eq!(record("update_group")["decision"], "passed", "{text}");
    assert_eq!(
        record("update_group")["binding"]["group-id"],
        "seeded in /groups",
        "the given group stays as it was for the others"
    );
    assert_eq!(
        record("reply_in_group")["binding"]["conversationThread-id"],
        "seeded in /groups/{}/threads"
    );
    assert_eq!(record("reply_in_group")["decision"], "passed", "{text}");
    // `conform list` plans as the run did: for the embedded server by default.
    let listed = over_suite(
        "list",
        &cases,
        &schemas_dir,
        &["--format", "json", "--var", "period=D7"],
        &[],
    );
    let rows: Value = serde_json::from_slice(&listed.stdout).unwrap();
    for row in rows.as_array().unwrap() {
        let name = row["name"].as_str().unwrap();
        for (placeholder, how) in row["binding"]["placeholders"].as_object().unwrap() {
            assert_eq!(
                &record(name)["binding"][placeholder],
                how,
                "{name}: {{{placeholder}}}"
            );
        }
    }
    for case in report["cases"].as_array().unwrap() {
        assert_ne!(case["decision"], "skipped", "every case is sent: {case}");
        let passed = case["decision"] == "passed";
        assert_eq!(case.get("cause").is_none(), passed, "{case}");
    }
    assert_eq!(run.status.code(), Some(0), "{text}");
}

/// A `conform mock` reached with `--reset` is conform's own server too: disposable.
#[test]
fn a_mock_reset_before_the_run_is_disposable() {
    let dir = tempfile::tempdir().unwrap();
    let schemas_dir = dir.path().join("schemas");
    schemas(&schemas_dir);
    let cases = imported_cases(dir.path());
    let reports = dir.path().join("reports");
    let runtime = common::runtime();
    let mock = tenant(&runtime, (&cases, &schemas_dir));
    let run = over_tenant(
        "run",
        (&cases, &schemas_dir),
        &mock.base_url(),
        &["--reset", "--report", reports.to_str().unwrap()],
    );
    let text = common::text(&run);
    let report = common::report(&reports);
    let update = report["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "update_group")
        .unwrap()
        .clone();
    assert_eq!(update["decision"], "passed", "{text}");
    assert_eq!(
        update["binding"]["group-id"], "seeded in /groups",
        "{update}"
    );
}

/// Graph's own rule for group threads: a thread posted to a group starts a conversation.
#[test]
fn a_thread_posted_to_a_group_starts_a_conversation() {
    let runtime = common::runtime();
    let server = server(&runtime, Vec::new());
    let base = server.base_url();
    let group = "/v1.0/groups/g-fixture";
    let (status, _, thread) = send(
        &runtime,
        &base,
        "POST",
        &format!("{group}/threads"),
        Some(json!({"topic": "Plans"})),
    );
    assert_eq!(status, 201);
    let (_, _, conversations) = send(
        &runtime,
        &base,
        "GET",
        &format!("{group}/conversations"),
        None,
    );
    let started = &conversations["value"][0];
    assert_eq!(started["topic"], "Plans", "{conversations}");
    let held = format!(
        "{group}/conversations/{}/threads",
        started["id"].as_str().unwrap()
    );
    assert_eq!(
        send(&runtime, &base, "GET", &held, None).2["value"][0]["id"],
        thread["id"]
    );
    let by_group = format!("{group}/threads/{}", thread["id"].as_str().unwrap());
    assert_eq!(send(&runtime, &base, "DELETE", &by_group, None).0, 204);
    let (_, _, after) = send(
        &runtime,
        &base,
        "GET",
        &format!("{group}/conversations"),
        None,
    );
    assert_eq!(
        after["value"],
        json!([]),
        "the conversation it started goes with it"
    );
}

/// A password is never read back; membership functions answer from the memberships held.
#[test]
fn passwords_stay_unread_and_memberships_are_computed() {
    let runtime = common::runtime();
    let server = server(&runtime, Vec::new());
    let base = server.base_url();
    let group = "/v1.0/groups/g-fixture";
    let profile = json!({"password": "P@ssw0rd!", "forceChangePasswordNextSignIn": true});
    let (_, _, user) = send(
        &runtime,
        &base,
        "POST",
        "/v1.0/users",
        Some(json!({"displayName": "Ada", "passwordProfile": profile})),
    );
    assert!(user.get("passwordProfile").is_none(), "{user}");
    let id = user["id"].as_str().unwrap();
    let read = send(&runtime, &base, "GET", &format!("/v1.0/users/{id}"), None).2;
    assert!(
        read.get("passwordProfile").is_none(),
        "only on $select: {read}"
    );
    let path = format!("/v1.0/users/{id}?$select=passwordProfile");
    let read = send(&runtime, &base, "GET", &path, None).2;
    assert_eq!(read["passwordProfile"]["password"], Value::Null, "{read}");
    assert_eq!(
        read["passwordProfile"]["forceChangePasswordNextSignIn"],
        true
    );

    let reference = json!({"@odata.id": format!("https://graph.microsoft.com/v1.0/users/{id}")});
    let added = send(
        &runtime,
        &base,
        "POST",
        &format!("{group}/members/$ref"),
        Some(reference),
    );
    assert_eq!(added.0, 204);
    let (status, _, checked) = send(
        &runtime,
        &base,
        "POST",
        &format!("/v1.0/users/{id}/checkMemberGroups"),
        Some(json!({"groupIds": ["g-fixture", "elsewhere"]})),
    );
    assert_eq!(
        (status, checked["value"].clone()),
        (200, json!(["g-fixture"]))
    );
}

/// A server over the office model answering as `cases` (written to a scratch folder)
/// documents, with a group `g` and a drive `d`.
fn documented_server(
    runtime: &tokio::runtime::Runtime,
    cases: &str,
) -> (tempfile::TempDir, conform::mock::server::Server) {
    let dir = tempfile::tempdir().unwrap();
    let schemas_dir = dir.path().join("schemas");
    schemas(&schemas_dir);
    let cases_dir = dir.path().join("cases");
    std::fs::create_dir_all(&cases_dir).unwrap();
    std::fs::write(cases_dir.join("documented.toml"), cases).unwrap();
    let served =
        conform::mock::generic::served::Served::from_dirs(&schemas_dir, &cases_dir).unwrap();
    let config = MockConfig {
        served: Some(served),
        fixtures: vec![
            ("group-id".into(), "g".into()),
            ("drive-id".into(), "d".into()),
        ],
        ..MockConfig::default()
    };
    let server = common::reference_server_with(runtime, config);
    (dir, server)
}

/// A `Location` the case of an operation expects is sent: for an action, the address of the
/// operation's status.
#[test]
fn documented_headers_are_answered() {
    let runtime = common::runtime();
    let (_dir, server) = documented_server(
        &runtime,
        r#"[[case]]
name = "reply"
[case.request]
method = "POST"
path = "/v1.0/groups/{group-id}/threads/{conversationThread-id}/reply"
json = '{"post": {"body": "thanks"}}'
[case.expect]
status = 202
headers = { Location = true }
"#,
    );
    let base = server.base_url();
    let (_, _, thread) = send(
        &runtime,
        &base,
        "POST",
        "/v1.0/groups/g/threads",
        Some(json!({"topic": "t"})),
    );
    let reply = format!(
        "/v1.0/groups/g/threads/{}/reply",
        thread["id"].as_str().unwrap()
    );
    let call = json!({"post": {"body": "thanks"}});
    let (status, location, _) = send(&runtime, &base, "POST", &reply, Some(call));
    assert_eq!(status, 202);
    assert!(location.unwrap().contains(&format!("{reply}/operations/")));
}

/// A read documented as `302` redirects to a download address the server serves.
#[test]
fn documented_redirects_are_answered() {
    let runtime = common::runtime();
    let (_dir, server) = documented_server(
        &runtime,
        r#"[[case]]
name = "download"
[case.request]
method = "GET"
path = "/v1.0/drives/{drive-id}/items/{driveItem-id}/content"
[case.expect]
status = 302
headers = { Location = true }
"#,
    );
    let base = server.base_url();
    let (_, _, item) = send(
        &runtime,
        &base,
        "POST",
        "/v1.0/drives/d/items",
        Some(json!({"name": "a.txt"})),
    );
    let content = format!(
        "/v1.0/drives/d/items/{}/content",
        item["id"].as_str().unwrap()
    );
    let answer = runtime.block_on(async {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        client
            .get(format!("{base}{content}"))
            .bearer_auth("t")
            .send()
            .await
            .unwrap()
    });
    assert_eq!(answer.status().as_u16(), 302);
    let download = answer.headers()["location"].to_str().unwrap().to_string();
    assert!(
        download.starts_with(&format!("{base}/_mock/download/")),
        "{download}"
    );
    let fetched = runtime.block_on(async { reqwest::get(&download).await.unwrap().status() });
    assert_eq!(fetched.as_u16(), 200, "a download address needs no token");
}

/// What the suite's documented lists and reads show exists from the start (fresh ids), below
/// the fixtures and below what is seeded first; `--empty` starts without it.
#[test]
fn documented_reads_and_lists_are_there_from_the_start() {
    let (_dir, cases, schemas_dir) = suite_of(
        "documented.toml",
        r#"[[case]]
name = "list_conversations"
[case.request]
method = "GET"
path = "/v1.0/groups/{group-id}/conversations"
[case.expect]
status = 200
body = '{"value": [{"id": "documented-1", "topic": "Kickoff"}]}'

[[case]]
name = "list_threads"
[case.request]
method = "GET"
path = "/v1.0/groups/{group-id}/conversations/{conversation-id}/threads"
[case.expect]
status = 200
body = '{"value": [{"id": "documented-2", "topic": "Agenda"}, {"id": "documented-3", "topic": "Notes"}]}'
"#,
    );
    let runtime = common::runtime();
    let start = |empty: bool| {
        let served =
            conform::mock::generic::served::Served::from_dirs(&schemas_dir, &cases).unwrap();
        let config = MockConfig {
            served: Some(served),
            fixtures: vec![("group-id".into(), "g".into())],
            empty,
            ..MockConfig::default()
        };
        common::reference_server_with(&runtime, config)
    };
    let server = start(false);
    let base = server.base_url();
    let (_, _, conversations) = send(&runtime, &base, "GET", "/v1.0/groups/g/conversations", None);
    let seeded = &conversations["value"][0];
    assert_eq!(seeded["topic"], "Kickoff", "{conversations}");
    assert_ne!(seeded["id"], "documented-1", "a fresh id");
    let threads = format!(
        "/v1.0/groups/g/conversations/{}/threads",
        seeded["id"].as_str().unwrap()
    );
    let (_, _, listed) = send(&runtime, &base, "GET", &threads, None);
    let topics: Vec<&str> = listed["value"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| t["topic"].as_str())
        .collect();
    assert_eq!(topics, ["Agenda", "Notes"], "{listed}");
    let empty = start(true);
    let (_, _, none) = send(
        &runtime,
        &empty.base_url(),
        "GET",
        "/v1.0/groups/g/conversations",
        None,
    );
    assert_eq!(none["value"], json!([]));
}

/// `--fixtures FILE` gives values as `--var` does; `--require-bound` stops before sending
/// anything, naming every placeholder nothing binds; `--disposable-fixtures` sends the writes
/// to given entities the run would otherwise skip.
#[test]
fn fixtures_files_require_bound_and_disposable_fixtures() {
    let dir = tempfile::tempdir().unwrap();
    let schemas_dir = dir.path().join("schemas");
    schemas(&schemas_dir);
    let cases = imported_cases(dir.path());
    let reports = dir.path().join("reports");
    let runtime = common::runtime();
    let tenant = tenant(&runtime, (&cases, &schemas_dir));
    let run = |extra: &[&str]| {
        let mut args = vec!["--report", reports.to_str().unwrap()];
        args.extend_from_slice(extra);
        over_tenant("run", (&cases, &schemas_dir), &tenant.base_url(), &args)
    };
    let refused = run(&["--require-bound"]);
    let text = common::text(&refused);
    assert_eq!(refused.status.code(), Some(2), "{text}");
    assert!(text.contains("{period}: 1 case(s)"), "{text}");
    assert!(
        text.contains("running 0 tests") || !text.contains("running"),
        "nothing sent: {text}"
    );

    let fixtures = dir.path().join("fixtures.toml");
    std::fs::write(&fixtures, "# the test tenant\nperiod = \"D7\"\n").unwrap();
    let bound = run(&["--require-bound", "--fixtures", fixtures.to_str().unwrap()]);
    let text = common::text(&bound);
    assert_eq!(bound.status.code(), Some(0), "{text}");
    let outcomes = common::outcomes(&common::report(&reports));
    let outcome = |name: &str| {
        outcomes
            .iter()
            .find(|(n, _)| n.ends_with(name))
            .map(|(_, o)| o.clone())
            .unwrap()
    };
    assert_eq!(outcome("get_report"), "passed", "{text}");
    assert_eq!(outcome("update_group"), "skipped", "{text}");

    let disposable = run(&[
        "--fixtures",
        fixtures.to_str().unwrap(),
        "--disposable-fixtures",
    ]);
    let text = common::text(&disposable);
    assert_eq!(disposable.status.code(), Some(0), "{text}");
    let outcomes = common::outcomes(&common::report(&reports));
    let patched = outcomes
        .iter()
        .find(|(n, _)| n.ends_with("update_group"))
        .unwrap();
    assert_eq!(patched.1, "passed", "the given group is disposable: {text}");

    std::fs::write(&fixtures, "period = 7\n").unwrap();
    let bad = run(&["--fixtures", fixtures.to_str().unwrap()]);
    let text = common::text(&bad);
    assert_eq!(bad.status.code(), Some(2), "{text}");
    assert!(text.contains("fixtures.toml:1:10"), "{text}");
}

/// `conform list --fixtures FILE` plans as the run would with that file.
#[test]
fn list_counts_fixtures_as_given() {
    let dir = tempfile::tempdir().unwrap();
    let schemas_dir = dir.path().join("schemas");
    schemas(&schemas_dir);
    let cases = imported_cases(dir.path());
    let fixtures = dir.path().join("fixtures.toml");
    std::fs::write(&fixtures, "period = \"D7\"\n").unwrap();
    let listed = over_suite(
        "list",
        &cases,
        &schemas_dir,
        &["--fixtures", fixtures.to_str().unwrap(), "--format", "json"],
        &[],
    );
    let rows: Value = serde_json::from_slice(&listed.stdout).unwrap();
    let report_row = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "get_report");
    assert_eq!(
        report_row.unwrap()["binding"]["placeholders"]["period"],
        "given"
    );
}

/// Against a service that shows what it created only after a while, setup reads what its chain
/// created until it answers (bounded by `--consistency-wait`) before the case is judged, and the
/// record says how long it waited; without the wait the same case fails on a 404.
#[test]
fn setup_waits_for_what_its_chain_created() {
    let dir = tempfile::tempdir().unwrap();
    let schemas_dir = dir.path().join("schemas");
    schemas(&schemas_dir);
    let cases = imported_cases(dir.path());
    let runtime = common::runtime();
    let config = MockConfig {
        served: Some(conform::mock::generic::served::Served {
            models: Arc::new(Models::from_models(vec![office()])),
            ..Default::default()
        }),
        fixtures: vec![("group-id".into(), "g-lag".into())],
        consistency_lag: std::time::Duration::from_millis(300),
        ..MockConfig::default()
    };
    let server = common::reference_server_with(&runtime, config);
    let run = |wait: &str| {
        let reports = dir.path().join(format!("reports-{wait}"));
        let output = over_suite(
            "run",
            &cases,
            &schemas_dir,
            &[
                "--base-url",
                &server.base_url(),
                "--var",
                "group-id=g-lag",
                "--consistency-wait",
                wait,
                "--report",
                reports.to_str().unwrap(),
                "--exact",
                "office::get_thread",
            ],
            &[("CONFORM_TOKEN", "t")],
        );
        (output, common::report(&reports))
    };
    let (waited, report) = run("3");
    assert_eq!(waited.status.code(), Some(0), "{}", common::text(&waited));
    let detail = report["cases"][0]["waited_for_created"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(detail.contains("reads over"), "{detail}");
    let (hurried, report) = run("0.01");
    assert_eq!(hurried.status.code(), Some(1), "{}", common::text(&hurried));
    assert_eq!(report["cases"][0]["decision"], "error", "{report}");
}

/// The probes of an imported suite, bound by the plan and run against servers that each break
/// one rule: the matching probes fail and no other probe; a server that breaks nothing passes.
#[test]
fn probes_of_an_imported_suite_catch_each_broken_rule() {
    let dir = tempfile::tempdir().unwrap();
    let schemas_dir = dir.path().join("schemas");
    schemas(&schemas_dir);
    let cases = imported_cases(dir.path());
    let runtime = common::runtime();
    let run = |broken: Vec<BrokenRule>| {
        let served =
            conform::mock::generic::served::Served::from_dirs(&schemas_dir, &cases).unwrap();
        let config = MockConfig {
            served: Some(served),
            fixtures: vec![("group-id".into(), "g-fixture".into())],
            broken,
            ..MockConfig::default()
        };
        let server = common::reference_server_with(&runtime, config);
        let reports = tempfile::tempdir().unwrap();
        let output = over_suite(
            "run",
            &cases,
            &schemas_dir,
            &[
                "--base-url",
                &server.base_url(),
                "--var",
                "group-id=g-fixture",
                "--probes",
                "all",
                "--consistency-wait",
                "0.2",
                "--report",
                reports.path().to_str().unwrap(),
            ],
            &[("CONFORM_TOKEN", "t")],
        );
        let failed: Vec<String> = common::report(reports.path())["cases"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["decision"] == "failed" || c["decision"] == "error")
            .map(|c| c["name"].as_str().unwrap().to_string())
            .collect();
        (failed, common::text(&output))
    };
    let (clean, text) = run(Vec::new());
    assert!(clean.is_empty(), "{clean:?}\n{text}");
    for (rule, probe) in [
        (BrokenRule::NoAuthCheck, "auth"),
        (BrokenRule::AcceptsMalformedJson, "malformed-json"),
        (BrokenRule::NotFoundForWrongMethod, "wrong-method"),
        (BrokenRule::ForgetsCreated, "read-back"),
        (BrokenRule::IgnoresDeletes, "gone-after-delete"),
    ] {
        let (failed, text) = run(vec![rule]);
        assert!(!failed.is_empty(), "{rule:?}: no probe failed\n{text}");
        // A server that forgets what it creates also fails the cases that read what their
        // chains created: those are real failures; another probe failing would be a false one.
        let others: Vec<&String> = failed
            .iter()
            .filter(|name| !name.ends_with(&format!("::{probe}")))
            .filter(|name| name.contains("::") || rule != BrokenRule::ForgetsCreated)
            .collect();
        assert!(others.is_empty(), "{rule:?}: {others:?} failed too\n{text}");
    }
}

/// Each record says where its placeholders' values came from; a case that changes what the run
/// did not create is marked, in the report and in `--dry-run`.
#[test]
fn the_binding_is_recorded_and_changes_to_existing_entities_are_marked() {
    let dir = tempfile::tempdir().unwrap();
    let schemas_dir = dir.path().join("schemas");
    schemas(&schemas_dir);
    let cases = imported_cases(dir.path());
    let reports = dir.path().join("reports");
    let runtime = common::runtime();
    let tenant = tenant(&runtime, (&cases, &schemas_dir));
    let run = |extra: &[&str]| {
        let mut args = vec![
            "--report",
            reports.to_str().unwrap(),
            "--disposable-fixtures",
        ];
        args.extend_from_slice(extra);
        over_tenant("run", (&cases, &schemas_dir), &tenant.base_url(), &args)
    };
    let output = run(&[]);
    assert_eq!(output.status.code(), Some(0), "{}", common::text(&output));
    let report = common::report(&reports);
    let record = |name: &str| {
        report["cases"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == name)
            .unwrap()
            .clone()
    };
    let thread = record("get_thread");
    assert_eq!(thread["binding"]["group-id"], "given");
    assert_eq!(
        thread["binding"]["conversationThread-id"],
        "created by create_thread"
    );
    assert!(thread.get("acts_on_existing").is_none());
    assert_eq!(record("update_group")["acts_on_existing"], true);
    let dry = run(&["--dry-run", "--exact", "office::update_group"]);
    let text = common::text(&dry);
    assert!(
        text.contains("# acts on an entity this run did not create: {group-id} (given)"),
        "{text}"
    );
}

/// A read answers the type's default set — every property, `null` where unset, a user's
/// directory set alone — and `$select` answers what it names.
#[test]
fn reads_answer_the_default_set_and_select_what_it_names() {
    let runtime = common::runtime();
    let server = server(&runtime, Vec::new());
    let base = server.base_url();
    let (status, _, me) = send(&runtime, &base, "GET", "/v1.0/me", None);
    assert_eq!(status, 200, "{me}");
    assert!(
        me["displayName"].is_string(),
        "the signed-in user is realistic: {me}"
    );
    assert!(me.get("birthday").is_none(), "only on $select: {me}");
    let patch = json!({"jobTitle": "Lead"});
    assert_eq!(
        send(&runtime, &base, "PATCH", "/v1.0/me", Some(patch)).0,
        204
    );
    let selected = send(
        &runtime,
        &base,
        "GET",
        "/v1.0/me?$select=jobTitle,birthday",
        None,
    )
    .2;
    assert_eq!(selected["jobTitle"], "Lead", "{selected}");
    assert!(selected.get("displayName").is_none(), "{selected}");
    assert!(
        selected["birthday"].is_string(),
        "never null, never now: {selected}"
    );
    let body = json!({"subject": "s"});
    let (_, _, message) = send(&runtime, &base, "POST", "/v1.0/me/messages", Some(body));
    assert_eq!(
        message["importance"],
        Value::Null,
        "declared, unset: {message}"
    );
}

/// A calendar view is the user's events in a window (both ends required); its delta's
/// second round shows what was created since; a preferred time zone moves every time.
#[test]
fn a_calendar_view_holds_the_events_of_its_window_and_tracks_changes() {
    let runtime = common::runtime();
    let server = server(&runtime, Vec::new());
    let base = server.base_url();
    let at = |day: &str, zone: &str| json!({"dateTime": format!("2026-12-{day}T18:00:00.0000000"), "timeZone": zone});
    for (subject, day) in [("inside", "07"), ("outside", "20")] {
        let event = json!({"subject": subject, "start": at(day, "UTC"), "end": at(day, "UTC")});
        assert_eq!(
            send(&runtime, &base, "POST", "/v1.0/me/events", Some(event)).0,
            201
        );
    }
    let window = "startdatetime=2026-12-07T00:00:00.000Z&enddatetime=2026-12-08T00:00:00.000Z";
    let view = send(
        &runtime,
        &base,
        "GET",
        &format!("/v1.0/me/calendarView?{window}"),
        None,
    )
    .2;
    let subjects: Vec<&Value> = view["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["subject"])
        .collect();
    assert_eq!(subjects, [&json!("inside")], "{view}");
    let (status, _, refused) = send(&runtime, &base, "GET", "/v1.0/me/calendarView", None);
    assert_eq!(status, 400, "{refused}");
    let first = send(
        &runtime,
        &base,
        "GET",
        &format!("/v1.0/me/calendarView/delta?{window}"),
        None,
    )
    .2;
    let link = first["@odata.deltaLink"].as_str().unwrap().to_string();
    let created = json!({"subject": "later"});
    assert_eq!(
        send(&runtime, &base, "POST", "/v1.0/me/events", Some(created)).0,
        201
    );
    let next = send(
        &runtime,
        &base,
        "GET",
        link.strip_prefix(&base).unwrap(),
        None,
    )
    .2;
    assert_eq!(next["value"][0]["subject"], "later", "{next}");
    let pacific = runtime.block_on(async {
        common::http_client()
            .get(format!("{base}/v1.0/me/calendarView?{window}"))
            .bearer_auth("t")
            .header("prefer", "outlook.timezone= \"pacific standard time\"")
            .send()
            .await
            .unwrap()
    });
    let applied = pacific.headers()["preference-applied"]
        .to_str()
        .unwrap()
        .to_string();
    assert_eq!(applied, "outlook.timezone=\"Pacific Standard Time\"");
    let bytes = runtime.block_on(pacific.bytes()).unwrap();
    let body: Value = serde_json::from_slice(&bytes).unwrap();
    let moved =
        json!({"dateTime": "2026-12-07T10:00:00.0000000", "timeZone": "Pacific Standard Time"});
    assert_eq!(body["value"][0]["start"], moved, "{body}");
}

/// Files as Graph keeps them: by path or by id the same item, under its parent; a PUT of
/// content makes a new file (201) or replaces one (200); a path naming nothing is 404
/// `itemNotFound`; a special folder exists once asked for.
#[test]
fn files_are_the_same_items_by_path_and_by_id() {
    let runtime = common::runtime();
    let server = server(&runtime, Vec::new());
    let base = server.base_url();
    let put = |path: &str, bytes: &'static [u8]| {
        runtime.block_on(async {
            let response = common::http_client()
                .put(format!("{base}{path}"))
                .bearer_auth("t")
                .body(bytes)
                .send()
                .await
                .unwrap();
            let status = response.status().as_u16();
            let body = response.bytes().await.unwrap();
            (status, serde_json::from_slice::<Value>(&body).unwrap())
        })
    };
    let (status, sheet) = put("/v1.0/me/drive/root/children/book.xlsx/content", b"xlsx");
    assert_eq!(
        (status, &sheet["name"]),
        (201, &json!("book.xlsx")),
        "{sheet}"
    );
    let (status, _, by_path) = send(
        &runtime,
        &base,
        "GET",
        "/v1.0/me/drive/root:/book.xlsx:",
        None,
    );
    assert_eq!((status, &by_path["id"]), (200, &sheet["id"]), "{by_path}");
    let (status, _, missing) = send(
        &runtime,
        &base,
        "GET",
        "/v1.0/me/drive/root:/nope.xlsx:",
        None,
    );
    assert_eq!(
        (status, &missing["error"]["code"]),
        (404, &json!("itemNotFound"))
    );
    let (status, deep) = put("/v1.0/me/drive/root:/a/b/c.txt:/content", b"one");
    assert_eq!(status, 201, "{deep}");
    assert_eq!(
        put("/v1.0/me/drive/root:/a/b/c.txt:/content", b"two").0,
        200
    );
    let id = deep["id"].as_str().unwrap();
    let (_, _, by_id) = send(
        &runtime,
        &base,
        "GET",
        &format!("/v1.0/me/drive/items/{id}"),
        None,
    );
    assert_eq!(by_id["name"], "c.txt", "{by_id}");
    let (_, _, folder) = send(
        &runtime,
        &base,
        "GET",
        "/v1.0/me/drive/root:/a/b:/children",
        None,
    );
    assert_eq!(
        folder["value"][0]["id"], deep["id"],
        "under its parent: {folder}"
    );
    let (status, _, _) = send(
        &runtime,
        &base,
        "GET",
        "/v1.0/me/drive/root:/a/nope/c.txt:/content",
        None,
    );
    assert_eq!(status, 404);
}

/// OneNote: a section made in a notebook is reached through every section; a page is made
/// from HTML (plain, XHTML or multipart with a `Presentation` part), titled by it, and its
/// content is that HTML.
#[test]
fn onenote_pages_are_made_from_html_and_reached_every_way() {
    let runtime = common::runtime();
    let server = server(&runtime, Vec::new());
    let base = server.base_url();
    let notebook = json!({"displayName": "Notes"});
    let (status, _, notebook) = send(
        &runtime,
        &base,
        "POST",
        "/v1.0/me/onenote/notebooks",
        Some(notebook),
    );
    assert_eq!(status, 201, "{notebook}");
    let sections = format!(
        "/v1.0/me/onenote/notebooks/{}/sections",
        notebook["id"].as_str().unwrap()
    );
    let section = send(
        &runtime,
        &base,
        "POST",
        &sections,
        Some(json!({"displayName": "S"})),
    )
    .2;
    let section_id = section["id"].as_str().unwrap();
    let (status, _, again) = send(
        &runtime,
        &base,
        "GET",
        &format!("/v1.0/me/onenote/sections/{section_id}"),
        None,
    );
    assert_eq!(
        (status, &again["displayName"]),
        (200, &json!("S")),
        "{again}"
    );
    let pages = format!("{base}/v1.0/me/onenote/sections/{section_id}/pages");
    let post = |content_type: &str, body: &'static [u8]| {
        runtime.block_on(async {
            let response = common::http_client()
                .post(&pages)
                .bearer_auth("t")
                .header("content-type", content_type)
                .body(body)
                .send()
                .await
                .unwrap();
            let status = response.status().as_u16();
            (
                status,
                serde_json::from_slice::<Value>(&response.bytes().await.unwrap()).unwrap(),
            )
        })
    };
    let (status, plain) = post("text/html", b"Sample page content");
    assert_eq!(status, 201, "{plain}");
    assert!(
        plain["contentUrl"].as_str().unwrap().ends_with("/content"),
        "{plain}"
    );
    let (_, xhtml) = post(
        "application/xhtml+xml",
        b"<html><head><title>A block</title></head></html>",
    );
    assert_eq!(xhtml["title"], "A block");
    let multipart = b"--b1\r\nContent-Disposition: form-data; name=\"Presentation\"\r\n\r\n<html><head><title>New Page</title></head></html>\r\n--b1--\r\n";
    let (status, page) = post("multipart/form-data; boundary=b1", multipart);
    assert_eq!(
        (status, &page["title"]),
        (201, &json!("New Page")),
        "{page}"
    );
    let id = page["id"].as_str().unwrap();
    let content = runtime.block_on(async {
        let response = common::http_client()
            .get(format!("{base}/v1.0/me/onenote/pages/{id}/content"))
            .bearer_auth("t")
            .send()
            .await
            .unwrap();
        response.text().await.unwrap()
    });
    assert!(content.contains("<title>New Page</title>"), "{content}");
}

/// `conform mock` starts with a small organisation a client's first lists find; a reset
/// brings it back.
#[test]
fn the_standalone_server_starts_with_an_organisation() {
    let runtime = common::runtime();
    let config = MockConfig {
        served: Some(conform::mock::generic::served::Served {
            models: Arc::new(Models::from_models(vec![office()])),
            ..Default::default()
        }),
        organisation: true,
        ..MockConfig::default()
    };
    let server = common::reference_server_with(&runtime, config);
    let base = server.base_url();
    let users = send(&runtime, &base, "GET", "/v1.0/users", None).2;
    assert_eq!(
        users["value"].as_array().unwrap().len(),
        3,
        "me and two colleagues: {users}"
    );
    let groups = send(&runtime, &base, "GET", "/v1.0/groups?$top=3", None).2;
    assert_eq!(groups["value"].as_array().unwrap().len(), 3, "{groups}");
    let members = format!(
        "/v1.0/groups/{}/members",
        groups["value"][0]["id"].as_str().unwrap()
    );
    let me = send(&runtime, &base, "GET", "/v1.0/me", None).2;
    let listed = send(&runtime, &base, "GET", &members, None).2;
    assert_eq!(listed["value"][0]["id"], me["id"], "{listed}");
    let events = send(&runtime, &base, "GET", "/v1.0/me/events", None).2;
    assert_eq!(events["value"].as_array().unwrap().len(), 3, "{events}");
}

/// What Graph refuses is refused: a body that is missing, a null the metadata forbids, an
/// action's unknown or ill-typed parameter or a missing one, a query naming a property the type
/// lacks; an Outlook item's update answers what it became, a directory object's nothing.
#[test]
fn what_graph_refuses_is_refused() {
    let runtime = common::runtime();
    let server = server(&runtime, Vec::new());
    let base = server.base_url();
    let message = |answer: &Value| {
        answer["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    let (status, _, empty) = send(&runtime, &base, "POST", "/v1.0/me/messages", None);
    assert_eq!(
        (status, message(&empty).as_str()),
        (400, "Empty Payload. JSON content expected.")
    );
    let body = json!({"topic": null});
    let (status, _, null) = send(
        &runtime,
        &base,
        "POST",
        "/v1.0/groups/g-fixture/conversations",
        Some(body),
    );
    assert_eq!(status, 400);
    assert!(
        message(&null).contains("does not allow null values"),
        "{null}"
    );
    let thread = send(
        &runtime,
        &base,
        "POST",
        "/v1.0/groups/g-fixture/threads",
        Some(json!({"topic": "t"})),
    )
    .2;
    let reply = format!(
        "/v1.0/groups/g-fixture/threads/{}/reply",
        thread["id"].as_str().unwrap()
    );
    for (body, says) in [
        (Some(json!({"foo": 1})), "'foo'"),
        (
            Some(json!({"post": {"body": 5}})),
            "Cannot convert the literal '5'",
        ),
        (Some(json!({})), "'post' is required"),
        (None, "Empty Payload"),
    ] {
        let (status, _, refused) = send(&runtime, &base, "POST", &reply, body.clone());
        assert_eq!(status, 400, "{body:?}: {refused}");
        assert!(message(&refused).contains(says), "{body:?}: {refused}");
    }
    let valid = json!({"post": {"body": "thanks"}});
    assert!(matches!(
        send(&runtime, &base, "POST", &reply, Some(valid)).0,
        202 | 204
    ));
    for query in [
        "$select=foo",
        "$orderby=foo",
        "$filter=foo%20eq%201",
        "$select=messages",
    ] {
        let (status, _, refused) = send(
            &runtime,
            &base,
            "GET",
            &format!("/v1.0/users?{query}"),
            None,
        );
        assert_eq!(status, 400, "{query}: {refused}");
    }
    let report = "/v1.0/reports/getUsageReport";
    assert_eq!(
        send(
            &runtime,
            &base,
            "GET",
            &format!("{report}(period='D7')"),
            None
        )
        .0,
        200
    );
    for (arguments, says) in [
        ("(period=7)", "Cannot convert the literal '7'"),
        ("(nope='x')", "'nope'"),
        ("()", "'period' is required"),
    ] {
        let (status, _, refused) = send(
            &runtime,
            &base,
            "GET",
            &format!("{report}{arguments}"),
            None,
        );
        assert_eq!(status, 400, "{arguments}: {refused}");
        assert!(message(&refused).contains(says), "{arguments}: {refused}");
    }
    let (_, _, refused) = send(&runtime, &base, "GET", "/v1.0/users?$select=foo", None);
    assert_eq!(
        message(&refused),
        "Could not find a property named 'foo' on type 'microsoft.graph.user'."
    );
    let message_id = send(
        &runtime,
        &base,
        "POST",
        "/v1.0/me/messages",
        Some(json!({"subject": "a"})),
    )
    .2["id"]
        .clone();
    let path = format!("/v1.0/me/messages/{}", message_id.as_str().unwrap());
    let (status, _, updated) = send(
        &runtime,
        &base,
        "PATCH",
        &path,
        Some(json!({"subject": "b"})),
    );
    assert_eq!(
        (status, &updated["subject"]),
        (200, &json!("b")),
        "an Outlook item answers itself"
    );
    let (status, _, _) = send(
        &runtime,
        &base,
        "PATCH",
        "/v1.0/groups/g-fixture",
        Some(json!({"displayName": "G"})),
    );
    assert_eq!(status, 204, "a directory object answers nothing");
}

/// On conform's own server a case that reads a file by its drive path has the file made first;
/// one that writes it makes it itself.
#[test]
fn a_file_a_case_reads_by_path_is_made_first() {
    let (_dir, cases, schemas_dir) = suite_of(
        "files.toml",
        r#"[[case]]
name = "read_by_path"
[case.request]
method = "GET"
path = "/v1.0/me/drive/root:/{item-path}:"
[case.expect]
status = 200

[[case]]
name = "upload_by_path"
[case.request]
method = "PUT"
path = "/v1.0/me/drive/root:/{item-path}:/content"
json = '{"a": 1}'
[case.expect]
status = 201
"#,
    );
    let run = over_suite("run", &cases, &schemas_dir, &[], &[]);
    let text = common::text(&run);
    assert_eq!(run.status.code(), Some(0), "{text}");
}
