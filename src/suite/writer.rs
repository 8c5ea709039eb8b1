//! Writing case files: the TOML that `conform import` emits, in the format `suite::format`
//! reads back.

use std::fmt::Write as _;

/// A case file to write: the page it comes from and its cases.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileDraft {
    /// Comment lines at the top of the file, without their `# `.
    pub comment: Vec<String>,
    /// `[doc] seed`: the page's file name.
    pub seed: String,
    pub title: Option<String>,
    pub api: Option<String>,
    pub cases: Vec<CaseDraft>,
}

/// One case to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseDraft {
    pub name: String,
    pub doc_name: Option<String>,
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub json: Option<String>,
    pub status: u16,
    /// The example's status line when the prose states another.
    pub documented_status: Option<u16>,
    pub schema: Option<String>,
    pub collection: bool,
    pub required: Vec<String>,
    /// `[case.expect] headers`: what the documented response's headers say of every response.
    pub expect_headers: Vec<(String, HeaderDraft)>,
    /// `[case.request] capture`: variable → JSON pointer into the answer.
    pub capture: Vec<(String, String)>,
    /// `[case.expect] body`: the values the answer must echo, as JSON.
    pub echo: Option<String>,
    pub notes: Vec<String>,
    pub request_text: String,
    pub response_text: String,
}

/// A header expectation to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeaderDraft {
    Present,
    Equals(String),
    Pattern(String),
}

/// The TOML text of a case file.
pub fn write(file: &FileDraft) -> String {
    let mut out = String::new();
    for line in &file.comment {
        let _ = writeln!(out, "# {line}");
    }
    let _ = write!(out, "\n[doc]\nseed = {}\n", toml_str(&file.seed));
    if let Some(title) = &file.title {
        let _ = writeln!(out, "title = {}", toml_str(title));
    }
    if let Some(api) = &file.api {
        let _ = writeln!(out, "api = {}", toml_str(api));
    }
    for case in &file.cases {
        write_case(&mut out, case);
    }
    out
}

fn write_case(out: &mut String, case: &CaseDraft) {
    let _ = write!(out, "\n[[case]]\nname = {}\n", toml_str(&case.name));
    out.push_str("\n[case.doc]\n");
    if let Some(name) = &case.doc_name {
        let _ = writeln!(out, "name = {}", toml_str(name));
    }
    if let Some(status) = case.documented_status {
        let _ = writeln!(out, "status = {status}");
    }
    if !case.notes.is_empty() {
        let _ = writeln!(out, "notes = {}", toml_list(&case.notes));
    }
    let _ = writeln!(out, "request = {}", toml_text(&case.request_text));
    let _ = writeln!(out, "response = {}", toml_text(&case.response_text));
    let _ = write!(
        out,
        "\n[case.request]\nmethod = {}\npath = {}\n",
        toml_str(&case.method),
        toml_str(&case.path)
    );
    inline_table(out, "headers", &case.headers);
    if let Some(json) = &case.json {
        let _ = writeln!(out, "json = {}", toml_text(json));
    }
    inline_table(out, "capture", &case.capture);
    let _ = write!(out, "\n[case.expect]\nstatus = {}\n", case.status);
    if let Some(echo) = &case.echo {
        let _ = writeln!(out, "body = {}", toml_text(echo));
    }
    if let Some(schema) = &case.schema {
        let _ = writeln!(out, "schema = {}", toml_str(schema));
        if case.collection {
            out.push_str("collection = true\n");
        }
    }
    if !case.required.is_empty() {
        let _ = writeln!(out, "required = {}", toml_list(&case.required));
    }
    if !case.expect_headers.is_empty() {
        let rules: Vec<String> = case
            .expect_headers
            .iter()
            .map(|(name, rule)| {
                let rule = match rule {
                    HeaderDraft::Present => "true".to_string(),
                    HeaderDraft::Equals(value) => toml_str(value),
                    HeaderDraft::Pattern(pattern) => {
                        format!("{{ pattern = {} }}", toml_str(pattern))
                    }
                };
                format!("{} = {rule}", toml_str(name))
            })
            .collect();
        let _ = writeln!(out, "headers = {{ {} }}", rules.join(", "));
    }
}

/// `key = { "a" = "1", "b" = "2" }`, when there are pairs.
fn inline_table(out: &mut String, key: &str, pairs: &[(String, String)]) {
    if pairs.is_empty() {
        return;
    }
    let pairs: Vec<String> = pairs
        .iter()
        .map(|(n, v)| format!("{} = {}", toml_str(n), toml_str(v)))
        .collect();
    let _ = writeln!(out, "{key} = {{ {} }}", pairs.join(", "));
}

/// A TOML string for `text`: a multi-line literal when it can be, else an escaped basic string.
fn toml_text(text: &str) -> String {
    if !text.contains("'''") && !text.contains('\r') {
        format!("'''\n{}\n'''", text.trim_end_matches('\n'))
    } else {
        toml::Value::String(text.to_string()).to_string()
    }
}

fn toml_str(text: &str) -> String {
    toml::Value::String(text.to_string()).to_string()
}

fn toml_list(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|i| toml_str(i)).collect();
    format!("[{}]", quoted.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toml_text_survives_triple_quotes() {
        let value: toml::Value = toml::from_str(&format!("a = {}", toml_text("x ''' y"))).unwrap();
        assert_eq!(value["a"].as_str(), Some("x ''' y"));
    }
}
