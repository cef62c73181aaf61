//! Faithfulness by construction (issue 20): redaction changes values, never structure.
//!
//! JSON keys, HTTP methods, header names, status lines, URL shapes, numbers, booleans, HTML
//! tag and attribute names and CSV headers are never rewritten. A value is replaced only where
//! the WHOLE value (a JSON string, a parameter value, a whole path segment) or a whole token of
//! free text equals something learned: a secret, or a person's name, username or e-mail learned
//! from a personal field. A personal value that is an ordinary word (`Post`, `Max`, `Python`,
//! any of [`COLLIDING_WORDS`]) is replaced only as a whole personal-field value or a Portal user
//! path segment (`/community/users/<u>`, `/content/users/<u>`), never hunted through other text.
//!
//! How the checks work. A [`Scenario`] is a person whose names are colliding words, a second
//! person with names no dictionary holds, and a token and a password; its [`Exchange`]s are
//! ArcGIS-shaped requests and the upstream's answers, in which the same words also stand as
//! data (methods, keys, values, header values, HTML, CSV). The scenario goes through the real
//! `jobmock record` (to a [`FakeUpstream`]), `jobmock import har` and `jobmock sanitize har`,
//! and what they write is compared with what was sent, value by value ([`Checker`]): same keys
//! in the same order, same numbers, booleans, nulls and array lengths, same methods, statuses
//! and header names, and each string equal to the original but where a learned value stood
//! ([`holes`]): there, and in a personal or secret field, it may (and for the person's own
//! values, must) differ. The person's values that are not ordinary words must be in no file.
//!
//! To add a case: add an [`Exchange`] to [`Scenario::exchanges`] (its request, and the
//! upstream's answer with `{{origin}}` where the answer names the server). Everything written
//! for it is then compared by every test here; a value the redaction may legitimately replace
//! must be one of [`Scenario::learned`], or stand in a field [`is_personal_field`] or
//! [`is_secret_field`] names.
//!
//! The files: the [`scenario`] (its people, exchanges and strategies), the [`checker`] (what
//! may differ where), [`written`] (a written set or a sanitized HAR checked against what made
//! it), [`binaries`] (the scenario through `jobmock record` and as a HAR); the tests:
//! [`self_checks`] (the checks catch what they must), [`generated`] (generated scenarios through
//! record, import and sanitize), [`shipped`] (the shipped capture and set), [`replays`] (a
//! recording of colliding names replayed).

mod binaries;
mod checker;
mod generated;
mod replays;
mod scenario;
mod self_checks;
mod shipped;
mod written;

use binaries::*;
use checker::*;
use scenario::*;
use written::*;

/// Words that are people's names and also words of HTTP, of the ArcGIS API, of Python or of
/// English that answers hold as data.
#[rustfmt::skip]
const COLLIDING_WORDS: &[&str] = &[
    "Post", "Get", "Put", "Delete", "Job", "Jobs", "Status", "Type", "Max", "Min", "Key",
    "English", "Standard", "Advanced", "Python", "Notebook", "Portal", "Server", "Admin", "Item",
    "Data", "Will", "Mark", "Long", "Page", "Case", "Field", "Service", "Hall", "King", "Rose",
    "Bill", "Young", "White", "Brown", "Green", "Black", "Gray", "Wood", "Stone", "Hill", "Lane",
    "Park", "Rich", "Ray", "Dean", "Frank", "Grant", "Hope", "Joy", "Art", "Chase", "Cook",
    "Baker", "Miller", "Smith", "Carpenter", "Mason", "Porter", "Price", "Little", "Short",
    "Small", "Strong", "Sharp", "Bond", "Cash", "Money", "Gold", "Silver", "Time", "Date", "Url",
    "Name", "Value", "True", "Null", "Error", "Message", "Result", "Results", "Input", "Output",
    "Task", "Tool", "Kernel", "Runtime", "Sde", "Esri", "Units", "Count", "Total",
];

/// Whether a personal value is an ordinary word: short, or one of [`COLLIDING_WORDS`]. Such a
/// value is replaced only as a whole personal-field value or a Portal user path segment.
fn is_ordinary(value: &str) -> bool {
    value.chars().count() <= 3
        || COLLIDING_WORDS
            .iter()
            .any(|word| word.eq_ignore_ascii_case(value))
}

/// Field and parameter names (folded: lower case, without `_`, `-`, `.`) whose values are a
/// person's data: wherever one stands, its whole value may be replaced.
const PERSONAL_FIELDS: &[&str] = &[
    "fullname",
    "firstname",
    "lastname",
    "username",
    "email",
    "owner",
    "createduser",
    "lastediteduser",
    "idpusername",
    "user",
    "givenname",
    "surname",
    "familyname",
    "emailaddress",
    "mail",
];

fn fold(name: &str) -> String {
    name.chars()
        .filter(|c| !matches!(c, '_' | '-' | '.'))
        .flat_map(char::to_lowercase)
        .collect()
}

/// Whether a field or parameter named `name` holds personal data (see [`PERSONAL_FIELDS`]).
fn is_personal_field(name: &str) -> bool {
    PERSONAL_FIELDS.contains(&fold(name).as_str())
}

/// Whether a field or parameter named `name` holds a credential: its whole value may be
/// replaced.
fn is_secret_field(name: &str) -> bool {
    let folded = fold(name);
    let singular = folded.strip_suffix('s').unwrap_or(&folded);
    ["token", "password", "passwd", "pwd", "secret", "apikey"]
        .iter()
        .any(|end| singular.ends_with(end))
}

/// The pseudonyms a recording gives people; a folder name holds none unless its path named a
/// user.
const PSEUDONYM_MARKS: &[&str] = &["First-", "Last-", "user-"];

/// The path segments after which a Portal path names a user.
const USER_SEGMENT_MARKS: &[&str] = &["/community/users/", "/content/users/"];
