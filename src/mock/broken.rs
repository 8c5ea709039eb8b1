//! Rules of Graph's contract the reference server can be told to break, one at a time, so that
//! conform's probes are shown to notice each (`conform mock --break RULE`).

use std::str::FromStr;

/// One rule broken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BrokenRule {
    /// Requests without a token are served.
    NoAuthCheck,
    /// Errors come as plain text instead of the JSON error envelope.
    PlainTextErrors,
    /// A body that is not JSON is read as an empty object.
    AcceptsMalformedJson,
    /// A property of the wrong type is dropped instead of refused.
    AcceptsWrongTypes,
    /// A method the route does not support answers 404 instead of 405.
    NotFoundForWrongMethod,
    /// What is created is answered but not kept: reading or deleting it finds nothing.
    ForgetsCreated,
    /// DELETE answers 204 and removes nothing.
    IgnoresDeletes,
}

impl BrokenRule {
    const NAMES: [(&'static str, BrokenRule); 7] = [
        ("no-auth-check", Self::NoAuthCheck),
        ("plain-text-errors", Self::PlainTextErrors),
        ("accepts-malformed-json", Self::AcceptsMalformedJson),
        ("accepts-wrong-types", Self::AcceptsWrongTypes),
        ("404-for-wrong-method", Self::NotFoundForWrongMethod),
        ("forgets-created", Self::ForgetsCreated),
        ("ignores-deletes", Self::IgnoresDeletes),
    ];
}

impl FromStr for BrokenRule {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        Self::NAMES
            .iter()
            .find(|(name, _)| *name == text)
            .map(|(_, rule)| *rule)
            .ok_or_else(|| {
                let names: Vec<&str> = Self::NAMES.iter().map(|(name, _)| *name).collect();
                format!("unknown rule `{text}`: {}", names.join(", "))
            })
    }
}
