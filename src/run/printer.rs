//! The verdicts as libtest prints them — pretty, terse or JSON lines, coloured or not, to
//! stdout or `--logfile` — fed one trial at a time in plan order, so a run of any size holds
//! no list of its trials. The text is libtest-mimic's, byte for byte; only the failures listed
//! at the end are kept.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::time::{Duration, Instant};

use anstream::{AutoStream, ColorChoice};
use anstyle::{AnsiColor, Color, Style};
use libtest_mimic::{Arguments, ColorSetting, Conclusion, FormatSetting};

/// What a trial's line shows: its verdict as libtest prints it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shown {
    Passed,
    /// Not run, with why when there is more to say than "ignored".
    Ignored(Option<String>),
    /// With the failure text.
    Failed(String),
}

pub struct Printer {
    out: AutoStream<Box<dyn Write>>,
    format: FormatSetting,
    /// The longest trial name, in characters: names are padded to it.
    name_width: usize,
    /// Whether the line of the trial now due has been started.
    announced: bool,
    conclusion: Conclusion,
    failures: Vec<(String, String)>,
    started: Instant,
}

impl Printer {
    /// A printer for the flags `args` (`--format`, `--quiet`, `--color`, `--logfile`);
    /// `name_width` is the longest name it will print.
    pub fn new(args: &Arguments, name_width: usize) -> Result<Self, String> {
        let color = args.color.unwrap_or(ColorSetting::Auto);
        let out = match &args.logfile {
            Some(path) => {
                let file = File::create(path)
                    .map_err(|e| format!("cannot create the log file {path}: {e}"))?;
                let file: Box<dyn Write> = Box::new(BufWriter::new(file));
                match color {
                    ColorSetting::Always => AutoStream::always(file),
                    _ => AutoStream::never(file),
                }
            }
            None => {
                let choice = match color {
                    ColorSetting::Auto => AutoStream::choice(&io::stdout()),
                    ColorSetting::Always => ColorChoice::Always,
                    ColorSetting::Never => ColorChoice::Never,
                };
                let stdout: Box<dyn Write> = Box::new(BufWriter::new(io::stdout()));
                AutoStream::new(stdout, choice)
            }
        };
        let format = match args.quiet {
            true => FormatSetting::Terse,
            false => args.format.unwrap_or(FormatSetting::Pretty),
        };
        Ok(Self {
            out,
            format,
            name_width,
            announced: false,
            conclusion: Conclusion {
                num_filtered_out: 0,
                num_passed: 0,
                num_failed: 0,
                num_ignored: 0,
                num_measured: 0,
            },
            failures: Vec::new(),
            started: Instant::now(),
        })
    }

    /// `running N tests`, and the count of trials the filter left out for the summary.
    pub fn title(&mut self, reported: usize, filtered_out: usize) {
        self.conclusion.num_filtered_out = filtered_out as u64;
        // Output errors are not the run's: a closed pipe must not stop the cases.
        let _ = match self.format {
            FormatSetting::Pretty | FormatSetting::Terse => {
                let plural = if reported == 1 { "" } else { "s" };
                writeln!(self.out, "\nrunning {reported} test{plural}")
            }
            FormatSetting::Json => writeln!(
                self.out,
                r#"{{ "type": "suite", "event": "started", "test_count": {reported} }}"#
            ),
        };
    }

    /// Starts the line of the trial now due, before its verdict is in (`test name ... `).
    pub fn announce(&mut self, name: &str) {
        if self.announced {
            return;
        }
        self.announced = true;
        let _ = match self.format {
            FormatSetting::Pretty => {
                write!(
                    self.out,
                    "test {name:<width$} ... ",
                    width = self.name_width
                )
            }
            FormatSetting::Terse => Ok(()),
            FormatSetting::Json => writeln!(
                self.out,
                r#"{{ "type": "test", "event": "started", "name": {} }}"#,
                json_string(name)
            ),
        };
    }

    /// The verdict of the trial now due; its line is started first if it was not.
    pub fn verdict(&mut self, name: &str, verdict: Shown) {
        self.announce(name);
        self.announced = false;
        let _ = match self.format {
            FormatSetting::Pretty => self
                .outcome_word(&verdict)
                .and_then(|()| writeln!(self.out)),
            FormatSetting::Terse => {
                let style = style_of(&verdict);
                let mark = match verdict {
                    Shown::Passed => '.',
                    Shown::Failed(_) => 'F',
                    Shown::Ignored(_) => 'i',
                };
                write!(self.out, "{style}{mark}{style:#}")
            }
            FormatSetting::Json => self.json_outcome(name, &verdict),
        };
        match verdict {
            Shown::Passed => self.conclusion.num_passed += 1,
            Shown::Ignored(_) => self.conclusion.num_ignored += 1,
            Shown::Failed(text) => {
                self.conclusion.num_failed += 1;
                self.failures.push((name.to_string(), text));
            }
        }
    }

    fn json_outcome(&mut self, name: &str, verdict: &Shown) -> io::Result<()> {
        let (event, stdout) = match verdict {
            Shown::Passed => ("ok", String::new()),
            Shown::Ignored(_) => ("ignored", String::new()),
            Shown::Failed(text) => {
                let quoted = json_string(text);
                let text = &quoted[1..quoted.len() - 1];
                ("failed", format!(r#", "stdout": "Error: \"{text}\"\n""#))
            }
        };
        writeln!(
            self.out,
            r#"{{ "type": "test", "name": {}, "event": "{event}"{stdout} }}"#,
            json_string(name)
        )
    }

    /// `ok`, `FAILED` or `ignored (why)`, coloured.
    fn outcome_word(&mut self, verdict: &Shown) -> io::Result<()> {
        let style = style_of(verdict);
        match verdict {
            Shown::Passed => write!(self.out, "{style}ok{style:#}"),
            Shown::Failed(_) => write!(self.out, "{style}FAILED{style:#}"),
            Shown::Ignored(None) => write!(self.out, "{style}ignored{style:#}"),
            Shown::Ignored(Some(why)) => write!(self.out, "{style}ignored ({why}){style:#}"),
        }
    }

    /// A file's `count` trials that could not start, as one failed line (`stem::*`) counted as
    /// `count` failures.
    pub fn not_run(&mut self, name: &str, count: usize, why: String) {
        self.verdict(name, Shown::Failed(why));
        self.conclusion.num_failed += count.saturating_sub(1) as u64;
    }

    /// Hands what is printed so far to the terminal or the log file.
    pub fn flush(&mut self) {
        let _ = self.out.flush();
    }

    /// Hands over what is printed so far when it is whole lines or a started line; terse marks
    /// go out as the buffer fills, as libtest's do, not one write a mark.
    pub fn show_so_far(&mut self) {
        if self.format != FormatSetting::Terse {
            self.flush();
        }
    }

    /// The failures with their text, the summary line; what libtest concludes.
    pub fn finish(mut self) -> Conclusion {
        let _ = self.write_end();
        self.flush();
        self.conclusion
    }

    fn write_end(&mut self) -> io::Result<()> {
        if !self.failures.is_empty() && self.format != FormatSetting::Json {
            writeln!(self.out, "\nfailures:\n")?;
            for (name, text) in &self.failures {
                writeln!(self.out, "---- {name} ----\n{text}\n")?;
            }
            writeln!(self.out, "\nfailures:")?;
            for (name, _) in &self.failures {
                writeln!(self.out, "    {name}")?;
            }
        }
        let summary = self.conclusion.clone();
        let elapsed = self.started.elapsed();
        match self.format {
            FormatSetting::Pretty | FormatSetting::Terse => {
                write!(self.out, "\ntest result: ")?;
                let verdict = match summary.has_failed() {
                    true => Shown::Failed(String::new()),
                    false => Shown::Passed,
                };
                self.outcome_word(&verdict)?;
                writeln!(self.out, ". {}\n", counts(&summary, elapsed))
            }
            FormatSetting::Json => writeln!(
                self.out,
                r#"{{ "type": "suite", "event": "{}", "passed": {}, "failed": {}, "ignored": {}, "measured": {}, "filtered_out": {}, "exec_time": {} }}"#,
                if summary.num_failed > 0 {
                    "failed"
                } else {
                    "ok"
                },
                summary.num_passed,
                summary.num_failed,
                summary.num_ignored,
                summary.num_measured,
                summary.num_filtered_out,
                elapsed.as_secs_f64()
            ),
        }
    }

    /// One line of `--list`: `name: test`.
    pub fn listed(&mut self, name: &str) {
        let _ = writeln!(self.out, "{name}: test");
    }
}

fn counts(summary: &Conclusion, elapsed: Duration) -> String {
    format!(
        "{} passed; {} failed; {} ignored; {} measured; {} filtered out; finished in {:.2}s",
        summary.num_passed,
        summary.num_failed,
        summary.num_ignored,
        summary.num_measured,
        summary.num_filtered_out,
        elapsed.as_secs_f64()
    )
}

fn style_of(verdict: &Shown) -> Style {
    let color = match verdict {
        Shown::Passed => AnsiColor::Green,
        Shown::Failed(_) => AnsiColor::Red,
        Shown::Ignored(_) => AnsiColor::Yellow,
    };
    Style::new().fg_color(Some(Color::Ansi(color)))
}

/// `text` as a JSON string, quotes included (escaped as RFC 8259 asks, as libtest does).
fn json_string(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_else(|_| String::from("\"\""))
}

#[cfg(test)]
mod tests {
    use super::*;
    use libtest_mimic::{Completion, Failed, Trial};

    /// The output with its timings masked: the one part that changes between runs.
    fn masked(text: &str) -> String {
        let mut text = text.to_string();
        for (before, ends) in [
            ("finished in ", &['s', ' '][..]),
            ("\"exec_time\": ", &[' ']),
        ] {
            if let Some(at) = text.find(before).map(|at| at + before.len()) {
                let end = text[at..].find(ends).map_or(text.len(), |end| at + end);
                text.replace_range(at..end, "TIME");
            }
        }
        text
    }

    /// A log file for `args`, and the arguments with `--logfile` pointing at it.
    fn logged(args: &[&str]) -> (tempfile::TempDir, std::path::PathBuf, Arguments) {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("log");
        let mut all = vec![
            "conform",
            "--logfile",
            log.to_str().unwrap(),
            "--test-threads",
            "1",
        ];
        all.extend(args);
        (dir, log.clone(), Arguments::from_iter(all))
    }

    fn printed(args: &[&str], run: impl FnOnce(&mut Printer)) -> (String, Conclusion) {
        let (_dir, log, args) = logged(args);
        let mut printer = Printer::new(&args, 7).unwrap();
        run(&mut printer);
        let conclusion = printer.finish();
        (masked(&std::fs::read_to_string(&log).unwrap()), conclusion)
    }

    fn three_verdicts(printer: &mut Printer) {
        printer.title(3, 2);
        printer.verdict("f::a", Shown::Passed);
        printer.announce("f::b");
        printer.verdict("f::b", Shown::Failed("status 500\n\"oops\"".into()));
        printer.verdict("f::long", Shown::Ignored(Some("known failure".into())));
    }

    /// What libtest-mimic itself prints for the same three trials, two more left out by the
    /// filter.
    fn libtest_mimic_printed(args: &[&str]) -> (String, Conclusion) {
        let (_dir, log, args) = logged(args);
        let trials = vec![
            Trial::test("f::a", || Ok(())),
            Trial::test("g::out", || Ok(())),
            Trial::test("f::b", || Err(Failed::from("status 500\n\"oops\""))),
            Trial::ignorable_test("f::long", || Ok(Completion::ignored_with("known failure"))),
            Trial::test("g::out2", || Ok(())),
        ];
        let conclusion = libtest_mimic::run(&args, trials);
        (masked(&std::fs::read_to_string(&log).unwrap()), conclusion)
    }

    #[test]
    fn pretty_lines_align_and_failures_are_listed_at_the_end() {
        let (text, conclusion) = printed(&[], three_verdicts);
        assert_eq!(
            text,
            "\nrunning 3 tests\n\
             test f::a    ... ok\n\
             test f::b    ... FAILED\n\
             test f::long ... ignored (known failure)\n\
             \nfailures:\n\n---- f::b ----\nstatus 500\n\"oops\"\n\n\
             \nfailures:\n    f::b\n\
             \ntest result: FAILED. 1 passed; 1 failed; 1 ignored; 0 measured; 2 filtered out; \
             finished in TIMEs\n\n"
        );
        assert!(conclusion.has_failed());
    }

    #[test]
    fn prints_and_concludes_what_libtest_mimic_does_in_every_format() {
        for args in [
            &["f::"][..],
            &["f::", "-q"],
            &["f::", "--format", "terse", "--color", "always"],
            &["f::", "--color", "always"],
            &["f::", "--format", "json"],
        ] {
            assert_eq!(
                printed(args, three_verdicts),
                libtest_mimic_printed(args),
                "{args:?}"
            );
        }
    }

    #[test]
    fn a_file_that_could_not_start_counts_each_of_its_cases() {
        let (text, conclusion) = printed(&[], |printer| {
            printer.title(4, 0);
            printer.verdict("f::a", Shown::Passed);
            printer.not_run("g::*", 3, "not run: g.toml changed".into());
        });
        assert!(text.contains("test g::*    ... FAILED\n"), "{text}");
        assert!(
            text.contains("---- g::* ----\nnot run: g.toml changed\n"),
            "{text}"
        );
        assert_eq!((conclusion.num_passed, conclusion.num_failed), (1, 3));
    }
}
