//! The fixtures file (`--fixtures FILE`, or a target's `fixtures`): the values of placeholders
//! that name what exists before the run, one per line, by the names placeholders have — the
//! entity type's name and `-id` (`group-id = "…"`), so that one value serves every case whose
//! path keys that type.

use std::fs;
use std::path::Path;

use toml::Spanned;

use crate::error::{Error, Result};

/// The values of a fixtures file, by name.
pub fn load(path: &Path) -> Result<Vec<(String, String)>> {
    let text = fs::read_to_string(path).map_err(|e| {
        Error::new(format!(
            "cannot read the fixtures file {}: {e}",
            path.display()
        ))
    })?;
    parse(path, &text)
}

/// The values of a fixtures file's text.
pub fn parse(path: &Path, text: &str) -> Result<Vec<(String, String)>> {
    // With spans, so that a value that is not a string is named where it stands.
    let spanned: std::collections::BTreeMap<String, Spanned<toml::Value>> =
        toml::from_str(text).map_err(|e| Error::from_toml(&e, path, text))?;
    let mut values = Vec::with_capacity(spanned.len());
    for (name, value) in &spanned {
        match value.get_ref() {
            toml::Value::String(text_value) if !text_value.trim().is_empty() => {
                values.push((name.clone(), text_value.clone()));
            }
            _ => {
                return Err(Error::at(
                    format!(
                        "fixture `{name}` must be a non-empty string: the value of its placeholder"
                    ),
                    path,
                    text,
                    value.span(),
                )
                .with_help(format!("{name} = \"…\"")));
            }
        }
    }
    Ok(values)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_values_and_names_what_is_not_one() {
        let file = Path::new("fixtures.toml");
        let values = parse(
            file,
            "# the test tenant\nuser-id = \"u1\"\ngroup-id = \"g1\"\n",
        )
        .unwrap();
        assert_eq!(
            values,
            [
                ("group-id".into(), "g1".into()),
                ("user-id".into(), "u1".into())
            ]
        );
        let wrong = parse(file, "group-id = \"g1\"\nteam-id = 42\n").unwrap_err();
        let shown = wrong.to_string();
        assert!(
            shown.contains("fixture `team-id` must be a non-empty string"),
            "{shown}"
        );
        assert!(shown.contains("fixtures.toml:2:11"), "{shown}");
        assert!(parse(file, "group-id = \"\"").is_err());
        assert!(parse(file, "[nested]\nx = \"y\"").is_err());
        assert!(parse(file, "group-id = ").is_err());
    }
}
