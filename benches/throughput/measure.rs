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

/// Runs `command` to its end, output discarded, through a helper process (this binary in the
/// `measure` role): a child's peak RSS starts at its parent's peak when it execs, so measuring
/// from this process would charge conform with the benchmark's own memory.
pub fn run(command: &mut Command) -> Cost {
    let mut helper = Command::new(std::env::current_exe().unwrap());
    helper.env(crate::roles::ROLE, "measure");
    for (key, value) in command.get_envs() {
        let (key, value) = (key.to_str().unwrap(), value.and_then(|v| v.to_str()));
        helper.arg(format!("{key}={}", value.unwrap_or("")));
    }
    helper
        .arg("--")
        .arg(command.get_program())
        .args(command.get_args());
    if let Some(dir) = command.get_current_dir() {
        helper.current_dir(dir);
    }
    let output = helper.stderr(Stdio::inherit()).output().unwrap();
    let line = String::from_utf8(output.stdout).unwrap();
    let fields: Vec<f64> = line
        .split_whitespace()
        .map(|f| f.parse().unwrap())
        .collect();
    let [seconds, cpu_seconds, max_rss_kib, exit_code] = fields[..] else {
        panic!("the measuring helper printed {line:?}");
    };
    Cost {
        seconds,
        cpu_seconds,
        max_rss_mb: max_rss_kib / 1024.0,
        exit_code: exit_code as i32,
    }
}

/// The `measure` role: `KEY=VALUE... -- PROGRAM ARGS...`; runs the program with those
/// variables set (empty values removed) and prints its wall and CPU seconds, peak RSS in KiB
/// and exit code.
pub fn measure_child(args: &[String]) {
    let split = args.iter().position(|a| a == "--").unwrap();
    let mut command = Command::new(&args[split + 1]);
    command
        .args(&args[split + 2..])
        .env_remove(crate::roles::ROLE);
    for pair in &args[..split] {
        let (key, value) = pair.split_once('=').unwrap();
        if value.is_empty() {
            command.env_remove(key);
        } else {
            command.env(key, value);
        }
    }
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
    let exit_code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        -1
    };
    println!(
        "{seconds} {} {} {exit_code}",
        time(usage.ru_utime) + time(usage.ru_stime),
        usage.ru_maxrss
    );
}

/// The fastest of several runs: loopback timings are noisy, and the fastest run is the one
/// least disturbed by the rest of the machine.
pub fn fastest(costs: Vec<Cost>) -> Cost {
    costs
        .into_iter()
        .min_by(|a, b| a.seconds.total_cmp(&b.seconds))
        .unwrap()
}
