//! Graph's own rules, as clients meet them: threads start conversations, passwords unread, documented headers, redirects and seeds, default properties, calendar views, the standalone server's organisation, what Graph refuses.

use super::*;

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
        let config = MockConfig {
            fixtures: vec![("group-id".into(), "g".into())],
            empty,
            ..common::serving(&schemas_dir, &cases)
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
