//! `Test`: the one way the tests run `conform`, written as a user would type it — where, with
//! which files, arguments and environment — and what it must come to, stated inline: the exit
//! code and what the output must say. A failed expectation shows the whole output.

use std::ffi::OsString;
use std::ops::Deref;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::common;

pub struct Test {
    dir: PathBuf,
    args: Vec<OsString>,
    env: Vec<(OsString, OsString)>,
    status: Option<i32>,
    stdout_has: Vec<String>,
    stderr_has: Vec<String>,
    stderr_lacks: Vec<String>,
}

impl Test {
    /// `conform` in the project's root, with the shipped cases and schemas.
    pub fn new() -> Test {
        Test::in_dir(&common::root())
    }

    /// `conform` in `dir`.
    pub fn in_dir(dir: &Path) -> Test {
        Test {
            dir: dir.to_path_buf(),
            args: Vec::new(),
            env: Vec::new(),
            status: None,
            stdout_has: Vec::new(),
            stderr_has: Vec::new(),
            stderr_lacks: Vec::new(),
        }
    }

    /// `conform run --base-url BASE_URL` with a value for every placeholder of the shipped
    /// cases, as a user runs them against a remote target; reports to `reports`, or none.
    pub fn remote(base_url: &str, reports: Option<&Path>) -> Test {
        let test = Test::new()
            .args(["run", "--base-url", base_url])
            .args(common::REMOTE_VARS);
        match reports {
            Some(dir) => test.arg("--report").arg(dir),
            None => test.arg("--no-report"),
        }
    }

    pub fn arg(mut self, arg: impl AsRef<std::ffi::OsStr>) -> Test {
        self.args.push(arg.as_ref().to_os_string());
        self
    }

    pub fn args<A: AsRef<std::ffi::OsStr>>(mut self, args: impl IntoIterator<Item = A>) -> Test {
        self.args
            .extend(args.into_iter().map(|arg| arg.as_ref().to_os_string()));
        self
    }

    pub fn env(
        mut self,
        key: impl AsRef<std::ffi::OsStr>,
        value: impl AsRef<std::ffi::OsStr>,
    ) -> Test {
        self.env
            .push((key.as_ref().to_os_string(), value.as_ref().to_os_string()));
        self
    }

    pub fn envs<K: AsRef<std::ffi::OsStr>, V: AsRef<std::ffi::OsStr>>(
        self,
        env: &[(K, V)],
    ) -> Test {
        env.iter()
            .fold(self, |test, (key, value)| test.env(key, value))
    }

    /// The exit code `conform` must end with.
    pub fn status(mut self, code: i32) -> Test {
        self.status = Some(code);
        self
    }

    /// Text standard output must contain.
    pub fn stdout_has(mut self, text: &str) -> Test {
        self.stdout_has.push(text.to_string());
        self
    }

    /// Text standard error must contain.
    pub fn stderr_has(mut self, text: &str) -> Test {
        self.stderr_has.push(text.to_string());
        self
    }

    /// Text standard error must not contain.
    pub fn stderr_lacks(mut self, text: &str) -> Test {
        self.stderr_lacks.push(text.to_string());
        self
    }

    /// The command, for a test that drives the process itself (pipes, signals, a run held
    /// open): hermetic — no credentials, proxies or CI markers from the machine running the
    /// tests.
    pub fn command(&self) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_conform"));
        command.current_dir(&self.dir);
        for variable in HOST_VARIABLES {
            command.env_remove(variable);
        }
        command.args(&self.args);
        command.envs(self.env.iter().map(|(k, v)| (k, v)));
        command
    }

    /// Runs `conform` to its end and checks what was stated of it.
    pub fn run(self) -> Ran {
        let output = self.command().output().expect("the conform binary runs");
        let ran = Ran { output };
        let (stdout, stderr) = (ran.stdout(), ran.stderr());
        if let Some(code) = self.status {
            assert_eq!(ran.status.code(), Some(code), "{}", ran.text());
        }
        for text in &self.stdout_has {
            assert!(
                stdout.contains(text.as_str()),
                "stdout lacks {text:?}\n{}",
                ran.text()
            );
        }
        for text in &self.stderr_has {
            assert!(
                stderr.contains(text.as_str()),
                "stderr lacks {text:?}\n{}",
                ran.text()
            );
        }
        for text in &self.stderr_lacks {
            assert!(
                !stderr.contains(text.as_str()),
                "stderr has {text:?}\n{}",
                ran.text()
            );
        }
        ran
    }
}

/// What the machine running the tests may have set that a test must not inherit.
const HOST_VARIABLES: &[&str] = &[
    "CONFORM_TOKEN",
    "CONFORM_CLIENT_ID",
    "CONFORM_TENANT_ID",
    "CONFORM_CLIENT_SECRET",
    "CONFORM_AUTHORITY",
    "CONFORM_SCOPE",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
    "GITHUB_STEP_SUMMARY",
];

/// A finished `conform`: its output, read as text.
pub struct Ran {
    output: Output,
}

impl Ran {
    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.output.stdout).into_owned()
    }

    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.output.stderr).into_owned()
    }

    /// Both streams, labelled: what a failed assertion shows.
    pub fn text(&self) -> String {
        common::text(&self.output)
    }
}

impl Deref for Ran {
    type Target = Output;

    fn deref(&self) -> &Output {
        &self.output
    }
}
