//! The fixture set a replay server serves, as requests see it: the loaded set with the
//! renderings made on first use, and the slots that keep each job's and exchange's cursors
//! across reloads. A reload ([`super::load`]) makes a new one and swaps it in whole.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use bytes::Bytes;

use crate::fixture::FixtureSet;

/// One loaded fixture set, as a request sees it from start to end: a reload makes a new one
/// and leaves requests in flight with the one they started with.
pub struct Served {
    pub(super) fixtures: FixtureSet,
    /// Per fixture job and step, the pretty and HTML renderings, made on first use: most steps
    /// are only ever asked for in one format, so rendering all of them at load would waste
    /// memory.
    pub(super) rendered: Vec<Box<[Rendered]>>,
    /// Per fixture job (by index in the set), the slot its cursors are kept under. A job keeps
    /// its slot across reloads, so a job whose files did not change keeps its cursors.
    pub(super) job_slots: Vec<usize>,
    /// The same for exchanges.
    pub(super) exchange_slots: Vec<usize>,
    /// Every job ID and exchange name ever served, with its slot.
    slots: HashMap<Named, usize>,
    /// Counts the sets served: 0 at start, one more per reload.
    pub(super) generation: u64,
}

impl Served {
    /// `fixtures`, with the slots of `previous` for the jobs and exchanges it had.
    pub(super) fn new(fixtures: FixtureSet, previous: Option<&Served>) -> Served {
        let rendered = fixtures
            .jobs()
            .iter()
            .map(|job| job.steps.iter().map(|_| Rendered::default()).collect())
            .collect();
        let mut slots = previous.map_or_else(HashMap::new, |previous| previous.slots.clone());
        let mut slot_of = |named: Named| {
            let next = slots.len();
            *slots.entry(named).or_insert(next)
        };
        let job_slots = fixtures
            .jobs()
            .iter()
            .map(|job| slot_of(Named::Job(Arc::clone(&job.id))))
            .collect();
        let exchange_slots = fixtures
            .exchanges()
            .iter()
            .map(|exchange| slot_of(Named::Exchange(Arc::clone(&exchange.name))))
            .collect();
        Served {
            fixtures,
            rendered,
            job_slots,
            exchange_slots,
            slots,
            generation: previous.map_or(0, |previous| previous.generation + 1),
        }
    }

    pub fn fixtures(&self) -> &FixtureSet {
        &self.fixtures
    }
}

/// What a slot is kept for: a job by ID, or an exchange by name.
#[derive(Clone, PartialEq, Eq, Hash)]
enum Named {
    Job(Arc<str>),
    Exchange(Arc<str>),
}

/// A step's renderings for `f=pjson` and `f=html`, made on first use.
#[derive(Default)]
pub(super) struct Rendered {
    pub pretty: OnceLock<Bytes>,
    pub html: OnceLock<Bytes>,
}
