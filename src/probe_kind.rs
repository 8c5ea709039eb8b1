//! The probes conform derives from documented cases, by name, and which of them a run asks
//! for (`--probes`). A leaf: the case format, the settings and the run all name probes.

/// The checks conform derives from a documented case: parts of the contract no example shows.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub enum ProbeKind {
    /// The request without `Authorization`: 401 `InvalidAuthenticationToken`.
    Auth,
    /// A body that is not JSON: 400.
    MalformedJson,
    /// One property sent with a value of another JSON type: 400.
    WrongType,
    /// A method the route does not support: 405.
    WrongMethod,
    /// The created resource's URL with an id that does not exist: 404.
    NotFound,
    /// What the case created, read back: 200, the same resource.
    ReadBack,
    /// What the case created, read after its teardown deleted it: 404.
    GoneAfterDelete,
}

impl ProbeKind {
    pub const ALL: [ProbeKind; 7] = [
        Self::Auth,
        Self::MalformedJson,
        Self::WrongType,
        Self::WrongMethod,
        Self::NotFound,
        Self::ReadBack,
        Self::GoneAfterDelete,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Auth => "auth",
            Self::MalformedJson => "malformed-json",
            Self::WrongType => "wrong-type",
            Self::WrongMethod => "wrong-method",
            Self::NotFound => "not-found",
            Self::ReadBack => "read-back",
            Self::GoneAfterDelete => "gone-after-delete",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == text)
    }

    /// The names, for messages.
    pub fn names() -> String {
        Self::ALL.map(Self::as_str).join(", ")
    }
}

/// Which probes a run derives: `none`, `all`, or a list of names.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum ProbeSelection {
    #[default]
    None,
    All,
    Only(Vec<ProbeKind>),
}

impl ProbeSelection {
    pub fn includes(&self, kind: ProbeKind) -> bool {
        match self {
            Self::None => false,
            Self::All => true,
            Self::Only(kinds) => kinds.contains(&kind),
        }
    }
}

impl std::str::FromStr for ProbeSelection {
    type Err = String;

    /// `all`, `none`, or names separated by commas (`auth,not-found`).
    fn from_str(text: &str) -> Result<Self, String> {
        match text.trim() {
            "all" => return Ok(Self::All),
            "none" | "" => return Ok(Self::None),
            _ => {}
        }
        let mut kinds = Vec::new();
        for name in text.split(',').map(str::trim) {
            let kind = ProbeKind::parse(name).ok_or_else(|| {
                format!(
                    "unknown probe `{name}`: give all, none, or a list of {}",
                    ProbeKind::names()
                )
            })?;
            if !kinds.contains(&kind) {
                kinds.push(kind);
            }
        }
        Ok(Self::Only(kinds))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_all_none_and_lists() {
        assert_eq!("all".parse(), Ok(ProbeSelection::All));
        assert_eq!("none".parse(), Ok(ProbeSelection::None));
        let only: ProbeSelection = "auth, read-back,auth".parse().unwrap();
        assert_eq!(
            only,
            ProbeSelection::Only(vec![ProbeKind::Auth, ProbeKind::ReadBack])
        );
        assert!(only.includes(ProbeKind::ReadBack));
        assert!(!only.includes(ProbeKind::NotFound));
        let error = "auth,readback".parse::<ProbeSelection>().unwrap_err();
        assert!(error.contains("unknown probe `readback`"), "{error}");
    }
}
