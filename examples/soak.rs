//! `make soak`: runs `jobmock replay` under mixed load for a bounded time, on loopback, and
//! checks that it keeps its word: no error answer that was not scripted, every session's
//! sequence exactly as scripted, and memory flat once warmed up.
//!
//! It makes its own fixture set (jobs with held steps, some with a fault aimed at one poll),
//! starts the release binary on a free port, and drives it with many workers at once. Each
//! worker walks one job after another, each walk in a new session, in a mix of formats (json,
//! pjson, html) and methods (GET, POST with a form body); now and then it resets its session
//! and walks the job again from the start, or creates a job with executeNotebook and walks
//! that. RSS is read from /proc every second. At the end the server gets SIGTERM and must exit 0.
//!
//!   cargo run --release --example soak -- [SECONDS] [WORKERS]

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{Method, Request};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use jobmock::fixture::FixtureSet;
use serde_json::{Value, json};

const JOBS: usize = 200;
/// Every this many jobs has a fault aimed at its second poll, which the walk expects.
const FAULTY_EVERY: usize = 10;
const FAULT_CODE: u16 = 503;
const MAX_SESSIONS: &str = "1000";
const MAX_CREATED: &str = "500";

type HttpClient = Client<HttpConnector, Full<Bytes>>;

/// What one poll of a walk must answer.
#[derive(Clone, Debug, PartialEq)]
enum Expected {
    Status(String),
    Error(u16),
}

#[derive(Default)]
struct Tally {
    requests: AtomicU64,
    walks: AtomicU64,
    resets: AtomicU64,
    created: AtomicU64,
    failures: AtomicU64,
}

fn main() {
    let mut args = std::env::args().skip(1);
    let seconds: u64 = args.next().map_or(180, |s| s.parse().expect("SECONDS"));
    let workers: usize = args.next().map_or(32, |s| s.parse().expect("WORKERS"));

    let dir = tempfile_dir();
    make_fixtures(&dir);
    let set = FixtureSet::load(&dir).expect("the soak fixtures load");
    let walks = Arc::new(expected_walks(&set));
    let created_walk = Arc::new(template_walk(&set));

    let binary = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/release/jobmock");
    let mut child = Command::new(&binary)
        .args(["replay", "--listen", "127.0.0.1:0", "--fixtures"])
        .arg(&dir)
        .args(["--max-sessions", MAX_SESSIONS])
        .args(["--max-created-jobs", MAX_CREATED])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap_or_else(|err| panic!("cannot start {}: {err}", binary.display()));
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let base = line
        .trim()
        .strip_prefix("listening on ")
        .expect("a listening line")
        .to_string();
    let pid = child.id();
    println!("soak: {seconds}s, {workers} workers, {JOBS} jobs, against {base} (pid {pid})");

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let tally = Arc::new(Tally::default());
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let rss = runtime.block_on(async {
        let client: HttpClient = Client::builder(TokioExecutor::new())
            .pool_max_idle_per_host(workers)
            .build_http();
        let mut tasks = Vec::new();
        for worker in 0..workers {
            let (client, base, walks, created_walk, tally, stop) = (
                client.clone(),
                base.clone(),
                Arc::clone(&walks),
                Arc::clone(&created_walk),
                Arc::clone(&tally),
                Arc::clone(&stop),
            );
            tasks.push(tokio::spawn(async move {
                let mut walker = Walker {
                    client,
                    base,
                    tally,
                    worker,
                    round: 0,
                };
                while !stop.load(Ordering::Relaxed) {
                    walker.round += 1;
                    let job = (walker.round * 7919 + worker * 104_729) % JOBS;
                    let id = format!("soak{job:04}");
                    if walker.round % 17 == 0 {
                        walker.create_and_walk(&created_walk).await;
                    } else {
                        walker.walk(&id, &walks[&id], walker.round % 5 == 0).await;
                    }
                }
            }));
        }
        // RSS once a second, while the workers run.
        let mut samples = Vec::new();
        while started.elapsed() < Duration::from_secs(seconds) {
            tokio::time::sleep(Duration::from_secs(1)).await;
            samples.push((started.elapsed().as_secs_f64(), rss_kib(pid)));
        }
        stop.store(true, Ordering::Relaxed);
        for task in tasks {
            task.await.unwrap();
        }
        samples
    });
    let elapsed = started.elapsed().as_secs_f64();

    Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .unwrap();
    let exit = child.wait().unwrap();
    let _ = std::fs::remove_dir_all(&dir);

    let requests = tally.requests.load(Ordering::Relaxed);
    let failures = tally.failures.load(Ordering::Relaxed);
    println!(
        "soak: {requests} requests in {elapsed:.0}s ({:.0}/s); {} walks checked step by step, {} after a reset, {} of created jobs",
        requests as f64 / elapsed,
        tally.walks.load(Ordering::Relaxed),
        tally.resets.load(Ordering::Relaxed),
        tally.created.load(Ordering::Relaxed),
    );
    // Flat: after a warm-up of a fifth of the run (at least 10 s), RSS grows by less than
    // 10 % and 4 MiB from the first sample after it to the highest.
    let warm_up = (seconds as f64 / 5.0).max(10.0);
    let after: Vec<u64> = rss
        .iter()
        .filter(|(at, _)| *at >= warm_up)
        .map(|(_, kib)| *kib)
        .collect();
    let (first, peak) = (
        after.first().copied().unwrap_or(0),
        after.iter().copied().max().unwrap_or(0),
    );
    let low = rss.iter().map(|(_, kib)| *kib).min().unwrap_or(0);
    println!(
        "soak: RSS {:.1} MiB at start, {:.1} MiB after warm-up ({warm_up:.0}s), {:.1} MiB at most afterwards",
        low as f64 / 1024.0,
        first as f64 / 1024.0,
        peak as f64 / 1024.0
    );
    let flat = peak <= first + (first / 10).max(4096);
    let mut ok = true;
    if failures > 0 {
        println!("soak: FAILED: {failures} answer(s) not as scripted (first ones above)");
        ok = false;
    }
    if !flat {
        println!("soak: FAILED: memory grew after warm-up");
        ok = false;
    }
    if !exit.success() {
        println!("soak: FAILED: the server exited with {exit} after SIGTERM");
        ok = false;
    }
    if requests == 0 || after.is_empty() {
        println!("soak: FAILED: no load ran, or the run was shorter than the warm-up");
        ok = false;
    }
    if ok {
        println!("soak: passed: no unscripted error, every sequence as scripted, RSS flat, exit 0");
    } else {
        std::process::exit(1);
    }
}

struct Walker {
    client: HttpClient,
    base: String,
    tally: Arc<Tally>,
    worker: usize,
    round: usize,
}

impl Walker {
    /// Polls `job` through `expected` in a new session, each poll in a format and method of its
    /// own; with `reset`, resets the session half-way and walks it again from the start.
    async fn walk(&mut self, job: &str, expected: &[Expected], reset: bool) {
        let session = format!("w{}-{}", self.worker, self.round);
        let url = format!("{}/arcgis/admin/system/jobs/{job}", self.base);
        let cut = if reset { expected.len() / 2 } else { 0 };
        for (index, want) in expected[..cut].iter().enumerate() {
            self.poll(&url, &session, index, want).await;
        }
        if reset {
            let reset_url = format!("{}/__jobmock/reset?session={session}", self.base);
            let (status, _) = self.send(Method::POST, &reset_url, &session, None).await;
            self.check(status == 200, || format!("reset answered {status}"));
            self.tally.resets.fetch_add(1, Ordering::Relaxed);
        }
        for (index, want) in expected.iter().enumerate() {
            self.poll(&url, &session, index, want).await;
        }
        self.tally.walks.fetch_add(1, Ordering::Relaxed);
    }

    async fn create_and_walk(&mut self, expected: &[Expected]) {
        let session = format!("w{}-{}", self.worker, self.round);
        let url = format!("{}/arcgis/admin/notebooks/executeNotebook", self.base);
        let form = "f=json&itemId=soak&updatePortalItem=false";
        let (status, body) = self.send(Method::POST, &url, &session, Some(form)).await;
        let answer: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        let Some(id) = answer["jobId"].as_str() else {
            self.check(false, || {
                format!("executeNotebook answered {status}: {answer}")
            });
            return;
        };
        let job_url = format!("{}/arcgis/admin/system/jobs/{id}", self.base);
        for (index, want) in expected.iter().enumerate() {
            self.poll(&job_url, &session, index, want).await;
        }
        self.tally.created.fetch_add(1, Ordering::Relaxed);
    }

    async fn poll(&self, url: &str, session: &str, index: usize, want: &Expected) {
        let (method, format, form) = match (self.round + index) % 4 {
            0 => (Method::GET, "json", None),
            1 => (Method::GET, "pjson", None),
            2 => (Method::GET, "html", None),
            _ => (Method::POST, "json", Some("f=json")),
        };
        let url = if form.is_some() {
            url.to_string()
        } else {
            format!("{url}?f={format}")
        };
        let (status, body) = self.send(method, &url, session, form).await;
        self.check(status == 200, || format!("{url} answered HTTP {status}"));
        let found = if format == "html" {
            // The page shows the status in its table; an error page, its code.
            let page = String::from_utf8_lossy(&body);
            match want {
                Expected::Status(s) if page.contains(&format!("<td>{s}</td>")) => want.clone(),
                Expected::Error(code) if page.contains(&code.to_string()) => want.clone(),
                _ => Expected::Status(format!("a page without it: {page:.200}")),
            }
        } else {
            let value: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
            match (value["status"].as_str(), value["code"].as_u64()) {
                (Some("error"), Some(code)) => Expected::Error(code as u16),
                (Some(status), _) => Expected::Status(status.to_string()),
                _ => Expected::Status(format!("not a job: {value}")),
            }
        };
        self.check(&found == want, || {
            format!(
                "{url} in session {session}, poll {}: {found:?}, scripted {want:?}",
                index + 1
            )
        });
    }

    async fn send(
        &self,
        method: Method,
        url: &str,
        session: &str,
        form: Option<&str>,
    ) -> (u16, Bytes) {
        self.tally.requests.fetch_add(1, Ordering::Relaxed);
        let mut request = Request::builder()
            .method(method)
            .uri(url)
            .header("X-Jobmock-Session", session);
        if form.is_some() {
            request = request.header("Content-Type", "application/x-www-form-urlencoded");
        }
        let body = Full::from(form.unwrap_or_default().to_string());
        match self.client.request(request.body(body).unwrap()).await {
            Ok(response) => {
                let status = response.status().as_u16();
                let body = response
                    .into_body()
                    .collect()
                    .await
                    .map(|body| body.to_bytes())
                    .unwrap_or_default();
                (status, body)
            }
            Err(err) => {
                self.check(false, || format!("{url}: {err}"));
                (0, Bytes::new())
            }
        }
    }

    fn check(&self, holds: bool, what: impl FnOnce() -> String) {
        if !holds {
            let before = self.tally.failures.fetch_add(1, Ordering::Relaxed);
            if before < 10 {
                eprintln!("soak: not as scripted: {}", what());
            }
        }
    }
}

/// Writes the soak's fixture set: jobs whose steps hold for 1 to 3 polls, every tenth with an
/// ArcGIS error aimed at its second poll; and the shipped executeNotebook template.
fn make_fixtures(dir: &Path) {
    let mut seed: u64 = 0x5eed;
    let mut next = |n: u64| {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) % n
    };
    for job in 0..JOBS {
        let id = format!("soak{job:04}");
        let folder = dir.join("jobs").join(&id);
        std::fs::create_dir_all(&folder).unwrap();
        let last = if next(4) == 0 { "FAILED" } else { "COMPLETED" };
        let statuses = ["SUBMITTED", "PROCESSING", last];
        let mut steps = serde_json::Map::new();
        for (index, status) in statuses.iter().enumerate() {
            let name = format!("{:03}.json", index + 1);
            let body = json!({
                "jobId": id,
                "type": "executeNotebook",
                "status": status,
                "messages": [format!("step {}", index + 1)],
            });
            std::fs::write(
                folder.join(&name),
                serde_json::to_vec_pretty(&body).unwrap(),
            )
            .unwrap();
            steps.insert(name, json!({"polls": 1 + next(3)}));
        }
        let mut script = json!({"steps": steps});
        if job % FAULTY_EVERY == 0 {
            script["faults"] = json!([{
                "poll": 2,
                "fault": {"arcgisError": {"code": FAULT_CODE, "message": "scripted by the soak"}}
            }]);
        }
        std::fs::write(folder.join("script.json"), script.to_string()).unwrap();
    }
    let template = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/templates/executeNotebook");
    let target = dir.join("templates/executeNotebook");
    std::fs::create_dir_all(&target).unwrap();
    for entry in std::fs::read_dir(&template).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), target.join(entry.file_name())).unwrap();
    }
}

/// Per job, what each poll answers until the last step has answered twice.
fn expected_walks(set: &FixtureSet) -> HashMap<String, Vec<Expected>> {
    set.jobs()
        .iter()
        .map(|job| {
            let mut polls = Vec::new();
            for (index, step) in job.steps.iter().enumerate() {
                let status = step.job_status.as_deref().unwrap_or_default().to_string();
                let hold = if index + 1 == job.steps.len() {
                    2
                } else {
                    job.sequence.hold(index)
                };
                for _ in 0..hold {
                    polls.push(Expected::Status(status.clone()));
                }
            }
            // A fault aimed at a poll answers instead, and the sequence waits for it.
            for (poll, _) in &job.poll_faults {
                polls.insert(*poll as usize - 1, Expected::Error(FAULT_CODE));
            }
            (job.id.to_string(), polls)
        })
        .collect()
}

fn template_walk(set: &FixtureSet) -> Vec<Expected> {
    let template = set
        .template("executeNotebook")
        .expect("the template was copied");
    let mut polls = Vec::new();
    for (index, step) in template.steps.iter().enumerate() {
        let status = step.job_status.as_deref().unwrap_or_default().to_string();
        for _ in 0..template.sequence.hold(index) {
            polls.push(Expected::Status(status.clone()));
        }
    }
    polls
}

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|line| line.starts_with("VmRSS:"))
                .and_then(|line| line.split_whitespace().nth(1))
                .and_then(|kib| kib.parse().ok())
        })
        .unwrap_or(0)
}

fn tempfile_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("jobmock-soak-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
