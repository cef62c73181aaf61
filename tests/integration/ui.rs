//! The web view: `GET /__jobmock/ui` of a replay server (jobs, each session's polls on a time
//! axis, the journal with near misses), `jobmock report` of a set on disk, and both kept safe
//! from fixtures that hold markup. (The real browser's test is scripts/ui-test.sh.)

use base64::Engine as _;

use crate::util::*;

/// Markup a hostile fixture or client puts everywhere it can.
const HOSTILE: &[&str] = &[
    "<script>document.title='pwned'</script>",
    "\"><img src=x onerror=\"document.title='pwned'\">",
    "</title><svg onload=alert(1)>",
];

/// Fails if `page` holds any markup but the page's own: every raw `<…>` is a tag this program
/// writes (data can hold `<` only escaped), and no tag is a script, an image, a frame or an
/// embed, none has an event handler or a `javascript:` value; one style block.
fn assert_inert(page: &str) {
    let mut rest = page;
    while let Some(start) = rest.find('<') {
        let end = rest[start..]
            .find('>')
            .map_or(rest.len(), |end| start + end + 1);
        let tag = rest[start..end].to_ascii_lowercase();
        let name: String = tag
            .trim_start_matches(['<', '/', '!'])
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        assert!(
            !["script", "img", "iframe", "object", "embed", "link", "base"]
                .contains(&name.as_str()),
            "a {name} tag in the page: {tag}"
        );
        let attributes = tag.split_whitespace().skip(1);
        for attribute in attributes {
            assert!(!attribute.starts_with("on"), "an event handler: {tag}");
        }
        assert!(!tag.contains("javascript:"), "a javascript: value in {tag}");
        rest = &rest[end..];
    }
    assert_eq!(page.matches("<style>").count(), 1);
}

/// The policy of the page allows its style block by the block's own hash, and nothing else.
fn assert_policy_matches_style(policy: &str, page: &str) {
    let style = page
        .split_once("<style>")
        .and_then(|(_, rest)| rest.split_once("</style>"))
        .map(|(style, _)| style)
        .expect("a style block");
    let digest = ring::digest::digest(&ring::digest::SHA256, style.as_bytes());
    let hash = base64::engine::general_purpose::STANDARD.encode(digest.as_ref());
    assert!(
        policy.contains(&format!("style-src 'sha256-{hash}'")),
        "{policy}"
    );
    assert!(policy.starts_with("default-src 'none'"), "{policy}");
    assert!(!policy.contains("unsafe"), "{policy}");
    assert!(
        !policy.contains("script-src"),
        "no script is allowed at all: {policy}"
    );
}

/// The live page lists every job with its steps, draws each session's polls on a time axis
/// with the status served (and the gaps), shows the journal newest first with unmatched
/// requests and their near misses, and filters by session and job.
#[tokio::test]
async fn the_live_page_shows_jobs_polls_and_the_journal() {
    let server = TestServer::start(&shipped_fixtures()).await;
    for _ in 0..4 {
        get(server.job_url(EXECUTE_JOB, "?f=json"))
            .session("ci-1")
            .send()
            .await;
    }
    get(server.job_url(OPEN_JOB, "?f=json"))
        .session("ci-2")
        .send()
        .await;
    get(server.url("/portal/sharing/rest/portals/selff?f=json"))
        .session("ci-1")
        .send()
        .await;

    let answer = get(server.url("/__jobmock/ui?refresh=0")).send().await;
    assert_eq!(answer.status, 200);
    assert!(answer.header("content-type").starts_with("text/html"));
    assert_eq!(answer.header("x-content-type-options"), "nosniff");
    let page = &answer.body;
    assert_policy_matches_style(answer.header("content-security-policy"), page);
    assert_inert(page);
    for job in [OPEN_JOB, EXECUTE_JOB, FAILED_JOB, HOLDING_JOB, TIMED_JOB] {
        assert!(
            page.contains(&format!("id=\"job-{job}\"")),
            "{job} is not listed"
        );
    }
    for mark in [
        "poll 1 · SUBMITTED · +0 ms",
        "poll 2 · PROCESSING",
        "poll 3 · COMPLETED",
        "poll 4 · COMPLETED",
        "· after the job ended",
    ] {
        assert!(page.contains(mark), "no mark {mark:?}");
    }
    assert!(page.contains("4 poll(s): SUBMITTED → PROCESSING → COMPLETED ×2; gaps min"));
    assert!(page.contains("; 1 poll(s) after the job ended"));
    assert!(page.contains("<tr class=\"unmatched\">"));
    assert!(page.contains("closest exchange GET-portal-sharing-rest-portals-self: path: sent /portal/sharing/rest/portals/selff, recorded /portal/sharing/rest/portals/self"));
    assert!(
        !page.contains("http-equiv=\"refresh\""),
        "refresh=0 does not refresh"
    );

    let filtered = get(server.url(&format!("/__jobmock/ui?session=ci-2&job={OPEN_JOB}")))
        .send()
        .await
        .body;
    assert!(filtered.contains(&format!("id=\"job-{OPEN_JOB}\"")));
    assert!(!filtered.contains(&format!("id=\"job-{EXECUTE_JOB}\"")));
    assert!(filtered.contains("session ci-2"));
    assert!(!filtered.contains("session ci-1"));
    assert!(filtered.contains("http-equiv=\"refresh\" content=\"3\""));

    let post = post(server.url("/__jobmock/ui")).send().await;
    assert_eq!(post.status, 405);
}

/// A set whose steps hold markup everywhere, polled by a client whose session name is markup:
/// the live page and the report hold it only as escaped text.
#[tokio::test]
async fn markup_in_fixtures_and_requests_is_only_ever_text() {
    let fixtures = FixtureDir::new();
    let steps = [
        serde_json::json!({"jobId": "jhostile", "type": "executeNotebook", "status": HOSTILE[0],
            "messages": HOSTILE, "customAttributes": {HOSTILE[1]: HOSTILE[2]}}),
        serde_json::json!({"jobId": "jhostile", "type": HOSTILE[1], "status": "COMPLETED",
            "results": {"notebookUrl": "javascript:alert(1)"}}),
    ];
    for (index, step) in steps.iter().enumerate() {
        fixtures.file(
            &format!("jobs/jhostile/{:03}.json", index + 1),
            &step.to_string(),
        );
    }
    let server = TestServer::start(fixtures.path()).await;
    for _ in 0..2 {
        get(server.job_url("jhostile", "?f=json"))
            .session("<script>alert(1)</script>")
            .send()
            .await;
    }
    let answer = get(server.url("/__jobmock/ui")).send().await;
    assert_inert(&answer.body);
    assert!(
        answer
            .body
            .contains("&lt;script&gt;document.title=&#39;pwned&#39;&lt;/script&gt;")
    );
    assert!(
        answer
            .body
            .contains("session &lt;script&gt;alert(1)&lt;/script&gt;")
    );

    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report.html");
    let (code, _, err) = run_binary(&[
        "report",
        fixtures.path().to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(0), "{err}");
    let report = std::fs::read_to_string(&out).unwrap();
    assert_inert(&report);
    assert!(report.contains("&lt;script&gt;document.title=&#39;pwned&#39;&lt;/script&gt;"));
    let policy = report
        .split_once("http-equiv=\"Content-Security-Policy\" content=\"")
        .and_then(|(_, rest)| rest.split_once('"'))
        .map(|(policy, _)| policy.replace("&#39;", "'"))
        .unwrap();
    assert_policy_matches_style(&policy, &report);
    // The status typo-like value is a finding of the set, shown (escaped) in the report.
    assert!(report.contains("<section class=\"diff\">"));
    assert!(report.contains("outside-enumeration"), "{report}");
}

/// `jobmock report` of the shipped set: every job and template with its steps on an axis, the
/// exchanges, no drift; an existing --out is not written over unless told.
#[test]
fn report_writes_one_self_contained_page() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("shipped.html");
    let fixtures = shipped_fixtures();
    let args = [
        "report",
        fixtures.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ];
    let (code, _, err) = run_binary(&args);
    assert_eq!(code, Some(0), "{err}");
    let page = std::fs::read_to_string(&out).unwrap();
    for job in [OPEN_JOB, EXECUTE_JOB, FAILED_JOB, HOLDING_JOB, TIMED_JOB] {
        assert!(page.contains(&format!("id=\"job-{job}\"")), "{job}");
    }
    assert!(page.contains("id=\"job-templates/executeNotebook\""));
    assert!(
        page.contains("002.json · PROCESSING · from +1500 ms"),
        "time axis"
    );
    assert!(
        page.contains("003.json · PROCESSING · 5 poll(s)"),
        "hold counts"
    );
    assert!(page.contains("admin error 498: Invalid token."));
    // Every exchange of the set is listed (the notebook jobs' and the web tool's metadata).
    let exchanges = std::fs::read_dir(fixtures.join("exchanges"))
        .unwrap()
        .count();
    assert!(exchanges > 12, "the shipped exchanges: {exchanges}");
    assert!(
        page.contains(&format!("Exchanges ({exchanges})")),
        "{exchanges}"
    );
    assert!(page.contains("no drift"));
    assert!(
        !page.contains("http://") && !page.contains("https://"),
        "nothing fetched"
    );
    assert_inert(&page);

    let (code, _, err) = run_binary(&args);
    assert_eq!(code, Some(2));
    assert!(err.contains("exists already"), "{err}");
    let mut again = args.to_vec();
    again.push("--overwrite");
    assert_eq!(run_binary(&again).0, Some(0));
}

/// The recorder's web view: the jobs recorded so far, each step's status and hold count.
#[tokio::test]
async fn the_recorder_shows_what_it_recorded_so_far() {
    let upstream = Binary::replay(&shipped_fixtures(), &[]);
    let recorded = tempfile::tempdir().unwrap();
    let proxy = Binary::record(&upstream.base, recorded.path(), &["--keep-job-ids"]);
    for _ in 0..4 {
        get(proxy.url(&format!("/arcgis/admin/system/jobs/{EXECUTE_JOB}?f=json")))
            .send()
            .await;
    }
    // The recording thread takes what the proxy answered every few milliseconds.
    let mut answer = get(proxy.url("/__jobmock/ui")).send().await;
    for _ in 0..100 {
        if answer.body.contains("2 poll(s)") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        answer = get(proxy.url("/__jobmock/ui")).send().await;
    }
    assert_eq!(answer.status, 200);
    assert!(
        answer
            .header("content-security-policy")
            .starts_with("default-src 'none'")
    );
    let page = &answer.body;
    assert_inert(page);
    assert!(
        page.contains(&format!("id=\"job-{EXECUTE_JOB}\"")),
        "{page}"
    );
    assert!(page.contains("COMPLETED"));
    assert!(
        page.contains("2 poll(s)"),
        "the last step held twice: {page}"
    );
    // Anything else under /__jobmock/ is still neither forwarded nor recorded.
    assert_eq!(get(proxy.url("/__jobmock/health")).send().await.status, 404);
}
