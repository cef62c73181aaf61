//! Which names carry what: the parameters, JSON fields, headers and cookies whose values are
//! credentials, the fields that hold personal data, and the words of the ArcGIS REST API that a
//! value may never be hunted as.
//!
//! Names are compared case-insensitively with `_`, `-` and `.` ignored, so `access_token`,
//! `accessToken`, `Access-Token` and `ACCESS.TOKEN` are one name; a bracketed name is also read
//! by its last part (`user[password]` is a password), and a plural as its singular (`tokens`).
//!
//! # Layout
//!
//! - `reading`: how a name is read: folded, split into words, by its last part.
//! - `secret`: the names of credentials, and values that look like one.
//! - `personal`: the fields of personal data, and the ordinary words.

mod personal;
mod reading;
mod secret;

pub use personal::{Personal, is_word, personal_field, weak_personal_field};
pub use reading::{fold, parts};
#[cfg(test)]
pub(crate) use secret::listed_secret_names;
pub use secret::{
    is_credential_cookie, is_oauth_code, is_secret_header, is_secret_param, is_secret_value,
    is_weak_secret_name, looks_like_credential, looks_random, names_say_oauth,
};
