//! The paths of documented examples as case paths: scheme, host and query dropped, the API
//! version always first, placeholders and the example's literal ids named. With an API model,
//! keys are named after the entity type they stand for (`{conversationThread-id}`), as Graph's
//! docs name them; without one, after the segment before them (`{thread-id}`).

use std::fmt::Write as _;

use crate::api::file::Models;
use crate::api::typing::{self, Key, SegmentKind, Typed, TypedPath};

/// Named variables for path placeholders, by the segment before them: `groups` → `group-id`;
/// `id` when the segment before says nothing (a placeholder, a function call, none).
pub fn variable_for(segment: &str) -> String {
    let named: String = segment
        .chars()
        .filter(|c| crate::suite::model::is_variable_char(*c))
        .collect();
    if named.is_empty() || is_any_placeholder(segment) || looks_like_id(segment) {
        return "id".to_string();
    }
    match named.to_ascii_lowercase().as_str() {
        "groups" | "joinedgroups" => "group-id".to_string(),
        "users" => "user-id".to_string(),
        "conversations" => "conversation-id".to_string(),
        "channels" => "channel-id".to_string(),
        "threads" => "thread-id".to_string(),
        "posts" => "post-id".to_string(),
        _ => format!("{}-id", singular(&named)),
    }
}

/// An English plural's singular, as collection names form them: `policies` → `policy`,
/// `classes` → `class`, `boxes` → `box`, `items` → `item`; the case as written.
fn singular(plural: &str) -> String {
    let lower = plural.to_ascii_lowercase();
    let keep = |n: usize| plural[..plural.len() - n].to_string();
    if lower.ends_with("ies") && plural.len() > 3 {
        keep(3) + "y"
    } else if lower.ends_with("sses") || lower.ends_with("xes") || lower.ends_with("ches") {
        keep(2)
    } else if lower.ends_with('s') && !lower.ends_with("ss") {
        keep(1)
    } else {
        plural.to_string()
    }
}

/// Whether a path segment is a placeholder: `{id}`, `<id>`, `<id | userPrincipalName>`.
pub fn is_placeholder(segment: &str) -> bool {
    typing::placeholder_name(segment).is_some()
}

/// A placeholder however it is spelt, mangled ones included (`{group-id`, `{{thumb-id}-id}`,
/// `{item-id}:`): any segment with a brace or an angle bracket.
fn is_any_placeholder(segment: &str) -> bool {
    segment.contains(['{', '}', '<', '>'])
}

/// Whether a literal path segment is an example's id rather than a name of the API: a GUID
/// (also inside a site id's `host,guid,guid`), a user principal name, a base64 key
/// (`AAQkADJUdfolA==`), a long mix of letters and digits, a number.
pub fn looks_like_id(segment: &str) -> bool {
    let has_guid = segment.split([',', '_', '!']).any(is_guid)
        || segment.len() > 36
            && segment
                .as_bytes()
                .windows(36)
                .any(|w| std::str::from_utf8(w).is_ok_and(is_guid));
    let is_upn = segment.contains('@') && segment.contains('.') && !segment.contains('(');
    let key_chars = segment
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '=' | '-' | '_' | '!' | '+'));
    let has_digit = segment.chars().any(|c| c.is_ascii_digit());
    let has_letter = segment.chars().any(|c| c.is_ascii_alphabetic());
    let base64_key = key_chars && segment.len() >= 8 && segment.ends_with('=');
    let long_key = key_chars && segment.len() >= 16 && has_digit && has_letter;
    let number = segment.len() >= 2 && segment.chars().all(|c| c.is_ascii_digit());
    has_guid || is_upn || base64_key || long_key || number
}

fn is_guid(text: &str) -> bool {
    text.len() == 36
        && text.char_indices().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// The path of an absolute or relative URL, as written (scheme and host dropped).
pub fn url_path(url: &str) -> &str {
    match url.find("://") {
        Some(scheme_end) => {
            let after = &url[scheme_end + 3..];
            after.find('/').map_or("/", |i| &after[i..])
        }
        None => url,
    }
}

/// The path of a request line's URL: scheme, host and query dropped; placeholders and the
/// example's literal ids become placeholders named by the segment before them, each name
/// used once.
pub fn normalise_path(url: &str) -> String {
    let path = url_path(url).split(['?', '#']).next().unwrap_or("");
    let out = name_by_segment(path, "", true, &Models::default(), &mut Vec::new());
    if out.is_empty() { "/".to_string() } else { out }
}

/// `path` with placeholders and literal ids named after the segment before them, `previous`
/// being the one before `path`; `first` when `path` starts the whole path (its first segment
/// may be the version). Names in `used` are not given again.
fn name_by_segment(
    path: &str,
    previous: &str,
    first: bool,
    models: &Models,
    used: &mut Vec<String>,
) -> String {
    let mut out = String::new();
    let mut previous = previous;
    for (index, segment) in path.split('/').filter(|s| !s.is_empty()).enumerate() {
        out.push('/');
        let version = first && index == 0 && version_of(segment).is_some();
        if is_any_placeholder(segment) || (!version && looks_like_id(segment)) {
            let base = entity_of_collection(previous, models).map_or_else(
                || variable_for(previous),
                |ty| crate::api::key_placeholder(&ty),
            );
            let name = unique(base, used);
            let _ = write!(out, "{{{name}}}");
        } else {
            out.push_str(segment);
        }
        previous = segment;
    }
    out
}

/// The entity type a collection segment the model could not place is most likely of: one
/// named as its singular (`bookingBusinesses` → `bookingBusiness`, `policies` → `policy`).
fn entity_of_collection(segment: &str, models: &Models) -> Option<String> {
    let singular = singular(segment);
    models
        .all()
        .find_map(|model| model.entity_type_named(&singular))
        .map(str::to_string)
}

/// `base`, or `base-2`, `base-3`, … : the first not in `used`, which gains it.
fn unique(base: String, used: &mut Vec<String>) -> String {
    let mut name = base.clone();
    let mut n = 2;
    while used.contains(&name) {
        name = format!("{base}-{n}");
        n += 1;
    }
    used.push(name.clone());
    name
}

/// Whether a path's first segment is written as an API version Graph does not have: `v1`,
/// `Beta`, `v2` (not `{version}`, which stands for any).
pub fn is_foreign_version(segment: &str) -> bool {
    let lower = segment.to_ascii_lowercase();
    !crate::graph::VERSIONS.contains(&segment) && crate::graph::is_version(&lower)
}

/// The version Graph has that a foreign one most likely means: `Beta` → `beta`, `v1` and
/// `V1.0` → `v1.0`; none for `v2`.
pub fn meant_version(segment: &str) -> Option<&'static str> {
    if !is_foreign_version(segment) {
        return None;
    }
    let lower = segment.to_ascii_lowercase();
    let v1 = lower.strip_prefix("v1").is_some_and(|rest| {
        rest.is_empty() || rest.starts_with('.') && rest[1..].chars().all(|c| c == '0')
    });
    crate::graph::VERSIONS
        .into_iter()
        .find(|v| v.eq_ignore_ascii_case(segment))
        .or(v1.then_some("v1.0"))
}

/// What a case notes when the version of `url` is one Graph does not have and another is used.
pub fn version_correction(url: &str) -> Option<String> {
    let path = crate::api::path::path_part(url_path(url));
    let written = path.trim_start_matches('/').split('/').next().unwrap_or("");
    meant_version(written).map(|meant| {
        format!(
            "The path names the version `{written}`, which Graph does not have; `{meant}` is used."
        )
    })
}

pub fn version_of(path: &str) -> Option<&str> {
    path.trim_start_matches('/')
        .split('/')
        .next()
        .filter(|s| crate::graph::is_version(s))
}

/// A case path made from an example's URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CasePath {
    pub path: String,
    /// What was done to it that a reader should know.
    pub notes: Vec<String>,
    /// Its typed form, when the models place every segment.
    pub typed: Option<TypedPath>,
}

/// The case path of an example URL: versioned (the example's version, else `version`, the
/// page's or the import's default), its keys named after their types where `models` type the
/// path, else after the segment before them.
pub fn case_path(url: &str, models: &Models, version: &str) -> CasePath {
    let mut raw = crate::api::path::path_part(url_path(url)).to_string();
    let mut notes = Vec::new();
    let written = raw.trim_start_matches('/').split('/').next().unwrap_or("");
    if let Some(meant) = meant_version(written) {
        raw = format!("/{meant}{}", &raw.trim_start_matches('/')[written.len()..]);
        notes.extend(version_correction(url));
    }
    let raw = raw.as_str();
    let first = raw.trim_start_matches('/').split('/').next().unwrap_or("");
    let versioned = if crate::graph::is_version(first) {
        raw.to_string()
    } else if is_any_placeholder(first) && first.to_ascii_lowercase().contains("ver") {
        let rest = &raw.trim_start_matches('/')[first.len()..];
        format!("/{version}{rest}")
    } else {
        notes.push(format!(
            "The example's path has no API version; the page's ({version}) is used."
        ));
        format!("/{version}{}", if raw.starts_with('/') { "" } else { "/" }) + raw
    };
    let path_version = version_of(&versioned).map(str::to_string);
    let typed = (!models.is_empty())
        .then(|| typing::type_path(&models.for_version(path_version.as_deref()), &versioned).ok())
        .flatten();
    let path = match &typed {
        Some(typed) => match &typed.untyped {
            None => typed_template(typed),
            // Keys the model placed are named after their types, the rest after the segment
            // before them.
            Some(untyped) => {
                let mut used = Vec::new();
                let prefix = typed_prefix(typed, &mut used);
                let previous = typed.segments.last().map_or("", |s| s.text.as_str());
                let rest = versioned.get(untyped.at..).unwrap_or_default();
                let path = prefix
                    + &name_by_segment(
                        rest,
                        previous,
                        typed.segments.is_empty(),
                        models,
                        &mut used,
                    );
                if path.is_empty() {
                    "/".to_string()
                } else {
                    path
                }
            }
        },
        None => normalise_path(&versioned),
    };
    let typed = typed.filter(|typed| typed.untyped.is_none());
    let path = match example_query(url) {
        Some(query) => format!("{path}?{query}"),
        None => path,
    };
    CasePath { path, notes, typed }
}

/// The query of an example's URL, as the case sends it (`$expand=members`,
/// `startDateTime=…&endDateTime=…`): what the documented answer was given for. None when it
/// holds a placeholder (`{id}`, `<value>`), which no value would fill.
fn example_query(url: &str) -> Option<&str> {
    let query = url.split_once('?')?.1.split('#').next()?.trim();
    let placeholder = query.contains(['{', '}', '<', '>']);
    (!query.is_empty() && !placeholder).then_some(query)
}

/// A typed path written back with its keys, parameters and drive paths named: a key after its
/// entity type (`{user-id}`, a second of the same type `{user-id-2}`), an alternate key or a
/// function parameter after its name (`{appId}`, `{period}`), a drive path `{item-path}`.
/// Literal keys that are names rather than ids (`inbox`, `root`) stay as written.
pub fn typed_template(typed: &TypedPath) -> String {
    typed_prefix(typed, &mut Vec::new())
}

/// The segments `typed` placed, written as `typed_template` writes them.
fn typed_prefix(typed: &TypedPath, used: &mut Vec<String>) -> String {
    let mut out = String::new();
    for segment in &typed.segments {
        if !segment.attached {
            out.push('/');
        }
        match &segment.step {
            SegmentKind::Key(key) => out.push_str(&key_text(segment, key, used)),
            SegmentKind::Function { arguments } => {
                let name = segment.text.split('(').next().unwrap_or_default();
                if segment.text.contains('(') {
                    let _ = write!(out, "{name}({})", named_arguments(&segment.text, arguments));
                } else {
                    out.push_str(name);
                }
            }
            SegmentKind::DrivePath if is_any_placeholder(&segment.text) => {
                out.push_str(":/{item-path}:")
            }
            _ => out.push_str(&segment.text),
        }
    }
    if out.is_empty() { "/".to_string() } else { out }
}

/// Whether an example value stands for an id: a placeholder or what looks like one.
fn stands_for_id(value: &str) -> bool {
    is_any_placeholder(value) || looks_like_id(value)
}

fn key_text(segment: &Typed, key: &Key, used: &mut Vec<String>) -> String {
    let ty = segment.ty.as_deref().unwrap_or("entity");
    match key {
        Key::Placeholder(_) => {
            let name = unique(crate::api::key_placeholder(ty), used);
            wrap_key(segment, &name)
        }
        Key::Literal(literal) if stands_for_id(literal) => {
            let name = unique(crate::api::key_placeholder(ty), used);
            wrap_key(segment, &name)
        }
        Key::Literal(_) => segment.text.clone(),
        Key::Alternate(pairs) => format!("({})", named_arguments(&segment.text, pairs)),
    }
}

/// `{name}` in the key's written form: a segment, `('{name}')` or `({name})`.
fn wrap_key(segment: &Typed, name: &str) -> String {
    if !segment.attached {
        format!("{{{name}}}")
    } else if segment.text.contains('\'') {
        format!("('{{{name}}}')")
    } else {
        format!("({{{name}}})")
    }
}

/// `name='value', …` with each value that stands for an id named after its parameter.
fn named_arguments(written: &str, arguments: &[(String, String)]) -> String {
    arguments
        .iter()
        .map(|(name, value)| {
            let quoted = written.contains(&format!("'{value}'"));
            let value = if stands_for_id(value) {
                format!("{{{name}}}")
            } else {
                value.clone()
            };
            let value = if quoted { format!("'{value}'") } else { value };
            if name.is_empty() {
                value
            } else {
                format!("{name}={value}")
            }
        })
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_placeholders_by_the_segment_before_them() {
        assert_eq!(
            normalise_path(
                "https://graph.microsoft.com/beta/users/<id | userPrincipalName>/joinedGroups/<id>/threads"
            ),
            "/beta/users/{user-id}/joinedGroups/{group-id}/threads"
        );
        assert_eq!(
            normalise_path(
                "/v1.0/groups/{groupsId}/conversations/{id}/threads/{thread-id}/posts/{id}"
            ),
            "/v1.0/groups/{group-id}/conversations/{conversation-id}/threads/{thread-id}/posts/{post-id}"
        );
        assert_eq!(
            normalise_path("/beta/widgets/{id}?$select=x"),
            "/beta/widgets/{widget-id}"
        );
    }

    #[test]
    fn literal_ids_and_mangled_placeholders_become_named_placeholders() {
        assert_eq!(
            normalise_path(
                "/v1.0/groups/29981b6a-0e57-42dc-94c9-cd24f5306196/threads/AAQkADJUdfolA==/reply"
            ),
            "/v1.0/groups/{group-id}/threads/{thread-id}/reply"
        );
        assert_eq!(
            normalise_path(
                "/beta/groups/{group-id/drive/items/{{thumb-id}-id}/{path and filename}"
            ),
            "/beta/groups/{group-id}/drive/items/{item-id}/{id}"
        );
        assert_eq!(
            normalise_path(
                "/v1.0/users/ada@contoso.com/sites/contoso.com,5e2b7a3c-8d41-4c8e-9a65-0f3e6b9d2c11,5e2b7a3c-8d41-4c8e-9a65-0f3e6b9d2c12/items/{root:-id}"
            ),
            "/v1.0/users/{user-id}/sites/{site-id}/items/{item-id}"
        );
        assert_eq!(
            normalise_path("/v1.0/sites/{id}/sites/{id}"),
            "/v1.0/sites/{site-id}/sites/{site-id-2}"
        );
        for name in [
            "messages",
            "microsoft.graph.delta",
            "root",
            "getByPath(path='a')",
            "v1.0",
            "$value",
        ] {
            assert!(!looks_like_id(name), "{name}");
        }
        for id in ["1234", "b!kW2Hk9yhP0aQ6a3bFx1", "AAMkAGI2TAAA="] {
            assert!(looks_like_id(id), "{id}");
        }
    }

    fn office() -> Models {
        Models::from_models(vec![crate::api::fixtures::office_model()])
    }

    #[test]
    fn names_keys_after_their_entity_type_where_the_model_types_the_path() {
        let models = office();
        let path = |url: &str| case_path(url, &models, "beta").path;
        assert_eq!(
            path(
                "https://graph.microsoft.com/v1.0/groups/02bd9fd6-8f93-4758-87c3-1fb73740a315/threads/AAQkAD==/posts/{id}"
            ),
            "/v1.0/groups/{group-id}/threads/{conversationThread-id}/posts/{post-id}"
        );
        assert_eq!(
            path("/v1.0/groups/{id}/members/{id}/$ref"),
            "/v1.0/groups/{group-id}/members/{directoryObject-id}/$ref"
        );
        assert_eq!(
            path("/v1.0/applications(appId='46e6adf4-a9cf-4b60-9390-0ba6fb00bf6b')/addPassword"),
            "/v1.0/applications(appId='{appId}')/addPassword"
        );
        assert_eq!(
            path("/v1.0/reports/getUsageReport(period='D7')"),
            "/v1.0/reports/getUsageReport(period='D7')",
            "a literal parameter is the example's value, not an id"
        );
        assert_eq!(
            path("/v1.0/reports/getUsageReport(period='{period_value}')"),
            "/v1.0/reports/getUsageReport(period='{period}')"
        );
        assert_eq!(
            path("/v1.0/me/drive/root:/{path-to-file}:/content"),
            "/v1.0/me/drive/root:/{item-path}:/content"
        );
        assert_eq!(
            path("/v1.0/me/mailFolders/inbox/messages"),
            "/v1.0/me/mailFolders/inbox/messages",
            "a well-known name stays"
        );
        assert_eq!(
            path("/v1.0/users('adele@contoso.com')/manager"),
            "/v1.0/users('{user-id}')/manager"
        );
        assert_eq!(
            path("/v1.0/users/{id}/messages/{id}/attachments/{id}"),
            "/v1.0/users/{user-id}/messages/{message-id}/attachments/{attachment-id}"
        );
    }

    #[test]
    fn every_path_carries_a_version() {
        let models = office();
        let made = case_path("/me/messages", &models, "beta");
        assert_eq!(made.path, "/beta/me/messages");
        assert_eq!(made.notes.len(), 1, "{:?}", made.notes);
        let placeholder = case_path(
            "https://graph.microsoft.com/{ver}/users/{id}",
            &models,
            "v1.0",
        );
        assert_eq!(placeholder.path, "/v1.0/users/{user-id}");
        let without_model = case_path("/groups/{id}/threads", &Models::default(), "v1.0");
        assert_eq!(without_model.path, "/v1.0/groups/{group-id}/threads");
        assert!(without_model.typed.is_none());
    }

    #[test]
    fn a_version_graph_lacks_becomes_the_one_it_means() {
        assert_eq!(meant_version("v1"), Some("v1.0"));
        assert_eq!(meant_version("V1.0"), Some("v1.0"));
        assert_eq!(meant_version("Beta"), Some("beta"));
        assert_eq!(meant_version("v10"), None, "not a spelling of v1.0");
        assert!(is_foreign_version("v10"));
        assert!(!is_foreign_version("v1.0") && !is_foreign_version("{version}"));
        let made = case_path("/Beta/me/messages", &office(), "v1.0");
        assert_eq!(made.path, "/beta/me/messages");
        assert_eq!(made.notes.len(), 1, "{:?}", made.notes);
    }

    #[test]
    fn names_what_the_model_placed_and_guesses_the_rest() {
        let models = office();
        let made = case_path(
            "/v1.0/users/{id}/todoLists/{id}/tasks/{id}",
            &models,
            "v1.0",
        );
        assert_eq!(
            made.path,
            "/v1.0/users/{user-id}/todoLists/{todoList-id}/tasks/{task-id}"
        );
        assert!(made.typed.is_none());
        let made = case_path("/v1.0/groups/{id}/policies/{id}", &models, "v1.0");
        assert_eq!(made.path, "/v1.0/groups/{group-id}/policies/{policy-id}");
        let made = case_path("/v1.0/widgets/{id}/directoryObjects/{id}", &models, "v1.0");
        assert_eq!(
            made.path, "/v1.0/widgets/{widget-id}/directoryObjects/{directoryObject-id}",
            "an unplaced collection named like an entity type gives that type's name"
        );
    }
}
