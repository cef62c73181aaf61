//! Which headers belong to one connection (hop-by-hop: never forwarded, in either direction),
//! and whether a request asks to switch protocols.

use hyper::HeaderMap;
use hyper::header::{CONNECTION, HeaderName, HeaderValue, UPGRADE};

/// The headers that belong to one connection, not to the message: never forwarded.
pub fn is_hop_by_hop(name: &HeaderName, headers: &HeaderMap) -> bool {
    const HOP_BY_HOP: &[&str] = &[
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
    ];
    HOP_BY_HOP.contains(&name.as_str())
        || headers.get_all(CONNECTION).iter().any(|listed| {
            listed.to_str().is_ok_and(|listed| {
                listed
                    .split(',')
                    .any(|token| token.trim().eq_ignore_ascii_case(name.as_str()))
            })
        })
}

/// The protocols a request asks to switch to (`Upgrade: websocket`), when it also says
/// `Connection: upgrade`, as HTTP/1.1 wants both.
pub fn upgrade_asked(headers: &HeaderMap) -> Option<&HeaderValue> {
    let listed = headers.get_all(CONNECTION).iter().any(|listed| {
        listed.to_str().is_ok_and(|listed| {
            listed
                .split(',')
                .any(|token| token.trim().eq_ignore_ascii_case("upgrade"))
        })
    });
    listed.then(|| headers.get(UPGRADE)).flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_upgrade_is_asked_with_both_connection_and_upgrade() {
        let mut headers = HeaderMap::new();
        headers.insert(UPGRADE, "websocket".parse().unwrap());
        assert!(
            upgrade_asked(&headers).is_none(),
            "Upgrade alone asks nothing"
        );
        headers.insert(CONNECTION, "keep-alive, Upgrade".parse().unwrap());
        assert_eq!(upgrade_asked(&headers).unwrap(), "websocket");
        headers.remove(UPGRADE);
        assert!(upgrade_asked(&headers).is_none());
    }

    #[test]
    fn connection_listed_headers_are_hop_by_hop() {
        let mut headers = HeaderMap::new();
        headers.insert(CONNECTION, "close, X-Private".parse().unwrap());
        assert!(is_hop_by_hop(
            &HeaderName::from_static("x-private"),
            &headers
        ));
        assert!(is_hop_by_hop(
            &HeaderName::from_static("transfer-encoding"),
            &headers
        ));
        assert!(!is_hop_by_hop(
            &HeaderName::from_static("content-type"),
            &headers
        ));
    }
}
