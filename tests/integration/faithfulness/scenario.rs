//! The scenario: a person named with colliding words, a person with uncommon names, a token and
//! a password; the ArcGIS-shaped exchanges they make, what redaction may learn from them, and the
//! strategies that generate them.

use proptest::prelude::*;
use serde_json::{Value, json};

use super::*;

/// A person as the Portal describes one.
#[derive(Debug, Clone)]
pub(super) struct Person {
    pub(super) first: String,
    pub(super) last: String,
    pub(super) full: String,
    pub(super) username: String,
    pub(super) email: String,
}

/// How a colliding person's username is made from their names.
#[derive(Debug, Clone, Copy)]
pub(super) enum UsernameStyle {
    /// `<first><last>` in lower case (`postsmith`).
    Joined,
    /// The first name in lower case (`post`).
    FirstLower,
    /// The first name as it is (`Post`).
    First,
}

impl Person {
    pub(super) fn new(first: &str, last: &str, username: String) -> Person {
        Person {
            first: first.to_string(),
            last: last.to_string(),
            full: format!("{first} {last}"),
            email: format!(
                "{}.{}@customer.com",
                first.to_lowercase(),
                last.to_lowercase()
            ),
            username,
        }
    }

    /// A person named with two words of [`COLLIDING_WORDS`].
    pub(super) fn colliding(first: &str, last: &str, style: UsernameStyle) -> Person {
        let username = match style {
            UsernameStyle::Joined => format!("{first}{last}").to_lowercase(),
            UsernameStyle::FirstLower => first.to_lowercase(),
            UsernameStyle::First => first.to_string(),
        };
        Person::new(first, last, username)
    }

    /// A person whose names are in no dictionary (`Qz` and `Vr` before generated letters).
    pub(super) fn uncommon(first: &str, last: &str) -> Person {
        let first = format!("Qz{first}");
        let last = format!("Vr{last}");
        let username = format!("{}_{}", first.to_lowercase(), last.to_lowercase());
        Person::new(&first, &last, username)
    }

    pub(super) fn values(&self) -> [&str; 5] {
        [
            &self.first,
            &self.last,
            &self.full,
            &self.username,
            &self.email,
        ]
    }

    /// The person as `community/self` and `community/users/<u>` answer.
    pub(super) fn portal_user(&self) -> Value {
        json!({
            "username": self.username,
            "idpUsername": self.username,
            "fullName": self.full,
            "firstName": self.first,
            "lastName": self.last,
            "email": self.email,
            "description": null,
            "orgId": "0123456789ABCDEF",
            "role": "org_admin",
            "userLicenseTypeId": "creatorUT",
            "privileges": ["portal:user:createItem", "premium:user:createNotebooks"],
            "level": "2",
            "disabled": false,
            "units": "english",
            "culture": "en",
            "created": 1_600_000_000_000u64,
            "modified": 1_600_000_000_001u64,
            "provider": "arcgis",
        })
    }
}

/// One generated scenario: who the people are and what the upstream issues.
#[derive(Debug, Clone)]
pub(super) struct Scenario {
    /// The person whose names are colliding words.
    pub(super) person: Person,
    /// A person whose names are in no dictionary: hunted through every text.
    pub(super) other: Person,
    /// The token generateToken issues (40 random characters).
    pub(super) token: String,
    /// The password the client sends to generateToken.
    pub(super) password: String,
    /// The token's expiry, epoch milliseconds.
    pub(super) expires: u64,
}

/// The body of an upstream's answer; `{{origin}}` stands where it names the server.
#[derive(Debug, Clone)]
pub(super) enum Body {
    Json(Value),
    Text(String),
}

impl Body {
    /// The body as the upstream at `origin` sends it.
    pub(super) fn bytes(&self, origin: &str) -> Vec<u8> {
        match self {
            Body::Json(value) => serde_json::to_string(value).unwrap(),
            Body::Text(text) => text.clone(),
        }
        .replace("{{origin}}", origin)
        .into_bytes()
    }
}

/// One request of a scenario and the upstream's answer to it.
#[derive(Debug, Clone)]
pub(super) struct Exchange {
    pub(super) method: &'static str,
    pub(super) path: String,
    pub(super) query: Vec<(String, String)>,
    /// A form body (`application/x-www-form-urlencoded`).
    pub(super) form: Option<Vec<(String, String)>>,
    pub(super) headers: Vec<(String, String)>,
    pub(super) status: u16,
    pub(super) answer_headers: Vec<(&'static str, String)>,
    pub(super) body: Body,
}

pub(super) const JSON_TYPE: &str = "application/json; charset=utf-8";
pub(super) const JOB_ID: &str = "j5f3c2a1b-7d4e-4f60-9a8b-1c2d3e4f5a6b";
pub(super) const ITEM_ID: &str = "5d0c8a3e9f1b4c7a8e2d6f0a1b3c5e7d";
pub(super) const CSV_ITEM_ID: &str = "9a8b7c6d5e4f30211203f4e5d6c7b8a9";
pub(super) const GROUP_ID: &str = "c0ffee00c0ffee00c0ffee00c0ffee00";
pub(super) const RUNTIME_ID: &str = "a1b2c3d4e5f60718293a4b5c6d7e8f90";

pub(super) fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(name, value)| (name.to_string(), value.to_string()))
        .collect()
}

impl Exchange {
    pub(super) fn get(path: impl Into<String>, query: &[(&str, &str)]) -> Exchange {
        Exchange {
            method: "GET",
            path: path.into(),
            query: pairs(query),
            form: None,
            headers: vec![
                ("User-Agent".into(), "Geosaurus/2.4.4".into()),
                ("Cache-Control".into(), "max-age=0".into()),
            ],
            status: 200,
            answer_headers: Vec::new(),
            body: Body::Text(String::new()),
        }
    }

    pub(super) fn post(path: impl Into<String>, form: &[(&str, &str)]) -> Exchange {
        Exchange {
            method: "POST",
            form: Some(pairs(form)),
            ..Exchange::get(path, &[])
        }
    }

    pub(super) fn bearer(mut self, token: &str) -> Exchange {
        self.headers
            .push(("X-Esri-Authorization".into(), format!("Bearer {token}")));
        self
    }

    pub(super) fn json(mut self, body: Value) -> Exchange {
        self.answer_headers = vec![
            ("content-type", JSON_TYPE.into()),
            ("cache-control", "max-age=0".into()),
        ];
        self.body = Body::Json(body);
        self
    }

    pub(super) fn text(mut self, content_type: &str, body: String) -> Exchange {
        self.answer_headers = vec![
            ("content-type", content_type.into()),
            ("cache-control", "max-age=0, must-revalidate".into()),
        ];
        self.body = Body::Text(body);
        self
    }

    pub(super) fn status(mut self, status: u16) -> Exchange {
        self.status = status;
        self
    }

    /// The path and query as a client sends them.
    pub(super) fn target(&self) -> String {
        if self.query.is_empty() {
            self.path.clone()
        } else {
            format!("{}?{}", self.path, encode_form(&self.query))
        }
    }

    /// The parameters sent, query and form.
    pub(super) fn params(&self) -> Vec<(String, String)> {
        let mut all = self.query.clone();
        all.extend(self.form.iter().flatten().cloned());
        all
    }

    /// The job this request polls, if it is a job poll.
    pub(super) fn polled_job(&self) -> Option<&str> {
        self.path.split_once("/system/jobs/").map(|(_, job)| job)
    }

    pub(super) fn content_type(&self) -> Option<&str> {
        self.answer_headers
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case("content-type"))
            .map(|(_, value)| value.as_str())
    }
}

pub(super) fn encode_form(pairs: &[(String, String)]) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

pub(super) fn decode_form(text: &str) -> Vec<(String, String)> {
    form_urlencoded::parse(text.as_bytes())
        .map(|(name, value)| (name.into_owned(), value.into_owned()))
        .collect()
}

impl Scenario {
    /// The scenario's exchanges, in the order the client sends them.
    pub(super) fn exchanges(&self) -> Vec<Exchange> {
        let (p, o, token) = (&self.person, &self.other, &self.token);
        let user = &p.username;
        let member = |person: &Person, kind: &str, joined: u64| {
            json!({"username": person.username, "fullName": person.full, "memberType": kind,
                   "thumbnail": null, "joined": joined})
        };
        let notebook_parameters = json!({"units": "english", "max": 5, "mode": p.first});
        let mut self_answer = p.portal_user();
        self_answer["groups"] =
            json!([{"id": GROUP_ID, "title": format!("{} Group", p.last), "owner": user}]);
        vec![
            Exchange::post(
                "/portal/sharing/rest/generateToken",
                &[
                    ("username", user),
                    ("password", &self.password),
                    ("client", "requestip"),
                    ("expiration", "60"),
                    ("f", "json"),
                ],
            )
            .json(json!({"token": token, "expires": self.expires, "ssl": true})),
            Exchange::get("/portal/sharing/rest/portals/self", &[("f", "json")])
                .bearer(token)
                .json(json!({
                    "id": "0123456789ABCDEF",
                    "name": "GIS Portal",
                    "units": "english",
                    "culture": "en",
                    "isPortal": true,
                    "currentVersion": "11.3",
                    "maxTokenExpirationMinutes": 20160,
                    "tokens": {"token": token, "expires": self.expires},
                    "subscriptionInfo": {"type": "In House", "maxUsers": 100,
                                         "maxUsersPerLevel": {"1": 0, "2": 100}},
                    "helperServices": {"printTask": {"url": "{{origin}}/server/rest/services/Utilities/PrintingTools/GPServer/Export%20Web%20Map%20Task"}},
                    "user": p.portal_user(),
                })),
            Exchange::get("/portal/sharing/rest/community/self", &[("f", "json")])
                .bearer(token)
                .json(self_answer),
            Exchange::get(
                format!("/portal/sharing/rest/community/users/{user}"),
                &[("f", "json")],
            )
            .bearer(token)
            .json(p.portal_user()),
            Exchange::get(
                format!("/portal/sharing/rest/community/groups/{GROUP_ID}/userList"),
                &[("f", "json"), ("start", "1"), ("num", "25")],
            )
            .bearer(token)
            .json(json!({
                "owner": member(p, "owner", 1_600_000_000_000),
                "admins": [],
                "users": [member(o, "member", 1_600_000_000_002), member(p, "owner", 1_600_000_000_000)],
                "total": 2, "start": 1, "num": 25, "nextStart": -1,
            })),
            Exchange::get(
                format!("/portal/sharing/rest/content/users/{user}/items"),
                &[("f", "json"), ("num", "10")],
            )
            .bearer(token)
            .json(json!({
                "username": user, "total": 1, "start": 1, "num": 10, "nextStart": -1,
                "currentFolder": null, "folders": [],
                "items": [{"id": ITEM_ID, "owner": user, "title": format!("{} report", p.first),
                           "type": "Notebook", "typeKeywords": ["Notebook", "Python"],
                           "url": null, "created": 1_600_000_000_000u64, "size": 2048,
                           "access": "private"}],
            })),
            Exchange::post(
                "/notebookserver/admin/notebooks/executeNotebook",
                &[
                    ("itemId", ITEM_ID),
                    ("updatePortalItem", "true"),
                    ("saveInjectedParameters", "false"),
                    ("notebookParameters", &notebook_parameters.to_string()),
                    ("timeoutInMinutes", "20"),
                    ("f", "json"),
                ],
            )
            .bearer(token)
            .json(json!({
                "jobId": JOB_ID,
                "jobUrl": format!("{{{{origin}}}}/notebookserver/admin/system/jobs/{JOB_ID}"),
                "status": "success",
            })),
            Exchange::get(
                format!("/notebookserver/admin/system/jobs/{JOB_ID}"),
                &[("f", "json")],
            )
            .bearer(token)
            .json(json!({
                "jobId": JOB_ID, "type": "executeNotebook", "status": "EXECUTING",
                "username": user, "created_user": user,
                "startTime": 1_600_000_000_100u64,
                "messages": [format!("Step: {}", p.first), "Kernel started: python3"],
                "customAttributes": {"isCancelled": false, "max": 1, "key": 7},
            })),
            Exchange::get(
                format!("/notebookserver/admin/system/jobs/{JOB_ID}"),
                &[("f", "json"), ("token", token)],
            )
            .json(json!({
                "jobId": JOB_ID, "type": "executeNotebook", "status": "COMPLETED",
                "username": user, "last_edited_user": user,
                "startTime": 1_600_000_000_100u64, "endTime": 1_600_000_060_000u64,
                "messages": [format!("Notebook run by {} ({}); ask {} about it", p.full, p.email, o.first)],
                "results": {"output": {"max": 3.5, "min": -1, "count": 0, "total": 12, "ok": true,
                                       "error": null, "units": "english", "type": p.last}},
                "customAttributes": {"isCancelled": false, "max": 1, "key": 7},
            })),
            Exchange::get("/notebookserver/admin/notebooks/runtimes", &[("f", "json")])
                .bearer(token)
                .json(json!({"runtimes": [
                    {"id": RUNTIME_ID, "name": "ArcGIS Notebook Python 3 Standard", "version": "10.0",
                     "maxCpu": 2.0, "maxMemory": 6.5, "maxMemoryUnit": "g", "advanced": false},
                    {"id": "b1b2c3d4e5f60718293a4b5c6d7e8f91", "name": "ArcGIS Notebook Python 3 Advanced",
                     "version": "10.0", "maxCpu": 4.0, "maxMemory": 16, "maxMemoryUnit": "g", "advanced": true},
                ]})),
            Exchange::get(
                format!("/portal/sharing/rest/content/items/{ITEM_ID}/data"),
                &[],
            )
            .bearer(token)
            .json(json!({
                "metadata": {
                    "kernelspec": {"display_name": "ArcGIS Notebook Python 3", "name": "python3", "language": "python"},
                    "language_info": {"name": "python", "version": "3.11.8"},
                    "esriNotebookRuntime": {"notebookRuntimeName": "ArcGIS Notebook Python 3 Standard",
                                            "notebookRuntimeVersion": "10.0"},
                },
                "cells": [{"cell_type": "code", "execution_count": 1, "metadata": {}, "outputs": [],
                           "source": ["conn = \"INSTANCE=sde:sqlserver:gishost;USER=sde\"\n",
                                      format!("mode = \"{}\"  # Post, Get, Max\n", p.first)]}],
                "connectionString": "INSTANCE=sde:sqlserver:gishost;USER=sde;DATABASE=gis",
                "nbformat": 4, "nbformat_minor": 5,
            })),
            Exchange::get(
                format!("/notebookserver/admin/notebooks/runtimes/{RUNTIME_ID}/manifest"),
                &[("f", "html")],
            )
            .bearer(token)
            .text(
                "text/html; charset=utf-8",
                format!(
                    "<html><head><title>Manifest</title></head><body>\
                     <h1 class=\"Type\">ArcGIS Notebook Python 3 Standard</h1>\
                     <table data-key=\"Max\"><tr><th>Key</th><th>Value</th></tr>\
                     <tr><td>Type</td><td>Standard</td></tr><tr><td>Status</td><td>{}</td></tr>\
                     <tr><td>Max</td><td>5</td></tr><tr><td>Runtime</td><td>{}</td></tr></table>\
                     <p>Maintained by {}, {}</p></body></html>",
                    p.first, p.last, p.full, p.email
                ),
            ),
            Exchange::get(
                format!("/portal/sharing/rest/content/items/{CSV_ITEM_ID}/data"),
                &[],
            )
            .bearer(token)
            .text(
                "text/csv",
                format!(
                    "Name,Type,Status,Max,Min,Key,Value\n{},Job,Standard,12,3,English,true\n\
                     {},Post,Advanced,5,1,Value,null\n",
                    p.first, p.last
                ),
            ),
            Exchange::get(
                format!("/portal/sharing/rest/content/items/{ITEM_ID}/resources/run.log"),
                &[],
            )
            .bearer(token)
            .text(
                "text/plain",
                format!(
                    "INFO job {JOB_ID} ({}): started by {}\nDEBUG token {token} issued; Max retries 3\n\
                     DEBUG Status: {}; Type: Standard\n",
                    p.first, p.full, p.last
                ),
            ),
            Exchange::get(
                "/notebookserver/admin/notebooks/0000000000000000000000000000dead",
                &[("f", "json")],
            )
            .bearer(token)
            .json(json!({"error": {"code": 404, "message": "Notebook not found", "details": []}}))
            .status(404),
        ]
    }

    /// What redaction may replace in this scenario's texts.
    pub(super) fn learned(&self) -> Learned {
        let people = [&self.person, &self.other];
        let personal: Vec<String> = people
            .iter()
            .flat_map(|person| person.values())
            .map(str::to_string)
            .collect();
        let mut hunted: Vec<String> = personal
            .iter()
            .filter(|value| !is_ordinary(value))
            .cloned()
            .collect();
        let secrets = vec![self.token.clone(), self.password.clone()];
        hunted.extend(secrets.iter().cloned());
        Learned {
            hunted,
            personal,
            secrets,
        }
    }

    /// The person's values that redaction must have removed from every file: those that are
    /// not ordinary words, and the secrets.
    pub(super) fn never_written(&self) -> Vec<String> {
        self.learned().hunted
    }
}

/// A scenario's text with the people left out, to keep out scenarios whose made-up names are
/// the scenario's own data (a username `notebookserver` would be a path segment of every job).
pub(super) fn plain_scenario_text() -> String {
    let nobody = Scenario {
        person: Person::uncommon("nobody", "noone"),
        other: Person::uncommon("nobody", "noone"),
        token: "t".into(),
        password: "p".into(),
        expires: 1,
    };
    nobody
        .exchanges()
        .iter()
        .map(|exchange| {
            format!(
                "{} {} {:?} {:?} {}",
                exchange.method,
                exchange.target(),
                exchange.form,
                exchange.headers,
                String::from_utf8_lossy(&exchange.body.bytes("{{origin}}"))
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Whether `person`'s names are free of the scenario's own data (see [`plain_scenario_text`]).
pub(super) fn names_are_not_data(person: &Person) -> bool {
    let text = plain_scenario_text();
    [&person.full, &person.username]
        .into_iter()
        .filter(|value| !is_ordinary(value))
        .all(|value| token_occurrences(&text, value).is_empty())
}

// ---------------------------------------------------------------------------------------------
// The strategies.

pub(super) fn colliding_word() -> impl Strategy<Value = &'static str> {
    proptest::sample::select(COLLIDING_WORDS)
}

pub(super) fn username_style() -> impl Strategy<Value = UsernameStyle> {
    prop_oneof![
        Just(UsernameStyle::Joined),
        Just(UsernameStyle::FirstLower),
        Just(UsernameStyle::First),
    ]
}

/// A scenario with a colliding person (whose made-up names are not the scenario's own data),
/// an uncommon one, a token of 40 characters and a password.
pub(super) fn scenario() -> impl Strategy<Value = Scenario> {
    (
        colliding_word(),
        colliding_word(),
        username_style(),
        "[a-z]{6}",
        "[a-z]{6}",
        "[A-Za-z0-9]{40}",
        "[A-Za-z0-9]{14,20}",
        1_700_000_000_000u64..1_900_000_000_000,
    )
        .prop_map(
            |(first, last, style, other_first, other_last, token, password, expires)| Scenario {
                person: Person::colliding(first, last, style),
                other: Person::uncommon(&other_first, &other_last),
                token,
                password,
                expires,
            },
        )
        .prop_filter(
            "the person's names are the scenario's own data",
            |scenario| names_are_not_data(&scenario.person),
        )
}

/// Each case starts binaries: few cases, few shrinks (each a full run), no regression file.
pub(super) fn few_cases() -> ProptestConfig {
    ProptestConfig {
        cases: 12,
        max_shrink_iters: 16,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}
