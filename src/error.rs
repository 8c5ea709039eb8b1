//! Errors that stop conform before it can run: bad case or schema files, bad flags, an
//! unreachable target. Each renders rustc-style, with the file position and a caret when the
//! mistake is in a file.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// A user mistake that prevents a run (exit code 2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    message: String,
    location: Option<Location>,
    help: Option<String>,
}

/// A position in a source file, with the offending line kept for display.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub file: PathBuf,
    /// 1-based.
    pub line: usize,
    /// 1-based, in characters.
    pub column: usize,
    line_text: String,
    /// How many characters of `line_text` the caret underlines.
    width: usize,
}

impl Error {
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            location: None,
            help: None,
        }
    }

    /// An error at `span` (byte offsets) of `text`, the contents of `file`.
    pub fn at(message: impl Into<String>, file: &Path, text: &str, span: Range<usize>) -> Self {
        Self {
            message: message.into(),
            location: Some(Location::new(file, text, span)),
            help: None,
        }
    }

    /// An error at a 1-based line and column of `text`, the contents of `file`.
    pub fn at_line_column(
        message: impl Into<String>,
        file: &Path,
        text: &str,
        line: usize,
        column: usize,
    ) -> Self {
        let start = offset_of(text, line, column);
        Self::at(message, file, text, start..start + 1)
    }

    /// A TOML parse error of `file`, at its position, suggesting the closest known key for an
    /// unknown one.
    pub fn from_toml(error: &toml::de::Error, file: &Path, text: &str) -> Self {
        let message = error.message().trim_end().to_string();
        let suggestion = suggest_key(&message);
        let error = match error.span() {
            Some(span) => Self::at(message, file, text, span),
            None => Self::in_file(message, file),
        };
        match suggestion {
            Some(key) => error.with_help(format!("did you mean `{key}`?")),
            None => error,
        }
    }

    /// An error about a whole file, without a position inside it.
    pub fn in_file(message: impl Into<String>, file: &Path) -> Self {
        Self::new(format!("{}: {}", file.display(), message.into()))
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn message(&self) -> &str {
        &self.message
    }

    pub fn location(&self) -> Option<&Location> {
        self.location.as_ref()
    }
}

impl Location {
    /// The position of `span` (byte offsets) in `text`, the contents of `file`.
    pub fn new(file: &Path, text: &str, span: Range<usize>) -> Self {
        let start = floor_char_boundary(text, span.start.min(text.len()));
        let end = floor_char_boundary(text, span.end.clamp(start, text.len()));
        let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
        let line = text[..start].matches('\n').count() + 1;
        let column = text[line_start..start].chars().count() + 1;
        let line_text = text[line_start..line_end]
            .trim_end_matches('\r')
            .to_string();
        let width = text[start..end.min(line_end)].chars().count().max(1);
        Self {
            file: file.to_path_buf(),
            line,
            column,
            line_text,
            width,
        }
    }
}

fn floor_char_boundary(text: &str, mut index: usize) -> usize {
    while !text.is_char_boundary(index) {
        index -= 1;
    }
    index
}

/// Byte offset of a 1-based line and column (in characters), clamped to the text.
fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let line_start = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum::<usize>();
    let rest = &text[line_start.min(text.len())..];
    let line_len = rest.find('\n').unwrap_or(rest.len());
    let within = rest[..line_len]
        .char_indices()
        .nth(column.saturating_sub(1))
        .map_or(line_len, |(i, _)| i);
    line_start + within
}

impl Location {
    /// The line of the position with a caret under the offending text, rustc-style.
    pub fn snippet(&self) -> String {
        let gutter = self.line.to_string().len();
        let pad = " ".repeat(gutter);
        let indent: String = self
            .line_text
            .chars()
            .take(self.column - 1)
            .map(|c| if c == '\t' { '\t' } else { ' ' })
            .collect();
        format!(
            "{pad}--> {}:{}:{}\n{pad} |\n{} | {}\n{pad} | {indent}{}",
            self.file.display(),
            self.line,
            self.column,
            self.line,
            self.line_text,
            "^".repeat(self.width)
        )
    }

    /// The text the caret points at.
    pub fn text(&self) -> String {
        self.line_text
            .chars()
            .skip(self.column - 1)
            .take(self.width)
            .collect()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "error: {}", self.message)?;
        if let Some(location) = &self.location {
            write!(f, "\n{}", location.snippet())?;
        }
        if let Some(help) = &self.help {
            write!(f, "\n  = help: {help}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// For "unknown field `x`, expected one of `a`, `b`": the expected key closest to `x`.
fn suggest_key(message: &str) -> Option<String> {
    let rest = message.strip_prefix("unknown field `")?;
    let (unknown, rest) = rest.split_once('`')?;
    let expected = rest.split_once("expected")?.1;
    expected
        .split('`')
        .skip(1)
        .step_by(2)
        .map(|candidate| (edit_distance(unknown, candidate), candidate))
        .filter(|(distance, candidate)| *distance <= 2.max(candidate.len() / 3))
        .min()
        .map(|(_, candidate)| candidate.to_string())
}

/// Levenshtein distance, by characters: how near a misspelt name is to the one meant.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitute = previous + usize::from(ca != *cb);
            previous = row[j + 1];
            row[j + 1] = substitute.min(previous + 1).min(row[j] + 1);
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_file_line_column_and_caret() {
        let text = "[[case]]\nname = \"x\"\nschema = \"nope\"\n";
        let start = text.find("\"nope\"").unwrap();
        let err = Error::at(
            "unknown schema `nope`",
            Path::new("cases/a.toml"),
            text,
            start..start + 6,
        );
        assert_eq!(
            err.to_string(),
            "error: unknown schema `nope`\n --> cases/a.toml:3:10\n  |\n3 | schema = \"nope\"\n  |          ^^^^^^"
        );
    }

    #[test]
    fn line_and_column_map_back_to_the_same_position() {
        let text = "ab\ncdé\nfg";
        let err = Error::at_line_column("m", Path::new("f"), text, 2, 3);
        let loc = err.location().unwrap();
        assert_eq!((loc.line, loc.column), (2, 3));
        assert_eq!(loc.line_text, "cdé");
    }

    #[test]
    fn suggests_the_closest_known_key() {
        assert_eq!(
            suggest_key("unknown field `staus`, expected one of `status`, `schema`, `required`"),
            Some("status".to_string())
        );
        assert_eq!(
            suggest_key("unknown field `zzzzzz`, expected `status` or `schema`"),
            None
        );
        assert_eq!(suggest_key("invalid type: string"), None);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }

    #[test]
    fn spans_past_the_end_do_not_panic() {
        let err = Error::at("m", Path::new("f"), "abc", 10..20);
        assert_eq!(err.location().unwrap().line, 1);
    }
}
