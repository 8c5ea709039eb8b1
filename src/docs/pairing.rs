//! Which blocks of a page go together: a request with its response (by their annotations'
//! names), and the statuses the prose states for them — what importing and linting both read.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::docs::page::{self, Block, BlockKind, Page, ProseStatus, StatusRole};

/// The names an annotation gives its block: `"name": "x"` or `"name": ["x", "y"]`.
pub fn annotation_names(block: &Block) -> Vec<&str> {
    match block.annotation.as_ref().and_then(|a| a.fields.get("name")) {
        Some(Value::String(name)) => vec![name.as_str()],
        Some(Value::Array(names)) => names.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

/// (request, response) index pairs: a response answers every request it names, else the
/// nearest request before it that no response answers yet.
pub fn pairs(page: &Page) -> Vec<(usize, usize)> {
    let mut pairs = Vec::new();
    let mut taken = BTreeSet::new();
    for (index, block) in page.blocks.iter().enumerate() {
        if block.kind != BlockKind::Response {
            continue;
        }
        let names = annotation_names(block);
        let named: Vec<usize> = page
            .blocks
            .iter()
            .enumerate()
            .filter(|(_, b)| {
                b.kind == BlockKind::Request
                    && annotation_names(b).iter().any(|n| names.contains(n))
            })
            .map(|(i, _)| i)
            .filter(|i| !taken.contains(i))
            .collect();
        let answered = if named.is_empty() {
            page.blocks[..index]
                .iter()
                .rposition(|b| b.kind == BlockKind::Request)
                .filter(|r| !taken.contains(r))
                .into_iter()
                .collect()
        } else {
            named
        };
        for request in answered {
            taken.insert(request);
            pairs.push((request, index));
        }
    }
    pairs.sort_unstable();
    pairs
}

/// The statuses the prose states for pair `index` of `pairs`: those after the previous pair's
/// response and before this pair's response.
pub fn prose_statuses<'p>(
    page: &'p Page,
    pairs: &[(usize, usize)],
    index: usize,
) -> Vec<&'p page::ProseStatus> {
    let (_, response) = pairs[index];
    let upper = page.blocks[response].span.start;
    let lower = pairs
        .iter()
        .map(|(_, r)| page.blocks[*r].span.end)
        .filter(|end| *end <= upper)
        .max()
        .unwrap_or(0);
    page.prose_statuses
        .iter()
        .filter(|p| p.span.start >= lower && p.span.end <= upper)
        .collect()
}

/// The status a documented pair should show: the example's, unless the prose gives success
/// statuses and the example's is none of them (then the prose's first), or the example's
/// request carries the header the prose ties to another status (then that one). With the
/// prose status it follows when that is not the example's.
pub fn expected_status<'p>(
    prose: &[&'p ProseStatus],
    example: Option<u16>,
    request_headers: &[(String, String, usize)],
) -> Option<(u16, Option<&'p ProseStatus>)> {
    let succeeding: Vec<&ProseStatus> = prose
        .iter()
        .copied()
        .filter(|p| p.role != StatusRole::Failure)
        .collect();
    let tied = succeeding.iter().find(|p| match &p.role {
        StatusRole::Alternative(condition) => request_headers.iter().any(|(name, value, _)| {
            let (name, value) = (name.to_ascii_lowercase(), value.to_ascii_lowercase());
            (name.len() > 2 && condition.contains(&name))
                || (value.len() > 2 && condition.contains(&value))
        }),
        _ => false,
    });
    let primary = succeeding
        .iter()
        .find(|p| p.role == StatusRole::Success)
        .or(succeeding.first());
    match (example, tied) {
        (_, Some(tied)) => Some((tied.status, Some(*tied))),
        (Some(example), None)
            if succeeding.is_empty() || succeeding.iter().any(|p| p.status == example) =>
        {
            Some((example, None))
        }
        _ => primary
            .map(|p| (p.status, Some(*p)))
            .or(example.map(|e| (e, None))),
    }
}

/// The example status of a response block's status line.
pub fn example_status(answer: &page::HttpMessage) -> Option<u16> {
    answer
        .start_line
        .as_ref()
        .and_then(|(line, _)| line.split_whitespace().nth(1))
        .and_then(|s| s.parse::<u16>().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prose(status: u16, role: StatusRole) -> ProseStatus {
        ProseStatus {
            status,
            span: 0..1,
            role,
        }
    }

    #[test]
    fn the_expected_status_follows_what_the_prose_means() {
        let success = prose(200, StatusRole::Success);
        let minimal = prose(
            204,
            StatusRole::Alternative("if the prefer: return=minimal header is sent".into()),
        );
        let missing = prose(404, StatusRole::Failure);
        let statuses = [&success, &minimal, &missing];
        let prefer = vec![("Prefer".to_string(), "return=minimal".to_string(), 0)];
        let status = |example: Option<u16>, headers: &[(String, String, usize)]| {
            expected_status(&statuses, example, headers)
                .map(|(s, from)| (s, from.map(|p| p.status)))
        };
        assert_eq!(status(Some(200), &[]), Some((200, None)));
        assert_eq!(
            status(Some(204), &[]),
            Some((204, None)),
            "an alternative is not a conflict"
        );
        assert_eq!(
            status(Some(404), &[]),
            Some((200, Some(200))),
            "a failure status is not success"
        );
        assert_eq!(
            status(Some(200), &prefer),
            Some((204, Some(204))),
            "the header ties the alternative"
        );
        assert_eq!(status(None, &[]), Some((200, Some(200))));
        assert_eq!(
            expected_status(&[], Some(201), &[]).map(|(s, _)| s),
            Some(201)
        );
        assert_eq!(expected_status(&[], None, &[]), None);
    }
}
