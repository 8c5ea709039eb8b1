//! Running a child process and reading what it cost: wall time, CPU time and peak memory of
//! that child alone (`wait4`).

use std::process::{Command, Stdio};
use std::time::Instant;

pub struct Cost {
    pub seconds: f64,
    /// User and system time of the child.
    pub cpu_seconds: f64,
    pub max_rss_mb: f64,
    pub exit_code: i32,
}

impl Cost {
    pub fn rate(&self, count: usize) -> f64 {
        count as f64 / self.seconds
    }

    pub fn cpu_micros_each(&self, count: usize) -> f64 {
        self.cpu_seconds * 1e6 / count as f64
    }
}

/// Runs `command` to its end, output discarded.
pub fn run(command: &mut Command) -> Cost {
    command.stdout(Stdio::null()).stderr(Stdio::null());
    let started = Instant::now();
    // Waited for below by wait4, which std's wait cannot replace: it reports the child's usage.
    #[allow(clippy::zombie_processes)]
    let child = command.spawn().unwrap();
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: the child is ours and not waited for elsewhere; wait4 writes into our structs.
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let seconds = started.elapsed().as_secs_f64();
    assert_eq!(waited, pid, "wait4 failed");
    let time = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    Cost {
        seconds,
        cpu_seconds: time(usage.ru_utime) + time(usage.ru_stime),
        max_rss_mb: usage.ru_maxrss as f64 / 1024.0,
        exit_code: if libc::WIFEXITED(status) {
            libc::WEXITSTATUS(status)
        } else {
            -1
        },
    }
}

/// The fastest of several runs: loopback timings are noisy, and the fastest run is the one
/// least disturbed by the rest of the machine.
pub fn fastest(costs: Vec<Cost>) -> Cost {
    costs
        .into_iter()
        .min_by(|a, b| a.seconds.total_cmp(&b.seconds))
        .unwrap()
}
