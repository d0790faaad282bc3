//! The daemon as a separate process: `newshound run` started from the test binary's
//! build, its stderr collected line by line, stopped by a signal or killed.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

/// A running `newshound run`, with its stderr read line by line on a thread.
pub struct Daemon {
    child: Child,
    lines: mpsc::Receiver<String>,
    seen: Vec<String>,
}

impl Daemon {
    pub fn start(config: &Path) -> Daemon {
        Daemon::start_with(config, &[])
    }

    /// Starts it with extra environment variables.
    pub fn start_with(config: &Path, env: &[(&str, &str)]) -> Daemon {
        let mut child = Command::new(env!("CARGO_BIN_EXE_newshound"))
            .arg("--config")
            .arg(config)
            .arg("run")
            .env("RUST_LOG", "newshound=info")
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start newshound run");
        let stderr = child.stderr.take().unwrap();
        let (sender, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
        Daemon {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// Waits for a log line containing `text`.
    pub fn wait_for_log(&mut self, text: &str) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while !self.seen.iter().any(|l| l.contains(text)) {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => self.seen.push(line),
                Err(_) => panic!("no log line with {text:?}; got:\n{}", self.seen.join("\n")),
            }
        }
    }

    /// Waits until `count` log lines contain `text`.
    pub fn wait_for_logs(&mut self, text: &str, count: usize) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while self.seen.iter().filter(|l| l.contains(text)).count() < count {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => self.seen.push(line),
                Err(_) => panic!(
                    "fewer than {count} log lines with {text:?}; got:\n{}",
                    self.seen.join("\n")
                ),
            }
        }
    }

    /// The log lines read so far that contain `text`.
    pub fn logged(&mut self, text: &str) -> Vec<String> {
        self.seen.extend(self.lines.try_iter());
        self.seen
            .iter()
            .filter(|l| l.contains(text))
            .cloned()
            .collect()
    }

    /// Sends `signal` and returns at once.
    pub fn signal(&self, signal: Signal) {
        kill(Pid::from_raw(self.child.id() as i32), signal).expect("send signal");
    }

    /// Whether the process is still running.
    pub fn is_running(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }

    /// Waits (at most `limit`) for the process to exit; returns its status and log.
    pub fn wait_exit(mut self, limit: Duration) -> (std::process::ExitStatus, String) {
        let deadline = Instant::now() + limit;
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            if Instant::now() >= deadline {
                let _ = self.child.kill();
                self.seen.extend(self.lines.iter());
                panic!(
                    "newshound did not exit within {limit:?}:\n{}",
                    self.seen.join("\n")
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        self.seen.extend(self.lines.iter());
        (status, self.seen.join("\n"))
    }

    /// Sends `signal`, waits for the process to exit successfully; returns its log.
    pub fn stop(mut self, signal: Signal) -> String {
        kill(Pid::from_raw(self.child.id() as i32), signal).expect("send signal");
        let deadline = Instant::now() + Duration::from_secs(30);
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            assert!(
                Instant::now() < deadline,
                "newshound did not stop after {signal}"
            );
            std::thread::sleep(Duration::from_millis(50));
        };
        self.seen.extend(self.lines.iter());
        let log = self.seen.join("\n");
        assert!(
            status.success(),
            "exit status {status:?} after {signal}:\n{log}"
        );
        log
    }

    /// Kills the process with SIGKILL, as a crash or the OOM killer would; returns its
    /// log.
    pub fn kill(mut self) -> String {
        self.child.kill().expect("SIGKILL");
        self.child.wait().expect("wait for the killed process");
        self.seen.extend(self.lines.iter());
        self.seen.join("\n")
    }
}

/// Runs a one-shot command (`newshound --config CONFIG ARGS…`) to its end, with the
/// default log level.
pub fn newshound(config: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_newshound"))
        .arg("--config")
        .arg(config)
        .args(args)
        .env_remove("RUST_LOG")
        .output()
        .expect("run newshound")
}

pub fn wait_until(limit: Duration, mut condition: impl FnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !condition() {
        assert!(Instant::now() < deadline, "timed out");
        std::thread::sleep(Duration::from_millis(100));
    }
}
