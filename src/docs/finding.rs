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
