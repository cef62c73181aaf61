//! Recorded exchanges: a request that matches one (method, path, the parameters it lists) gets
//! its next step, per session, as recorded.

use std::sync::Arc;

use super::journal::ServedBy;
use super::reply::{Note, Reply, fault_kind};
use super::request::Call;
use super::served::Served;
use super::state::{Key, Replay, Stale};
use crate::api::format::{self, Format};
use crate::job::answer::fault_code;
use crate::job::{BodyKind, Instant};

impl Replay {
    /// The next step of the exchange at `index` for this session, after its delay.
    pub(super) async fn serve_exchange(
        &self,
        served: &Served,
        call: &Call,
        index: usize,
    ) -> Result<Reply, Stale> {
        let exchange = served.fixtures.exchange(index);
        let step_index = {
            let mut live = self.lock();
            if live.generation != served.generation {
                return Err(Stale);
            }
            let key = Key::Exchange(served.exchange_slots[index]);
            let cursor = live.cursors.get_mut(&call.session, key);
            exchange
                .sequence
                .poll(cursor, Instant::now(), self.options.speed)
        };
        let step = &exchange.steps[step_index];
        let note = Note {
            // A recorded executeNotebook answer names the job it started: journaled, a test
            // finds the submission with the job's polls (`?job=`), and the report links them.
            job: step.job_id.clone(),
            exchange: Some(Arc::clone(&exchange.name)),
            step: Some(Arc::clone(&step.file)),
            error_code: step.fault.as_ref().and_then(fault_code).or(step.error_code),
            served_by: ServedBy::Exchange,
            ..Note::default()
        };
        let delay = super::jobs::step_delay(step);
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
        let body = if step.has_origin {
            self.fill_origin(call, &step.body)
        } else {
            step.body.clone()
        };
        // A recorded answer is served as recorded; only `f=pjson` asks for it pretty.
        let pretty = call.param("f") == Some("pjson");
        let (body, content_type) = match step.kind {
            BodyKind::Json if pretty => (format::pretty(&body), Format::Pjson.content_type()),
            BodyKind::Json => (body, Format::Json.content_type()),
            BodyKind::Text => (body, "text/plain; charset=utf-8"),
        };
        let kind = match &step.fault {
            Some(fault) => {
                let format = Format::parse(call.param("f")).unwrap_or(Format::Json);
                fault_kind(fault, format, body)
            }
            None => self.step_kind(call, step, body, content_type),
        };
        Ok(Reply { kind, note })
    }
}
