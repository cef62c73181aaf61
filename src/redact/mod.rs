//! What must never be written, and what is written in its place: credentials become
//! [`REDACTED`], personal data becomes stable pseudonyms (`user-1`, `user-1@example.com`).
//!
//! # The model
//!
//! A [`Redactor`] sees every exchange whole before any of it is written, and works in two
//! passes:
//!
//! 1. **Learn.** Every credential the client sends and every credential the server issues is
//!    found by name or by shape, wherever it is: parameters of the query, of form, JSON and
//!    multipart bodies; credential headers (`Authorization`, `X-Auth-Token`, …) and credential
//!    cookies; Basic credentials, decoded; the user information of URLs; JSON answers, also
//!    behind a byte-order mark or inside a JSONP callback; HTML and form-encoded answers;
//!    `Location` queries and fragments; `Set-Cookie`; XML, JavaScript, HTML inputs, CSV; JWTs
//!    anywhere. Each value learned is
//!    remembered (in memory only) with what replaces it. Personal data (the fields of
//!    [`names::Personal`], and e-mail addresses anywhere) is learned the same way, one
//!    pseudonym per person.
//! 2. **Replace.** Every text that is written (bodies, header values, paths, parameter values,
//!    folder names, lines printed) is read through [`text::Decoded`], which undoes
//!    percent-encoding, JSON escapes and HTML references, and every learned value is hunted
//!    there in one pass (as written, and in base64), as a whole token; named values and shapes
//!    are replaced where they stand whether learned or not.
//!
//! Values are replaced as whole tokens only (`admin` never inside `administrator`), and only
//! values: JSON keys, HTTP methods, header names, numbers and literals are never rewritten (a
//! key is replaced only where it is a learned credential whole). A value is hunted through the
//! whole recording only when it is distinctive: a named secret of at least
//! [`MIN_HUNTED_SECRET`] characters, a secret found in free text only when it looks like one
//! ([`names::looks_like_credential`]), a personal value of at least four characters that is no
//! ordinary word ([`names::is_word`]: `Post`, `Max`, `English` are replaced only where a
//! personal field holds them). Names are matched in any case and normal form
//! ([`folding::fold_name`]).
//! Cookies that are not credentials are never learned at all. The recorder hands every file
//! through [`Redactor::rescrub_text`] (or [`Redactor::rescrub_json`]) again when a value is
//! learned after the file was written (see `fixture::writer`), so earlier occurrences go too.
//!
//! # Layout
//!
//! - [`names`]: which names mean a credential, personal data, or a word of the API.
//! - `words`: which values are ordinary words (English, read from `words.txt.gz`, and the
//!   lists kept by hand in `word_lists`), never hunted as a person's.
//! - [`decode`]: a text read through the encodings a value may hide in.
//! - [`folding`]: names in any case and normal form, and a text seen so.
//! - [`text`]: the finders by name, and [`text::find`], which runs every finder; `shaped` those
//!   by shape; `markup` those of HTML and XML tags and CSV; `finding`: what they find
//!   ([`text::Finding`], [`text::Kind`]) and the helpers they share, below all three.
//! - `bodies`: what a body holds (JSON however wrapped, forms, multipart).
//! - `learn`, `replace`: the two passes of [`Redactor`]; `people`: who a personal value is,
//!   and its pseudonym.

mod bodies;
pub mod decode;
mod finding;
pub mod folding;
mod learn;
mod markup;
pub mod names;
mod people;
mod replace;
mod shaped;
pub mod summary;
pub mod text;
mod word_lists;
mod words;

use std::collections::{BTreeMap, HashMap};

use aho_corasick::AhoCorasick;
use serde_json::Value;

pub use bodies::{Wrapping, as_json, boundary_of, multipart_fields};
pub use names::{Personal, is_secret_header, is_secret_param};
pub use replace::is_portal_user_segment;

/// What a secret value is shown as.
pub const REDACTED: &str = "REDACTED";

/// The shortest named secret hunted through a whole recording; a shorter one is replaced only
/// where it is named (it would match ordinary words).
pub const MIN_HUNTED_SECRET: usize = 6;

/// The shortest personal value (a first name) in the Latin script hunted through a whole
/// recording; in other scripts, two characters.
const MIN_HUNTED_PERSONAL: usize = 4;

/// The domains reserved for examples (RFC 2606): addresses there are nobody's.
const EXAMPLE_DOMAINS: &[&str] = &["example.com", "example.org", "example.net"];

/// Whether `value` is what redaction wrote: [`REDACTED`] or a field's pseudonym
/// (`REDACTED-itemId-3`). A value that merely starts with the word is someone's.
pub fn is_redacted(value: &str) -> bool {
    value == REDACTED
        || value.strip_prefix(REDACTED).is_some_and(|rest| {
            rest.starts_with('-')
                && rest
                    .rsplit_once('-')
                    .is_some_and(|(_, n)| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        })
}

/// Whether `value` has the shape of a pseudonym redaction writes (`user-3`,
/// `user-3@example.com`, `First-3 Last-3`, `First-3`, `Last-3`): a set read again (a scan, a
/// HAR sanitized twice) keeps them as they are.
pub fn looks_like_pseudonym(value: &str) -> bool {
    let numbered = |word: &str, prefix: &str| {
        word.strip_prefix(prefix)
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    };
    numbered(value, "user-")
        || value
            .strip_suffix("@example.com")
            .is_some_and(|user| numbered(user, "user-"))
        || numbered(value, "First-")
        || numbered(value, "Last-")
        || value
            .split_once(' ')
            .is_some_and(|(first, last)| numbered(first, "First-") && numbered(last, "Last-"))
}

/// `query` with the value of every secret parameter replaced by [`REDACTED`]; other parameters
/// keep their order and their encoding as sent. Borrowed, with nothing copied, when no
/// parameter is a secret (most queries: this runs for every request journaled).
pub fn redact_query(query: &str) -> std::borrow::Cow<'_, str> {
    let name_of = |pair: &str| -> String {
        let raw_name = pair.split('=').next().unwrap_or_default();
        form_urlencoded::parse(raw_name.as_bytes())
            .next()
            .map(|(name, _)| name.into_owned())
            .unwrap_or_default()
    };
    if !query.split('&').any(|pair| is_secret_param(&name_of(pair))) {
        return std::borrow::Cow::Borrowed(query);
    }
    let redacted = query
        .split('&')
        .map(|pair| {
            if is_secret_param(&name_of(pair)) {
                let raw_name = pair.split('=').next().unwrap_or_default();
                format!("{raw_name}={REDACTED}")
            } else {
                pair.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("&");
    std::borrow::Cow::Owned(redacted)
}

/// A path and query with the query's secrets redacted ([`redact_query`]) (borrowed when it has none).
pub fn redacted_target(sent: &str) -> std::borrow::Cow<'_, str> {
    match sent.split_once('?') {
        Some((path, query)) => match redact_query(query) {
            std::borrow::Cow::Owned(query) => std::borrow::Cow::Owned(format!("{path}?{query}")),
            std::borrow::Cow::Borrowed(_) => std::borrow::Cow::Borrowed(sent),
        },
        None => std::borrow::Cow::Borrowed(sent),
    }
}

/// What the user asked of redaction.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Kinds of personal data kept as they are (`--keep-field`).
    pub keep: Vec<Personal>,
    /// More fields whose values become pseudonyms (`--redact-field`).
    pub extra_fields: Vec<String>,
    /// Patterns whose matches are secrets (`--redact-value`).
    pub patterns: Vec<regex::bytes::Regex>,
}

/// Where a text comes from: `code` is a secret in an OAuth exchange only.
#[derive(Debug, Clone, Copy, Default)]
pub struct Context {
    pub oauth: bool,
    /// The request asked a token service (`…/generateToken`, `/arcgis/tokens/`): an answer in
    /// plain text is the token itself.
    pub token_service: bool,
}

/// How a secret was found, which decides whether it is hunted elsewhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Found {
    /// The value of a credential's name in a structure (parameter, JSON field, header, cookie):
    /// hunted when at least [`MIN_HUNTED_SECRET`] long.
    Named,
    /// Found in free text (after a name inside a message or a page): hunted when it looks like
    /// a credential.
    Loose,
}

/// Counts for the summary: what was redacted, never the values.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Distinct secret values learned and hunted.
    pub secrets: usize,
    /// People given pseudonyms.
    pub people: usize,
    /// Values replaced in what was written.
    pub replaced: usize,
}

/// One value hunted through every text, with what replaces it.
#[derive(Debug, Clone)]
struct Hunted {
    replacement: String,
    /// A credential's (never a person's): the only kind replaced inside a JSON key.
    secret: bool,
    /// Where a match counts.
    extent: Extent,
}

/// Where a hunted value counts as found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Extent {
    /// As a whole token only: `admin1` not inside `admin12`, a name not inside a word.
    Token,
    /// Anywhere, even glued to other characters: a generated credential (long, mixed) is never
    /// part of an ordinary word, and `xTOKENy` still gives it away.
    Anywhere,
    /// A base64 form: the whole base64 run around it is replaced.
    Base64,
}

/// The learned values, as automata (one for values whose case matters, one for those whose
/// does not); built again when a value is added.
struct Matcher {
    /// Each automaton, its values, and whether it finds them in any case.
    automata: Vec<(AhoCorasick, Vec<Hunted>, bool)>,
}

/// A hunted value's key: whether it is found in any case (personal data: `JDoe` is `jdoe`),
/// and its decoded form (lower case when it is).
type Pattern = (bool, Vec<u8>);

pub struct Redactor {
    options: Options,
    /// Hunted values (decoded forms, and base64 forms of secrets) and what replaces them.
    hunted: BTreeMap<Pattern, Hunted>,
    matcher: Option<Matcher>,
    /// Per personal value, its person's number.
    people: HashMap<String, usize>,
    /// Per kind and personal value, its pseudonym.
    personal_pseudonyms: HashMap<(Personal, String), String>,
    /// Every pseudonym handed out, so a text scrubbed twice keeps it.
    pseudonyms: HashMap<String, String>,
    /// `--redact-field` values, per field and value.
    extra: HashMap<(String, String), String>,
    /// Bumped whenever a new value is hunted: texts scrubbed before may hold it.
    generation: u64,
    counts: Counts,
}

impl Redactor {
    pub fn new(options: Options) -> Redactor {
        Redactor {
            options,
            hunted: BTreeMap::new(),
            matcher: None,
            people: HashMap::new(),
            personal_pseudonyms: HashMap::new(),
            pseudonyms: HashMap::new(),
            extra: HashMap::new(),
            generation: 0,
            counts: Counts::default(),
        }
    }

    /// Grows whenever a value is learned that texts scrubbed before may hold.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    pub fn counts(&self) -> Counts {
        self.counts
    }

    /// The kinds of personal data kept as they are (`--keep-field`).
    pub fn kept(&self) -> &[Personal] {
        &self.options.keep
    }
}

/// Whether the JSON field `key` holding `value` is a credential. OAuth's `code` is one only as
/// a string: a number there is an error's code.
fn is_secret_json_field(key: &str, value: &Value, context: Context) -> bool {
    match value {
        // A number or a literal is data: never a credential written as one (`"key": 7`).
        Value::String(text) => {
            names::is_secret_value(key, text) || (context.oauth && names::is_oauth_code(key))
        }
        Value::Array(_) | Value::Object(_) => {
            is_secret_param(key) && !names::is_weak_secret_name(key)
        }
        _ => false,
    }
}

/// Fields that describe a credential rather than hold one, inside a field named like a
/// credential (`"tokens": {"token": …, "expires": …, "ssl": true}`). A web tool's job lists
/// its parameters by name with where their values are (`"results": {"api_token": {"paramUrl":
/// "results/api_token"}}`): that address is the name's, and a client reads the value through
/// it.
const CREDENTIAL_METADATA: &[&str] = &[
    "paramurl",
    "expires",
    "expiresin",
    "expiration",
    "expiresat",
    "ssl",
    "type",
    "tokentype",
    "scope",
    "issuedat",
    "created",
    "modified",
    "referer",
    "url",
    "name",
    "description",
];

fn is_credential_metadata(key: &str) -> bool {
    CREDENTIAL_METADATA.contains(&names::fold(key).as_str())
}

/// The strings inside `value` (a field named like a credential), but those of fields that
/// describe the credential ([`CREDENTIAL_METADATA`]): numbers and literals hold no credential.
fn secret_leaves(value: &Value) -> Vec<String> {
    match value {
        Value::String(text) => vec![text.clone()],
        Value::Array(items) => items.iter().flat_map(secret_leaves).collect(),
        Value::Object(map) => map
            .iter()
            .filter(|(key, _)| !is_credential_metadata(key))
            .flat_map(|(_, value)| secret_leaves(value))
            .collect(),
        _ => Vec::new(),
    }
}

/// Every string [`secret_leaves`] finds inside `value` made [`REDACTED`], its shape kept;
/// how many.
fn redact_leaves(value: &mut Value) -> usize {
    match value {
        Value::String(text) if !text::is_placeholder(text) => {
            *value = Value::from(REDACTED);
            1
        }
        Value::Array(items) => items.iter_mut().map(redact_leaves).sum(),
        Value::Object(map) => map
            .iter_mut()
            .filter(|(key, _)| !is_credential_metadata(key))
            .map(|(_, value)| redact_leaves(value))
            .sum(),
        _ => 0,
    }
}

/// The field of `map` that holds a secret by what a sibling names it: a geoprocessing
/// parameter `{"paramName": "db_password", "dataType": "GPString", "value": "…"}`, a HAR's
/// `{"name": "Authorization", "value": "…"}`.
fn named_by_sibling(map: &serde_json::Map<String, Value>) -> Option<&'static str> {
    let names_secret = map.iter().any(|(key, value)| {
        matches!(
            names::fold(key).as_str(),
            "paramname" | "name" | "key" | "field" | "parameter" | "param"
        ) && value.as_str().is_some_and(is_secret_param)
    });
    if !names_secret {
        return None;
    }
    ["value", "defaultValue"]
        .into_iter()
        .find(|field| map.contains_key(*field))
}

/// Whether a personal value is distinctive enough to be hunted through a recording: long
/// enough, and not a word of the API (`admin`).
pub(super) fn is_huntable_personal(value: &str) -> bool {
    let value = value.trim();
    // Written in a script whose names are a few characters (王伟, 김민준), a name is
    // distinctive short: no word of the API or of English is written in it.
    let least = if value.chars().any(|c| c.is_alphabetic() && c > '\u{24f}') {
        2
    } else {
        MIN_HUNTED_PERSONAL
    };
    value.chars().count() >= least
        && !value.chars().all(|c| c.is_ascii_digit())
        && value
            .split(|c: char| c.is_whitespace() || c == ',')
            .filter(|word| !word.is_empty())
            .any(|word| !names::is_word(word))
}

/// The pseudonym of personal data of `kind` of person number `person`.
fn pseudonym(kind: Personal, person: usize) -> String {
    match kind {
        Personal::Username => format!("user-{person}"),
        Personal::Email => format!("user-{person}@example.com"),
        Personal::FullName => format!("First-{person} Last-{person}"),
        Personal::FirstName => format!("First-{person}"),
        Personal::LastName => format!("Last-{person}"),
    }
}

/// Whether an e-mail address is at a domain reserved for examples, and so nobody's.
pub fn is_example_address(address: &str) -> bool {
    address.rsplit_once('@').is_some_and(|(_, domain)| {
        EXAMPLE_DOMAINS
            .iter()
            .any(|example| domain.eq_ignore_ascii_case(example))
    })
}

/// The parts of the base64 encodings of `value` that depend on it alone, for each of the three
/// places it may start at within a larger encoded document, standard and URL-safe; only those
/// long enough to be told from chance.
fn base64_cores(value: &[u8]) -> Vec<String> {
    use base64::Engine as _;
    if value.len() < 8 {
        return Vec::new();
    }
    let mut cores = Vec::new();
    for offset in 0..3usize {
        let mut input = vec![0u8; offset];
        input.extend_from_slice(value);
        let encoded = base64::engine::general_purpose::STANDARD_NO_PAD.encode(&input);
        // Character k holds bits 6k..6k+6: it depends on the value alone when those bits are.
        let first = (8 * offset).div_ceil(6);
        let last = (8 * (offset + value.len())) / 6;
        if last <= first || last - first < 8 {
            continue;
        }
        let core = &encoded[first..last];
        cores.push(core.to_string());
        let url_safe = core.replace('+', "-").replace('/', "_");
        if url_safe != core {
            cores.push(url_safe);
        }
    }
    cores
}

#[cfg(test)]
mod tests;
