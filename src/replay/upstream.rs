//! The upstream a server that replays and records forwards to ([`Forwarding`]): its recorder,
//! whether everything goes to it, and the jobs it announced that are still running. What goes
//! there and when is `forwarding`'s.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use crate::record::Recorder;

/// The upstream a server forwards to, and how.
pub struct Forwarding {
    pub recorder: Arc<Recorder>,
    /// Forward every request (`all`, or `once` recording), or only what the set lacks.
    pub everything: bool,
    /// Jobs the upstream announced that have not ended: their polls are forwarded.
    followed: Mutex<HashSet<String>>,
}

impl Forwarding {
    pub fn new(recorder: Arc<Recorder>, everything: bool) -> Forwarding {
        Forwarding {
            recorder,
            everything,
            followed: Mutex::new(HashSet::new()),
        }
    }

    pub(super) fn followed(&self) -> std::sync::MutexGuard<'_, HashSet<String>> {
        self.followed
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
