//! Nodes in child processes: the `it` binary runs one of its own ignored tests (the child's
//! role chosen by environment variables), optionally inside a network namespace. Children print
//! `KEYWORD payload` lines on stdout; the parent reads them with bounded waits. Every child is
//! killed if the parent's test fails before the child exits.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::common::{Message, Node, bounded};

/// How long a parent waits for any one thing from a child (a line, an exit).
pub const CHILD_WAIT: Duration = Duration::from_secs(150);

/// A child process running one ignored test of this binary.
pub struct ChildProcess {
    name: String,
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: mpsc::Receiver<String>,
    /// Every stdout line read so far, in order.
    lines: Vec<String>,
    stderr: Option<JoinHandle<String>>,
    stdout_thread: Option<JoinHandle<()>>,
}

/// A child that exited.
#[derive(Debug)]
pub struct Finished {
    pub name: String,
    pub status: ExitStatus,
    /// Every stdout line.
    pub lines: Vec<String>,
    pub stderr: String,
}

impl Finished {
    /// The payloads of the lines `KEYWORD payload`, in order.
    pub fn payloads(&self, keyword: &str) -> Vec<String> {
        self.lines
            .iter()
            .filter_map(|line| payload(line, keyword))
            .collect()
    }

    /// Panics, showing the child's output, unless it exited with status 0.
    pub fn assert_success(&self) {
        assert!(
            self.status.success(),
            "child {} failed ({}); stdout:\n{}\nstderr:\n{}",
            self.name,
            self.status,
            self.lines.join("\n"),
            self.stderr
        );
    }
}

/// The payload of `line` if it is `KEYWORD payload` or just `KEYWORD` (empty payload).
fn payload(line: &str, keyword: &str) -> Option<String> {
    let rest = line.strip_prefix(keyword)?;
    if rest.is_empty() {
        return Some(String::new());
    }
    rest.strip_prefix(' ').map(str::to_string)
}

impl ChildProcess {
    /// Runs test `test` of this binary as a child with `env`, inside network namespace
    /// `netns` when given (`ip netns exec <netns> <this binary> ...`).
    pub fn spawn(name: &str, test: &str, env: &[(&str, String)], netns: Option<&str>) -> Self {
        let exe = std::env::current_exe().expect("the test binary's path");
        // `--quiet`: libtest then prints no `test NAME ... ` in front of the first line of output.
        let test_args = [
            test,
            "--exact",
            "--ignored",
            "--nocapture",
            "--quiet",
            "--test-threads=1",
        ];
        let mut command = match netns {
            Some(netns) => {
                let mut command = Command::new("ip");
                command.args(["netns", "exec", netns]).arg(&exe);
                command
            }
            None => Command::new(&exe),
        };
        command
            .args(test_args)
            .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = command
            .spawn()
            .unwrap_or_else(|err| panic!("spawn child {name} ({command:?}): {err}"));
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().expect("child stdout");
        let mut stderr = child.stderr.take().expect("child stderr");
        let (sender, receiver) = mpsc::channel();
        let stdout_thread = std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if sender.send(line).is_err() {
                    return;
                }
            }
        });
        let stderr_thread = std::thread::spawn(move || {
            let mut text = String::new();
            // Output that is not UTF-8 is cut at that point; it is only shown on failures.
            let _ = stderr.read_to_string(&mut text);
            text
        });
        ChildProcess {
            name: name.to_string(),
            child,
            stdin,
            stdout: receiver,
            lines: Vec::new(),
            stderr: Some(stderr_thread),
            stdout_thread: Some(stdout_thread),
        }
    }

    /// The payload of the next stdout line `KEYWORD payload` (earlier lines are kept for
    /// [`Finished::lines`]). Fails the test if the child does not print it within
    /// [`CHILD_WAIT`].
    pub fn expect(&mut self, keyword: &str) -> String {
        let deadline = Instant::now() + CHILD_WAIT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.stdout.recv_timeout(left) {
                Ok(line) => {
                    let found = payload(&line, keyword);
                    self.lines.push(line);
                    if let Some(found) = found {
                        return found;
                    }
                }
                Err(err) => {
                    let finished = self.kill_and_collect();
                    panic!(
                        "child {} printed no `{keyword}` line ({}); status {}; stdout:\n{}\nstderr:\n{}",
                        finished.name,
                        match err {
                            mpsc::RecvTimeoutError::Timeout => "timed out",
                            mpsc::RecvTimeoutError::Disconnected => "its stdout closed",
                        },
                        finished.status,
                        finished.lines.join("\n"),
                        finished.stderr
                    );
                }
            }
        }
    }

    /// Closes the child's stdin (the children that wait for it then stop).
    pub fn close_stdin(&mut self) {
        self.stdin = None;
    }

    /// Waits (at most [`CHILD_WAIT`]) until the child exits; kills it and fails the test if it
    /// does not.
    pub fn finish(mut self) -> Finished {
        let deadline = Instant::now() + CHILD_WAIT;
        loop {
            match self.child.try_wait().expect("poll the child") {
                Some(_) => return self.collect(),
                None if Instant::now() >= deadline => {
                    let finished = self.kill_and_collect();
                    panic!(
                        "child {} did not exit within {CHILD_WAIT:?}; stdout:\n{}\nstderr:\n{}",
                        finished.name,
                        finished.lines.join("\n"),
                        finished.stderr
                    );
                }
                None => std::thread::sleep(Duration::from_millis(20)),
            }
        }
    }

    fn kill_and_collect(&mut self) -> Finished {
        let _ = self.child.kill();
        self.collect()
    }

    /// Reaps the exited (or killed) child and gathers all its output.
    fn collect(&mut self) -> Finished {
        self.stdin = None;
        let status = self.child.wait().expect("reap the child");
        if let Some(thread) = self.stdout_thread.take() {
            // The pipe closed with the child (its own children, if any, are gone too).
            let _ = thread.join();
        }
        self.lines.extend(self.stdout.try_iter());
        let stderr = self
            .stderr
            .take()
            .map(|thread| thread.join().unwrap_or_default())
            .unwrap_or_default();
        Finished {
            name: self.name.clone(),
            status,
            lines: std::mem::take(&mut self.lines),
            stderr,
        }
    }
}

impl Drop for ChildProcess {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Runs a short command (at most 20 seconds); `Err` with its stderr when it fails.
pub fn run(program: &str, args: &[&str]) -> Result<(), String> {
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|err| format!("cannot run `{program}`: {err}"))?;
    let mut stderr = child.stderr.take().expect("stderr");
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(10)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("`{program} {}` did not finish", args.join(" ")));
            }
        }
    };
    let stderr = reader.join().unwrap_or_default();
    if status.success() {
        Ok(())
    } else {
        Err(format!(
            "`{program} {}` failed ({status}): {}",
            args.join(" "),
            stderr.trim()
        ))
    }
}

/// Lower-case hexadecimal of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The bytes of lower-case hexadecimal `text`.
pub fn unhex(text: &str) -> Vec<u8> {
    assert!(text.len().is_multiple_of(2), "odd hex length: {text:?}");
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).expect("hex digit"))
        .collect()
}

/// A message as one line: every string field hex-encoded, so every byte survives the trip.
pub fn encode_message(message: &Message) -> String {
    format!(
        "{} {} {} {}",
        hex(message.id.as_bytes()),
        hex(message.sender.as_bytes()),
        message.timestamp,
        hex(message.content.as_bytes())
    )
}

/// The inverse of [`encode_message`].
pub fn decode_message(line: &str) -> Message {
    let fields: Vec<&str> = line.split(' ').collect();
    assert_eq!(fields.len(), 4, "a message line: {line:?}");
    let text = |field: &str| String::from_utf8(unhex(field)).expect("UTF-8");
    Message {
        id: text(fields[0]),
        sender: text(fields[1]),
        timestamp: fields[2].parse().expect("timestamp"),
        content: text(fields[3]),
    }
}

/// A tokio runtime for a child's node. Also sends the child's logs to stderr (shown when a test
/// fails) as `RUST_LOG` asks.
pub fn runtime() -> tokio::runtime::Runtime {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .try_init();
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

/// Waits until stdin closes, at most [`CHILD_WAIT`]: a child waiting for its parent's
/// go-ahead to stop.
pub fn wait_for_stdin_to_close() {
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        // Reads (and ignores) everything until end of file or an error.
        let _ = std::io::copy(&mut std::io::stdin().lock(), &mut std::io::sink());
        let _ = sender.send(());
    });
    // On timeout the child stops anyway: a parent that vanished must not leave it running.
    let _ = receiver.recv_timeout(CHILD_WAIT);
}

/// The end of a child node's run: it stays up until the parent, having heard from every node,
/// closes stdin (a node that stopped as soon as its own part was done could close a connection
/// a peer still needs, to fetch from it or to confirm a put), then stops gracefully and says
/// `STOPPED`.
pub async fn stay_up_then_stop(node: &mut Node) {
    tokio::task::block_in_place(wait_for_stdin_to_close);
    bounded("stop_swarm", node.stop_swarm())
        .await
        .expect("stop the node");
    println!("STOPPED");
}

/// The value of the child's environment variable `name`.
pub fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("the child needs {name}"))
}
