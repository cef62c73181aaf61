//! Servers for tests: replay in this process on a free port, and the real binary, killed when
//! dropped.

use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use jobmock::fixture::FixtureSet;
use jobmock::replay::{self, Options, Replay};
use tokio::sync::oneshot;

/// How long a started binary may take to print its listening line.
pub const START_LIMIT: Duration = Duration::from_secs(30);

/// How long a binary told to stop by [`Binary::stop`] may take to exit.
pub const STOP_LIMIT: Duration = Duration::from_secs(10);

/// A replay server running in this process on a free port; stopped when dropped.
pub struct TestServer {
    pub addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
}

impl TestServer {
    pub async fn start(fixtures: &Path) -> TestServer {
        TestServer::start_with(fixtures, Options::default()).await
    }

    pub async fn start_with(fixtures: &Path, options: Options) -> TestServer {
        let set = FixtureSet::load(fixtures)
            .unwrap_or_else(|err| panic!("fixtures at {} load: {err}", fixtures.display()));
        let replay = Arc::new(Replay::new(set, options));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(replay::serve(listener, None, replay, async {
            let _ = stopped.await;
        }));
        TestServer {
            addr,
            stop: Some(stop),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub fn job_url(&self, job: &str, query: &str) -> String {
        self.url(&format!("/arcgis/admin/system/jobs/{job}{query}"))
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// The real `jobmock` binary, killed when dropped.
pub struct Binary {
    pub child: Child,
    pub base: String,
    stdout: BufReader<ChildStdout>,
    command: String,
}

impl Binary {
    /// Starts `jobmock ARGS` and waits (at most [`START_LIMIT`]) for its `listening on` line.
    pub fn start(args: &[&str]) -> Binary {
        Binary::start_in(Path::new("."), args)
    }

    /// [`Binary::start`] in the folder `cwd` (relative paths in `args` are read from there).
    pub fn start_in(cwd: &Path, args: &[&str]) -> Binary {
        let command = format!("jobmock {}", args.join(" "));
        let mut child = Command::new(env!("CARGO_BIN_EXE_jobmock"))
            .args(args)
            .current_dir(cwd)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the jobmock binary starts");
        // Read on a thread of its own: a child that never prints the line must fail the test,
        // not hang the run.
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let (sender, receiver) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = stdout.read_line(&mut line);
            let _ = sender.send((line, stdout));
        });
        let Ok((line, stdout)) = receiver.recv_timeout(START_LIMIT) else {
            let _ = child.kill();
            let output = child.wait_with_output().unwrap();
            panic!(
                "`{command}` printed no listening line within {START_LIMIT:?}; stderr:\n{}",
                String::from_utf8_lossy(&output.stderr)
            );
        };
        let Some(base) = line.trim_end().strip_prefix("listening on ") else {
            let _ = child.kill();
            let output = child.wait_with_output().unwrap();
            panic!(
                "`{command}` printed {line:?} instead of a listening line; status {}, stderr:\n{}",
                output.status,
                String::from_utf8_lossy(&output.stderr)
            );
        };
        Binary {
            base: base.to_string(),
            child,
            stdout,
            command,
        }
    }

    /// Starts `jobmock replay` of `fixtures` on a free port, with `extra` flags.
    pub fn replay(fixtures: &Path, extra: &[&str]) -> Binary {
        let fixtures = fixtures.to_str().expect("test paths are UTF-8");
        let mut args = vec!["replay", "--fixtures", fixtures, "--listen", "127.0.0.1:0"];
        args.extend_from_slice(extra);
        Binary::start(&args)
    }

    /// Starts `jobmock record` of `upstream` into `fixtures` on a free port, with `extra` flags.
    pub fn record(upstream: &str, fixtures: &Path, extra: &[&str]) -> Binary {
        let fixtures = fixtures.to_str().expect("test paths are UTF-8");
        let mut args = vec![
            "record",
            "--upstream",
            upstream,
            "--fixtures",
            fixtures,
            "--listen",
            "127.0.0.1:0",
        ];
        args.extend_from_slice(extra);
        Binary::start(&args)
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Sends SIGTERM.
    pub fn terminate(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success(), "kill -TERM failed");
    }

    /// Sends SIGTERM and waits (at most [`STOP_LIMIT`]) for a clean exit; fails unless the exit
    /// code is 0. Returns what the process printed on stderr (a recorder's summary).
    pub fn stop(self) -> String {
        self.stop_within(STOP_LIMIT)
    }

    /// [`Binary::stop`], waiting at most `limit` for the exit.
    pub fn stop_within(self, limit: Duration) -> String {
        self.terminate();
        let command = self.command.clone();
        let (code, stdout, stderr) = self.wait(limit);
        assert_eq!(
            code,
            Some(0),
            "`{command}` did not exit cleanly; stdout:\n{stdout}\nstderr:\n{stderr}"
        );
        stderr
    }

    /// Waits (bounded) for the process to end; returns its exit code and what it printed.
    pub fn wait(mut self, limit: Duration) -> (Option<i32>, String, String) {
        let deadline = std::time::Instant::now() + limit;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                let mut out = String::new();
                let mut err = String::new();
                let _ = self.stdout.read_to_string(&mut out);
                if let Some(mut stderr) = self.child.stderr.take() {
                    let _ = stderr.read_to_string(&mut err);
                }
                return (status.code(), out, err);
            }
            if std::time::Instant::now() > deadline {
                panic!("`{}` did not exit within {limit:?}", self.command);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Binary {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `jobmock ARGS` to its end; returns its exit code, stdout and stderr.
/// `jobmock sanitize har HAR --out OUT EXTRA…`: its exit code, stdout and stderr.
pub fn sanitize_har(har: &Path, out: &Path, extra: &[&str]) -> (Option<i32>, String, String) {
    let mut args = vec![
        "sanitize",
        "har",
        har.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    run_binary(&args)
}

pub fn run_binary(args: &[&str]) -> (Option<i32>, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_jobmock"))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("the jobmock binary runs");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// Runs `jobmock replay` of `fixtures` (with `extra` flags) and expects it to refuse the set at
/// start: exit code 2, and nothing on stdout (nothing is served, so nothing is announced).
/// Returns what it printed on stderr, the reason.
pub fn replay_refuses(fixtures: &Path, extra: &[&str]) -> String {
    let fixtures = fixtures.to_str().expect("test paths are UTF-8");
    let mut args = vec!["replay", "--fixtures", fixtures, "--listen", "127.0.0.1:0"];
    args.extend_from_slice(extra);
    let (code, stdout, stderr) = run_binary(&args);
    assert_eq!(
        code,
        Some(2),
        "`jobmock {}` did not refuse the set; stdout:\n{stdout}\nstderr:\n{stderr}",
        args.join(" ")
    );
    assert!(
        stdout.is_empty(),
        "nothing is served, so nothing is announced: {stdout}"
    );
    stderr
}
