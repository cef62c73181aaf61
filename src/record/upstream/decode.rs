//! Answers made readable for the fixture set: the client's Accept-Encoding is narrowed to what
//! the recorder decodes (gzip, deflate), and what comes back is decoded, within the size that is
//! recorded.

use std::io::Read;

use bytes::Bytes;
use hyper::HeaderMap;
use hyper::header::{ACCEPT_ENCODING, CONTENT_ENCODING, HeaderValue};

use super::Answer;

/// The client's Accept-Encoding narrowed to what the recorder can decode (gzip, deflate), so
/// every answer can be stored readable; `None` when the client accepts none of them.
pub(super) fn decodable_encodings(headers: &HeaderMap) -> Option<HeaderValue> {
    let accepted = headers.get(ACCEPT_ENCODING)?.to_str().ok()?;
    let kept: Vec<&str> = accepted
        .split(',')
        .map(str::trim)
        .filter(|coding| {
            let name = coding.split(';').next().unwrap_or_default().trim();
            ["gzip", "deflate", "identity"]
                .iter()
                .any(|known| name.eq_ignore_ascii_case(known))
        })
        .collect();
    if kept.is_empty() {
        return None;
    }
    HeaderValue::from_str(&kept.join(", ")).ok()
}

/// The body of `answer` decoded from its Content-Encoding; `None` for an encoding the recorder
/// does not know, a body that does not decode, or one that decodes to more than `max` bytes
/// (a compressed answer can grow a thousandfold).
pub fn decoded_body(answer: &Answer, max: usize) -> Option<Bytes> {
    let encoding = answer
        .headers
        .get(CONTENT_ENCODING)
        .and_then(|value| value.to_str().ok())
        .map(|value| value.trim().to_ascii_lowercase());
    let mut decoded = Vec::new();
    let limit = max as u64 + 1;
    let ok = match encoding.as_deref() {
        None | Some("") | Some("identity") => return Some(answer.body.clone()),
        Some("gzip") | Some("x-gzip") => flate2::read::MultiGzDecoder::new(&answer.body[..])
            .take(limit)
            .read_to_end(&mut decoded)
            .is_ok(),
        // HTTP's "deflate" is zlib-wrapped, but some servers send raw deflate.
        Some("deflate") => {
            flate2::read::ZlibDecoder::new(&answer.body[..])
                .take(limit)
                .read_to_end(&mut decoded)
                .is_ok()
                || {
                    decoded.clear();
                    flate2::read::DeflateDecoder::new(&answer.body[..])
                        .take(limit)
                        .read_to_end(&mut decoded)
                        .is_ok()
                }
        }
        Some(_) => false,
    };
    (ok && decoded.len() <= max).then(|| Bytes::from(decoded))
}

#[cfg(test)]
mod tests {
    use super::*;
    use hyper::StatusCode;

    #[test]
    fn accept_encoding_is_narrowed_to_what_can_be_decoded() {
        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT_ENCODING, "gzip, deflate, br, zstd".parse().unwrap());
        assert_eq!(decodable_encodings(&headers).unwrap(), "gzip, deflate");
        headers.insert(ACCEPT_ENCODING, "br".parse().unwrap());
        assert!(decodable_encodings(&headers).is_none());
    }

    #[test]
    fn gzip_and_deflate_bodies_are_decoded() {
        use std::io::Write;
        let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gzip.write_all(b"{\"status\":\"COMPLETED\"}").unwrap();
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_ENCODING, "gzip".parse().unwrap());
        let answer = Answer {
            status: StatusCode::OK,
            headers,
            body: Bytes::from(gzip.finish().unwrap()),
        };
        assert_eq!(
            &decoded_body(&answer, 1 << 20).unwrap()[..],
            b"{\"status\":\"COMPLETED\"}"
        );
    }
}
