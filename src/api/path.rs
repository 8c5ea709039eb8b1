//! Splitting a path template into its segments as OData writes them: `/` separates segments
//! except inside quotes, parentheses and braces; `name(args)` carries a key, an alternate key or
//! a function's parameters; `root:/folder/file.txt:` addresses a drive item by its path.

use std::ops::Range;

/// One segment of a path, as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawSegment<'a> {
    /// The name before any parentheses: `users`, `getByPath`, `{user-id}`.
    pub name: &'a str,
    /// What stands between the parentheses, without them: `'id'`, `appId='x'`, `period='D7'`.
    pub args: Option<&'a str>,
    /// A drive path after the segment (`root:/a/b.txt:`): the text between the colons.
    pub drive_path: Option<&'a str>,
    /// Where the segment stands in the path, drive path included.
    pub span: Range<usize>,
}

/// Why a path cannot be split.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathError {
    pub message: String,
    /// Byte offset in the path.
    pub at: usize,
}

/// The path of a URL or path template: scheme and host dropped, query and fragment cut (outside
/// quotes and braces).
pub fn path_part(url: &str) -> &str {
    let path = match url.find("://") {
        Some(scheme_end) => {
            let after = &url[scheme_end + 3..];
            after.find('/').map_or("/", |i| &after[i..])
        }
        None => url,
    };
    let mut depth = Depth::default();
    for (i, c) in path.char_indices() {
        if matches!(c, '?' | '#') && depth.is_top() {
            return &path[..i];
        }
        depth.step(c);
    }
    path
}

/// Nesting of quotes, parentheses and braces while scanning.
#[derive(Default)]
struct Depth {
    quoted: bool,
    parens: usize,
    braces: usize,
}

impl Depth {
    fn is_top(&self) -> bool {
        !self.quoted && self.parens == 0 && self.braces == 0
    }

    /// Takes `c` into account; false when it closes what is not open.
    fn step(&mut self, c: char) -> bool {
        if self.quoted {
            self.quoted = c != '\'';
            return true;
        }
        match c {
            '\'' => self.quoted = true,
            '(' => self.parens += 1,
            ')' if self.parens == 0 => return false,
            ')' => self.parens -= 1,
            '{' => self.braces += 1,
            '}' if self.braces == 0 => return false,
            '}' => self.braces -= 1,
            _ => {}
        }
        true
    }
}

/// The segments of `path` (a path without scheme, host or query), empty ones dropped.
pub fn split(path: &str) -> Result<Vec<RawSegment<'_>>, PathError> {
    let mut segments = Vec::new();
    let mut depth = Depth::default();
    let mut start = 0;
    let mut drive_open: Option<usize> = None;
    for (i, c) in path.char_indices() {
        // A drive path is a file's path: quotes and parentheses in it are its name's.
        if drive_open.is_none() {
            if !depth.step(c) {
                return Err(PathError {
                    message: format!("`{c}` closes nothing"),
                    at: i,
                });
            }
            if !depth.is_top() {
                continue;
            }
        }
        match c {
            ':' if drive_open.is_none() && path[i + 1..].starts_with('/') => drive_open = Some(i),
            ':' if drive_open.is_some() => {
                segments.push(segment(path, start, i + 1, drive_open.take())?);
                start = i + 1;
            }
            '/' if drive_open.is_none() => {
                if i > start {
                    segments.push(segment(path, start, i, None)?);
                }
                start = i + 1;
            }
            _ => {}
        }
    }
    if !depth.is_top() {
        let what = if depth.quoted {
            "a quote"
        } else if depth.parens > 0 {
            "a parenthesis"
        } else {
            "a brace"
        };
        return Err(PathError {
            message: format!("{what} is not closed"),
            at: path.len(),
        });
    }
    // An unclosed drive path runs to the end: `root:/folder/file.txt`.
    if start < path.len() {
        segments.push(segment(path, start, path.len(), drive_open)?);
    }
    Ok(segments)
}

/// The segment `path[start..end]`; `drive` is where its drive path's opening colon stands.
fn segment(
    path: &str,
    start: usize,
    end: usize,
    drive: Option<usize>,
) -> Result<RawSegment<'_>, PathError> {
    let (head_end, drive_path) = match drive {
        Some(colon) => {
            let inner_end = if path[..end].ends_with(':') && end - 1 > colon {
                end - 1
            } else {
                end
            };
            (colon, Some(&path[colon + 1..inner_end]))
        }
        None => (end, None),
    };
    let head = &path[start..head_end];
    let (name, args) = match head.find('(').filter(|_| !head.starts_with('{')) {
        Some(open) => {
            if !head.ends_with(')') {
                return Err(PathError {
                    message: format!("text after the parentheses of `{head}`"),
                    at: start + open,
                });
            }
            (&head[..open], Some(&head[open + 1..head.len() - 1]))
        }
        None => (head, None),
    };
    Ok(RawSegment {
        name,
        args,
        drive_path,
        span: start..end,
    })
}

/// `name='value', other=3` → pairs; a lone value (`'id'`, `42`) has an empty name. Quotes are
/// taken off string values.
pub fn arguments(args: &str) -> Vec<(String, String)> {
    let mut pairs = Vec::new();
    let mut depth = Depth::default();
    let mut start = 0;
    let mut parts = Vec::new();
    for (i, c) in args.char_indices() {
        depth.step(c);
        if c == ',' && depth.is_top() {
            parts.push(&args[start..i]);
            start = i + 1;
        }
    }
    parts.push(&args[start..]);
    for part in parts.into_iter().map(str::trim).filter(|p| !p.is_empty()) {
        let (name, value) = match part.split_once('=') {
            Some((name, value)) if !name.contains('\'') => (name.trim(), value.trim()),
            _ => ("", part),
        };
        let value = value
            .strip_prefix('\'')
            .and_then(|v| v.strip_suffix('\''))
            .unwrap_or(value);
        pairs.push((name.to_string(), value.to_string()));
    }
    pairs
}

/// `%20` and friends decoded; invalid sequences kept as written.
pub fn percent_decoded(path: &str) -> String {
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (
            bytes[i],
            bytes.get(i + 1).and_then(|b| hex(*b)),
            bytes.get(i + 2).and_then(|b| hex(*b)),
        ) {
            (b'%', Some(high), Some(low)) => {
                out.push((high * 16 + low) as u8);
                i += 3;
            }
            (byte, _, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(path: &str) -> Vec<(&str, Option<&str>, Option<&str>)> {
        split(path)
            .unwrap()
            .into_iter()
            .map(|s| (s.name, s.args, s.drive_path))
            .collect()
    }

    #[test]
    fn splits_keys_functions_and_drive_paths() {
        assert_eq!(
            names("/v1.0/applications(appId='{appId}')/addPassword"),
            vec![
                ("v1.0", None, None),
                ("applications", Some("appId='{appId}'"), None),
                ("addPassword", None, None)
            ]
        );
        assert_eq!(
            names("/beta/reports/getX(period='D/7')"),
            vec![
                ("beta", None, None),
                ("reports", None, None),
                ("getX", Some("period='D/7'"), None)
            ]
        );
        assert_eq!(
            names("/me/drive/root:/folder/file.txt:/content"),
            vec![
                ("me", None, None),
                ("drive", None, None),
                ("root", None, Some("/folder/file.txt")),
                ("content", None, None)
            ]
        );
        assert_eq!(
            names("/me/drive/root:/a.txt"),
            vec![
                ("me", None, None),
                ("drive", None, None),
                ("root", None, Some("/a.txt"))
            ]
        );
        assert_eq!(names("/x/{a/b}/y").len(), 3);
        assert_eq!(
            names("/me/drive/root:/Bob's (old) notes.txt:")[2],
            ("root", None, Some("/Bob's (old) notes.txt"))
        );
    }

    #[test]
    fn refuses_unbalanced_text() {
        assert!(split("/users('x)").is_err());
        assert!(split("/users(x").is_err());
        assert!(split("/users)x").is_err());
        assert!(split("/users/{id").is_err());
    }

    #[test]
    fn cuts_query_and_host() {
        assert_eq!(
            path_part("https://graph.microsoft.com/v1.0/users?$filter=a eq 'b?'"),
            "/v1.0/users"
        );
        assert_eq!(path_part("/x('a?b')/y?z"), "/x('a?b')/y");
    }

    #[test]
    fn reads_arguments() {
        assert_eq!(
            arguments("appId='a,b', n=3"),
            vec![
                ("appId".to_string(), "a,b".to_string()),
                ("n".to_string(), "3".to_string())
            ]
        );
        assert_eq!(arguments("'id'"), vec![(String::new(), "id".to_string())]);
    }
}
