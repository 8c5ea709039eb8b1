//! Where each value of a JSON text is: JSON pointer → byte range. serde_json keeps no
//! positions; diagnostics about documented examples need them.

use std::collections::HashMap;
use std::ops::Range;

use crate::suite::model::escape_pointer_token;

/// Byte ranges of every value in `text` by JSON pointer (`""` is the whole document). Text that
/// is not JSON gives what was found before the problem.
pub fn value_spans(text: &str) -> HashMap<String, Range<usize>> {
    let mut scanner = Scanner {
        bytes: text.as_bytes(),
        at: 0,
        spans: HashMap::new(),
    };
    scanner.value(&mut String::new(), 0);
    scanner.spans
}

struct Scanner<'a> {
    bytes: &'a [u8],
    at: usize,
    spans: HashMap<String, Range<usize>>,
}

/// Deeper than this, the scanner stops: no stack overflow on hostile input.
const MAX_DEPTH: usize = 256;

impl Scanner<'_> {
    fn skip_space(&mut self) {
        while self.at < self.bytes.len() && self.bytes[self.at].is_ascii_whitespace() {
            self.at += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn value(&mut self, pointer: &mut String, depth: usize) -> Option<()> {
        if depth > MAX_DEPTH {
            return None;
        }
        self.skip_space();
        let start = self.at;
        match self.peek()? {
            b'{' => self.object(pointer, depth)?,
            b'[' => self.array(pointer, depth)?,
            b'"' => {
                self.string()?;
            }
            _ => {
                while self.at < self.bytes.len()
                    && !matches!(self.bytes[self.at], b',' | b'}' | b']')
                    && !self.bytes[self.at].is_ascii_whitespace()
                {
                    self.at += 1;
                }
                // A closer where a value belongs ("[}") consumes nothing: stop, or the
                // array loop would spin on it forever.
                if self.at == start {
                    return None;
                }
            }
        }
        self.spans.insert(pointer.clone(), start..self.at);
        Some(())
    }

    /// Skips a string and returns its raw contents (escapes left as written).
    fn string(&mut self) -> Option<String> {
        self.at += 1;
        let start = self.at;
        while self.at < self.bytes.len() {
            match self.bytes[self.at] {
                b'\\' => self.at += 2,
                b'"' => {
                    let raw = String::from_utf8_lossy(&self.bytes[start..self.at]).into_owned();
                    self.at += 1;
                    return Some(raw);
                }
                _ => self.at += 1,
            }
        }
        None
    }

    fn object(&mut self, pointer: &mut String, depth: usize) -> Option<()> {
        self.at += 1;
        loop {
            self.skip_space();
            match self.peek()? {
                b'}' => {
                    self.at += 1;
                    return Some(());
                }
                b',' => self.at += 1,
                b'"' => {
                    let key = self.string()?;
                    self.skip_space();
                    if self.peek()? != b':' {
                        return None;
                    }
                    self.at += 1;
                    let len = pointer.len();
                    pointer.push('/');
                    pointer.push_str(&escape_pointer_token(&key));
                    self.value(pointer, depth + 1)?;
                    pointer.truncate(len);
                }
                _ => return None,
            }
        }
    }

    fn array(&mut self, pointer: &mut String, depth: usize) -> Option<()> {
        self.at += 1;
        let mut index = 0;
        loop {
            self.skip_space();
            match self.peek()? {
                b']' => {
                    self.at += 1;
                    return Some(());
                }
                b',' => self.at += 1,
                _ => {
                    let len = pointer.len();
                    pointer.push('/');
                    pointer.push_str(&index.to_string());
                    self.value(pointer, depth + 1)?;
                    pointer.truncate(len);
                    index += 1;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_values_by_pointer() {
        let text = r#"{ "a": [1, {"b~c": "x\"y"}], "n": null }"#;
        let spans = value_spans(text);
        assert_eq!(&text[spans["/a/0"].clone()], "1");
        assert_eq!(&text[spans["/a/1/b~0c"].clone()], r#""x\"y""#);
        assert_eq!(&text[spans["/n"].clone()], "null");
        assert_eq!(spans[""], 0..text.len());
    }

    #[test]
    fn survives_broken_and_hostile_input() {
        assert!(!value_spans("{\"a\": ").contains_key("/a"));
        let deep = "[".repeat(100_000);
        let _ = value_spans(&deep);
        let _ = value_spans("\"unterminated");
    }

    #[test]
    fn a_misplaced_closer_ends_the_scan() {
        for text in ["[}", "[1, }", "{\"a\": [}]}", "[[}]"] {
            let spans = value_spans(text);
            assert!(spans.len() <= 2, "{text}: {spans:?}");
        }
    }
}
