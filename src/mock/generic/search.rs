//! `$search`, as Graph's workloads read it. On directory objects it needs the request header
//! `ConsistencyLevel: eventual` and takes `"property:value"` terms joined by `AND` and `OR`,
//! each matching a word of the property that starts with the value; elsewhere (messages,
//! events, people, contacts) it is free text, found in any text of the item. Case is ignored.

use serde_json::{Map, Value};

/// A search, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Search {
    /// Groups joined by `OR`, of terms joined by `AND`: `(property, value)`.
    Directory(Vec<Vec<(String, String)>>),
    /// Words that must each be found somewhere in the item.
    FreeText(Vec<String>),
}

/// Graph's message when a directory search comes without `ConsistencyLevel: eventual`.
pub const NEEDS_EVENTUAL: &str = "Request with $search query parameter only works through MSGraph with a special request header: 'ConsistencyLevel: eventual'";

/// Reads `$search`'s value for a collection of directory objects (`directory`) or another.
pub fn parse(value: &str, directory: bool) -> Result<Search, String> {
    let value = value.trim();
    if value.is_empty() {
        return Err("The $search query option is empty.".to_string());
    }
    if !directory {
        let words = value
            .split_whitespace()
            .map(|w| w.trim_matches('"').to_lowercase())
            .filter(|w| !w.is_empty() && w != "and" && w != "or")
            .collect();
        return Ok(Search::FreeText(words));
    }
    let groups = value
        .split(" OR ")
        .map(|group| {
            group
                .split(" AND ")
                .map(term)
                .collect::<Result<Vec<_>, _>>()
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Search::Directory(groups))
}

/// `"displayName:wa"`.
fn term(text: &str) -> Result<(String, String), String> {
    let inner = text
        .trim()
        .strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .ok_or_else(|| format!("Syntax error: the search term {text} must be in double quotes."))?;
    let (property, value) = inner.split_once(':').ok_or_else(|| {
        format!(
            "Syntax error: the search term \"{inner}\" must name a property: \"property:value\"."
        )
    })?;
    Ok((property.trim().to_string(), value.trim().to_lowercase()))
}

/// Whether `item` is found by `search`.
pub fn matches(search: &Search, item: &Map<String, Value>) -> bool {
    match search {
        Search::Directory(groups) => groups.iter().any(|terms| {
            terms.iter().all(|(property, value)| {
                let found = item
                    .iter()
                    .find(|(name, _)| name.eq_ignore_ascii_case(property))
                    .and_then(|(_, v)| v.as_str());
                // The value's words, each the start of a word of the property, in any order.
                found.is_some_and(|text| {
                    let text = text.to_lowercase();
                    let words: Vec<&str> = text.split(|c: char| !c.is_alphanumeric()).collect();
                    value
                        .split(|c: char| !c.is_alphanumeric())
                        .filter(|v| !v.is_empty())
                        .all(|v| words.iter().any(|word| word.starts_with(v)))
                })
            })
        }),
        Search::FreeText(words) => {
            let mut text = String::new();
            gather(&Value::Object(item.clone()), &mut text);
            words.iter().all(|word| text.contains(word.as_str()))
        }
    }
}

/// Every string of `value`, lower-cased, into `text`.
fn gather(value: &Value, text: &mut String) {
    match value {
        Value::String(s) => {
            text.push_str(&s.to_lowercase());
            text.push(' ');
        }
        Value::Array(items) => items.iter().for_each(|v| gather(v, text)),
        Value::Object(members) => members.values().for_each(|v| gather(v, text)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn item(value: Value) -> Map<String, Value> {
        value.as_object().unwrap().clone()
    }

    #[test]
    fn directory_terms_match_words_by_their_start() {
        let adele = item(json!({"displayName": "Adele Vance", "mail": "adelev@contoso.com"}));
        let search = |text: &str| parse(text, true).unwrap();
        assert!(matches(&search("\"displayName:van\""), &adele));
        assert!(matches(
            &search("\"displayName:ad\" AND \"mail:adelev\""),
            &adele
        ));
        assert!(!matches(
            &search("\"displayName:ad\" AND \"mail:megan\""),
            &adele
        ));
        assert!(matches(
            &search("\"displayName:megan\" OR \"displayName:adele\""),
            &adele
        ));
        assert!(
            !matches(&search("\"displayName:ance\""), &adele),
            "a word's start, not its middle"
        );
        assert!(
            matches(&search("\"displayName:vance ad\""), &adele),
            "each word of the value, in any order"
        );
        assert!(!matches(&search("\"displayName:vance megan\""), &adele));
        assert!(
            parse("\"vance\"", true)
                .unwrap_err()
                .contains("must name a property")
        );
        assert!(
            parse("displayName:vance", true)
                .unwrap_err()
                .contains("double quotes")
        );
    }

    #[test]
    fn free_text_is_found_anywhere_in_the_item() {
        let message = item(
            json!({"subject": "Quarterly plans", "body": {"content": "The budget is attached"}}),
        );
        assert!(matches(&parse("\"budget\"", false).unwrap(), &message));
        assert!(matches(&parse("plans budget", false).unwrap(), &message));
        assert!(!matches(&parse("\"holiday\"", false).unwrap(), &message));
    }
}
