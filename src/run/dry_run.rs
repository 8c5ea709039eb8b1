//! `--dry-run`: every request a case would send, as a curl command, sent nowhere.

use std::collections::HashMap;
use std::fmt::Write as _;

use crate::config::settings::{Destination, Settings};
use crate::error::Result;
use crate::exec::auth::Auth;
use crate::suite::binding::Binding;
use crate::suite::model::{Case, CaseValues, Request, Values};
use crate::suite::plan::{Selection, Suite};
use crate::suite::probes::{Probe, ProbeAction};

/// Quotes `text` for a POSIX shell.
fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "'\\''"))
}

fn curl(
    out: &mut String,
    request: &Request,
    base_url: &str,
    vars: &impl Values,
    auth: Option<&str>,
) {
    let _ = write!(
        out,
        "curl -X {} {}",
        request.method,
        quote(&format!("{base_url}{}", &request.path.render_known(vars)))
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
            quote(&format!("{name}: {}", value.render_known(vars)))
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
    let shell = Shell::new(case, base_url, vars, auth);
    let mut out = format!("# {} ({})\n", case.name, case.file().display());
    if case.acts_on_existing {
        let given: Vec<&str> = case
            .binding
            .iter()
            .filter(|(_, how)| *how == Binding::Given)
            .map(|(name, _)| name.as_str())
            .collect();
        let _ = writeln!(
            out,
            "# acts on an entity this run did not create: {{{}}} (given)",
            given.join("}, {")
        );
    }
    shell.setup(&mut out);
    let _ = writeln!(out, "# request (expects {})", case.expect.status);
    shell.curl(&mut out, &case.request, auth);
    shell.teardown(&mut out);
    out
}

/// The curl commands of a probe of a case: the case's setup, what the probe sends, the case's
/// teardown.
pub fn probe_commands(
    case: &Case,
    probe: &Probe,
    base_url: &str,
    vars: &HashMap<String, String>,
    auth: Option<&str>,
) -> String {
    let shell = Shell::new(case, base_url, vars, auth);
    let name = crate::suite::plan::name_in_suite(case, Some(probe.kind));
    let mut out = format!("# {name} ({})\n", case.file().display());
    shell.setup(&mut out);
    let expects = probe.expect.status;
    match &probe.action {
        ProbeAction::Send {
            request,
            authenticated,
        } => {
            let how = if *authenticated {
                ""
            } else {
                ", without a token"
            };
            let _ = writeln!(out, "# probe request (expects {expects}{how})");
            shell.curl(&mut out, request, auth.filter(|_| *authenticated));
            shell.teardown(&mut out);
        }
        ProbeAction::AfterCreate {
            read,
            after_teardown,
        } => {
            let _ = writeln!(out, "# the case's request (expects {})", case.expect.status);
            shell.curl(&mut out, &case.request, auth);
            if *after_teardown {
                shell.teardown(&mut out);
            }
            let _ = writeln!(
                out,
                "# probe read (expects {expects}, read again until then)"
            );
            shell.curl(&mut out, read, auth);
            if !*after_teardown {
                shell.teardown(&mut out);
            }
        }
    }
    out
}

/// What a case's commands share: where they go, the known variables, the token's variable.
struct Shell<'a> {
    case: &'a Case,
    base_url: &'a str,
    /// What the case captures is known only when it runs: shown as `{name}`.
    vars: CaseValues<'a>,
    auth: Option<&'a str>,
}

impl<'a> Shell<'a> {
    fn new(
        case: &'a Case,
        base_url: &'a str,
        vars: &'a HashMap<String, String>,
        auth: Option<&'a str>,
    ) -> Self {
        Self {
            case,
            base_url,
            vars: CaseValues::of(vars, case),
            auth,
        }
    }

    fn curl(&self, out: &mut String, request: &Request, auth: Option<&str>) {
        curl(out, request, self.base_url, &self.vars, auth);
    }

    fn setup(&self, out: &mut String) {
        for (index, step) in self.case.setup.iter().enumerate() {
            let _ = writeln!(out, "# setup {}", index + 1);
            self.curl(out, &step.request, self.auth);
        }
    }

    fn teardown(&self, out: &mut String) {
        for (index, step) in self.case.teardown.iter().enumerate() {
            let _ = writeln!(out, "# teardown {}", index + 1);
            self.curl(out, &step.request, self.auth);
        }
    }
}

/// Prints the requests of every case (and probe) the run would send, secrets left out.
pub fn print(suite: &Suite, settings: &Settings) -> Result<()> {
    let vars = &settings.vars;
    let base_url = match &settings.destination {
        Destination::Embedded => "http://127.0.0.1:PORT",
        Destination::Remote { base_url, .. } => base_url.as_str(),
    };
    let base_url = base_url.trim_end_matches('/');
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
    for index in 0..suite.files.len() {
        let selections = &suite.selections[suite.files[index].cases.clone()];
        if !selections.contains(&Selection::Run) {
            continue;
        }
        let cases = suite.cases_of(index)?;
        for (position, case, probe) in suite.trials_of(index, cases) {
            if suite.selections[position] != Selection::Run {
                continue;
            }
            let text = match &probe {
                None => curl_commands(&case, base_url, vars, auth),
                Some(probe) => probe_commands(&case, probe, base_url, vars, auth),
            };
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
