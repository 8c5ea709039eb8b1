//! A Graph stand-in written by hand over raw TCP, so a test controls every byte it answers.
//! It follows the documented contract except for one deviation chosen per run.

use std::net::SocketAddr;

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deviation {
    /// Group thread create answers 200 instead of 201.
    WrongStatus,
    /// Joined-group thread create answers `hasAttachments` as a string.
    BooleanAsString,
    /// Drive-path thread create answers a `lastDeliveredDateTime` that is no date-time.
    BadDateTime,
    /// The typed thread create leaves out `isLocked`.
    MissingRequired,
    /// Thread-in-conversation create labels its JSON `text/html`.
    HtmlContentType,
    /// Chat thread create sends a body with its 204.
    BodyOn204,
    /// Group thread create names another type in `@odata.type` (a post for a thread).
    ForeignODataType,
    /// Group thread create answers properties no document knows (one nested in a recipient),
    /// beside OData annotations.
    ExtraProperties,
    /// Conversation create answers another topic than the one sent; the topic holds the
    /// request's bearer token, to show it is redacted.
    EchoDrift,
}

pub struct Request {
    pub method: String,
    pub path: String,
    pub authorization: String,
    pub body: Value,
}

pub struct Answer {
    pub status: &'static str,
    pub content_type: &'static str,
    pub body: String,
    /// Sent as Content-Length instead of the body's length (for the 204 case).
    pub declared_length: Option<usize>,
}

fn json_answer(status: &'static str, body: Value) -> Answer {
    Answer {
        status,
        content_type: "application/json",
        body: body.to_string(),
        declared_length: None,
    }
}

fn no_content() -> Answer {
    Answer {
        status: "204 No Content",
        content_type: "",
        body: String::new(),
        declared_length: None,
    }
}

fn thread_from(request: &Value) -> Value {
    let mut thread = json!({
        "id": "AAQkAGI5MWY5ZmUyLTJiNzYtNDE0ZC04OWEwLWM3NjFkZGQxMWY4ZAAQAPdRhaGkE9xPhVQk_aN9-ss=",
        "toRecipients": [],
        "ccRecipients": [],
        "topic": "",
        "hasAttachments": false,
        "lastDeliveredDateTime": "2016-10-19T10:37:00Z",
        "uniqueSenders": [],
        "preview": "",
        "isLocked": false,
    });
    if let (Some(out), Some(sent)) = (thread.as_object_mut(), request.as_object()) {
        for (key, value) in sent {
            if key != "posts" {
                out.insert(key.clone(), value.clone());
            }
        }
    }
    thread
}

/// A thread posted to a group, with the deviations that key on its topic.
fn group_thread(request: &Request, deviations: &[Deviation]) -> Answer {
    let has = |d: Deviation| deviations.contains(&d);
    let topic = request.body["topic"].as_str().unwrap_or("");
    let mut thread = thread_from(&request.body);
    if has(Deviation::WrongStatus) && topic == "topic-value" {
        return json_answer("200 OK", thread);
    }
    if has(Deviation::ForeignODataType) && topic == "topic-value" {
        thread["@odata.type"] = json!("#microsoft.graph.post");
    }
    if has(Deviation::ExtraProperties) && topic == "topic-value" {
        thread["sensitivityLabel"] = json!("general");
        thread["@odata.etag"] = json!("W/\"1\"");
        thread["topic@odata.type"] = json!("#String");
        thread["toRecipients"][0]["emailAddress"]["nickname"] = json!("n");
    }
    if has(Deviation::MissingRequired) && topic == "String" {
        thread.as_object_mut().unwrap().remove("isLocked");
    }
    json_answer("201 Created", thread)
}

/// The answer to `request` under `deviation`.
pub fn answer(request: &Request, deviations: &[Deviation]) -> Answer {
    let has = |d: Deviation| deviations.contains(&d);
    let segments: Vec<&str> = request.path.trim_start_matches('/').split('/').collect();
    let topic = request.body["topic"].as_str().unwrap_or("");
    match (request.method.as_str(), segments.as_slice()) {
        ("POST", [_, "groups", _, "threads"]) => group_thread(request, deviations),
        ("POST", [_, "users", _, "joinedGroups", _, "threads"]) => {
            let mut thread = thread_from(&request.body);
            if has(Deviation::BooleanAsString) {
                thread["hasAttachments"] = json!("true");
            }
            json_answer("201 Created", thread)
        }
        (
            "POST",
            [
                _,
                "drive",
                "root",
                "createdByUser",
                "joinedGroups",
                _,
                "threads",
            ],
        ) => {
            let mut thread = thread_from(&request.body);
            if has(Deviation::BadDateTime) {
                thread["lastDeliveredDateTime"] = json!("yesterday");
            }
            json_answer("201 Created", thread)
        }
        ("POST", [_, "groups", _, "conversations"]) => {
            let mut sent_topic = json!(topic);
            if has(Deviation::EchoDrift) && topic == "New Conversation Topic" {
                sent_topic = json!(format!("leaked {}", request.authorization));
            }
            json_answer(
                "201 Created",
                json!({
                    "id": "conversation-1",
                    "topic": sent_topic,
                    "hasAttachments": false,
                    "lastDeliveredDateTime": "2016-10-19T10:37:00Z",
                    "uniqueSenders": [],
                    "preview": "",
                }),
            )
        }
        ("POST", [_, "groups", _, "conversations", _, "threads"]) => {
            let mut answer = json_answer("201 Created", json!({ "id": "thread-1" }));
            if has(Deviation::HtmlContentType) {
                answer.content_type = "text/html";
            }
            answer
        }
        ("POST", [_, "groups", _, "channels", _, "chatthreads"]) => {
            let mut answer = no_content();
            if has(Deviation::BodyOn204) {
                answer.body = r#"{"id":"chat-1"}"#.to_string();
                answer.declared_length = Some(answer.body.len());
            }
            answer
        }
        ("DELETE", _) => no_content(),
        // The embedded connectivity check and anything else.
        _ => json_answer(
            "404 Not Found",
            json!({ "error": { "code": "ResourceNotFound", "message": "no such route" } }),
        ),
    }
}

/// Serves with `deviations` on a free loopback port until the runtime stops.
pub async fn start(deviations: &[Deviation]) -> SocketAddr {
    let deviations: std::sync::Arc<[Deviation]> = deviations.into();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let deviations = deviations.clone();
            tokio::spawn(async move {
                let _ = serve_one(stream, &deviations).await;
            });
        }
    });
    addr
}

async fn serve_one(stream: tokio::net::TcpStream, deviations: &[Deviation]) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line).await?;
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or("").to_string();
    let path = parts.next().unwrap_or("").to_string();
    let mut length = 0;
    let mut authorization = String::new();
    loop {
        let mut header = String::new();
        reader.read_line(&mut header).await?;
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            match name.to_ascii_lowercase().as_str() {
                "content-length" => length = value.trim().parse().unwrap_or(0),
                "authorization" => authorization = value.trim().to_string(),
                _ => {}
            }
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).await?;
    let request = Request {
        method,
        path,
        authorization,
        body: serde_json::from_slice(&body).unwrap_or(Value::Null),
    };
    let answer = answer(&request, deviations);
    let mut head = format!("HTTP/1.1 {}\r\nConnection: close\r\n", answer.status);
    if !answer.content_type.is_empty() {
        head.push_str(&format!("Content-Type: {}\r\n", answer.content_type));
    }
    let declared = answer.declared_length.unwrap_or(answer.body.len());
    if !answer.status.starts_with("204") || answer.declared_length.is_some() {
        head.push_str(&format!("Content-Length: {declared}\r\n"));
    }
    head.push_str("\r\n");
    let mut stream = reader.into_inner();
    stream.write_all(head.as_bytes()).await?;
    stream.write_all(answer.body.as_bytes()).await?;
    stream.shutdown().await
}
