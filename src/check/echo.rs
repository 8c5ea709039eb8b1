//! What the server must echo: the expected values compared with the answer's (objects by the
//! expected keys, arrays element by element, numbers by value), and their diff.

use serde_json::Value;
use similar::TextDiff;

use crate::check::{Failure, FailureKind};
use crate::suite::model::escape_pointer_token;

/// Compares the values the server must echo: objects by the expected keys, arrays element by
/// element with equal lengths, numbers by value (`1` equals `1.0`).
pub fn check_echo(expected: &Value, actual: &Value) -> Vec<Failure> {
    let mut failures = Vec::new();
    compare(expected, actual, &mut String::new(), &mut failures);
    failures
}

fn compare(expected: &Value, actual: &Value, pointer: &mut String, out: &mut Vec<Failure>) {
    match (expected, actual) {
        (Value::Object(want), Value::Object(got)) => {
            for (key, want_value) in want {
                let len = pointer.len();
                pointer.push('/');
                pointer.push_str(&escape_pointer_token(key));
                match got.get(key) {
                    Some(got_value) => compare(want_value, got_value, pointer, out),
                    None => out.push(Failure::at(
                        FailureKind::Body,
                        pointer,
                        format!(
                            "expected {}, but the property is missing",
                            compact(want_value)
                        ),
                    )),
                }
                pointer.truncate(len);
            }
        }
        (Value::Array(want), Value::Array(got)) if want.len() == got.len() => {
            for (index, (w, g)) in want.iter().zip(got).enumerate() {
                let len = pointer.len();
                pointer.push('/');
                pointer.push_str(&index.to_string());
                compare(w, g, pointer, out);
                pointer.truncate(len);
            }
        }
        (Value::Number(w), Value::Number(g)) if w.as_f64() == g.as_f64() => {}
        _ if expected == actual => {}
        _ => out.push(Failure::at(
            FailureKind::Body,
            pointer,
            format!("expected {}, got {}", compact(expected), compact(actual)),
        )),
    }
}

fn compact(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() > 120 {
        let cut: String = text.chars().take(117).collect();
        format!("{cut}...")
    } else {
        text
    }
}

/// The actual body cut down to the expected shape, so the diff shows only what was asked for.
fn project(expected: &Value, actual: &Value) -> Value {
    match (expected, actual) {
        (Value::Object(want), Value::Object(got)) => Value::Object(
            want.iter()
                .filter_map(|(key, w)| got.get(key).map(|g| (key.clone(), project(w, g))))
                .collect(),
        ),
        (Value::Array(want), Value::Array(got)) if want.len() == got.len() => {
            Value::Array(want.iter().zip(got).map(|(w, g)| project(w, g)).collect())
        }
        _ => actual.clone(),
    }
}

/// Unified diff of expected values against the same part of the actual body.
pub fn echo_diff(expected: &Value, actual: &Value) -> String {
    let pretty = |v: &Value| serde_json::to_string_pretty(v).unwrap_or_default() + "\n";
    let want = pretty(expected);
    let got = pretty(&project(expected, actual));
    TextDiff::from_lines(&want, &got)
        .unified_diff()
        .header("expected", "actual")
        .to_string()
}
