//! Which request parameters and headers carry secrets, and how to show a query without them.
//!
//! Every place that writes or shows what a client sent (the request journal now, recorded
//! fixtures later) goes through here, so there is one list to keep right.

/// What a secret value is shown as.
pub const REDACTED: &str = "REDACTED";

/// Whether a query or form parameter named `name` carries a secret (a token, a password, a key).
pub fn is_secret_param(name: &str) -> bool {
    const SECRET_PARAMS: &[&str] = &[
        "token",
        "access_token",
        "refresh_token",
        "password",
        "passwd",
        "secret",
        "client_secret",
        "api_key",
        "apikey",
    ];
    SECRET_PARAMS
        .iter()
        .any(|secret| name.eq_ignore_ascii_case(secret))
}

/// Whether a header named `name` carries a secret.
pub fn is_secret_header(name: &str) -> bool {
    const SECRET_HEADERS: &[&str] = &[
        "authorization",
        "proxy-authorization",
        "x-esri-authorization",
        "cookie",
        "set-cookie",
        "x-api-key",
    ];
    SECRET_HEADERS
        .iter()
        .any(|secret| name.eq_ignore_ascii_case(secret))
}

/// `query` with the value of every secret parameter replaced by [`REDACTED`]. Other parameters
/// keep their order and their encoding as sent.
pub fn redact_query(query: &str) -> String {
    query
        .split('&')
        .map(|pair| {
            let raw_name = pair.split('=').next().unwrap_or_default();
            let name: String = form_urlencoded::parse(raw_name.as_bytes())
                .next()
                .map(|(name, _)| name.into_owned())
                .unwrap_or_default();
            if is_secret_param(&name) {
                format!("{raw_name}={REDACTED}")
            } else {
                pair.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_parameters_are_redacted_whatever_their_case_or_encoding() {
        assert_eq!(
            redact_query("f=json&token=abc.def&TOKEN=x&%74oken=y&itemId=42"),
            "f=json&token=REDACTED&TOKEN=REDACTED&%74oken=REDACTED&itemId=42"
        );
        assert_eq!(redact_query("password"), "password=REDACTED");
    }

    #[test]
    fn headers_that_carry_credentials_are_secret() {
        assert!(is_secret_header("X-Esri-Authorization"));
        assert!(is_secret_header("Cookie"));
        assert!(!is_secret_header("Referer"));
    }
}
