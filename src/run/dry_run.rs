//! `--dry-run`: every request a case would send, as a curl command, sent nowhere.

use std::collections::HashMap;
use std::fmt::Write as _;

use crate::config::settings::{Destination, Settings};
use crate::error::Result;
use crate::exec::auth::Auth;
use crate::suite::model::{Case, Request, Template};
use crate::suite::plan::{Selection, Suite};

/// Fills the placeholders that have values; the others stay as `{name}` (captured at run time).
fn fill(template: &Template, vars: &HashMap<String, String>) -> String {
    let mut out = template.raw.clone();
    for name in template.variables() {
        if let Some(value) = vars.get(name) {
            out = out.replace(&format!("{{{name}}}"), value);
        }
    }
    out
}

/// Quotes `text` for a POSIX shell.
fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "'\\''"))
}

fn curl(
    out: &mut String,
    request: &Request,
    base_url: &str,
    vars: &HashMap<String, String>,
    auth: Option<&str>,
) {
    let _ = write!(
        out,
        "curl -X {} {}",
        request.method,
        quote(&format!("{base_url}{}", fill(&request.path, vars)))
    );
    out.push_str(" \\\n  -H 'Accept: application/json'");
    if let Some(variable) = auth {
        // Double quotes: the shell expands the variable, so the token itself is never printed.
        let _ = write!(out, " \\\n  -H \"Authorization: Bearer {variable}\"");
    }
    for (name, value) in &request.headers {
        let _ = write!(
            out,
            " \\\n  -H {}",
            quote(&format!("{name}: {}", fill(value, vars)))
        );
    }
    if let Some(json) = &request.json {
        let _ = write!(
            out,
            " \\\n  -H 'Content-Type: application/json' \\\n  --data-raw {}",
            quote(json)
        );
    }
    out.push('\n');
}

/// The curl commands of a case: setup, request, teardown, in order.
pub fn curl_commands(
    case: &Case,
    base_url: &str,
    vars: &HashMap<String, String>,
    auth: Option<&str>,
) -> String {
    // What the case captures is known only when it runs: show it as `{name}`.
    let mut vars = vars.clone();
    for request in case.setup.iter().map(|s| &s.request).chain([&case.request]) {
        for capture in &request.capture {
            vars.remove(&capture.variable);
        }
    }
    let vars = &vars;
    let mut out = format!("# {} ({})\n", case.name, case.file().display());
    for (index, step) in case.setup.iter().enumerate() {
        let _ = writeln!(out, "# setup {}", index + 1);
        curl(&mut out, &step.request, base_url, vars, auth);
    }
    let _ = writeln!(out, "# request (expects {})", case.expect.status);
    curl(&mut out, &case.request, base_url, vars, auth);
    for (index, step) in case.teardown.iter().enumerate() {
        let _ = writeln!(out, "# teardown {}", index + 1);
        curl(&mut out, &step.request, base_url, vars, auth);
    }
    out
}

/// Prints the requests of every case the run would send, secrets left out.
pub fn print(suite: &Suite, settings: &Settings, vars: &HashMap<String, String>) -> Result<()> {
    let base_url = match &settings.destination {
        Destination::Embedded => "http://127.0.0.1:PORT",
        Destination::Remote { base_url, .. } => base_url.as_str(),
    };
    let auth = match &settings.destination {
        Destination::Remote {
            auth: Auth::None, ..
        } => None,
        Destination::Remote {
            auth: Auth::ClientCredentials(_),
            ..
        } => Some("$ACCESS_TOKEN"),
        _ => Some("$CONFORM_TOKEN"),
    };
    for (index, file) in suite.files.iter().enumerate() {
        let planned = &suite.planned[file.cases.clone()];
        if !planned.iter().any(|p| p.selection == Selection::Run) {
            continue;
        }
        let cases = suite.cases_of(index)?;
        for (case, _) in cases
            .iter()
            .zip(planned)
            .filter(|(_, p)| p.selection == Selection::Run)
        {
            let text = curl_commands(case, base_url.trim_end_matches('/'), vars, auth);
            println!("{}", settings.redactor.redact(&text));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn prints_copy_pasteable_commands_without_the_token() {
        let case = &crate::suite::format::parse_file(
            Path::new("cases/d.toml"),
            r#"
[[case]]
name = "d"
[[case.setup]]
method = "POST"
path = "/v1.0/groups/{group-id}/conversations"
json = "{\"topic\": \"it's\"}"
capture = { conversation-id = "/id" }
[case.request]
method = "POST"
path = "/v1.0/groups/{group-id}/conversations/{conversation-id}/threads"
headers = { Prefer = "x-{group-id}" }
[case.expect]
status = 201
"#
            .to_string(),
        )
        .unwrap()[0];
        let vars: HashMap<String, String> = [
            ("group-id".to_string(), "g1".to_string()),
            ("conversation-id".to_string(), "from-a-flag".to_string()),
        ]
        .into();
        let text = curl_commands(case, "https://graph.example", &vars, Some("$CONFORM_TOKEN"));
        assert!(
            text.contains("curl -X POST 'https://graph.example/v1.0/groups/g1/conversations'"),
            "{text}"
        );
        assert!(
            text.contains("--data-raw '{\"topic\":\"it'\\''s\"}'"),
            "{text}"
        );
        assert!(
            text.contains("/conversations/{conversation-id}/threads'"),
            "{text}"
        );
        assert!(
            text.contains("-H \"Authorization: Bearer $CONFORM_TOKEN\""),
            "{text}"
        );
        assert!(text.contains("-H 'Prefer: x-g1'"), "{text}");
        assert!(text.contains("# request (expects 201)"));
    }
}
