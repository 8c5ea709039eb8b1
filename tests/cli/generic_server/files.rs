//! Files, uploads, change tracking and batches: resumable uploads, the file an upload answers, delta rounds, `$batch`, drive paths, OneNote pages.

use super::*;

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
