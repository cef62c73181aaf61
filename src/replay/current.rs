//! The set served now, as every request reads it ([`Current`]): a reload replaces it whole,
//! and each thread keeps a handle of its own to the set it read last, so that reading it
//! writes nothing another core reads. A read lock and the set's one reference count were two
//! cache lines that every request moved from one core to the other.

use std::cell::RefCell;
use std::ops::Deref;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use super::served::Served;

/// The set served now, swapped whole by a reload.
pub struct Current {
    /// Which `Current` this is, among every server of the process (tests run many).
    id: u64,
    /// Bumped by every replacement: a thread's handle of an older one is read again.
    replaced: AtomicU64,
    set: RwLock<Arc<Served>>,
}

/// A handle to a set served: a thread's own reference count on it, cloned per request.
// The outer `Arc` is the point: one per thread, so a request counts itself on its thread's
// allocation, not on the set's, which every core would write.
#[allow(clippy::redundant_allocation)]
#[derive(Clone)]
pub struct ServedRef(Arc<Arc<Served>>);

impl Deref for ServedRef {
    type Target = Served;

    fn deref(&self) -> &Served {
        &self.0
    }
}

thread_local! {
    /// The set this thread read last: from which `Current`, after how many replacements.
    static LAST: RefCell<Option<(u64, u64, ServedRef)>> = const { RefCell::new(None) };
}

impl Current {
    pub fn new(served: Served) -> Current {
        static NEXT_ID: AtomicU64 = AtomicU64::new(0);
        Current {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            replaced: AtomicU64::new(0),
            set: RwLock::new(Arc::new(served)),
        }
    }

    /// The set served now. A thread that read it before, and saw no replacement since, clones
    /// its own handle: the shared state is only read.
    pub fn get(&self) -> ServedRef {
        let replaced = self.replaced.load(Ordering::Acquire);
        LAST.with(|last| {
            let mut last = last.borrow_mut();
            if let Some((id, seen, served)) = &*last
                && *id == self.id
                && *seen == replaced
            {
                return served.clone();
            }
            let set = self
                .set
                .read()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            let served = ServedRef(Arc::new(Arc::clone(&set)));
            // A thread keeps the last set it read until it reads again: at most one old set
            // per thread outlives a reload, until that thread serves its next request.
            *last = Some((self.id, replaced, served.clone()));
            served
        })
    }

    /// Serves `new` from now on.
    pub fn replace(&self, new: Served) {
        let mut set = self
            .set
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        *set = Arc::new(new);
        // Bumped while the new set is in place: a thread that sees the bump reads the new one.
        self.replaced.fetch_add(1, Ordering::Release);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture::FixtureSet;

    fn set() -> Served {
        let shipped = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
        Served::new(
            FixtureSet::load(&shipped).expect("the shipped set loads"),
            None,
        )
    }

    #[test]
    fn a_thread_sees_each_replacement_and_never_another_servers_set() {
        let first = Current::new(set());
        let other = Current::new(set());
        let before = first.get();
        assert!(
            Arc::ptr_eq(&before.0, &first.get().0),
            "the thread's handle is reused"
        );
        // Another server read on the same thread is its own set, not the one this thread last
        // read.
        let others = other.get();
        assert!(!Arc::ptr_eq(&*others.0, &*before.0));
        let mut next = set();
        next.generation = 7;
        first.replace(next);
        assert_eq!(first.get().generation, 7);
        // From another thread too.
        let seen = std::thread::scope(|scope| scope.spawn(|| first.get().generation).join());
        assert_eq!(seen.expect("the thread ends"), 7);
        assert_eq!(before.generation, 0, "a handle taken before keeps its set");
    }
}
