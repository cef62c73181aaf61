//! Which names carry a credential: query and form parameters, JSON fields, headers and cookies
//! (by their folded whole, or by their last words), OAuth's `code`; and which values look like
//! a generated credential.

use super::reading::{fold, parts, readings};

/// Folded names that end a secret's name: `token` covers `token`, `access_token`, `agstoken`,
/// `X-Auth-Token`; `password` covers `newPassword`.
const SECRET_SUFFIXES: &[&str] = &[
    "token",
    "password",
    "passwd",
    "pwd",
    "passcode",
    "passphrase",
    "secret",
    "apikey",
    "accesskey",
    "secretkey",
    "privatekey",
    "signingkey",
    "authorization",
    "credential",
    "credentials",
    "signature",
    "sessionid",
    "codeverifier",
    "subscriptionkey",
    "accountkey",
    "sharedkey",
    "clientkey",
    "masterkey",
];

/// Folded names that are secrets only as a whole (as a suffix they would catch ordinary names).
const SECRET_NAMES: &[&str] = &[
    "otp",
    "sig",
    "auth",
    "session",
    "sid",
    "jsessionid",
    "pass",
    "pw",
    "key",
    "ticket",
    "jwt",
    "samlresponse",
    "sessionkey",
    "authkey",
    "sas",
];

/// Words that make a name a secret's when they are its last word (`gis_pass`, `dbPwd`,
/// `ldap.bind.secret`, `sasSig`): alone as a suffix of the folded name they would catch
/// `compass` or `bypass`.
const SECRET_LAST_WORDS: &[&str] = &[
    "pass",
    "pwd",
    "pw",
    "passwd",
    "password",
    "secret",
    "token",
    "sig",
    "otp",
    "jwt",
    "pin",
    "passcode",
    "passphrase",
    "credential",
    "signature",
    "cookie",
];

/// Words that make a name ending in `key` a secret's (`AccountKey`, `Ocp-Apim-Subscription-Key`,
/// `primaryKey` of a storage account), where `sortKey` or `foreignKey` is not.
const KEY_QUALIFIERS: &[&str] = &[
    "account",
    "access",
    "api",
    "app",
    "application",
    "auth",
    "client",
    "encryption",
    "license",
    "master",
    "primary",
    "private",
    "secondary",
    "secret",
    "session",
    "shared",
    "signing",
    "storage",
    "subscription",
    "sas",
    "hmac",
];

/// A name of a secret made of each word the lists above name one by, as a name would hold it
/// (`db_password`, `key`, `gis_pass`): for tests that go through them all.
#[cfg(test)]
pub(crate) fn listed_secret_names() -> Vec<String> {
    let suffixes = SECRET_SUFFIXES
        .iter()
        .flat_map(|word| [word.to_string(), format!("db_{word}")]);
    let wholes = SECRET_NAMES.iter().map(|word| word.to_string());
    let last_words = SECRET_LAST_WORDS.iter().map(|word| format!("gis_{word}"));
    let keys = KEY_QUALIFIERS.iter().map(|word| format!("{word}Key"));
    suffixes
        .chain(wholes)
        .chain(last_words)
        .chain(keys)
        .collect()
}

/// Whether a query or form parameter, or a JSON field, named `name` carries a secret: by its
/// folded whole (`agstoken`, `client_secret`), or by its last words (`gis_pass`,
/// `AccountKey`, `code_verifier`). What follows the secret's word makes it something else:
/// `tokenExpiration`, `passwordPolicy`, `token_type` are not secrets.
///
/// `code` is a secret only in an OAuth exchange; see [`is_oauth_code`].
pub fn is_secret_param(name: &str) -> bool {
    readings(name).any(|folded| is_secret_folded(&folded)) || secret_by_parts(name)
}

/// Words after a secret's word that name its form, not something else: `passwordHash`,
/// `tokenValue`, `secret_key_base` are still the secret.
const FORM_WORDS: &[&str] = &[
    "value",
    "values",
    "hash",
    "salt",
    "base",
    "string",
    "str",
    "text",
    "data",
    "raw",
    "plain",
    "encrypted",
    "enc",
    "b64",
    "base64",
    "hex",
];

/// Words that make a name ending in `code` a one-time code's (`otp_code`, `mfaCode`), where
/// `status_code` or `country_code` is not.
const CODE_QUALIFIERS: &[&str] = &[
    "otp",
    "mfa",
    "totp",
    "sms",
    "verification",
    "auth",
    "authorization",
    "recovery",
    "backup",
    "security",
    "access",
    "pin",
    "confirmation",
    "reset",
];

fn secret_by_parts(name: &str) -> bool {
    let mut parts = parts(name);
    while parts.len() > 1
        && parts
            .last()
            .is_some_and(|last| FORM_WORDS.contains(&last.as_str()))
    {
        parts.pop();
    }
    let Some(last) = parts.last() else {
        return false;
    };
    let singular = last.strip_suffix('s').unwrap_or(last);
    if SECRET_LAST_WORDS.contains(&last.as_str()) || SECRET_LAST_WORDS.contains(&singular) {
        return true;
    }
    let before = parts.len().checked_sub(2).map(|at| parts[at].as_str());
    match (before, singular) {
        (Some(qualifier), "key") => KEY_QUALIFIERS.contains(&qualifier),
        (Some(qualifier), "code") => CODE_QUALIFIERS.contains(&qualifier),
        (Some("code"), "verifier") | (Some("session"), "id") => true,
        _ => false,
    }
}

fn is_secret_folded(folded: &str) -> bool {
    let singular = folded.strip_suffix('s').unwrap_or(folded);
    [folded, singular].into_iter().any(|name| {
        SECRET_NAMES.contains(&name) || SECRET_SUFFIXES.iter().any(|end| name.ends_with(end))
    })
}

/// Names too common to mean a credential on their own (`"key": 7`, a CSV's `Key` column, a
/// `session` of a survey): their value is one only when it looks like one
/// ([`looks_like_credential`]).
const WEAK_SECRET_NAMES: &[&str] = &[
    "key", "keys", "session", "sessions", "auth", "ticket", "sid",
];

/// Whether `value`, given under the name `name`, is a credential: the name is a secret's
/// ([`is_secret_param`]), and where the name is a common word ([`WEAK_SECRET_NAMES`]) the value
/// looks like a credential too.
pub fn is_secret_value(name: &str, value: &str) -> bool {
    is_secret_param(name) && (!is_weak_secret_name(name) || looks_like_credential(value.trim()))
}

/// Whether `name` is one of the [`WEAK_SECRET_NAMES`]: a structure under it (`"key": {…}`) is
/// read field by field, not taken whole for a credential.
pub fn is_weak_secret_name(name: &str) -> bool {
    WEAK_SECRET_NAMES.contains(&fold(name).as_str())
}

/// Whether `name` is OAuth's authorization `code`: a secret in an OAuth exchange (an
/// `/oauth2/` path, a redirect's `Location`, parameters that come with `state`, `client_id`,
/// `redirect_uri` or `grant_type`), and an ordinary field elsewhere (ArcGIS errors carry a
/// numeric `code`).
pub fn is_oauth_code(name: &str) -> bool {
    fold(name) == "code"
}

/// Whether parameter names that come together make an OAuth exchange, in which `code` is a
/// secret.
pub fn names_say_oauth<'a>(mut names: impl Iterator<Item = &'a str>) -> bool {
    names.any(|name| {
        matches!(
            fold(name).as_str(),
            "state" | "clientid" | "redirecturi" | "granttype" | "responsetype"
        )
    })
}

/// Whether a request or answer header named `name` carries a credential: `Authorization`,
/// `X-Esri-Authorization`, `Cookie`, `X-Auth-Token`, `X-API-Key`, and any name with token,
/// secret, password, session, credential or auth in it (but `WWW-Authenticate`, a challenge).
pub fn is_secret_header(name: &str) -> bool {
    let folded = fold(name);
    if folded.contains("authenticate") {
        return false;
    }
    is_secret_folded(&folded)
        || secret_by_parts(name)
        || [
            "token",
            "secret",
            "password",
            "apikey",
            "session",
            "credential",
            "cookie",
            "auth",
        ]
        .iter()
        .any(|part| folded.contains(part))
}

/// Whether a cookie named `name` is a credential by its name. A cookie whose name says nothing
/// is still one when its value looks random ([`looks_random`]); any other cookie (`ui=admin`,
/// `lang=en`) is left out of what is stored and never hunted elsewhere.
pub fn is_credential_cookie(name: &str) -> bool {
    let folded = fold(name);
    is_secret_folded(&folded)
        || [
            "token", "session", "sess", "auth", "sid", "jwt", "ags", "esri", "csrf", "xsrf",
            "login", "remember", "saml", "oidc", "oauth",
        ]
        .iter()
        .any(|part| folded.contains(part))
}

/// Whether `value` looks like a generated credential rather than words or a path: at least
/// 16 characters, no white space, letters and digits both, and not a path or URL
/// (`/arcgis/rest/services`, `America/New_York`, `https://…`).
pub fn looks_random(value: &str) -> bool {
    value.len() >= 16
        && !value.contains(char::is_whitespace)
        && value.chars().any(|c| c.is_ascii_digit())
        && value.chars().any(|c| c.is_ascii_alphabetic())
        && !value.starts_with('/')
        && !value.contains("://")
        && value.split('/').filter(|part| part.len() > 2).count() < 3
}

/// Whether a value found by name in free text (a message, an HTML page) looks like a credential
/// worth hunting elsewhere: at least 8 characters, no white space, and a digit or a symbol, or
/// at least 20 characters. Words found after `token:` in a sentence (`expired`) are not.
pub fn looks_like_credential(value: &str) -> bool {
    if value.len() < 8 || value.contains(char::is_whitespace) {
        return false;
    }
    value.len() >= 20
        || value
            .chars()
            .any(|c| c.is_ascii_digit() || (c.is_ascii_punctuation()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_names_match_whatever_their_case_and_separators() {
        for name in [
            "token",
            "TOKEN",
            "access_token",
            "accessToken",
            "refresh_token",
            "agstoken",
            "password",
            "newPassword",
            "passwd",
            "pwd",
            "otp",
            "apiKey",
            "api_key",
            "client_secret",
            "X-Auth-Token",
            "x-esri-authorization",
            "user[password]",
            "tokens",
            "credentials",
            "session_key",
            "pass",
            "jwt",
            "gis_pass",
            "dbPwd",
            "svc_secret",
            "mapApiKey",
            "AccountKey",
            "Ocp-Apim-Subscription-Key",
            "code_verifier",
            "X-Amz-Signature",
            "aws_secret_access_key",
            "passwordHash",
            "secret_key_base",
            "otp_code",
            "mfaCode",
            "PGPASSWORD",
        ] {
            assert!(is_secret_param(name), "{name} is a secret");
        }
        for name in [
            "tokenServicesUrl",
            "tokenExpiration",
            "isTokenBasedSecurity",
            "token_type",
            "expires",
            "code",
            "itemId",
            "authInfo",
            "passwordPolicy",
            "f",
            "status_code",
            "countryCode",
            "sortKey",
            "foreignKey",
            "tokenServicesUrl",
            "compass",
            "bypass",
            "api_key_id",
        ] {
            assert!(!is_secret_param(name), "{name} is not a secret");
        }
    }

    #[test]
    fn credential_headers_and_cookies_are_told_from_others() {
        for name in [
            "Authorization",
            "Cookie",
            "X-Auth-Token",
            "X-API-Key",
            "X-Esri-Authorization",
        ] {
            assert!(is_secret_header(name), "{name}");
        }
        for name in ["WWW-Authenticate", "Content-Type", "Referer", "User-Agent"] {
            assert!(!is_secret_header(name), "{name}");
        }
        for name in [
            "agstoken",
            "AGS_ROLES",
            "esri_auth",
            "JSESSIONID",
            "session",
        ] {
            assert!(is_credential_cookie(name), "{name}");
        }
        for name in ["ui", "other", "lang", "theme"] {
            assert!(!is_credential_cookie(name), "{name}");
        }
    }

    #[test]
    fn values_that_look_generated_are_told_from_words() {
        assert!(looks_random("Zx81kQ-3mRt9aPLs0"));
        assert!(!looks_random("admin"));
        assert!(!looks_random("text/plain"));
        assert!(!looks_random("/arcgis/rest/services"));
        assert!(!looks_random("America/New_York"));
        assert!(!looks_random("https://h.example.com/1234"));
        assert!(looks_like_credential("s3cret-value"));
        assert!(!looks_like_credential("expired"));
        assert!(!looks_like_credential("Required"));
    }
}
