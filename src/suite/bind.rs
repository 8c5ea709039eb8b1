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
mod tests;
