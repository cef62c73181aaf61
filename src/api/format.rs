//! The response formats of the ArcGIS admin API (`f=json`, `f=pjson`, `f=html`) and its error
//! answers, rendered from a step's compact JSON.

use std::fmt::Write as _;

use bytes::Bytes;
use serde_json::{Value, json};

/// The `f` parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Pjson,
    Html,
}

impl Format {
    /// Reads `f`; the admin API's default, when `f` is absent, is the HTML page.
    pub fn parse(value: Option<&str>) -> Result<Format, String> {
        match value {
            None | Some("html") => Ok(Format::Html),
            Some("json") => Ok(Format::Json),
            Some("pjson") => Ok(Format::Pjson),
            Some(other) => Err(format!(
                "invalid value for the parameter f: {other:?}; use json, pjson or html"
            )),
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Json | Format::Pjson => "application/json; charset=utf-8",
            Format::Html => "text/html; charset=utf-8",
        }
    }
}

/// `body` (compact JSON) pretty-printed, as `f=pjson` answers.
pub fn pretty(body: &[u8]) -> Bytes {
    let value: Value = serde_json::from_slice(body).expect("step bodies are valid JSON");
    Bytes::from(serde_json::to_vec_pretty(&value).expect("a parsed JSON value serialises"))
}

/// The HTML page of a job, in the spirit of the admin directory's pages: a title, the job's
/// main fields in a table, then the whole job JSON.
pub fn job_page(job_id: &str, body: &[u8]) -> Bytes {
    let value: Value = serde_json::from_slice(body).expect("step bodies are valid JSON");
    let mut page = String::with_capacity(body.len() * 2 + 512);
    let title = format!("Job {job_id}");
    page_start(&mut page, &title);
    page.push_str("<table>\n");
    for field in [
        "jobId",
        "type",
        "status",
        "username",
        "startTime",
        "endTime",
    ] {
        if let Some(field_value) = value.get(field) {
            let shown = match field_value {
                Value::String(text) => text.clone(),
                other => other.to_string(),
            };
            let _ = writeln!(
                page,
                "<tr><th>{}</th><td>{}</td></tr>",
                escape(field),
                escape(&shown)
            );
        }
    }
    page.push_str("</table>\n<h2>JSON</h2>\n<pre>");
    let pretty = serde_json::to_string_pretty(&value).expect("a parsed JSON value serialises");
    page.push_str(&escape(&pretty));
    page.push_str("</pre>\n");
    page_end(&mut page);
    Bytes::from(page)
}

/// An HTML page showing a JSON value (an operation's answer).
pub fn value_page(title: &str, value: &Value) -> Bytes {
    let mut page = String::new();
    page_start(&mut page, title);
    page.push_str("<pre>");
    page.push_str(&escape(
        &serde_json::to_string_pretty(value).expect("a JSON value serialises"),
    ));
    page.push_str("</pre>\n");
    page_end(&mut page);
    Bytes::from(page)
}

/// The Portal API's error answer: `{"error":{"code":N,"message":"…","details":[]}}`, as JSON
/// (pretty for `f=pjson`; the Portal has no HTML error page to mimic, so `f=html` gets JSON).
pub fn portal_error_body(format: Format, code: u16, message: &str) -> Bytes {
    let value = json!({"error": {"code": code, "message": message, "details": []}});
    let rendered = match format {
        Format::Pjson => serde_json::to_vec_pretty(&value),
        Format::Json | Format::Html => serde_json::to_vec(&value),
    };
    Bytes::from(rendered.expect("a JSON literal serialises"))
}

/// The admin API's error answer: `{"status":"error","messages":[…],"code":N}`.
pub fn error_body(format: Format, code: u16, message: &str) -> Bytes {
    let value = json!({"status": "error", "messages": [message], "code": code});
    let rendered = match format {
        Format::Json => serde_json::to_vec(&value),
        Format::Pjson => serde_json::to_vec_pretty(&value),
        Format::Html => {
            let mut page = String::new();
            page_start(&mut page, "Error");
            let _ = writeln!(
                page,
                "<p class=\"error\">Error: {}</p>\n<p>Code: {code}</p>",
                escape(message)
            );
            page_end(&mut page);
            return Bytes::from(page);
        }
    };
    Bytes::from(rendered.expect("a JSON literal serialises"))
}

fn page_start(page: &mut String, title: &str) {
    let title = escape(title);
    let _ = write!(
        page,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <title>{title} (ArcGIS Notebook Server Administrator Directory)</title>\n</head>\n\
         <body>\n<h1>{title}</h1>\n"
    );
}

fn page_end(page: &mut String) {
    page.push_str("<p><small>Served by jobmock</small></p>\n</body>\n</html>\n");
}

fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            c => escaped.push(c),
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn f_defaults_to_html_and_refuses_unknown_values() {
        assert_eq!(Format::parse(None), Ok(Format::Html));
        assert_eq!(Format::parse(Some("pjson")), Ok(Format::Pjson));
        assert!(Format::parse(Some("xml")).unwrap_err().contains("\"xml\""));
    }

    #[test]
    fn the_job_page_escapes_what_it_shows() {
        let page = job_page("j1", br#"{"jobId":"j1","status":"<b>COMPLETED</b>"}"#);
        let page = std::str::from_utf8(&page).unwrap();
        assert!(
            page.contains("<td>&lt;b&gt;COMPLETED&lt;/b&gt;</td>"),
            "{page}"
        );
        assert!(!page.contains("<b>COMPLETED"), "{page}");
    }

    #[test]
    fn error_bodies_have_the_admin_shape() {
        let body = error_body(Format::Json, 404, "no such job");
        assert_eq!(
            &body[..],
            br#"{"status":"error","messages":["no such job"],"code":404}"#
        );
    }
}
