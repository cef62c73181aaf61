//! One entry of a HAR as jobmock reads it ([`Entry`]: the request, its `postData`, the
//! answer's `content`), and what it gives back: the request's body as sent, the answer's body
//! decoded, or why that body cannot be restored.

use base64::Engine as _;

/// One entry of `log.entries`: a request and what answered it.
pub struct Entry {
    /// Its place in `log.entries`, for messages.
    pub index: usize,
    /// `startedDateTime`, in epoch milliseconds.
    pub started_ms: i64,
    /// `time`: the whole exchange, in milliseconds (0 when the writer left it out).
    pub time_ms: f64,
    pub method: String,
    pub url: String,
    pub request_headers: Vec<(String, String)>,
    pub request_cookies: Vec<(String, String)>,
    pub post: Option<PostData>,
    /// 0 when there was no answer (blocked, aborted, failed): browsers write it so.
    pub status: u16,
    pub response_headers: Vec<(String, String)>,
    pub response_cookies: Vec<(String, String)>,
    pub content: Content,
    /// The browser answered from its cache (`_fromCache`, Chrome): the server was not asked.
    pub from_cache: bool,
    /// `_jobmock.session` of a HAR that jobmock wrote (`GET /__jobmock/requests?format=har`).
    pub jobmock_session: Option<String>,
}

/// `request.postData`.
pub struct PostData {
    pub mime_type: String,
    pub text: Option<String>,
    /// `params`: name and value (a file's value is its content, which HARs usually leave out).
    pub params: Vec<(String, String)>,
}

/// `response.content`.
pub struct Content {
    /// The decoded length, as the writer counted it (-1 or absent when unknown).
    pub size: i64,
    pub mime_type: String,
    pub text: Option<String>,
    pub encoding: Option<String>,
}

impl Entry {
    /// Where the answer arrived, in epoch milliseconds: the order a proxy would have seen.
    pub fn answered_ms(&self) -> i64 {
        // `as` saturates, and so does the sum: a writer's absurd `time` orders, never panics.
        self.started_ms.saturating_add(self.time_ms.max(0.0) as i64)
    }

    /// The request body as sent: `postData.text`, or, where a writer kept only `params`, the
    /// form they make.
    pub fn request_body(&self) -> Vec<u8> {
        let Some(post) = &self.post else {
            return Vec::new();
        };
        match &post.text {
            Some(text) => text.as_bytes().to_vec(),
            None => form_urlencoded::Serializer::new(String::new())
                .extend_pairs(&post.params)
                .finish()
                .into_bytes(),
        }
    }

    /// The answer's body, decoded; or why it cannot be restored.
    pub fn answer_body(&self) -> std::result::Result<Vec<u8>, String> {
        let content = &self.content;
        let Some(text) = &content.text else {
            let empty =
                content.size <= 0 || matches!(self.status, 204 | 304) || self.method == "HEAD";
            return if empty {
                Ok(Vec::new())
            } else {
                Err(format!(
                    "the HAR has no content.text for its {} byte answer (saved without \
                     response bodies: in DevTools use \"Save all as HAR with content\")",
                    content.size
                ))
            };
        };
        let body = match content.encoding.as_deref() {
            None | Some("") => text.as_bytes().to_vec(),
            Some(encoding) if encoding.eq_ignore_ascii_case("base64") => {
                let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
                base64::engine::general_purpose::STANDARD
                    .decode(compact)
                    .map_err(|err| format!("content.text is not valid base64: {err}"))?
            }
            Some(other) => {
                return Err(format!(
                    "content.encoding {other:?} is not one jobmock can undo (only base64 is)"
                ));
            }
        };
        // Cut short: fewer bytes than the writer counted; or, where it counted none, JSON that
        // starts and does not end. A whole answer that is not JSON (an HTML error page sent as
        // `application/json`, an empty 204) is what the server sent, and is kept.
        let short_of_size = content.size > 0 && (body.len() as i64) < content.size;
        let starts_json = matches!(
            body.iter().find(|b| !b.is_ascii_whitespace()),
            Some(b'{' | b'[')
        );
        let unfinished_json = content.size <= 0
            && starts_json
            && crate::redact::as_json(&body).is_none()
            && serde_json::from_slice::<serde::de::IgnoredAny>(&body).is_err();
        if short_of_size || unfinished_json {
            let counted = if content.size > 0 {
                content.size.to_string()
            } else {
                "more".to_string()
            };
            return Err(format!(
                "content.text is cut short ({} of {counted} bytes): the tool that saved the HAR \
                 truncated it",
                body.len()
            ));
        }
        Ok(body)
    }
}

#[cfg(test)]
mod tests {
    use super::super::Har;
    use std::path::Path;

    #[test]
    fn answers_that_cannot_be_restored_say_why() {
        let entry = |content: &str| {
            let har = format!(
                r#"{{"log":{{"entries":[{{"startedDateTime":"2026-11-29T22:37:42Z",
                "request":{{"method":"GET","url":"https://h/a"}},
                "response":{{"status":200,"content":{content}}}}}]}}}}"#
            );
            Har::parse(Path::new("x.har"), har.as_bytes())
                .unwrap()
                .entries
                .remove(0)
        };
        assert!(
            entry(r#"{"size":10,"mimeType":"application/json"}"#)
                .answer_body()
                .unwrap_err()
                .contains("no content.text")
        );
        assert!(
            entry(r#"{"size":30,"mimeType":"application/json","text":"{\"status\":\"PROC"}"#)
                .answer_body()
                .unwrap_err()
                .contains("cut short")
        );
        // Whole answers that are not JSON are kept: an empty one, an HTML page called JSON.
        assert!(
            entry(r#"{"size":0,"mimeType":"application/json","text":""}"#)
                .answer_body()
                .unwrap()
                .is_empty()
        );
        let page = r#"{"size":13,"mimeType":"application/json","text":"<html>x</html>"}"#;
        assert_eq!(entry(page).answer_body().unwrap(), b"<html>x</html>");
        assert!(
            entry(r#"{"size":2,"text":"e30=","encoding":"base64"}"#)
                .answer_body()
                .unwrap()
                == b"{}"
        );
        assert!(
            entry(r#"{"size":2,"text":"e30","encoding":"gzip"}"#)
                .answer_body()
                .unwrap_err()
                .contains("gzip")
        );
        assert!(
            entry(r#"{"size":0,"mimeType":"x"}"#)
                .answer_body()
                .unwrap()
                .is_empty()
        );
    }
}
