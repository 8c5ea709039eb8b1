//! Values written into a case's path where nothing else binds a placeholder that names no
//! entity: the documented example's own (`period='D7'`), else — on conform's own server only —
//! a made-up one.

use crate::api::typing::{SegmentKind, TypedPath};
use crate::suite::binding::Binding;
use crate::suite::shape::{CaseShape, braced};

/// On conform's own server a placeholder of the path that nothing binds is filled (the
/// documented example's value, else a made-up one), so that the case is sent and its answer
/// judged; one of a header still needs its value.
pub fn fill_unbound(case: &CaseShape, placeholders: &mut [(String, Binding)]) {
    fill(
        case,
        placeholders,
        |name| !case.in_headers.iter().any(|h| h == name),
        true,
    );
}

/// Elsewhere a function's argument that nothing gives takes the documented example's value
/// (`getUsageReport(period='D7')`, `search(q='budget')`) when the case changes nothing: such a
/// value asks a question, it names no entity.
pub fn fill_function_arguments(
    case: &CaseShape,
    typed: &TypedPath,
    placeholders: &mut [(String, Binding)],
) {
    let arguments: Vec<String> = typed
        .segments
        .iter()
        .filter(|s| matches!(s.step, SegmentKind::Function { .. }))
        .flat_map(|s| braced(&s.text))
        .collect();
    fill(
        case,
        placeholders,
        |name| arguments.iter().any(|a| a == name),
        false,
    );
}

/// Each unbound placeholder that `fills` takes gets the documented example's value, else — when
/// `made_up` — `conform-NAME`.
fn fill(
    case: &CaseShape,
    placeholders: &mut [(String, Binding)],
    fills: impl Fn(&str) -> bool,
    made_up: bool,
) {
    let documented = case
        .example
        .as_deref()
        .map(|example| example_values(&case.path, example))
        .unwrap_or_default();
    for (name, binding) in placeholders.iter_mut() {
        if !matches!(binding, Binding::Unbound { .. }) || !fills(name) {
            continue;
        }
        match documented.iter().find(|(n, _)| n == name) {
            Some((_, value)) => {
                *binding = Binding::Filled {
                    value: value.clone(),
                    documented: true,
                }
            }
            None if made_up => {
                *binding = Binding::Filled {
                    value: format!("conform-{name}"),
                    documented: false,
                }
            }
            None => {}
        }
    }
}

/// The values the documented request line (`GET /me/drive/root:/a.txt:/content`) gives the
/// placeholders of `template` (`/v1.0/me/drive/root:/{item-path}:/content`), where its text
/// matches the template's around them; none that is a placeholder itself (`{id}`, `<id>`).
pub fn example_values(template: &str, example: &str) -> Vec<(String, String)> {
    let line = example.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let url = line.split_whitespace().nth(1).unwrap_or("");
    let path = url.split('?').next().unwrap_or(url);
    let path = path
        .find("://")
        .and_then(|at| {
            path[at + 3..]
                .find('/')
                .map(|slash| &path[at + 3 + slash..])
        })
        .unwrap_or(path);
    let template = template.split('?').next().unwrap_or(template);
    // The template carries a version the example may not show.
    let template = match template.trim_start_matches('/').split_once('/') {
        Some((first, rest))
            if crate::api::typing::is_version_or_any(first)
                && !path.starts_with(&format!("/{first}/")) =>
        {
            format!("/{rest}")
        }
        _ => template.to_string(),
    };
    let mut values = Vec::new();
    let (mut text, mut rest) = (path, template.as_str());
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}').map(|c| c + open) else {
            break;
        };
        let Some(after) = text.strip_prefix(&rest[..open]) else {
            break;
        };
        let literal_after = rest[close + 1..].split('{').next().unwrap_or("");
        let end = match literal_after.chars().next() {
            None => after.len(),
            Some(_) => match after.find(literal_after) {
                Some(end) => end,
                None => break,
            },
        };
        let value = &after[..end];
        if !value.is_empty() && !value.contains(['{', '}', '<', '>']) {
            values.push((rest[open + 1..close].to_string(), value.to_string()));
        }
        text = &after[end..];
        rest = &rest[close + 1..];
    }
    values
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_request_line_gives_the_values_of_the_template() {
        let cases = [
            (
                "/v1.0/me/drive/root:/{item-path}:/content",
                "GET /me/drive/root:/Reports/q3.xlsx:/content\n",
                vec![("item-path", "Reports/q3.xlsx")],
            ),
            (
                "/v1.0/reports/getUsageReport(period='{period}')",
                "GET https://graph.microsoft.com/v1.0/reports/getUsageReport(period='D7')?$top=1",
                vec![("period", "D7")],
            ),
            (
                "/v1.0/users/{user-id}/search(q='{q}')",
                "GET /users/{id}/search(q='{search-query}')",
                vec![],
            ),
        ];
        for (template, example, expected) in cases {
            let expected: Vec<(String, String)> = expected
                .into_iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect();
            assert_eq!(example_values(template, example), expected, "{template}");
        }
    }
}
