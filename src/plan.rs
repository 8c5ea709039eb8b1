//! From loaded cases to the trials of one run: names, selection by the libtest-mimic filter
//! flags, and the checks that need the whole picture (schema names, placeholder values).

use std::collections::HashSet;
use std::sync::Arc;

use libtest_mimic::{Arguments, Trial};

use crate::case::{Case, Request, Template};
use crate::error::Result;
use crate::report::Shard;
use crate::schema::Schemas;

/// A case of the run and whether the filter flags select it.
pub struct Planned {
    pub case: Arc<Case>,
    /// `file-stem::case-name`, what libtest-mimic shows and filters on.
    pub trial_name: String,
    pub selected: bool,
    pub ignored: bool,
    /// Left out by the filter flags (not by `--shard`): libtest-mimic counts it as filtered out.
    pub filtered_out: bool,
}

pub fn trial_name(case: &Case) -> String {
    let stem = case
        .file()
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    format!("{stem}::{}", case.name)
}

/// Keeps the selected cases of shard `index` of `total`: the selected cases sorted by trial
/// name, dealt round-robin. Deterministic, balanced to within one case, each case in exactly
/// one shard.
pub fn shard(planned: &mut [Planned], shard: Shard) {
    let mut order: Vec<usize> = (0..planned.len())
        .filter(|&i| planned[i].selected)
        .collect();
    order.sort_by(|&a, &b| planned[a].trial_name.cmp(&planned[b].trial_name));
    for (position, index) in order.into_iter().enumerate() {
        if position % shard.total != shard.index - 1 {
            planned[index].selected = false;
        }
    }
}

/// Parses `K/N` (1 ≤ K ≤ N).
pub fn parse_shard(text: &str) -> std::result::Result<Shard, String> {
    let parsed = text.split_once('/').and_then(|(k, n)| {
        Some((
            k.trim().parse::<usize>().ok()?,
            n.trim().parse::<usize>().ok()?,
        ))
    });
    match parsed {
        Some((index, total)) if index >= 1 && index <= total => Ok(Shard { index, total }),
        _ => Err(format!("`{text}` is not K/N with 1 <= K <= N (e.g. 2/3)")),
    }
}

/// A fingerprint of the suite (its case names), so that only reports of one suite merge.
pub fn suite_fingerprint<'a>(names: impl IntoIterator<Item = &'a str>) -> String {
    let mut names: Vec<&str> = names.into_iter().collect();
    names.sort_unstable();
    // FNV-1a: stable across platforms and releases, unlike std's hasher.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in names.join("\n").bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{hash:016x}")
}

/// Every case's schema must exist.
pub fn check_schemas(cases: &[Case], schemas: &Schemas) -> Result<()> {
    for case in cases {
        if let Some(schema) = &case.expect.schema
            && !schemas.contains(&schema.name)
        {
            let available: Vec<&str> = schemas.names().collect();
            let hint = match schemas
                .names()
                .find(|name| name.eq_ignore_ascii_case(&schema.name))
            {
                Some(close) => format!("did you mean `{close}`? (schema names are case-sensitive)"),
                None => format!("schemas loaded: {}", available.join(", ")),
            };
            return Err(schema
                .origin
                .error(format!("unknown schema `{}`", schema.name))
                .with_help(hint));
        }
    }
    Ok(())
}

/// Every placeholder of a selected case must have a value when its request is sent: from the
/// target's variables or captured by an earlier step.
pub fn check_variables(case: &Case, vars: &HashSet<String>) -> Result<()> {
    let mut known: HashSet<&str> = vars.iter().map(String::as_str).collect();
    let check = |request: &Request, known: &HashSet<&str>| -> Result<()> {
        let templates =
            std::iter::once(&request.path).chain(request.headers.iter().map(|(_, v)| v));
        for template in templates {
            undefined(template, known)?;
        }
        Ok(())
    };
    for step in &case.setup {
        check(&step.request, &known)?;
        known.extend(step.request.capture.iter().map(|c| c.variable.as_str()));
    }
    check(&case.request, &known)?;
    // Teardown may use what the case's request captures: if the server did not send it, the
    // teardown is skipped at run time (there is nothing to delete).
    known.extend(case.request.capture.iter().map(|c| c.variable.as_str()));
    for step in &case.teardown {
        check(&step.request, &known)?;
        known.extend(step.request.capture.iter().map(|c| c.variable.as_str()));
    }
    Ok(())
}

fn undefined(template: &Template, known: &HashSet<&str>) -> Result<()> {
    match template.variables().find(|name| !known.contains(name)) {
        Some(name) => Err(template
            .origin
            .error(format!("placeholder {{{name}}} has no value"))
            .with_help(format!(
                "pass --var {name}=VALUE, or capture it in an earlier setup step"
            ))),
        None => Ok(()),
    }
}

/// Names every case and marks which ones the filter flags select; checks the selected ones.
pub fn plan(cases: Vec<Case>, args: &Arguments, vars: &HashSet<String>) -> Result<Vec<Planned>> {
    let mut planned = Vec::with_capacity(cases.len());
    for case in cases {
        let trial_name = trial_name(&case);
        let probe =
            Trial::test(trial_name.clone(), || Ok(())).with_ignored_flag(case.ignore.is_some());
        let ignored = args.is_ignored(&probe);
        let filtered_out = args.is_filtered_out(&probe);
        let selected = !filtered_out && !ignored;
        if selected {
            check_variables(&case, vars)?;
        }
        planned.push(Planned {
            case: Arc::new(case),
            trial_name,
            selected,
            ignored,
            filtered_out,
        });
    }
    Ok(planned)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    const CASE: &str = r#"
[[case]]
name = "a"
[[case.setup]]
method = "POST"
path = "/v1.0/groups/{group-id}/conversations"
capture = { conversation-id = "/id" }
[case.request]
method = "POST"
path = "/v1.0/groups/{group-id}/conversations/{conversation-id}/threads"
capture = { thread-id = "/id" }
[case.expect]
status = 201
schema = "conversationthread"
[[case.teardown]]
method = "DELETE"
path = "/v1.0/groups/{group-id}/threads/{thread-id}"
"#;

    fn cases() -> Vec<Case> {
        crate::case::parse_file(Path::new("cases/p.toml"), CASE.to_string()).unwrap()
    }

    #[test]
    fn captures_count_as_values_and_missing_vars_are_located() {
        let case = &cases()[0];
        let with_group: HashSet<String> = ["group-id".to_string()].into();
        assert!(check_variables(case, &with_group).is_ok());
        let err = check_variables(case, &HashSet::new()).unwrap_err();
        assert!(err.message().contains("{group-id} has no value"));
        assert_eq!(err.location().unwrap().line, 6);
    }

    #[test]
    fn unknown_schema_suggests_the_case_insensitive_match() {
        let schemas =
            Schemas::compile(&[("schemas/conversationThread.json".into(), "{}".to_string())])
                .unwrap();
        let err = check_schemas(&cases(), &schemas).unwrap_err();
        assert!(
            err.to_string()
                .contains("did you mean `conversationThread`"),
            "{err}"
        );
    }

    fn named(names: &[&str]) -> Vec<Planned> {
        let case = &cases()[0];
        names
            .iter()
            .map(|name| Planned {
                case: Arc::new(case.clone()),
                trial_name: name.to_string(),
                selected: true,
                ignored: false,
                filtered_out: false,
            })
            .collect()
    }

    #[test]
    fn shards_cover_every_case_exactly_once_and_balance() {
        let names = ["e", "a", "d", "b", "g", "c", "f"];
        let mut seen = Vec::new();
        for index in 1..=3 {
            let mut planned = named(&names);
            shard(&mut planned, Shard { index, total: 3 });
            let chosen: Vec<String> = planned
                .iter()
                .filter(|p| p.selected)
                .map(|p| p.trial_name.clone())
                .collect();
            assert!((2..=3).contains(&chosen.len()), "{chosen:?}");
            seen.extend(chosen);
        }
        seen.sort();
        assert_eq!(seen, vec!["a", "b", "c", "d", "e", "f", "g"]);
    }

    #[test]
    fn parses_shards_and_fingerprints_suites() {
        assert_eq!(parse_shard("2/3"), Ok(Shard { index: 2, total: 3 }));
        for bad in ["0/3", "4/3", "3", "a/b", "1/0"] {
            assert!(parse_shard(bad).is_err(), "{bad}");
        }
        assert_eq!(suite_fingerprint(["a", "b"]), suite_fingerprint(["b", "a"]));
        assert_ne!(suite_fingerprint(["a", "b"]), suite_fingerprint(["a", "c"]));
    }

    #[test]
    fn filter_flags_select_cases_by_trial_name() {
        let vars: HashSet<String> = ["group-id".to_string()].into();
        let all = plan(cases(), &Arguments::default(), &vars).unwrap();
        assert_eq!(all[0].trial_name, "p::a");
        assert!(all[0].selected);
        let args = Arguments {
            skip: vec!["p::".into()],
            ..Arguments::default()
        };
        let skipped = plan(cases(), &args, &HashSet::new()).unwrap();
        assert!(!skipped[0].selected, "unselected cases need no variables");
    }
}
