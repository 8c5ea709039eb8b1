//! Graph's own rules, where its answers follow more than OData's conventions: a group's
//! threads are the threads of its conversations (a thread posted to a group starts a
//! conversation), a conversation and a thread show a preview of their first post, a password
//! is never read back, and the membership functions (`getMemberGroups`, `checkMemberGroups`
//! and their `…Objects` kin) answer from the group memberships the server holds.

use serde_json::{Map, Value};

use crate::api::model::{ApiModel, MemberKind};
use crate::mock::generic::entities::{Entities, Entity};

/// How long a preview is, in characters.
const PREVIEW_LENGTH: usize = 255;

fn short(ty: &str) -> &str {
    ty.rsplit('.').next().unwrap_or(ty)
}

/// The conversations collection and type of the group at `group`, when the model gives groups
/// conversations that hold threads.
fn conversations_of(model: &ApiModel, store: &Entities, group: &str) -> Option<(String, String)> {
    let entity = store.get(group)?;
    if !short(&entity.ty).eq_ignore_ascii_case("group") {
        return None;
    }
    let conversations = model.member(&entity.ty, "conversations")?;
    let threads = model.member(&conversations.ty, "threads")?;
    (conversations.kind == MemberKind::Contained && threads.kind == MemberKind::Contained).then(
        || {
            (
                format!("{group}/{}", conversations.name),
                conversations.ty.clone(),
            )
        },
    )
}

/// For a create into a group's `threads`: the group's conversations collection and the
/// conversation type, where Graph keeps the new thread (in a conversation it starts).
pub fn thread_of_group(
    model: &ApiModel,
    store: &Entities,
    collection: &str,
) -> Option<(String, String)> {
    let (group, last) = collection.rsplit_once('/')?;
    if !last.eq_ignore_ascii_case("threads") {
        return None;
    }
    conversations_of(model, store, group)
}

/// After a create at `created`: the threads of the group it is in are linked as the group's
/// threads, and the previews of its conversation and threads are filled in. Only what is kept
/// in a conversation has either.
pub fn after_create(model: &ApiModel, store: &mut Entities, created: &str) {
    // `…/{group}/conversations/{conversation}…`: the group is what stands before.
    let Some(at) = created.rfind("/conversations/") else {
        return;
    };
    let group = &created[..at];
    if let Some((conversations, _)) = conversations_of(model, store, group) {
        let rest = &created[conversations.len() + 1..];
        let id = rest.split('/').next().unwrap_or(rest);
        link_threads(store, group, &format!("{conversations}/{id}"));
    }
    fill_previews(model, store, created);
}

/// After a thread is deleted through its group's threads: the conversation it was the last
/// thread of goes with it, as the thread posted to the group had started it.
pub fn after_group_thread_delete(model: &ApiModel, store: &mut Entities, deleted: &str) {
    let Some((conversation, _)) = deleted.rsplit_once('/') else {
        return;
    };
    let Some(conversation) = conversation.strip_suffix("/threads") else {
        return;
    };
    let Some((conversations, _)) = conversation.rsplit_once('/') else {
        return;
    };
    let Some((group, _)) = conversations.rsplit_once('/') else {
        return;
    };
    let in_group = conversations_of(model, store, group).is_some_and(|(c, _)| c == conversations);
    if in_group && store.list(&format!("{conversation}/threads")).is_empty() {
        store.remove(conversation);
    }
}

/// Makes every thread of the conversation one of its group's threads.
fn link_threads(store: &mut Entities, group: &str, conversation: &str) {
    let threads: Vec<String> = store
        .below(conversation)
        .map(|(path, _)| path)
        .filter(|path| {
            let parts: Vec<&str> = path[conversation.len()..]
                .trim_start_matches('/')
                .split('/')
                .collect();
            parts.len() == 2 && parts[0].eq_ignore_ascii_case("threads")
        })
        .cloned()
        .collect();
    for thread in threads {
        store.link(&format!("{group}/threads"), &thread);
    }
}

/// The entity at `created` and the entities it holds that have a `preview` and none set get
/// the plain text of their first post.
fn fill_previews(model: &ApiModel, store: &mut Entities, created: &str) {
    // Most creates carry no post: nothing to preview.
    if first_post(store, created).is_none() {
        return;
    }
    let mut paths: Vec<String> = vec![created.to_string()];
    paths.extend(store.below(created).map(|(path, _)| path.clone()));
    for path in paths {
        let Some(entity) = store.get(&path) else {
            continue;
        };
        let unset = entity
            .property("preview")
            .is_none_or(|p| p.as_str().is_none_or(str::is_empty));
        if !unset || model.member(&entity.ty, "preview").is_none() {
            continue;
        }
        let Some(content) = first_post(store, &path) else {
            continue;
        };
        if let Some(entity) = store.get_mut(&path) {
            entity.edit(|body| body.insert("preview".into(), Value::String(preview_of(&content))));
        }
    }
}

/// The body content of the first post at or below `path`: kept as an entity, or written in
/// place in a `posts` property.
fn first_post(store: &Entities, path: &str) -> Option<String> {
    // Parsed only when it can hold a post: most entities are read here on every create.
    let inline = |entity: &Entity| {
        if !entity.text().contains("\"posts\":[{") {
            return None;
        }
        entity
            .property("posts")?
            .as_array()?
            .iter()
            .find_map(|post| post.pointer("/body/content")?.as_str().map(str::to_string))
    };
    let entity = store.get(path)?;
    if let Some(content) = inline(entity) {
        return Some(content);
    }
    store.below(path).find_map(|(below, entity)| {
        inline(entity).or_else(|| {
            below
                .contains("/posts/")
                .then(|| {
                    entity
                        .property("body")?
                        .get("content")?
                        .as_str()
                        .map(str::to_string)
                })
                .flatten()
        })
    })
}

/// A plain-text preview of HTML or text content.
fn preview_of(content: &str) -> String {
    let mut text = String::with_capacity(content.len());
    let mut in_tag = false;
    for c in content.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            _ if !in_tag => text.push(c),
            _ => {}
        }
    }
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(PREVIEW_LENGTH)
        .collect()
}

/// What a read answers without `$select` where Graph answers less than the type declares.
pub enum DefaultSet {
    /// These properties (and `id`) alone.
    Only(&'static [&'static str]),
    /// Every property but these.
    AllBut(&'static [&'static str]),
}

/// A user's default set; the rest only on `$select`.
const USER_DEFAULTS: &[&str] = &[
    "businessPhones",
    "displayName",
    "givenName",
    "jobTitle",
    "mail",
    "mobilePhone",
    "officeLocation",
    "preferredLanguage",
    "surname",
    "userPrincipalName",
];

/// A group's properties answered only on `$select`.
const GROUP_SELECT_ONLY: &[&str] = &[
    "allowExternalSenders",
    "autoSubscribeNewMembers",
    "hideFromAddressLists",
    "hideFromOutlookClients",
    "isSubscribedByMail",
    "unseenCount",
    "assignedLicenses",
    "licenseProcessingState",
    "hasMembersWithLicenseErrors",
    "isArchived",
];

/// The default set of `ty`, where Graph answers less than every property.
pub fn default_set(ty: &str) -> Option<DefaultSet> {
    match short(ty) {
        "user" => Some(DefaultSet::Only(USER_DEFAULTS)),
        "group" => Some(DefaultSet::AllBut(GROUP_SELECT_ONLY)),
        _ => None,
    }
}

/// The domain of the addresses the server gives.
pub(super) const DOMAIN: &str = "conform.example";

/// What Graph derives when an entity is made: a Microsoft 365 or mail-enabled group's `mail`
/// from its `mailNickname`.
pub fn derive(ty: &str, body: &mut Map<String, Value>) {
    if short(ty) != "group" || body.get("mail").is_some_and(|m| !m.is_null()) {
        return;
    }
    let unified = body
        .get("groupTypes")
        .and_then(Value::as_array)
        .is_some_and(|types| types.iter().any(|t| t == "Unified"));
    let mail_enabled = body.get("mailEnabled") == Some(&Value::Bool(true));
    if let (Some(nickname), true) = (
        body.get("mailNickname").and_then(Value::as_str),
        unified || mail_enabled,
    ) {
        let mail = format!("{nickname}@{DOMAIN}");
        body.insert("mail".into(), Value::String(mail));
    }
}

/// The signed-in user (`/me`) as the server starts with it: a realistic default set.
pub fn signed_in_user(id: &str) -> Map<String, Value> {
    let address = format!("avery.howard@{DOMAIN}");
    let user = serde_json::json!({
        "id": id,
        "displayName": "Avery Howard",
        "givenName": "Avery",
        "surname": "Howard",
        "jobTitle": "Engineer",
        "mail": address,
        "userPrincipalName": address,
        "businessPhones": ["+1 425 555 0100"],
        "officeLocation": "Building 1",
        "preferredLanguage": "en-US",
        "accountEnabled": true,
    });
    user.as_object().cloned().unwrap_or_default()
}

/// The collection a navigation is a view of: a `calendarView` shows its owner's `events`.
/// (`navigation` may be qualified by its owner's type: `microsoft.graph.user/calendarView`.)
pub fn viewed(navigation: &str) -> Option<&'static str> {
    let name = navigation.rsplit('/').next().unwrap_or(navigation);
    name.eq_ignore_ascii_case("calendarView")
        .then_some("events")
}

/// The types whose updates answer 200 with the entity as it now is: Outlook's items, folders
/// and calendars, and To Do's lists and tasks. Directory objects (and the rest) answer 204.
const UPDATED_WITH_ENTITY: &[&str] = &[
    "outlookItem",
    "message",
    "event",
    "contact",
    "mailFolder",
    "contactFolder",
    "calendar",
    "calendarGroup",
    "attachment",
    "outlookCategory",
    "todoTaskList",
    "todoTask",
];

/// Whether a PATCH of an entity of `ty` answers the entity (200) rather than nothing (204).
pub fn updates_answer_the_entity(model: &ApiModel, ty: &str) -> bool {
    model
        .lineage(ty)
        .any(|t| UPDATED_WITH_ENTITY.contains(&short(t)))
}

/// Forgets what Graph never answers: a password set in a `passwordProfile`.
pub fn forget_write_only(body: &mut Map<String, Value>) {
    if let Some(Value::Object(profile)) = body.get_mut("passwordProfile")
        && profile.contains_key("password")
    {
        profile.insert("password".into(), Value::Null);
    }
}

/// What a membership function answers for the entity at `on`: the ids of the groups it is a
/// member of, directly or through other groups — all of them for `getMemberGroups` and
/// `getMemberObjects`, those the request names for `checkMemberGroups` (`groupIds`) and
/// `checkMemberObjects` (`ids`). `None` for any other operation.
pub fn membership(
    store: &Entities,
    on: &str,
    operation: &str,
    request: &Map<String, Value>,
) -> Option<Vec<String>> {
    let asked = match operation.to_ascii_lowercase().as_str() {
        "getmembergroups" | "getmemberobjects" => None,
        "checkmembergroups" => Some("groupIds"),
        "checkmemberobjects" => Some("ids"),
        _ => return None,
    };
    let groups = groups_of(store, on);
    Some(match asked {
        None => groups,
        Some(name) => {
            let asked: Vec<&str> = request
                .get(name)
                .and_then(Value::as_array)
                .map(|ids| ids.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            groups
                .into_iter()
                .filter(|g| asked.iter().any(|a| a.eq_ignore_ascii_case(g)))
                .collect()
        }
    })
}

/// The ids of the groups whose `members` refer to the entity at `on`, or to a group that
/// is (transitively) one of them.
fn groups_of(store: &Entities, on: &str) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    let mut frontier = vec![on.to_string()];
    while let Some(member) = frontier.pop() {
        for navigation in store.referrers(&member) {
            let Some(group) = navigation.strip_suffix("/members") else {
                continue;
            };
            let Some(id) = store.get(group).and_then(|g| g.id()).map(str::to_string) else {
                continue;
            };
            if !found.contains(&id) {
                found.push(id);
                frontier.push(group.to_string());
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mock::generic::entities::Entity;
    use serde_json::json;

    fn entity(ty: &str, body: Value) -> Entity {
        Entity::new(ty, body.as_object().unwrap().clone())
    }

    #[test]
    fn previews_are_plain_text_and_passwords_are_never_kept() {
        assert_eq!(preview_of("<h1>Hello</h1>\n <p>world</p>"), "Hello world");
        let mut user = json!({"passwordProfile": {"password": "secret", "forceChangePasswordNextSignIn": true}});
        forget_write_only(user.as_object_mut().unwrap());
        assert_eq!(user["passwordProfile"]["password"], Value::Null);
        assert_eq!(
            user["passwordProfile"]["forceChangePasswordNextSignIn"],
            true
        );
    }

    #[test]
    fn memberships_are_followed_through_groups() {
        let mut store = Entities::default();
        let user = store.insert("/users", entity("microsoft.graph.user", json!({"id": "u"})));
        let inner = store.insert(
            "/groups",
            entity("microsoft.graph.group", json!({"id": "inner"})),
        );
        let outer = store.insert(
            "/groups",
            entity("microsoft.graph.group", json!({"id": "outer"})),
        );
        store.insert(
            "/groups",
            entity("microsoft.graph.group", json!({"id": "other"})),
        );
        store
            .add_reference(&format!("{inner}/members"), &user)
            .unwrap();
        store
            .add_reference(&format!("{outer}/members"), &inner)
            .unwrap();
        let all = membership(&store, &user, "getMemberGroups", &Map::new()).unwrap();
        assert_eq!(all, ["inner", "outer"]);
        let asked = json!({"groupIds": ["OUTER", "other"]});
        let checked = membership(
            &store,
            &user,
            "checkMemberGroups",
            asked.as_object().unwrap(),
        );
        assert_eq!(checked.unwrap(), ["outer"]);
        assert!(membership(&store, &user, "restore", &Map::new()).is_none());
    }
}
