//! The upstream's origin in what a recording keeps: URLs naming the recorded server are stored
//! with [`ORIGIN_PLACEHOLDER`], which replay fills with its own origin, and answers to the
//! client name the proxy instead, so a client following a `jobUrl` keeps talking through it.

use serde_json::Value;

use crate::fixture::ORIGIN_PLACEHOLDER;

/// The spellings of `origin` (`scheme://host[:port]`) a body may use: with and without the
/// default port, and under either scheme (servers behind a proxy often name themselves `http`).
pub fn origin_spellings(scheme: &str, host: &str, port: Option<u16>) -> Vec<String> {
    let default_port = if scheme == "https" { 443 } else { 80 };
    let mut spellings = Vec::new();
    for scheme in ["https", "http"] {
        match port {
            Some(port) if port != default_port => {
                spellings.push(format!("{scheme}://{host}:{port}"))
            }
            _ => {
                spellings.push(format!("{scheme}://{host}:{default_port}"));
                spellings.push(format!("{scheme}://{host}"));
            }
        }
    }
    spellings
}

/// `text` with each occurrence of `origin` that ends where an origin ends (not `https://host`
/// inside `https://host.example.com` or `https://host:8443`) replaced by `with`.
pub fn replace_origin(text: &str, origin: &str, with: &str) -> String {
    if !text.contains(origin) {
        return text.to_string();
    }
    let mut result = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(origin) {
        let after = &rest[at + origin.len()..];
        let continues = after
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '_'));
        result.push_str(&rest[..at]);
        result.push_str(if continues { origin } else { with });
        rest = after;
    }
    result.push_str(rest);
    result
}

/// Every string of `value` with each of `origins` made the placeholder.
pub fn placeholder_in_json(value: &mut Value, origins: &[String]) {
    match value {
        Value::String(text) => *text = placeholder_in_text(text, origins),
        Value::Array(items) => items
            .iter_mut()
            .for_each(|item| placeholder_in_json(item, origins)),
        Value::Object(map) => map
            .values_mut()
            .for_each(|item| placeholder_in_json(item, origins)),
        _ => {}
    }
}

/// `text` with each of `origins` made the placeholder.
pub fn placeholder_in_text(text: &str, origins: &[String]) -> String {
    origins.iter().fold(text.to_string(), |text, origin| {
        replace_origin(&text, origin, ORIGIN_PLACEHOLDER)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_replaced_only_where_they_end() {
        let origin = "https://nb.example.com:11443";
        assert_eq!(
            replace_origin(
                "https://nb.example.com:11443/arcgis/admin",
                origin,
                "{{origin}}"
            ),
            "{{origin}}/arcgis/admin"
        );
        assert_eq!(
            replace_origin("https://nb.example.com:114430/x", origin, "O"),
            "https://nb.example.com:114430/x"
        );
        assert_eq!(
            replace_origin("http://host.example.com", "http://host", "O"),
            "http://host.example.com"
        );
    }
}
