//! The generic routes: every collection created, read and listed as its schema allows, the life cycle, seeds, closed navigations, `$ref`, query options, broken rules, concurrency, arbitrary requests.

use super::*;

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
