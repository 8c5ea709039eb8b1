//! A finding of `conform lint`: one defect of a page or a case file, where it is, and how it
//! reads as a compiler's diagnostic. What the page rules (`lint`), the path rules
//! (`lint_paths`) and the case rules (`lint_cases`) all make.

use serde::Serialize;

use crate::error::Location;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Note,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Error => "error",
            Self::Warning => "warning",
            Self::Note => "note",
        }
    }
}

/// One defect.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub code: &'static str,
    pub severity: Severity,
    pub message: String,
    pub file: String,
    pub line: usize,
    pub column: usize,
    /// The offending text.
    pub text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
    #[serde(skip)]
    pub location: Location,
}

impl Finding {
    pub(crate) fn new(
        code: &'static str,
        severity: Severity,
        message: String,
        location: Location,
        hint: Option<String>,
    ) -> Self {
        Self {
            code,
            severity,
            message,
            file: location.file.display().to_string(),
            line: location.line,
            column: location.column,
            text: location.text(),
            hint,
            location,
        }
    }

    /// Rendered like a compiler diagnostic.
    pub fn render(&self) -> String {
        let mut out = format!(
            "{}[{}]: {}\n{}",
            self.severity.as_str(),
            self.code,
            self.message,
            self.location.snippet()
        );
        if let Some(hint) = &self.hint {
            out.push_str(&format!("\n  = hint: {hint}"));
        }
        out
    }
}

/// The codes, for the README and `--help`.
pub const CODES: &[(&str, &str)] = &[
    (
        "L001",
        "the prose and the example's status line state different statuses",
    ),
    (
        "L002",
        "a status line's reason phrase does not belong to its code (`204 Created`)",
    ),
    (
        "L003",
        "a documented example breaks the schema of its @odata.type",
    ),
    (
        "L004",
        "a placeholder value left in an example (`topic-value`, `String (timestamp)`)",
    ),
    (
        "L005",
        "@odata.type matches a schema only without regard to case",
    ),
    ("L006", "an http or json block without an annotation"),
    ("L007", "a documented request with no documented response"),
    (
        "L008",
        "a path under \"HTTP request\" names its parameters unlike the example URL",
    ),
    (
        "C001",
        "a case expects another status than its documented response shows",
    ),
    ("C002", "a case names a schema that does not exist"),
    ("C003", "a case uses a variable before any step captures it"),
    ("C004", "a case captures a variable that nothing uses"),
    (
        "L009",
        "a request path the API model cannot place (the segment, and the names the model has there)",
    ),
    (
        "L010",
        "a path segment spelled unlike the metadata (in case only)",
    ),
    (
        "L011",
        "a response annotated with a type the request's path does not return",
    ),
    ("L012", "a request path without an API version"),
    (
        "L013",
        "a request path whose API version Graph does not have (`v1`: v1.0 is meant)",
    ),
    (
        "L014",
        "a path under \"HTTP request\" that gives no case, and why",
    ),
    (
        "L015",
        "a placeholder offering alternatives (`{id | userPrincipalName}`): a case takes the first",
    ),
    (
        "L016",
        "an \"HTTP request\" section that lists no path, or none",
    ),
    ("C005", "a case path the API model cannot place"),
    (
        "C006",
        "a key placeholder named unlike the entity type it stands for",
    ),
    ("C007", "a case path without an API version"),
    (
        "C008",
        "a case path segment spelled unlike the metadata (in case only)",
    ),
    (
        "C009",
        "a case of one API version judged by the default version's schema, its own having none",
    ),
];
