use std::collections::HashSet;

use super::*;

fn case(name: &str, method: &str, path: &str, status: u16) -> CaseShape {
    CaseShape {
        name: name.into(),
        method: Method::parse(method).unwrap(),
        path: path.into(),
        api: None,
        expected_status: status,
        captured: Vec::new(),
        in_headers: Vec::new(),
        request: None,
        example: None,
        response: None,
    }
}

fn plans(cases: &[CaseShape], given: &[&str]) -> Vec<BindingPlan> {
    let models = Models::from_models(vec![crate::api::fixtures::office_model()]);
    let given: HashSet<String> = given.iter().map(|g| g.to_string()).collect();
    plan_all(cases, &models, &given.into())
}

/// How `plan` binds `name`.
fn binding_of(plan: &BindingPlan, name: &str) -> Binding {
    plan.placeholders
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, b)| b.clone())
        .unwrap()
}

/// The office suite's plans with `group-id` given and `writable`.
fn office_plans(writable: Writable) -> Vec<BindingPlan> {
    let models = Models::from_models(vec![crate::api::fixtures::office_model()]);
    let given = Given {
        names: ["group-id".to_string()].into(),
        writable,
    };
    plan_all(&office_suite(), &models, &given)
}

#[test]
fn disposable_fixtures_lift_the_rule_for_given_values_only() {
    let plans = office_plans(Writable::Given);
    assert_eq!(plans[3].skip, None, "the given group is disposable");
    assert!(plans[3].acts_on_existing, "and marked as such");
    assert!(
        plans[5]
            .skip
            .as_deref()
            .unwrap()
            .contains("DELETE would change {message-id}"),
        "never what was only discovered"
    );
}

#[test]
fn on_conform_s_own_server_every_case_is_sent_with_entities_of_its_own() {
    let plans = office_plans(Writable::Everything);
    let binding = |i: usize, name: &str| binding_of(&plans[i], name);
    for (index, plan) in plans.iter().enumerate() {
        assert_eq!(plan.skip, None, "case {index}: {plan:?}");
        assert!(!plan.acts_on_existing, "nothing there is anyone's");
    }
    assert_eq!(
        binding(1, "conversationThread-id"),
        Binding::Seeded {
            collection: "/groups/{}/threads".into()
        },
        "a case's own entity, whatever another case creates"
    );
    assert_eq!(
        binding(1, "group-id"),
        Binding::Given,
        "a read uses the fixture"
    );
    assert_eq!(
        binding(3, "group-id"),
        Binding::Seeded {
            collection: "/groups".into()
        },
        "a write never touches the fixture the other cases read"
    );
    assert_eq!(
        (plans[7].skip.as_deref(), plans[8].skip.as_deref()),
        (None, None),
        "what nothing binds is filled in, so that the case is judged"
    );
}

#[test]
fn a_collection_without_a_create_adopts_the_create_of_its_type() {
    let cases = [
        case(
            "create_message",
            "POST",
            "/v1.0/users/{user-id}/messages",
            201,
        ),
        case(
            "delete_message",
            "DELETE",
            "/v1.0/me/messages/{message-id}",
            204,
        ),
        case(
            "delete_in_found_folder",
            "DELETE",
            "/v1.0/me/mailFolders/{mailFolder-id}/messages/{message-id}",
            204,
        ),
    ];
    let plans = plans(&cases, &["user-id"]);
    assert_eq!(
        plans[1].placeholders[0].1,
        Binding::Adopted {
            from: "create_message".into(),
            read: false
        }
    );
    assert_eq!(plans[1].skip, None, "the run deletes what it created");
    assert_eq!(
        plans[1].placeholders[0].1.describe(),
        "created from the create documented in create_message"
    );
    assert!(
        plans[2].skip.as_deref().unwrap().contains("{message-id}"),
        "never created below a folder only found: {:?}",
        plans[2]
    );
}

#[test]
fn the_documented_example_gives_the_values_nothing_else_binds() {
    let mut search = case(
        "search",
        "GET",
        "/v1.0/widgets/{widget-id}/find(q='{q}')",
        200,
    );
    search.example = Some("GET /v1.0/widgets/{id}/find(q='budget')".into());
    let models = Models::from_models(vec![crate::api::fixtures::office_model()]);
    let given = Given {
        names: HashSet::new(),
        writable: Writable::Everything,
    };
    let plan = &plan_all(&[search], &models, &given)[0];
    assert_eq!(plan.skip, None, "sent, though the model cannot type it");
    assert_eq!(
        plan.placeholders[0].1.describe(),
        "made up: `conform-widget-id`"
    );
    assert_eq!(
        plan.placeholders[1].1.describe(),
        "the documented example's `budget`"
    );
}

/// A small suite over the office model: a create, what reads and writes it, and more.
fn office_suite() -> Vec<CaseShape> {
    vec![
        case(
            "create_thread",
            "POST",
            "/v1.0/groups/{group-id}/threads",
            201,
        ),
        case(
            "get_thread",
            "GET",
            "/v1.0/groups/{group-id}/threads/{conversationThread-id}",
            200,
        ),
        case(
            "delete_thread",
            "DELETE",
            "/v1.0/groups/{group-id}/threads/{conversationThread-id}",
            204,
        ),
        case("update_group", "PATCH", "/v1.0/groups/{group-id}", 204),
        case("get_message", "GET", "/v1.0/me/messages/{message-id}", 200),
        case(
            "delete_message",
            "DELETE",
            "/v1.0/me/messages/{message-id}",
            204,
        ),
        case(
            "reply",
            "POST",
            "/v1.0/groups/{group-id}/threads/{conversationThread-id}/reply",
            202,
        ),
        case(
            "report",
            "GET",
            "/v1.0/reports/getUsageReport(period='{period}')",
            200,
        ),
        case("unknown", "GET", "/v1.0/widgets/{widget-id}", 200),
    ]
}

#[test]
fn binds_given_created_discovered_and_says_what_it_cannot() {
    let cases = office_suite();
    let plans = plans(&cases, &["group-id"]);
    let binding = |i: usize, name: &str| binding_of(&plans[i], name);
    assert_eq!(binding(0, "group-id"), Binding::Given);
    assert_eq!(plans[0].skip, None);
    assert_eq!(
        binding(1, "conversationThread-id"),
        Binding::Created {
            by: "create_thread".into()
        }
    );
    assert_eq!(plans[2].skip, None, "the run deletes what it created");
    assert_eq!(
        plans[3].skip.as_deref(),
        Some("PATCH would change {group-id}, which this run did not create")
    );
    assert_eq!(
        binding(4, "message-id"),
        Binding::Discovered {
            collection: "/me/messages".into()
        }
    );
    assert_eq!(plans[4].skip, None, "a read of a discovered message");
    assert!(
        plans[5]
            .skip
            .as_deref()
            .unwrap()
            .contains("DELETE would change {message-id}")
    );
    assert!(
        !plans[6].acts_on_existing,
        "the thread replied to is the run's"
    );
    assert!(
        plans[7]
            .skip
            .as_deref()
            .unwrap()
            .contains("pass --var period=")
    );
    assert!(plans[8].skip.as_deref().unwrap().contains("cannot type"));
    let summary = unbound_summary(&plans, &[]);
    assert!(summary.contains(&("period".to_string(), 1)), "{summary:?}");
}

#[test]
fn an_action_on_a_given_entity_is_marked_and_captured_values_are_the_cases() {
    let mut own = case("own", "DELETE", "/v1.0/groups/{group-id}/threads/{t}", 204);
    own.captured = vec!["t".into()];
    let cases = [
        case(
            "act",
            "POST",
            "/v1.0/applications/{application-id}/addPassword",
            200,
        ),
        own,
    ];
    let plans = plans(&cases, &["application-id", "group-id"]);
    assert!(plans[0].acts_on_existing);
    assert_eq!(plans[0].skip, None);
    assert_eq!(
        plans[1].placeholders[1],
        ("t".to_string(), Binding::Captured)
    );
    assert_eq!(plans[1].skip, None);
}

#[test]
fn nothing_the_run_did_not_create_is_written_to() {
    let cases = [
        case("update_me", "PATCH", "/v1.0/me", 204),
        case(
            "settings",
            "PATCH",
            "/v1.0/users/{user-id}/mailboxSettings",
            204,
        ),
        case(
            "content",
            "PUT",
            "/v1.0/me/drive/items/{driveItem-id}/content",
            204,
        ),
        case(
            "add_member",
            "POST",
            "/v1.0/groups/{group-id}/members/$ref",
            204,
        ),
        case(
            "add_password",
            "POST",
            "/v1.0/applications/{application-id}/addPassword",
            200,
        ),
        case("inbox", "DELETE", "/v1.0/me/mailFolders/inbox", 204),
        case("untyped", "POST", "/v1.0/widgets/{widget-id}/polish", 204),
        case(
            "create_below_given",
            "POST",
            "/v1.0/groups/{group-id}/threads",
            201,
        ),
    ];
    let plans = plans(&cases, &["user-id", "group-id"]);
    for plan in &plans[..7] {
        assert!(plan.skip.is_some(), "{plan:?}");
    }
    assert!(
        plans[0]
            .skip
            .as_deref()
            .unwrap()
            .contains("PATCH would change /v1.0/me")
    );
    assert!(
        plans[4]
            .skip
            .as_deref()
            .unwrap()
            .contains("{application-id}"),
        "discovered: not acted on"
    );
    assert_eq!(
        plans[7].skip, None,
        "a create below a given group makes something new"
    );
}
