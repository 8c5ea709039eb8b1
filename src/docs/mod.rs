//! Documentation pages: reading them (Markdown with annotated code blocks), importing their
//! examples as cases, and linting them.

pub mod files;
pub mod finding;
pub mod import;
pub mod jsonpos;
pub mod lint;
pub mod lint_cases;
pub mod lint_paths;
pub mod messages;
pub mod page;
pub mod pairing;
pub mod paths;
