//! The token check and the token service in the request path: `generateToken` answered when
//! replay has users, and every other request's token judged ([`super::tokens`] keeps the
//! tokens), answered in the error shape of the API it was sent to.

use super::journal::ServedBy;
use super::reply::{self, Kind, Reply};
use super::request::Call;
use super::route::Route;
use super::state::Replay;
use super::tokens;

impl Replay {
    /// `generateToken`, when replay has users to issue tokens to: a token with its expiry, or
    /// the real services' refusal, in the shape of the API asked.
    pub(super) fn generate_token(&self, call: &Call) -> Option<Reply> {
        if !tokens::is_token_service(call.path()) || !self.tokens.issues() {
            return None;
        }
        let portal = call.path().contains("/sharing/");
        let generated = self.tokens.generate(
            call.param("username"),
            call.param("password"),
            call.param("expiration"),
        );
        Some(match generated {
            tokens::Generated::Token { token, expires_ms } => {
                // The Portal answers `expires` as a number; the admin API as a string.
                let value = if portal {
                    serde_json::json!({"token": token, "expires": expires_ms, "ssl": self.options.scheme == "https"})
                } else {
                    serde_json::json!({"token": token, "expires": expires_ms.to_string()})
                };
                Reply::value(None, value, "Token", ServedBy::TokenService)
            }
            tokens::Generated::Refused if portal => Reply {
                kind: Kind::PortalError {
                    code: 400,
                    message: "Unable to generate token. Invalid username or password.".to_string(),
                },
                note: reply::Note {
                    error_code: Some(400),
                    served_by: ServedBy::TokenService,
                    ..reply::Note::default()
                },
            },
            tokens::Generated::Refused => {
                let mut reply = Reply::refusal(
                    None,
                    400,
                    "Unable to generate token. Invalid username or password.",
                );
                reply.note.served_by = ServedBy::TokenService;
                reply
            }
        })
    }

    /// The ArcGIS answer for a missing, unknown or expired token, in the Portal's error shape
    /// under `/sharing/` and the services directory's (`/rest/services/`, web tools), the admin
    /// API's elsewhere.
    pub(super) fn check_token(&self, call: &Call) -> Option<Reply> {
        let (code, admin_message, portal_message) =
            match self.tokens.check(call.token.as_deref(), call.path()) {
                tokens::Verdict::Fine => return None,
                tokens::Verdict::Missing => (499, "Token Required.", "Token Required"),
                tokens::Verdict::Invalid => (498, "Invalid token.", "Invalid token."),
                tokens::Verdict::Expired => (498, "Token Expired.", "Token Expired."),
            };
        let path = call.path();
        Some(
            if path.contains("/sharing/") || path.contains("/rest/services/") {
                // A web tool's poll refused for its token is journaled with its job, as below.
                let job = crate::api::webtool::GpPath::parse(path).and_then(|gp| gp.job());
                Reply {
                    kind: Kind::PortalError {
                        code,
                        message: portal_message.to_string(),
                    },
                    note: reply::Note {
                        job: job.map(std::sync::Arc::from),
                        error_code: Some(code),
                        served_by: ServedBy::TokenCheck,
                        ..reply::Note::default()
                    },
                }
            } else {
                // A poll refused for its token is journaled with its job: a timeline shows where
                // the 498 came in.
                let flavour = self.served().fixtures.flavour();
                let job = Route::parse(call.path(), flavour).job();
                let mut reply = Reply::refusal(job, code, admin_message);
                reply.note.served_by = ServedBy::TokenCheck;
                reply
            },
        )
    }
}
