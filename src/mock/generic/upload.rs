//! Resumable uploads, as Graph's drives take them: `createUploadSession` on a file answers an
//! `uploadUrl` (on the server's own host, needing no token, as Graph's is pre-authorised); each
//! `PUT` to it carries the next range of the file (`Content-Range: bytes 0-99/250`) and answers
//! 202 with the ranges still expected, the last one 201 with the file; a range that does not
//! start where the file stands, or goes past its declared size, is 416; `DELETE` cancels.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use serde_json::{Value, json};

use crate::mock::generic::{Generic, properties};

/// How long a session may go on, as Graph announces it.
const SESSION_LIFETIME: std::time::Duration = std::time::Duration::from_secs(3600);

/// The upload sessions in progress, by id.
#[derive(Debug, Default)]
pub struct Uploads {
    sessions: Mutex<HashMap<String, Session>>,
}

#[derive(Debug)]
struct Session {
    /// The file's path in the store.
    item: String,
    /// What arrived so far.
    received: Vec<u8>,
    expires: String,
}

impl Uploads {
    /// Forgets every session (a reset).
    pub fn clear(&self) {
        self.sessions().clear();
    }

    fn sessions(&self) -> MutexGuard<'_, HashMap<String, Session>> {
        // A panic while holding the lock leaves whole sessions.
        self.sessions
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// What a `PUT` or `DELETE` to an upload URL comes to: its status and its body.
pub type Answer = (u16, Value);

impl Generic {
    /// Opens an upload session for the file at `item`: the `uploadSession` to answer, its
    /// `uploadUrl` on `origin`.
    pub fn open_upload(&self, item: &str, origin: &str) -> Value {
        let id = uuid::Uuid::new_v4().simple().to_string();
        let expires =
            humantime::format_rfc3339_seconds(std::time::SystemTime::now() + SESSION_LIFETIME)
                .to_string();
        self.uploads.sessions().insert(
            id.clone(),
            Session {
                item: item.to_string(),
                received: Vec::new(),
                expires: expires.clone(),
            },
        );
        json!({
            "uploadUrl": format!("{origin}/_mock/upload/{id}"),
            "expirationDateTime": expires,
            "nextExpectedRanges": ["0-"],
        })
    }

    /// One range of the file sent to upload session `id`, `range` its `Content-Range`.
    pub fn upload_range(&self, id: &str, range: Option<&str>, bytes: &[u8]) -> Answer {
        let mut sessions = self.uploads.sessions();
        let Some(session) = sessions.get_mut(id) else {
            return refusal(
                404,
                "itemNotFound",
                "The upload session does not exist or has expired.",
            );
        };
        let Some((start, end, total)) = range.and_then(content_range) else {
            return refusal(
                400,
                "invalidRequest",
                "Content-Range must be `bytes START-END/TOTAL`.",
            );
        };
        let fits = start == session.received.len() as u64
            && end >= start
            && end < total
            && end - start + 1 == bytes.len() as u64;
        if !fits {
            let expected = session.received.len();
            return refusal(
                416,
                "invalidRange",
                &format!(
                    "The range does not follow what arrived ({expected} bytes) or goes past the file's size."
                ),
            );
        }
        session.received.extend_from_slice(bytes);
        if (session.received.len() as u64) < total {
            let next = session.received.len();
            return (
                202,
                json!({"expirationDateTime": session.expires, "nextExpectedRanges": [format!("{next}-")]}),
            );
        }
        let Some(session) = sessions.remove(id) else {
            return refusal(404, "itemNotFound", "The upload session does not exist.");
        };
        drop(sessions);
        (201, self.uploaded_file(&session.item, session.received))
    }

    /// Cancels upload session `id`.
    pub fn cancel_upload(&self, id: &str) -> Answer {
        match self.uploads.sessions().remove(id) {
            Some(_) => (204, Value::Null),
            None => refusal(404, "itemNotFound", "The upload session does not exist."),
        }
    }

    /// Stores what an upload made as the content of the file at `item`; the file as it now is.
    fn uploaded_file(&self, item: &str, content: Vec<u8>) -> Value {
        let size = content.len();
        let mut store = self.store();
        store.set_media(
            &format!("{item}/content"),
            "application/octet-stream".into(),
            content,
        );
        let Some(file) = store.get_mut(item) else {
            return json!({"size": size});
        };
        let name = item
            .rsplit(['/', ':'])
            .find(|s| !s.is_empty())
            .map(str::to_string);
        file.edit(|body| {
            body.remove("folder");
            body.insert(
                "file".into(),
                json!({"mimeType": "application/octet-stream"}),
            );
            body.insert("size".into(), json!(size));
            if let Some(name) = name {
                properties::set_if_unset(body, "name", || json!(name));
            }
            Value::Object(body.clone())
        })
    }
}

/// `bytes START-END/TOTAL`.
fn content_range(range: &str) -> Option<(u64, u64, u64)> {
    let (span, total) = range.trim().strip_prefix("bytes ")?.split_once('/')?;
    let (start, end) = span.split_once('-')?;
    Some((
        start.trim().parse().ok()?,
        end.trim().parse().ok()?,
        total.trim().parse().ok()?,
    ))
}

fn refusal(status: u16, code: &str, message: &str) -> Answer {
    (status, json!({"error": {"code": code, "message": message}}))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_ranges_are_read_or_not() {
        assert_eq!(content_range("bytes 0-99/250"), Some((0, 99, 250)));
        assert_eq!(content_range("bytes 100-249/250"), Some((100, 249, 250)));
        assert_eq!(content_range("0-99/250"), None);
        assert_eq!(content_range("bytes x-99/250"), None);
        assert_eq!(content_range("bytes 0-99"), None);
    }
}
