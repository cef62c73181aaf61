//! A recording of colliding names replays: the same requests get the recorded answers.

use serde_json::Value;

use crate::util::*;

use super::*;

/// A recording of colliding names replays: each scenario is recorded, then `jobmock replay`
/// of the set is sent the same requests (the same methods and paths; a Portal user path names
/// the user the replayed `community/self` names, as a client would), and each gets the
/// recorded answer: its status, content type, and a body that is the upstream's but for
/// learned values.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faithful_recording_of_colliding_names_replays() {
    let people = [
        Person::colliding("Post", "Get", UsernameStyle::FirstLower),
        Person::colliding("Max", "Key", UsernameStyle::Joined),
        Person::colliding("Python", "Standard", UsernameStyle::First),
        Person::colliding("Job", "Status", UsernameStyle::FirstLower),
    ];
    let mut problems = Vec::new();
    for person in people {
        let scenario = Scenario {
            person: person.clone(),
            other: Person::uncommon("mnopqr", "stuvwx"),
            token: "Zq7".repeat(13) + "k",
            password: "Hx81pLq02vNs".into(),
            expires: 1_800_000_000_000,
        };
        let set = tempfile::tempdir().unwrap();
        record_scenario(&scenario, set.path()).await;
        let learned = scenario.learned();
        let replay = Binary::replay(set.path(), &[]);
        let mut checker = Checker::new(Some(&learned));
        let mut replayed_user: Option<String> = None;
        for exchange in scenario.exchanges() {
            let mut target = exchange.target();
            if let Some(user) = &replayed_user {
                for mark in USER_SEGMENT_MARKS {
                    target = target.replace(
                        &format!("{mark}{}/", person.username),
                        &format!("{mark}{user}/"),
                    );
                    target = target.replace(
                        &format!("{mark}{}?", person.username),
                        &format!("{mark}{user}?"),
                    );
                }
            }
            let at = format!("{:?}: replayed {} {target}", person.full, exchange.method);
            let answer = call(&replay.base, &exchange, &target).send().await;
            if answer.status.as_u16() != exchange.status {
                checker.problem(format!(
                    "{at}: {} instead of {}: {}",
                    answer.status,
                    exchange.status,
                    shorten(&answer.body)
                ));
                continue;
            }
            // The media type, not its parameters: a JSON step is served as JSON.
            let media = |value: &str| {
                value
                    .split(';')
                    .next()
                    .unwrap_or_default()
                    .trim()
                    .to_string()
            };
            if let Some(content_type) = exchange.content_type() {
                let served = answer
                    .headers
                    .get("content-type")
                    .and_then(|value| value.to_str().ok())
                    .unwrap_or_default();
                if media(served) != media(content_type) {
                    checker.problem(format!(
                        "{at}: the content type {content_type:?} became {served:?}"
                    ));
                }
            }
            let original = String::from_utf8(exchange.body.bytes("{{origin}}")).unwrap();
            let served = answer.body.replace(&replay.base, "{{origin}}");
            let before = checker.problems.len();
            checker.body(&at, &original, &served);
            // Replay's own refusal (no exchange matched) comes as a 200 error: say what it said.
            let refused = serde_json::from_str::<Value>(&served)
                .is_ok_and(|value| value["status"] == "error" && value.get("jobId").is_none());
            if refused && checker.problems.len() > before {
                checker.problem(format!("{at}: replay answered {}", shorten(&served)));
            }
            if exchange.path.ends_with("/community/self") {
                replayed_user = answer.json()["username"].as_str().map(str::to_string);
            }
        }
        problems.extend(checker.problems());
    }
    assert_no_problems("the replays of recordings of colliding names", &problems);
}
