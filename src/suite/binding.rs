//! Where a placeholder's value comes from, as the binding plan (`suite::bind`) decides it:
//! kept typed in the planned case, read by the binder, the dry run and the records.

use serde::{Deserialize, Serialize};

/// Where a placeholder's value comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Binding {
    Given,
    /// Captured by one of the case's own setup steps.
    Captured,
    /// Created by the suite's case `by` (and, before it, the chain its own placeholders need).
    Created {
        by: String,
    },
    /// Created in its own collection with the body of the suite's case `from`, a create of the
    /// same entity type elsewhere (`POST /groups/{}/events` serves `/me/events`): the suite
    /// documents no create of this collection, and the metadata does not refuse one.
    Adopted {
        from: String,
        /// `from` is a read: the entity it shows is the body of the create.
        read: bool,
    },
    /// The first item of a list of the collection (`$top=1`).
    Discovered {
        collection: String,
    },
    /// Made in the collection for the case by conform's own server (`POST /_mock/seed/…`).
    Seeded {
        collection: String,
    },
    /// Written into the case's path on conform's own server, where nothing gives a value and
    /// no entity can be made for it: the documented example's own value, else a made-up one.
    Filled {
        value: String,
        documented: bool,
    },
    Unbound {
        reason: String,
    },
}

impl Binding {
    /// How the value comes: `given`, `captured`, `created by CASE`, `discovered in /c`.
    pub fn describe(&self) -> String {
        match self {
            Self::Given => "given".to_string(),
            Self::Captured => "captured".to_string(),
            Self::Created { by } => format!("created by {by}"),
            Self::Adopted { from, read: false } => {
                format!("created from the create documented in {from}")
            }
            Self::Adopted { from, read: true } => {
                format!("created with the entity the read documented in {from} shows")
            }
            Self::Discovered { collection } => format!("discovered in {collection}"),
            Self::Seeded { collection } => format!("seeded in {collection}"),
            Self::Filled {
                value,
                documented: true,
            } => format!("the documented example's `{value}`"),
            Self::Filled { value, .. } => format!("made up: `{value}`"),
            Self::Unbound { .. } => "unbound".to_string(),
        }
    }
}
