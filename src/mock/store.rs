//! The reference server's in-memory state: groups, their conversations and threads, and
//! channel chat threads. Knows the resource shapes; knows nothing of HTTP.

use std::collections::HashMap;

use serde::Deserialize;
use serde_json::{Map, Value, json};

/// Why a create request body is not acceptable (the server answers 400).
#[derive(Debug, PartialEq, Eq)]
pub struct Invalid(pub String);

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ThreadInput {
    topic: Option<String>,
    to_recipients: Option<Vec<Recipient>>,
    cc_recipients: Option<Vec<Recipient>>,
    has_attachments: Option<bool>,
    last_delivered_date_time: Option<String>,
    unique_senders: Option<Vec<String>>,
    preview: Option<String>,
    is_locked: Option<bool>,
    posts: Option<Vec<PostInput>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConversationInput {
    topic: Option<String>,
    threads: Option<Vec<ThreadInput>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatThreadInput {
    root_message: ChatMessageInput,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ChatMessageInput {
    body: ChatBody,
    subject: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ChatBody {
    /// The old beta API takes 0 (text) or 1 (html); the string forms are accepted too.
    content_type: Value,
    content: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PostInput {
    body: Option<ItemBody>,
    new_participants: Option<Vec<Recipient>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ItemBody {
    content_type: Option<String>,
    content: Option<String>,
}

#[derive(Debug, Clone, serde::Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Recipient {
    #[serde(skip_serializing_if = "Option::is_none")]
    email_address: Option<EmailAddress>,
}

#[derive(Debug, Clone, serde::Serialize, Deserialize)]
struct EmailAddress {
    name: Option<String>,
    address: Option<String>,
}

/// Parses a create body into `T`, naming the first property of the wrong type.
pub fn parse<T: for<'de> Deserialize<'de>>(body: &Value) -> Result<T, Invalid> {
    T::deserialize(body).map_err(|e| Invalid(format!("Invalid request body: {e}")))
}

#[derive(Debug, Clone)]
struct Thread {
    id: String,
    conversation_id: String,
    topic: String,
    to_recipients: Vec<Recipient>,
    cc_recipients: Vec<Recipient>,
    has_attachments: bool,
    last_delivered: String,
    unique_senders: Vec<String>,
    preview: String,
    is_locked: bool,
}

#[derive(Debug, Clone)]
struct Conversation {
    id: String,
    topic: String,
    thread_ids: Vec<String>,
}

#[derive(Debug, Default)]
struct Group {
    conversations: HashMap<String, Conversation>,
    threads: HashMap<String, Thread>,
    chat_threads: HashMap<String, Vec<Value>>,
}

/// Every group the server has seen; a group exists as soon as it is named.
#[derive(Debug, Default)]
pub struct Store {
    groups: HashMap<String, Group>,
}

fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

fn now() -> String {
    humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string()
}

fn check_date_time(value: &str) -> Result<(), Invalid> {
    if is_date_time(value) {
        Ok(())
    } else {
        Err(Invalid(format!(
            "Invalid request body: `{value}` is not a DateTimeOffset (ISO 8601, e.g. 2016-10-19T10:37:00Z)"
        )))
    }
}

/// RFC 3339 `date-time`: `YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)`, with ranges checked.
fn is_date_time(value: &str) -> bool {
    let b = value.as_bytes();
    let digits = |range: std::ops::Range<usize>| -> Option<u32> {
        let part = b.get(range)?;
        part.iter()
            .all(u8::is_ascii_digit)
            .then(|| part.iter().fold(0, |n, d| n * 10 + u32::from(d - b'0')))
    };
    let date_ok = matches!(
        (
            digits(0..4),
            b.get(4),
            digits(5..7),
            b.get(7),
            digits(8..10)
        ),
        (Some(_), Some(b'-'), Some(1..=12), Some(b'-'), Some(1..=31))
    );
    let time_ok = matches!(
        (
            b.get(10),
            digits(11..13),
            b.get(13),
            digits(14..16),
            b.get(16),
            digits(17..19)
        ),
        (
            Some(b'T' | b't'),
            Some(0..=23),
            Some(b':'),
            Some(0..=59),
            Some(b':'),
            Some(0..=60)
        )
    );
    if !date_ok || !time_ok {
        return false;
    }
    let mut rest = &b[19..];
    if let Some((b'.', fraction)) = rest.split_first() {
        let count = fraction.iter().take_while(|c| c.is_ascii_digit()).count();
        if count == 0 {
            return false;
        }
        rest = &fraction[count..];
    }
    match rest {
        [b'Z' | b'z'] => true,
        [b'+' | b'-', h1, h2, b':', m1, m2] => {
            [h1, h2, m1, m2].iter().all(|c| c.is_ascii_digit())
                && (*h1 - b'0') * 10 + (*h2 - b'0') <= 23
                && (*m1 - b'0') * 10 + (*m2 - b'0') <= 59
        }
        _ => false,
    }
}

fn check_content_type(body: &ItemBody) -> Result<(), Invalid> {
    match body.content_type.as_deref() {
        None | Some("text" | "html") => Ok(()),
        Some(other) => Err(Invalid(format!(
            "Invalid request body: contentType `{other}` is neither `text` nor `html`"
        ))),
    }
}

/// A plain-text preview of HTML or text content, as Graph shows in `preview`.
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
        .take(255)
        .collect()
}

impl Thread {
    fn from_input(
        input: ThreadInput,
        conversation_id: &str,
        topic: Option<&str>,
    ) -> Result<Self, Invalid> {
        if let Some(at) = &input.last_delivered_date_time {
            check_date_time(at)?;
        }
        let posts = input.posts.unwrap_or_default();
        for post in &posts {
            if let Some(body) = &post.body {
                check_content_type(body)?;
            }
        }
        let first_content = posts
            .iter()
            .find_map(|p| p.body.as_ref().and_then(|b| b.content.clone()))
            .unwrap_or_default();
        let mut to_recipients = input.to_recipients.unwrap_or_default();
        to_recipients.extend(
            posts
                .into_iter()
                .flat_map(|p| p.new_participants.unwrap_or_default()),
        );
        Ok(Self {
            id: new_id(),
            conversation_id: conversation_id.to_string(),
            topic: input
                .topic
                .or(topic.map(str::to_string))
                .unwrap_or_default(),
            to_recipients,
            cc_recipients: input.cc_recipients.unwrap_or_default(),
            has_attachments: input.has_attachments.unwrap_or(false),
            last_delivered: input.last_delivered_date_time.unwrap_or_else(now),
            unique_senders: input.unique_senders.unwrap_or_default(),
            preview: input.preview.unwrap_or_else(|| preview_of(&first_content)),
            is_locked: input.is_locked.unwrap_or(false),
        })
    }

    fn to_json(&self) -> Map<String, Value> {
        let value = json!({
            "id": self.id,
            "topic": self.topic,
            "toRecipients": self.to_recipients,
            "ccRecipients": self.cc_recipients,
            "hasAttachments": self.has_attachments,
            "lastDeliveredDateTime": self.last_delivered,
            "uniqueSenders": self.unique_senders,
            "preview": self.preview,
            "isLocked": self.is_locked,
        });
        match value {
            Value::Object(map) => map,
            _ => Map::new(),
        }
    }
}

impl Group {
    fn conversation_json(&self, conversation: &Conversation) -> Map<String, Value> {
        let threads: Vec<&Thread> = conversation
            .thread_ids
            .iter()
            .filter_map(|id| self.threads.get(id))
            .collect();
        let mut senders: Vec<String> = threads
            .iter()
            .flat_map(|t| t.unique_senders.iter().cloned())
            .collect();
        senders.dedup();
        let value = json!({
            "id": conversation.id,
            "topic": conversation.topic,
            "hasAttachments": threads.iter().any(|t| t.has_attachments),
            "lastDeliveredDateTime": threads
                .iter()
                .map(|t| t.last_delivered.clone())
                .max()
                .unwrap_or_else(now),
            "uniqueSenders": senders,
            "preview": threads.first().map(|t| t.preview.clone()).unwrap_or_default(),
        });
        match value {
            Value::Object(map) => map,
            _ => Map::new(),
        }
    }

    fn add_thread(&mut self, thread: Thread) -> Map<String, Value> {
        let json = thread.to_json();
        if let Some(conversation) = self.conversations.get_mut(&thread.conversation_id) {
            conversation.thread_ids.push(thread.id.clone());
        }
        self.threads.insert(thread.id.clone(), thread);
        json
    }

    fn remove_thread(&mut self, id: &str) -> bool {
        let Some(thread) = self.threads.remove(id) else {
            return false;
        };
        if let Some(conversation) = self.conversations.get_mut(&thread.conversation_id) {
            conversation.thread_ids.retain(|t| t != id);
            if conversation.thread_ids.is_empty() {
                self.conversations.remove(&thread.conversation_id);
            }
        }
        true
    }
}

impl Store {
    fn group(&mut self, group: &str) -> &mut Group {
        self.groups.entry(group.to_string()).or_default()
    }

    /// A thread posted to a group starts a new conversation.
    pub fn create_thread(
        &mut self,
        group: &str,
        input: ThreadInput,
    ) -> Result<Map<String, Value>, Invalid> {
        let conversation_id = new_id();
        let thread = Thread::from_input(input, &conversation_id, None)?;
        let group = self.group(group);
        group.conversations.insert(
            conversation_id.clone(),
            Conversation {
                id: conversation_id,
                topic: thread.topic.clone(),
                thread_ids: Vec::new(),
            },
        );
        Ok(group.add_thread(thread))
    }

    /// `Ok(None)` when the conversation does not exist.
    pub fn create_thread_in(
        &mut self,
        group: &str,
        conversation: &str,
        input: ThreadInput,
    ) -> Result<Option<Map<String, Value>>, Invalid> {
        let group = self.group(group);
        let Some(existing) = group.conversations.get(conversation) else {
            return Ok(None);
        };
        let topic = existing.topic.clone();
        let thread = Thread::from_input(input, conversation, Some(&topic))?;
        Ok(Some(group.add_thread(thread)))
    }

    pub fn create_conversation(
        &mut self,
        group: &str,
        input: ConversationInput,
    ) -> Result<Map<String, Value>, Invalid> {
        let id = new_id();
        let topic = input.topic.unwrap_or_default();
        let threads = input
            .threads
            .unwrap_or_default()
            .into_iter()
            .map(|t| Thread::from_input(t, &id, Some(&topic)))
            .collect::<Result<Vec<_>, _>>()?;
        let group = self.group(group);
        group.conversations.insert(
            id.clone(),
            Conversation {
                id: id.clone(),
                topic,
                thread_ids: Vec::new(),
            },
        );
        for thread in threads {
            group.add_thread(thread);
        }
        let conversation = &group.conversations[&id];
        Ok(group.conversation_json(conversation))
    }

    pub fn create_chat_thread(
        &mut self,
        group: &str,
        channel: &str,
        input: ChatThreadInput,
    ) -> Result<(), Invalid> {
        let body = &input.root_message.body;
        let content_type = match &body.content_type {
            Value::Number(n) if n.as_u64() == Some(0) => "text",
            Value::Number(n) if n.as_u64() == Some(1) => "html",
            Value::String(s) if s == "text" || s == "html" => s.as_str(),
            other => {
                return Err(Invalid(format!(
                    "Invalid request body: rootMessage.body.contentType must be 0 (text) or 1 (html), got {other}"
                )));
            }
        };
        let id = new_id();
        let message = json!({
            "id": id,
            "subject": input.root_message.subject,
            "body": { "contentType": content_type, "content": body.content.clone().unwrap_or_default() },
            "messageType": "message",
            "importance": "normal",
            "createdDateTime": now(),
        });
        self.group(group)
            .chat_threads
            .entry(channel.to_string())
            .or_default()
            .push(json!({ "id": id, "rootMessage": message }));
        Ok(())
    }

    pub fn chat_threads(&self, group: &str, channel: &str) -> Vec<Value> {
        self.groups
            .get(group)
            .and_then(|g| g.chat_threads.get(channel))
            .cloned()
            .unwrap_or_default()
    }

    pub fn thread(&self, group: &str, id: &str) -> Option<Map<String, Value>> {
        self.groups.get(group)?.threads.get(id).map(Thread::to_json)
    }

    pub fn conversation_thread(
        &self,
        group: &str,
        conversation: &str,
        id: &str,
    ) -> Option<Map<String, Value>> {
        let thread = self.groups.get(group)?.threads.get(id)?;
        (thread.conversation_id == conversation).then(|| thread.to_json())
    }

    pub fn delete_thread(&mut self, group: &str, id: &str) -> bool {
        self.groups
            .get_mut(group)
            .is_some_and(|g| g.remove_thread(id))
    }

    pub fn conversation(&self, group: &str, id: &str) -> Option<Map<String, Value>> {
        let group = self.groups.get(group)?;
        group
            .conversations
            .get(id)
            .map(|c| group.conversation_json(c))
    }

    pub fn conversations(&self, group: &str) -> Vec<Map<String, Value>> {
        let Some(group) = self.groups.get(group) else {
            return Vec::new();
        };
        let mut list: Vec<_> = group
            .conversations
            .values()
            .map(|c| group.conversation_json(c))
            .collect();
        list.sort_by(|a, b| a["id"].as_str().cmp(&b["id"].as_str()));
        list
    }

    /// `None` when the conversation does not exist.
    pub fn conversation_threads(
        &self,
        group: &str,
        conversation: &str,
    ) -> Option<Vec<Map<String, Value>>> {
        let group = self.groups.get(group)?;
        let conversation = group.conversations.get(conversation)?;
        Some(
            conversation
                .thread_ids
                .iter()
                .filter_map(|id| group.threads.get(id).map(Thread::to_json))
                .collect(),
        )
    }

    pub fn delete_conversation(&mut self, group: &str, id: &str) -> bool {
        let Some(group) = self.groups.get_mut(group) else {
            return false;
        };
        let Some(conversation) = group.conversations.remove(id) else {
            return false;
        };
        for thread in conversation.thread_ids {
            group.threads.remove(&thread);
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn thread_input(body: Value) -> ThreadInput {
        parse(&body).unwrap()
    }

    #[test]
    fn a_group_thread_starts_a_conversation_and_echoes_what_was_sent() {
        let mut store = Store::default();
        let created = store
            .create_thread("g", thread_input(json!({"topic": "t", "isLocked": true})))
            .unwrap();
        assert_eq!(created["topic"], "t");
        assert_eq!(created["isLocked"], true);
        let id = created["id"].as_str().unwrap();
        assert_eq!(store.conversations("g").len(), 1);
        assert!(store.thread("g", id).is_some());
        assert!(store.delete_thread("g", id));
        assert!(store.thread("g", id).is_none());
        assert!(
            store.conversations("g").is_empty(),
            "an empty conversation goes away"
        );
    }

    #[test]
    fn threads_go_only_into_conversations_that_exist() {
        let mut store = Store::default();
        let missing = store
            .create_thread_in("g", "nope", thread_input(json!({})))
            .unwrap();
        assert!(missing.is_none());
        let conversation = store
            .create_conversation("g", parse(&json!({"topic": "c", "threads": []})).unwrap())
            .unwrap();
        let cid = conversation["id"].as_str().unwrap();
        let thread = store
            .create_thread_in("g", cid, thread_input(json!({})))
            .unwrap()
            .unwrap();
        assert_eq!(
            thread["topic"], "c",
            "a thread inherits its conversation's topic"
        );
        assert_eq!(store.conversation_threads("g", cid).unwrap().len(), 1);
        assert!(store.delete_conversation("g", cid));
        assert!(store.thread("g", thread["id"].as_str().unwrap()).is_none());
    }

    #[test]
    fn rejects_wrong_types_and_bad_values() {
        assert!(parse::<ThreadInput>(&json!({"hasAttachments": "Boolean"})).is_err());
        let mut store = Store::default();
        let bad_date = thread_input(json!({"lastDeliveredDateTime": "datetime-value"}));
        assert!(store.create_thread("g", bad_date).is_err());
        let good_date = thread_input(json!({"lastDeliveredDateTime": "2016-10-19T10:37:00Z"}));
        assert!(store.create_thread("g", good_date).is_ok());
        let bad_chat: ChatThreadInput =
            parse(&json!({"rootMessage": {"body": {"contentType": 7}}})).unwrap();
        assert!(store.create_chat_thread("g", "c", bad_chat).is_err());
        let chat: ChatThreadInput =
            parse(&json!({"rootMessage": {"body": {"contentType": 1, "content": "<h1>x</h1>"}}}))
                .unwrap();
        store.create_chat_thread("g", "c", chat).unwrap();
        assert_eq!(
            store.chat_threads("g", "c")[0]["rootMessage"]["body"]["contentType"],
            "html"
        );
    }

    #[test]
    fn date_times_follow_rfc_3339() {
        for good in [
            "2016-10-19T10:37:00Z",
            "2016-10-19T10:37:00.123+02:00",
            "2016-10-19t10:37:00z",
        ] {
            assert!(is_date_time(good), "{good}");
        }
        for bad in [
            "datetime-value",
            "2016-10-19",
            "2016-13-19T10:37:00Z",
            "2016-10-19T10:37:00",
            "2016-10-19T10:37:00.Z",
            "2016-10-19T10:37:00+2:00",
        ] {
            assert!(!is_date_time(bad), "{bad}");
        }
    }

    #[test]
    fn preview_is_plain_text() {
        assert_eq!(preview_of("<h1>Hello</h1>  <p>world</p>"), "Hello world");
    }
}
