//! The live progress line at a terminal: cases done of total, failures so far, elapsed time.
//! Verdict lines print above it while it shows; it is cleared when the last case is done.
//! Never drawn when stdout or stderr is not a terminal, or in CI.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Runs shorter than this never show the line.
const SHOW_AFTER: Duration = Duration::from_millis(800);

pub struct Progress {
    bar: ProgressBar,
    total: u64,
    done: AtomicU64,
    failed: AtomicU64,
}

/// Whether a progress line belongs on this terminal.
pub fn wanted() -> bool {
    std::io::stdout().is_terminal()
        && std::io::stderr().is_terminal()
        && std::env::var_os("CI").is_none()
}

impl Progress {
    /// A line for `total` cases, drawn once the run has taken a moment (see `reveal`).
    pub fn new(total: usize) -> Self {
        let bar = ProgressBar::with_draw_target(Some(total as u64), ProgressDrawTarget::hidden());
        if let Ok(style) =
            ProgressStyle::with_template("{pos}/{len} cases done · {msg} · {elapsed}")
        {
            bar.set_style(style);
        }
        bar.set_message("0 failed");
        Self {
            bar,
            total: total as u64,
            done: AtomicU64::new(0),
            failed: AtomicU64::new(0),
        }
    }

    /// Starts drawing, unless everything finished already.
    pub async fn reveal_after_a_moment(&self) {
        tokio::time::sleep(SHOW_AFTER).await;
        if !self.is_finished() {
            self.bar.set_draw_target(ProgressDrawTarget::stderr());
            self.bar.enable_steady_tick(Duration::from_millis(200));
        }
    }

    pub fn case_done(&self, failed: bool) {
        if failed {
            let failed = self.failed.fetch_add(1, Ordering::Relaxed) + 1;
            self.bar.set_message(format!("{failed} failed"));
        }
        self.bar.inc(1);
        if self.done.fetch_add(1, Ordering::Relaxed) + 1 == self.total {
            self.bar.finish_and_clear();
        }
    }

    fn is_finished(&self) -> bool {
        self.done.load(Ordering::Relaxed) >= self.total
    }

    /// Runs `print` with the line out of the way, and draws it again after.
    pub fn suspend(&self, print: impl FnOnce()) {
        self.bar.suspend(print);
    }
}
