//! OData query options on collections: `$filter`, `$orderby`, `$count`, `$skip`, `$top`,
//! server-driven paging with `$skiptoken`, `$select` and `$expand`, read from the query string
//! and applied to a list of entities. `$search` is read here and judged by `search`, which
//! needs to know the collection.

use serde_json::{Map, Value};

use crate::mock::generic::filter::{self, Expr};

/// Items in one page when the request names no `$top` (which sets the page size).
pub const PAGE_SIZE: usize = 100;
/// The largest `$top` taken.
pub const MAX_TOP: usize = 999;

/// What a request's query asks of a collection.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Query {
    pub filter: Option<Expr>,
    /// (property path, descending).
    pub order_by: Vec<(Vec<String>, bool)>,
    pub count: bool,
    pub skip: usize,
    pub top: Option<usize>,
    pub select: Vec<String>,
    pub expand: Vec<String>,
    /// Where the page starts, from a `@odata.nextLink`.
    pub skip_token: usize,
    /// The most items a page may hold (`Prefer: odata.maxpagesize=N`).
    pub max_page: Option<usize>,
    /// `$search`'s value, as written.
    pub search: Option<String>,
}

/// A query option that cannot be read: Graph's 400 message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryError(pub String);

/// Reads the system query options of `query` (the URL's query, undecoded); other parameters
/// (a function's, `api-version`) are left to their readers.
pub fn parse(query: Option<&str>) -> Result<Query, QueryError> {
    let mut parsed = Query::default();
    let pairs = url::form_urlencoded::parse(query.unwrap_or_default().as_bytes());
    for (name, value) in pairs {
        let option = name.trim().to_ascii_lowercase();
        let option = option
            .strip_prefix('$')
            .map(str::to_string)
            .unwrap_or(option);
        match option.as_str() {
            "filter" => {
                let expr = filter::parse(&value).map_err(|e| {
                    QueryError(format!(
                        "Invalid filter clause: {} at position {}.",
                        e.message, e.at
                    ))
                })?;
                parsed.filter = Some(expr);
            }
            "orderby" => parsed.order_by = order_by(&value)?,
            "count" => parsed.count = boolean("$count", &value)?,
            "skip" => parsed.skip = number("$skip", &value)?,
            "top" => parsed.top = Some(number("$top", &value)?.min(MAX_TOP)),
            "skiptoken" => parsed.skip_token = number("$skiptoken", &value)?,
            "select" => parsed.select = names(&value),
            "expand" => parsed.expand = expansions(&value),
            "search" => parsed.search = Some(value.to_string()),
            // JSON is what every answer is; another format is not served, and says so.
            "format" if matches!(value.trim(), "json" | "application/json") => {}
            "deltatoken" => {}
            "format" | "levels" => {
                return Err(QueryError(format!(
                    "Query option '{name}={value}' is not supported by the reference server."
                )));
            }
            _ if name.starts_with('$') => {
                return Err(QueryError(format!("Query option '{name}' is not allowed.")));
            }
            _ => {}
        }
    }
    Ok(parsed)
}

fn names(value: &str) -> Vec<String> {
    value
        .split(',')
        .map(|n| n.trim().split('(').next().unwrap_or("").to_string())
        .filter(|n| !n.is_empty())
        .collect()
}

/// `$expand`'s items, each with its nested options (`members($select=id,displayName)`): split
/// at the commas outside parentheses.
fn expansions(value: &str) -> Vec<String> {
    let mut items = Vec::new();
    let (mut depth, mut current) = (0usize, String::new());
    for c in value.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                items.push(std::mem::take(&mut current));
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    items.push(current);
    items
        .into_iter()
        .map(|item| item.trim().to_string())
        .filter(|item| !item.is_empty())
        .collect()
}

fn number(option: &str, value: &str) -> Result<usize, QueryError> {
    value.trim().parse().map_err(|_| {
        QueryError(format!(
            "Invalid value '{value}' for query option '{option}': expected a non-negative integer."
        ))
    })
}

fn boolean(option: &str, value: &str) -> Result<bool, QueryError> {
    match value.trim().to_ascii_lowercase().as_str() {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(QueryError(format!(
            "Invalid value '{value}' for query option '{option}': expected true or false."
        ))),
    }
}

fn order_by(value: &str) -> Result<Vec<(Vec<String>, bool)>, QueryError> {
    value
        .split(',')
        .map(|clause| {
            let mut words = clause.split_whitespace();
            let property = words
                .next()
                .ok_or_else(|| QueryError(format!("Invalid $orderby clause '{value}'.")))?;
            let descending = match words.next().map(str::to_ascii_lowercase).as_deref() {
                None | Some("asc") => false,
                Some("desc") => true,
                Some(other) => {
                    return Err(QueryError(format!(
                        "Invalid $orderby direction '{other}': expected asc or desc."
                    )));
                }
            };
            Ok((
                property.split('/').map(str::to_string).collect(),
                descending,
            ))
        })
        .collect()
}

/// One page of a collection.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    pub items: Vec<Map<String, Value>>,
    /// `@odata.count`, when asked for: the matching items before paging.
    pub count: Option<usize>,
    /// Where the next page starts, when there is one.
    pub next: Option<usize>,
}

/// Filters, orders, counts and pages `items`; what each item shows (`$select`) is the
/// answer's to decide (`properties::shown`).
pub fn apply(query: &Query, items: Vec<Map<String, Value>>) -> Page {
    let mut items: Vec<Map<String, Value>> = match &query.filter {
        Some(expr) => items
            .into_iter()
            .filter(|i| filter::matches(expr, i))
            .collect(),
        None => items,
    };
    if !query.order_by.is_empty() {
        items.sort_by(|a, b| {
            for (path, descending) in &query.order_by {
                let (x, y) = (
                    filter::property(a, path).unwrap_or(&Value::Null),
                    filter::property(b, path).unwrap_or(&Value::Null),
                );
                let ordering = filter::total_order(x, y);
                let ordering = if *descending {
                    ordering.reverse()
                } else {
                    ordering
                };
                if ordering.is_ne() {
                    return ordering;
                }
            }
            std::cmp::Ordering::Equal
        });
    }
    let count = query.count.then_some(items.len());
    // As Graph's directory and mail do, `$top` sets the page size; the next link goes on.
    let start = query.skip.saturating_add(query.skip_token);
    let page_size = query
        .top
        .unwrap_or(PAGE_SIZE)
        .min(query.max_page.unwrap_or(usize::MAX));
    let remaining = items.len().saturating_sub(start);
    let taken = page_size.min(remaining);
    // `$top=0` asks for nothing: no page follows an empty one.
    let more = taken > 0 && remaining > taken;
    let items = items.into_iter().skip(start).take(taken).collect();
    Page {
        items,
        count,
        next: more.then_some(query.skip_token.saturating_add(taken)),
    }
}

/// The page size a request prefers (`Prefer: odata.maxpagesize=N`, N from 1 to `MAX_TOP`).
pub fn max_page_size<'h>(prefer: impl Iterator<Item = &'h str>) -> Option<usize> {
    prefer
        .flat_map(|value| value.split(','))
        .filter_map(|preference| preference.trim().split_once('='))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("odata.maxpagesize"))
        .and_then(|(_, size)| size.trim().trim_matches('"').parse::<usize>().ok())
        .filter(|size| (1..=MAX_TOP).contains(size))
}

/// The query of a next page: the request's own, its `$skiptoken` replaced by `next`.
pub fn next_query(query: Option<&str>, next: usize) -> String {
    let mut out = url::form_urlencoded::Serializer::new(String::new());
    for (name, value) in url::form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
        if !name.eq_ignore_ascii_case("$skiptoken") {
            out.append_pair(&name, &value);
        }
    }
    out.append_pair("$skiptoken", &next.to_string());
    out.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn users(n: usize) -> Vec<Map<String, Value>> {
        (0..n)
            .map(|i| {
                json!({"id": format!("u{i}"), "displayName": format!("user {:03}", n - i), "n": i})
                    .as_object()
                    .unwrap()
                    .clone()
            })
            .collect()
    }

    fn page(query: &str, n: usize) -> Page {
        apply(&parse(Some(query)).unwrap(), users(n))
    }

    #[test]
    fn pages_a_large_collection_and_says_where_the_next_page_starts() {
        let first = page("", 250);
        assert_eq!((first.items.len(), first.next), (100, Some(100)));
        let second = page("$skiptoken=100", 250);
        assert_eq!((second.items.len(), second.next), (100, Some(200)));
        let last = page("$skiptoken=200", 250);
        assert_eq!((last.items.len(), last.next), (50, None));
        let top = page("$top=5&$count=true", 250);
        assert_eq!(
            (top.items.len(), top.next, top.count),
            (5, Some(5), Some(250))
        );
        let big_top = page("$top=150", 250);
        assert_eq!((big_top.items.len(), big_top.next), (150, Some(150)));
        let rest = page("$top=150&$skiptoken=150", 250);
        assert_eq!((rest.items.len(), rest.next), (100, None));
        let skipped = page("$skip=248", 250);
        assert_eq!(skipped.items[0]["id"], "u248");
    }

    #[test]
    fn expansions_keep_their_nested_options() {
        let query = parse(Some(
            "$expand=members($select=id,displayName;$top=2),owners",
        ))
        .unwrap();
        assert_eq!(
            query.expand,
            ["members($select=id,displayName;$top=2)", "owners"]
        );
    }

    #[test]
    fn a_preferred_page_size_pages_the_list() {
        let prefer = ["return=minimal, odata.maxpagesize=2"];
        let size = max_page_size(prefer.iter().copied());
        assert_eq!(size, Some(2));
        assert_eq!(max_page_size(["odata.maxpagesize=0"].into_iter()), None);
        let query = Query {
            max_page: size,
            ..Query::default()
        };
        let items = (0..5)
            .map(|n| json!({"n": n}).as_object().unwrap().clone())
            .collect();
        let page = apply(&query, items);
        assert_eq!((page.items.len(), page.next), (2, Some(2)));
    }

    #[test]
    fn filters_and_orders() {
        let found = page(
            "$filter=n ge 3 and n lt 6&$orderby=displayName asc&$select=n",
            10,
        );
        let ids: Vec<&str> = found
            .items
            .iter()
            .map(|i| i["id"].as_str().unwrap())
            .collect();
        assert_eq!(ids, ["u5", "u4", "u3"]);
        assert_eq!(found.items[0]["n"], 5);
        let descending = page("$orderby=n desc&$top=1", 10);
        assert_eq!(descending.items[0]["id"], "u9");
        let none = page("$top=0", 10);
        assert_eq!((none.items.len(), none.next), (0, None));
        let far = page("$skip=18446744073709551615&$skiptoken=1", 10);
        assert_eq!((far.items.len(), far.next), (0, None));
    }

    #[test]
    fn refuses_what_it_cannot_read() {
        for (query, message) in [
            ("$filter=n eq", "Invalid filter clause"),
            ("$top=-1", "Invalid value '-1' for query option '$top'"),
            ("$count=maybe", "expected true or false"),
            ("$orderby=n sideways", "Invalid $orderby direction"),
            ("$bogus=1", "Query option '$bogus' is not allowed"),
        ] {
            let error = parse(Some(query)).unwrap_err();
            assert!(error.0.contains(message), "{query}: {}", error.0);
        }
        assert_eq!(
            parse(Some("startDateTime=2020-01-01")).unwrap(),
            Query::default()
        );
        assert_eq!(
            next_query(Some("$top=150&$skiptoken=1&$filter=a%20eq%201"), 100),
            "%24top=150&%24filter=a+eq+1&%24skiptoken=100"
        );
    }
}
