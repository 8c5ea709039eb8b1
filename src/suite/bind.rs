//! The binding plan of a case: where the value of each of its placeholders comes from —
//! given (`--var`, a target's vars), captured by its own setup, created by a chain of the
//! suite's own creates, or discovered by listing the collection — or why it cannot be bound.
//! The safety rule is decided here, once: a PATCH, PUT or DELETE (or a `$ref` removal) is
//! planned only against an entity the run creates — unless the server is conform's own, which
//! is disposable: there a key nothing else binds is seeded by the server for the case, and
//! every write is sent. Pure: the suite, the model and the given names in; plans out.

use std::collections::BTreeMap;

use crate::api::file::Models;
use crate::api::typing::{Key, Operation, SegmentKind, TypedPath};
use crate::graph::Method;
use crate::suite::binding::Binding;
use crate::suite::fill;
use crate::suite::producers::Producers;
use crate::suite::shape::{CaseShape, Given, Writable, target_key};
use crate::suite::shape::{braced, placeholders, typed, writes};

/// A case's plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BindingPlan {
    /// Each placeholder of the request, in the order it first appears.
    pub placeholders: Vec<(String, Binding)>,
    /// Why the case cannot be sent, when it cannot.
    pub skip: Option<String>,
    /// An action sent to an entity the run did not create (given or discovered).
    pub acts_on_existing: bool,
    /// Probes that send another method or a broken body (`wrong-method`, `malformed-json`,
    /// `wrong-type`) may go where the case does: a collection, an entity the run makes, or
    /// anything on conform's own server. Elsewhere they could change what is not the run's.
    pub probes_may_write: bool,
    /// The path to send instead of the case's: on conform's own server a write's literal key
    /// (`/domains/contoso.com`) becomes a placeholder of an entity seeded for the case, so that
    /// the cases that read the literal one meanwhile still find it.
    pub path: Option<String>,
}

/// The placeholder a write's literal key becomes on conform's own server.
pub const LITERAL_KEY: &str = "literal-key";

/// Plans every case; `given` names the placeholders that have values.
pub fn plan_all(cases: &[CaseShape], models: &Models, given: &Given) -> Vec<BindingPlan> {
    let producers = Producers::of(cases, models);
    cases
        .iter()
        .map(|case| plan(case, models, &producers, given))
        .collect()
}

/// The plan of one case.
pub fn plan(
    case: &CaseShape,
    models: &Models,
    producers: &Producers,
    given: &Given,
) -> BindingPlan {
    let Some(typed) = typed(models, case) else {
        return untyped_plan(case, given);
    };
    let mut plan = BindingPlan {
        placeholders: Vec::new(),
        skip: None,
        acts_on_existing: false,
        probes_may_write: given.writable == Writable::Everything,
        path: None,
    };
    for (name, at) in placeholders(&typed) {
        let binding = if case.captured.contains(&name) {
            Binding::Captured
        } else {
            bind((&typed, models), at, &name, (producers, given), case)
        };
        // A create adopted from elsewhere is made below what the run gives or makes, never
        // below an entity it merely found.
        let binding = match binding {
            Binding::Adopted { .. } if below_found(&plan) => Binding::Discovered {
                collection: typed.shape(at.unwrap_or_default()),
            },
            other => other,
        };
        if let (Binding::Unbound { reason }, None) = (&binding, &plan.skip) {
            plan.skip = Some(reason.clone());
        }
        plan.placeholders.push((name, binding));
    }
    header_placeholders(case, given, &mut plan);
    if given.writable == Writable::Everything {
        spare_fixtures(case, &typed, &mut plan);
        fill::fill_unbound(case, &mut plan.placeholders);
        spare_literal(case, &typed, &mut plan);
    } else if !writes(case, &typed) {
        fill::fill_function_arguments(case, &typed, &mut plan.placeholders);
    }
    plan.skip = first_unbound(&plan);
    guard(case, &typed, given, &mut plan);
    plan.probes_may_write |= addresses_own(&typed, &plan.placeholders);
    plan
}

/// Whether the path addresses a collection, or an entity the run makes (its last key created,
/// captured or seeded).
fn addresses_own(typed: &TypedPath, placeholders: &[(String, Binding)]) -> bool {
    if typed.result().is_some_and(|(_, collection)| collection) {
        return true;
    }
    target_key(typed).is_some_and(|name| {
        placeholders.iter().any(|(n, b)| {
            n == name
                && matches!(
                    b,
                    Binding::Created { .. }
                        | Binding::Adopted { .. }
                        | Binding::Captured
                        | Binding::Seeded { .. }
                )
        })
    })
}

/// On conform's own server, a write to a literal key: the key made a placeholder of its own,
/// seeded for the case (see `BindingPlan::path`).
fn spare_literal(case: &CaseShape, typed: &TypedPath, plan: &mut BindingPlan) {
    let Some(at) = typed.segments.len().checked_sub(1) else {
        return;
    };
    let last = &typed.segments[at];
    if !writes(case, typed) || !matches!(last.step, SegmentKind::Key(Key::Literal(_))) {
        return;
    }
    let mut path = String::new();
    for segment in &typed.segments[..at] {
        if !segment.attached {
            path.push('/');
        }
        path.push_str(&segment.text);
    }
    let key = match last.attached {
        true => format!("('{{{LITERAL_KEY}}}')"),
        false => format!("/{{{LITERAL_KEY}}}"),
    };
    path.push_str(&key);
    if let Some((_, query)) = case.path.split_once('?') {
        path = format!("{path}?{query}");
    }
    plan.path = Some(path);
    plan.placeholders.push((
        LITERAL_KEY.to_string(),
        Binding::Seeded {
            collection: typed.shape(at),
        },
    ));
}

/// On conform's own server a given entity is replaced by one seeded for the case where the
/// given one would not do: the entity a write changes (the fixtures stay as they were for the
/// cases that read them meanwhile), and one below an entity the run makes (a given channel is
/// not in a team seeded for the case).
fn spare_fixtures(case: &CaseShape, typed: &TypedPath, plan: &mut BindingPlan) {
    let written = writes(case, typed).then(|| target_key(typed)).flatten();
    let mut below_own = false;
    for (at, segment) in typed.segments.iter().enumerate() {
        let SegmentKind::Key(Key::Placeholder(name)) = &segment.step else {
            continue;
        };
        let Some((_, binding)) = plan.placeholders.iter_mut().find(|(n, _)| n == name) else {
            continue;
        };
        if *binding == Binding::Given && (below_own || written == Some(name.as_str())) {
            *binding = Binding::Seeded {
                collection: typed.shape(at),
            };
        }
        below_own |= *binding != Binding::Given;
    }
}

/// The safety rule: a request that changes something (anything but a read, a create or a
/// function) is sent only to an entity this run created; an action also to a given one (marked),
/// and any write to a given one when the fixtures are disposable (marked); never to one merely
/// discovered.
fn guard(case: &CaseShape, typed: &TypedPath, given: &Given, plan: &mut BindingPlan) {
    let acts = typed.operation(case.method) == Some(Operation::Action);
    if !writes(case, typed) || plan.skip.is_some() || given.writable == Writable::Everything {
        return;
    }
    let binding = target_key(typed)
        .and_then(|name| plan.placeholders.iter().find(|(n, _)| n == name))
        .map(|(name, binding)| (name.clone(), binding.clone()));
    let reason = match binding {
        Some((_, Binding::Created { .. } | Binding::Adopted { .. } | Binding::Captured)) => return,
        Some((_, Binding::Given)) if acts || given.writable == Writable::Given => {
            plan.acts_on_existing = true;
            return;
        }
        Some((name, _)) => format!(
            "{} would change {{{name}}}, which this run did not create",
            case.method
        ),
        None => format!(
            "{} would change {}, which this run did not create",
            case.method, case.path
        ),
    };
    plan.skip = Some(reason);
}

/// Placeholders of the request's headers: given or captured, else unbound.
fn header_placeholders(case: &CaseShape, given: &Given, plan: &mut BindingPlan) {
    for name in &case.in_headers {
        if plan.placeholders.iter().any(|(n, _)| n == name) {
            continue;
        }
        let binding = if given.contains(name) {
            Binding::Given
        } else if case.captured.contains(name) {
            Binding::Captured
        } else {
            Binding::Unbound {
                reason: format!("no value for {{{name}}} (a header): pass --var {name}=…"),
            }
        };
        if let (Binding::Unbound { reason }, None) = (&binding, &plan.skip) {
            plan.skip = Some(reason.clone());
        }
        plan.placeholders.push((name.clone(), binding));
    }
}

/// A placeholder of a path the model does not type: given or captured, else unbound.
fn untyped_plan(case: &CaseShape, given: &Given) -> BindingPlan {
    let mut plan = BindingPlan {
        placeholders: Vec::new(),
        skip: None,
        acts_on_existing: false,
        probes_may_write: given.writable == Writable::Everything,
        path: None,
    };
    if case.method != Method::Get && given.writable != Writable::Everything {
        plan.skip = Some(format!(
            "the API model cannot type {}: a {} is sent only to what this run creates",
            case.path, case.method
        ));
    }
    for name in braced(&case.path) {
        let binding = if given.contains(&name) {
            Binding::Given
        } else if case.captured.contains(&name) {
            Binding::Captured
        } else {
            Binding::Unbound {
                reason: format!(
                    "no value for {{{name}}}: pass --var {name}=… (the API model cannot type this path)"
                ),
            }
        };
        if let (Binding::Unbound { reason }, None) = (&binding, &plan.skip) {
            plan.skip = Some(reason.clone());
        }
        plan.placeholders.push((name, binding));
    }
    header_placeholders(case, given, &mut plan);
    if given.writable == Writable::Everything {
        fill::fill_unbound(case, &mut plan.placeholders);
        plan.skip = first_unbound(&plan);
    }
    plan
}

/// Why the first placeholder nothing binds keeps the case from being sent.
fn first_unbound(plan: &BindingPlan) -> Option<String> {
    plan.placeholders.iter().find_map(|(_, b)| match b {
        Binding::Unbound { reason } => Some(reason.clone()),
        _ => None,
    })
}

/// Given, else seeded by conform's own server, else created by a chain of the suite's creates,
/// else discovered, else unbound.
fn bind(
    (typed, models): (&TypedPath, &Models),
    at: Option<usize>,
    name: &str,
    (producers, given): (&Producers, &Given),
    case: &CaseShape,
) -> Binding {
    if given.contains(name) {
        return Binding::Given;
    }
    let Some(at) = at else {
        return Binding::Unbound {
            reason: format!("no value for {{{name}}}: pass --var {name}=…"),
        };
    };
    let collection = typed.shape(at);
    // On conform's own server each case gets its own entity, whatever a create documented
    // elsewhere in the suite does.
    if given.writable == Writable::Everything {
        return Binding::Seeded { collection };
    }
    if let Some(by) = producers.own_create(&collection, &case.name, given) {
        return Binding::Created { by: by.to_string() };
    }
    if let Some((from, read)) = producers.adoptable((typed, at), models, case) {
        return Binding::Adopted {
            from: from.to_string(),
            read,
        };
    }
    Binding::Discovered { collection }
}

/// Whether a placeholder bound so far names an entity only found (discovered), or none.
fn below_found(plan: &BindingPlan) -> bool {
    plan.placeholders
        .iter()
        .any(|(_, b)| matches!(b, Binding::Discovered { .. } | Binding::Unbound { .. }))
}

/// The cases skipped, grouped by the placeholder that would bind them: (name, cases), the
/// placeholder that would bind the most first. Each plan stands for `counts[i]` cases (one
/// each when `counts` is shorter).
pub fn unbound_summary(plans: &[BindingPlan], counts: &[usize]) -> Vec<(String, usize)> {
    let mut summary: BTreeMap<String, usize> = BTreeMap::new();
    for (index, plan) in plans.iter().enumerate().filter(|(_, p)| p.skip.is_some()) {
        let cases = counts.get(index).copied().unwrap_or(1);
        for (name, binding) in &plan.placeholders {
            if matches!(binding, Binding::Unbound { .. }) {
                *summary.entry(name.clone()).or_insert(0) += cases;
            }
        }
    }
    let mut wanted: Vec<(String, usize)> = summary.into_iter().collect();
    wanted.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    wanted
}

#[cfg(test)]
mod tests {
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
}
