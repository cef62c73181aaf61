//! The recorder's web view (`GET /__jobmock/ui`): the jobs recorded so far, each step's status
//! and hold count, drawn as replay's web view draws a set, from what the writer's feedback
//! counted (the recorder keeps no journal).

use bytes::Bytes;
use http_body_util::{Either, Full};
use hyper::Response;
use hyper::header::{CONTENT_TYPE, HeaderValue};

use super::{ClientBody, Recorder};
use crate::fixture::view::{JobView, Listing};

impl Recorder {
    /// `GET /__jobmock/ui` on the recorder: the jobs recorded so far, each step's status and
    /// hold count, as replay's web view draws a set (the recorder keeps no journal).
    pub(super) fn web_view(&self) -> Response<ClientBody> {
        let (jobs, exchanges) = self.feedback.recorded();
        let jobs: Vec<JobView> = jobs
            .iter()
            .map(|(job, steps)| JobView::recorded(job, steps))
            .collect();
        let page = crate::ui::Page {
            title: format!("record of {}", self.upstream.origin()),
            subtitle: format!(
                "{} job(s) and {exchanges} exchange(s) recorded so far; refreshes every 3 s",
                jobs.len()
            ),
            refresh_seconds: Some(3),
            listing: Listing {
                jobs,
                exchanges: Vec::new(),
            },
            ..crate::ui::Page::default()
        };
        let mut response = Response::new(Either::Left(Full::new(Bytes::from(crate::ui::render(
            &page,
        )))));
        let headers = response.headers_mut();
        headers.insert(
            CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        );
        crate::ui::page_headers(headers);
        response
    }
}
