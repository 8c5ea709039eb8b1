//! Carrying binding plans out on loaded cases: a case whose plan skips it is ignored with the
//! reason; a bound case gets the setup steps its plan needs — the suite's own creates (in chain
//! order, each capturing the id its placeholder names), lists that discover an existing
//! entity, and on conform's own server the seeds it makes for the case — and the teardown that
//! deletes what those creates made, in reverse order.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use crate::api::file::Models;
use crate::api::operations;
use crate::api::typing::{self, SegmentKind, TypedPath};
use crate::graph::Method;
use crate::probe_kind::ProbeKind;
use crate::suite::bind::{self, BindingPlan};
use crate::suite::binding::Binding;
use crate::suite::model::{Capture, Case, Origin, ProbeSetting, Request, Step, Template, Values};
use crate::suite::producers::{MAX_CHAIN, Producers};
use crate::suite::shape::{CaseShape, Given, Writable};

/// The variable a create case's new id is captured in, for its teardown.
const CREATED: &str = "created-entity-id";

/// Where conform's own server makes an entity in the collection that follows (`/beta/me/events`).
pub const SEED_PATH: &str = "/_mock/seed";

/// What binding needs of the suite: the models, the names given values, the suite's creates,
/// and the plan of each of its distinct cases, made once.
pub struct Binder {
    models: Arc<Models>,
    given: Given,
    producers: Producers,
    plans: Vec<BindingPlan>,
    /// Where the plan of a case is in `plans`, by what its plan depends on.
    planned: HashMap<PlanKey, usize>,
}

/// What a case's plan is decided from besides the suite: its name, request line, status and
/// the version it is of.
type PlanKey = (String, Method, String, u16, Option<String>);

fn plan_key(case: &Case) -> PlanKey {
    (
        case.name.clone(),
        case.request.method,
        case.request.path.raw.clone(),
        case.expect.status,
        case.page.api.clone(),
    )
}

impl Binder {
    /// A binder for a suite whose distinct cases are `all`, each planned now; `None` without
    /// a model (nothing to type).
    pub fn new(models: Arc<Models>, given: Given, all: &[Case]) -> Option<Self> {
        if models.is_empty() {
            return None;
        }
        let shapes: Vec<CaseShape> = all.iter().map(CaseShape::of).collect();
        let producers = Producers::of(&shapes, &models);
        let plans: Vec<BindingPlan> = shapes
            .iter()
            .map(|shape| bind::plan(shape, &models, &producers, &given))
            .collect();
        let planned = all
            .iter()
            .enumerate()
            .map(|(i, case)| (plan_key(case), i))
            .collect();
        Some(Self {
            models,
            given,
            producers,
            plans,
            planned,
        })
    }

    /// On conform's own server, the entity a reference the case adds points to
    /// (`{"@odata.id": "https://graph.microsoft.com/v1.0/directoryObjects/{id}"}`), seeded with
    /// the id the page wrote, when the models place its collection.
    fn seed_referred(&self, case: &Case, chain: &mut Chain) {
        let Some(json) = case.request.json.as_deref() else {
            return;
        };
        let Some(url) = serde_json::from_str::<serde_json::Value>(json)
            .ok()
            .and_then(|body| body.get("@odata.id")?.as_str().map(str::to_string))
        else {
            return;
        };
        let path = crate::api::path::path_part(&url);
        let Some((collection, id)) = path.rsplit_once('/') else {
            return;
        };
        let typed = typing::type_request(&self.models, collection, case.page.api.as_deref());
        let names_a_collection = typed.is_ok_and(|t| {
            t.untyped.is_none() && t.result().is_some_and(|(_, collection)| collection)
        });
        if names_a_collection && !id.is_empty() && !id.contains(['{', '<']) {
            chain.seed_with_id(collection, id, None);
        }
    }

    /// The names bound before the chain's steps: the given values (but those the plan replaces
    /// with a seeded entity) and what the case's own setup captures.
    fn bound_before(&self, case: &Case, plan: &BindingPlan) -> HashSet<String> {
        let seeded = |name: &String| {
            plan.placeholders
                .iter()
                .any(|(n, b)| n == name && matches!(b, Binding::Seeded { .. }))
        };
        let captured = case
            .setup
            .iter()
            .flat_map(|step| step.request.capture.iter().map(|c| c.variable.clone()));
        self.given
            .names
            .iter()
            .filter(|name| !seeded(name))
            .cloned()
            .chain(captured)
            .collect()
    }

    /// The plans of the suite's distinct cases, in the order they were given.
    pub fn plans(&self) -> &[BindingPlan] {
        &self.plans
    }

    /// The plan of `case`: as made for the suite, else made now.
    fn plan_of(&self, case: &Case) -> BindingPlan {
        match self.planned.get(&plan_key(case)) {
            Some(&index) => self.plans[index].clone(),
            None => bind::plan(
                &CaseShape::of(case),
                &self.models,
                &self.producers,
                &self.given,
            ),
        }
    }

    /// The case's path as the models type it.
    fn typed(&self, case: &Case) -> Option<typing::TypedPath> {
        let path = &case.request.path.raw;
        typing::type_request(&self.models, path, case.page.api.as_deref()).ok()
    }

    /// The cases with their plans carried out.
    pub fn apply(&self, cases: Vec<Case>) -> Vec<Case> {
        cases.into_iter().map(|case| self.apply_one(case)).collect()
    }

    fn apply_one(&self, mut case: Case) -> Case {
        let plan = self.plan_of(&case);
        // Typed once for the ledger's operation and the binding; again only for a path the
        // plan sends instead.
        let mut typed = self.typed(&case);
        case.operation = typed
            .as_ref()
            .and_then(|t| operations::of_typed(&self.models, t, case.request.method))
            .map(|o| o.to_string());
        if let Some(reason) = plan.skip {
            return unbound(case, &reason);
        }
        if let Some(path) = &plan.path
            && let Ok(path) = Template::parse(path.clone(), case.request.path.origin.clone())
        {
            case.request.path = path;
            typed = self.typed(&case);
        }
        fill(&mut case, &plan.placeholders);
        let Some(typed) = typed else {
            return case;
        };
        case.resource_type = typed
            .resource_type()
            .map(|ty| ty.rsplit('.').next().unwrap_or(ty).to_string());
        case.binding = plan.placeholders.clone();
        case.acts_on_existing = plan.acts_on_existing;
        if !plan.probes_may_write {
            // A probe that sends another method, or a broken body, to an entity the run did
            // not create could change it: those probes stay off.
            for kind in [
                ProbeKind::WrongMethod,
                ProbeKind::MalformedJson,
                ProbeKind::WrongType,
            ] {
                case.probes.retain(|(k, _)| *k != kind);
                case.probes.push((kind, ProbeSetting::Off));
            }
        }
        let origin = case.request.path.origin.clone();
        let mut chain = Chain {
            bound: self.bound_before(&case, &plan),
            setup: Vec::new(),
            teardown: Vec::new(),
            origin,
        };
        if let Err(reason) = self.chain_steps(&case, &typed, &plan.placeholders, &mut chain) {
            return unbound(case, &reason);
        }
        if self.given.writable == Writable::Everything {
            self.seed_referred(&case, &mut chain);
        }
        if typed.operation(case.request.method) == Some(typing::Operation::Create) {
            chain.delete_what_it_creates(&mut case);
        }
        chain.setup.append(&mut case.setup);
        case.setup = chain.setup;
        // What the case deletes itself is not deleted again.
        if case.request.method == Method::Delete {
            let deleted = canonical(&case.request.path.raw);
            chain
                .teardown
                .retain(|step| canonical(&step.request.path.raw) != deleted);
        }
        chain.teardown.reverse();
        case.teardown.append(&mut chain.teardown);
        case
    }
}

impl Binder {
    /// The setup steps that give the keys of the case's path their entities, in path order:
    /// creates, adopted creates, discoveries, seeds — and on conform's own server an entity
    /// for each literal key (`/me/mailFolders/inbox`), seeded with that id. Why it cannot be
    /// done, when it cannot.
    fn chain_steps(
        &self,
        case: &Case,
        typed: &TypedPath,
        placeholders: &[(String, Binding)],
        chain: &mut Chain,
    ) -> Result<(), String> {
        for (at, segment) in typed.segments.iter().enumerate() {
            let name = match &segment.step {
                SegmentKind::Key(typing::Key::Placeholder(name)) => name,
                // A path the models cannot type names no collection to seed in.
                SegmentKind::Key(typing::Key::Literal(id))
                    if self.given.writable == Writable::Everything && typed.untyped.is_none() =>
                {
                    let (template, _) = collection_before(typed, at);
                    let shown = answers_at(typed, at, case.request.method)
                        .then(|| documented_entity(case))
                        .flatten();
                    chain.seed_with_id(&template, id.trim_matches('\''), shown);
                    continue;
                }
                // The file a drive path names, made first unless the case writes it itself.
                SegmentKind::DrivePath
                    if self.given.writable == Writable::Everything
                        && typed.untyped.is_none()
                        && !writes_file(case.request.method, typed) =>
                {
                    let (template, _) = collection_before(typed, at + 1);
                    if let Some(template) = chain.template(&template) {
                        chain.seed_file(&template.render_known(&Filled(placeholders)));
                    }
                    continue;
                }
                _ => continue,
            };
            let Some((_, binding)) = placeholders.iter().find(|(n, _)| n == name) else {
                continue;
            };
            let (template, shape) = collection_before(typed, at);
            match binding {
                Binding::Created { .. } if !chain.create(self, name, &shape, 0) => {
                    return Err(format!(
                        "the chain of creates that binds {{{name}}} cannot be built"
                    ));
                }
                Binding::Discovered { .. } => chain.discover(name, &template),
                Binding::Adopted { from, .. } if !chain.adopt(self, name, &template, from) => {
                    return Err(format!(
                        "the create documented in {from} cannot be sent to {template}"
                    ));
                }
                Binding::Seeded { .. } => {
                    let shown = answers_at(typed, at, case.request.method)
                        .then(|| documented_entity(case))
                        .flatten();
                    chain.seed(name, &template, shown);
                }
                _ => {}
            }
        }
        Ok(())
    }
}

/// Whether a request writes the file its drive path names: a PUT of its content, an upload
/// session.
fn writes_file(method: Method, typed: &TypedPath) -> bool {
    let Some(last) = typed.segments.last() else {
        return false;
    };
    let name = last.text.split('(').next().unwrap_or_default();
    match method {
        Method::Put => name.eq_ignore_ascii_case("content") || last.step == SegmentKind::Value,
        Method::Post => name.eq_ignore_ascii_case("createUploadSession"),
        _ => false,
    }
}

/// The values a plan fills in.
struct Filled<'p>(&'p [(String, Binding)]);

impl Values for Filled<'_> {
    fn value(&self, name: &str) -> Option<&str> {
        self.0.iter().find_map(|(n, binding)| match binding {
            Binding::Filled { value, .. } if n == name => Some(value.as_str()),
            _ => None,
        })
    }
}

/// Whether the case's answer is the entity the key at segment `at` names: a read, update or
/// replace of the path's last segment.
fn answers_at(typed: &TypedPath, at: usize, method: Method) -> bool {
    at + 1 == typed.segments.len()
        && matches!(
            typed.operation(method),
            Some(typing::Operation::Read | typing::Operation::Update | typing::Operation::Replace)
        )
}

/// The entity the case's documented answer shows, as JSON text.
fn documented_entity(case: &Case) -> Option<Arc<str>> {
    let shown = crate::graph::documented_body(case.doc.response.as_deref()?)?;
    shown.is_object().then(|| shown.to_string().into())
}

/// Writes the values the plan fills in into the case's path.
fn fill(case: &mut Case, placeholders: &[(String, Binding)]) {
    let raw = case.request.path.render_known(&Filled(placeholders));
    if raw != case.request.path.raw
        && let Ok(path) = Template::parse(raw, case.request.path.origin.clone())
    {
        case.request.path = path;
    }
}

/// A path as the entity it addresses: without regard to case, a key in parentheses
/// (`events('{id}')`) as a segment of its own (`events/{id}`).
fn canonical(path: &str) -> String {
    path.to_ascii_lowercase()
        .replace("('", "/")
        .replace("')", "")
        .replace('(', "/")
        .replace(')', "")
}

/// A case the plan does not send, with the reason; no flag sends it.
fn unbound(mut case: Case, reason: &str) -> Case {
    case.ignore = Some(format!("not bound: {reason}"));
    case.unbound = true;
    case
}

/// The collection before the key at segment `at`: its path template (the segments before the
/// key, as written) and its shape.
fn collection_before(typed: &TypedPath, at: usize) -> (String, String) {
    let mut template = String::new();
    for segment in &typed.segments[..at] {
        if !segment.attached {
            template.push('/');
        }
        template.push_str(&segment.text);
    }
    (template, typed.shape(at))
}

/// The steps a case's plan adds, and the names bound so far.
struct Chain {
    bound: HashSet<String>,
    setup: Vec<Step>,
    teardown: Vec<Step>,
    origin: Origin,
}

impl Chain {
    fn template(&self, raw: &str) -> Option<Template> {
        Template::parse(raw.to_string(), self.origin.clone()).ok()
    }

    fn step(
        &self,
        method: Method,
        path: &str,
        json: Option<Arc<str>>,
        capture: Option<(&str, &str)>,
        status: Option<u16>,
    ) -> Option<Step> {
        Some(Step {
            request: Request {
                method,
                path: self.template(path)?,
                headers: Vec::new(),
                json,
                capture: capture
                    .map(|(variable, pointer)| Capture {
                        variable: variable.to_string(),
                        pointer: pointer.to_string(),
                    })
                    .into_iter()
                    .collect(),
            },
            status,
            settle: None,
        })
    }

    /// A create case without a teardown deletes what it made: its id captured (when it does
    /// not capture it already) and deleted after the case.
    fn delete_what_it_creates(&mut self, case: &mut Case) {
        if !case.teardown.is_empty() {
            return;
        }
        let variable = match case.request.capture.iter().find(|c| c.pointer == "/id") {
            Some(capture) => capture.variable.clone(),
            None => {
                case.request.capture.push(Capture {
                    variable: CREATED.to_string(),
                    pointer: "/id".to_string(),
                });
                CREATED.to_string()
            }
        };
        let collection = case.request.path.raw.split('?').next().unwrap_or_default();
        let path = format!("{collection}/{{{variable}}}");
        if let Some(delete) = self.step(Method::Delete, &path, None, None, None) {
            self.teardown.push(delete);
        }
    }

    /// A setup step that binds `{name}`, unless it is bound already, to what `pointer` finds
    /// in its answer.
    fn bind_by(
        &mut self,
        name: &str,
        (method, path): (Method, &str),
        json: Option<Arc<str>>,
        pointer: &str,
    ) {
        if self.bound.contains(name) {
            return;
        }
        if let Some(step) = self.step(method, path, json, Some((name, pointer)), None) {
            self.setup.push(step);
            self.bound.insert(name.to_string());
        }
    }

    /// A list of the collection at `template` capturing its first item's id as `{name}`.
    fn discover(&mut self, name: &str, template: &str) {
        let path = format!("{template}?$top=1");
        self.bind_by(name, (Method::Get, &path), None, "/value/0/id");
    }

    /// Asks conform's own server for an entity whose id is the literal key `id` in the
    /// collection at `template` (shaped as `shown` when the case documents it).
    fn seed_with_id(&mut self, template: &str, id: &str, shown: Option<Arc<str>>) {
        let mut body = shown
            .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok())
            .and_then(|value| value.as_object().cloned())
            .unwrap_or_default();
        body.insert("id".into(), id.into());
        let json = serde_json::Value::Object(body).to_string().into();
        let path = format!("{SEED_PATH}{template}");
        if let Some(step) = self.step(Method::Post, &path, Some(json), None, None) {
            self.setup.push(step);
        }
    }

    /// Asks conform's own server for the file a drive path names (`…/root:/a/b.txt:`).
    fn seed_file(&mut self, item: &str) {
        let path = format!("{SEED_PATH}{item}");
        if let Some(step) = self.step(Method::Post, &path, None, None, None) {
            self.setup.push(step);
        }
    }

    /// The suite's create `from` sent to the collection at `template` (whose keys the chain
    /// has bound), capturing the new id as `{name}`; its delete goes to the teardown.
    fn adopt(&mut self, binder: &Binder, name: &str, template: &str, from: &str) -> bool {
        if self.bound.contains(name) {
            return true;
        }
        let Some(request) = binder.producers.adopted_request(from) else {
            return false;
        };
        self.post_capturing(name, (template, template), &request)
    }

    /// POSTs `request`'s body and headers to `to` (the collection at `collection`, with the
    /// query the create may carry), capturing the new id as `{name}`; reads it until it
    /// answers, and deletes it in teardown.
    fn post_capturing(
        &mut self,
        name: &str,
        (to, collection): (&str, &str),
        request: &Request,
    ) -> bool {
        let Some(mut step) = self.step(
            Method::Post,
            to,
            request.json.clone(),
            Some((name, "/id")),
            None,
        ) else {
            return false;
        };
        step.request.headers = request.headers.clone();
        // What the next steps and the case address must read before they are judged.
        step.settle = self.template(&format!("{collection}/{{{name}}}"));
        self.setup.push(step);
        self.bound.insert(name.to_string());
        if let Some(delete) = self.step(
            Method::Delete,
            &format!("{collection}/{{{name}}}"),
            None,
            None,
            None,
        ) {
            self.teardown.push(delete);
        }
        true
    }

    /// Asks conform's own server to make an entity in the collection at `template` for the
    /// case — shaped as `shown`, when the case documents it — capturing its id as `{name}`.
    /// The server is disposable: nothing to delete.
    fn seed(&mut self, name: &str, template: &str, shown: Option<Arc<str>>) {
        let path = format!("{SEED_PATH}{template}");
        self.bind_by(name, (Method::Post, &path), shown, "/id");
    }

    /// The suite's create of `shape`'s collection, after the creates its own keys need,
    /// capturing the new id as `{name}`; its delete goes to the teardown. False when a key it
    /// needs is neither bound nor creatable (a chain never creates below what it only found).
    fn create(&mut self, binder: &Binder, name: &str, shape: &str, depth: usize) -> bool {
        if self.bound.contains(name) {
            return true;
        }
        let Some((request, needs)) = binder.producers.create_of(shape) else {
            return false;
        };
        for (need, need_shape) in needs {
            if depth >= MAX_CHAIN || !self.create(binder, &need, &need_shape, depth + 1) {
                return false;
            }
        }
        // The id is appended to the path, not to a query the create may carry.
        let path = request
            .path
            .raw
            .split('?')
            .next()
            .unwrap_or_default()
            .to_string();
        self.post_capturing(name, (&request.path.raw, &path), &request)
    }
}
