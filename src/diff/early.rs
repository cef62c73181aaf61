//! The checks of job folders run while the walk goes on ([`Ahead`]), and every unit's checks
//! put in order ([`check_all`]): a unit checked ahead is taken as it was checked when it is
//! still that unit (the same files, the same flavour), and checked again otherwise.
//!
//! A job folder's flavour is known before the walk ends by asking the folders above it
//! directly (each once): what the walk would have said of them, since a folder the walk saw
//! whole holds a `server.json` or `jobs/` exactly when it saw one there.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use super::check::{check_job, check_unit};
use super::units::{PathMap, Unit, flavour_through, look_at};
use super::walk::Taken;
use super::{Checked, ShapeSets, Shapes, load_shapes_for};
use crate::api::Flavour;
use crate::error::Result;

/// What the walk's workers need to check a job folder as soon as they have listed it.
pub(super) struct Ahead<'a> {
    /// The flavour `--flavour` names, for every unit.
    flavour: Option<Flavour>,
    shapes_dir: Option<&'a Path>,
    /// Per folder above a job folder: the flavour its `server.json` names, and whether it
    /// holds `jobs/` (`None` when asking failed: the unit is left for after the walk).
    looked_at: Mutex<PathMap<Option<Said>>>,
    shapes: Mutex<BTreeMap<Flavour, Option<Arc<Shapes>>>>,
    /// This one among those a process makes, for what its threads remember of it ([`Last`]).
    id: u64,
}

/// The folder above the last job folder a thread checked ahead, and what was found of it.
struct Last {
    /// The [`Ahead`] it was found for ([`Ahead::id`]).
    ahead: u64,
    parent: PathBuf,
    found: Flavour,
    flavour: Flavour,
    shapes: Arc<Shapes>,
}

thread_local! {
    static LAST: RefCell<Option<Last>> = const { RefCell::new(None) };
}

/// What a folder says of its set: the flavour its `server.json` names, and whether it holds
/// `jobs/`.
type Said = (Option<Flavour>, bool);

/// A job folder's unit checked ahead, and the flavour whose shapes it was checked against.
pub(super) struct Early {
    flavour: Flavour,
    checked: Result<Vec<Checked>>,
}

impl<'a> Ahead<'a> {
    pub(super) fn new(flavour: Option<Flavour>, shapes_dir: Option<&'a Path>) -> Ahead<'a> {
        Ahead {
            flavour,
            shapes_dir,
            looked_at: Mutex::default(),
            shapes: Mutex::default(),
            id: {
                static MADE: AtomicU64 = AtomicU64::new(0);
                MADE.fetch_add(1, Ordering::Relaxed)
            },
        }
    }

    /// The unit of the job folder `folder` with its step files, checked; `marked` says whether
    /// the folder holds a `server.json` or a `jobs` entry. `None` when its flavour or shapes
    /// could not be had (the checks after the walk say why).
    pub(super) fn check(
        &self,
        folder: &Path,
        files: &[PathBuf],
        marked: bool,
    ) -> Option<Taken<Early>> {
        let parent = folder.parent().filter(|_| !marked);
        LAST.with_borrow_mut(|last| {
            // A job folder that says nothing of its set has the flavour of the folders above
            // it: those of the last job folder this thread checked, most often (a set's job
            // folders come one after the other), and then asked of no one again.
            let known = last.as_ref().is_some_and(|last| {
                last.ahead == self.id
                    && parent.is_some_and(|parent| parent.as_os_str() == last.parent.as_os_str())
            });
            if !known {
                let (found, flavour, shapes) = self.flavour_and_shapes(folder, marked)?;
                let Some(parent) = parent else {
                    return Some(taken(folder, files, found, flavour, &shapes));
                };
                *last = Some(Last {
                    ahead: self.id,
                    parent: parent.to_path_buf(),
                    found,
                    flavour,
                    shapes,
                });
            }
            let last = last.as_ref()?;
            Some(taken(folder, files, last.found, last.flavour, &last.shapes))
        })
    }

    /// The flavour of `folder`'s set as the walk would find it, the flavour to check it
    /// against, and the shapes of that flavour.
    fn flavour_and_shapes(
        &self,
        folder: &Path,
        marked: bool,
    ) -> Option<(Flavour, Flavour, Arc<Shapes>)> {
        // Asked even under `--flavour`: the walk's flavours are worked out (and can fail) then.
        let found = flavour_through(folder, |dir| {
            match dir == folder && !marked {
                true => Some((None, false)),
                false => self.look_at(dir),
            }
            .ok_or(())
        })
        .ok()?;
        let flavour = self.flavour.unwrap_or(found);
        Some((found, flavour, self.shapes_of(flavour)?))
    }

    fn look_at(&self, dir: &Path) -> Option<Said> {
        if let Some(seen) = self.looked_at.lock().expect("no panic").get(dir) {
            return *seen;
        }
        let seen = look_at(dir).ok();
        self.looked_at
            .lock()
            .expect("no panic")
            .insert(dir.to_path_buf(), seen);
        seen
    }

    fn shapes_of(&self, flavour: Flavour) -> Option<Arc<Shapes>> {
        let mut shapes = self.shapes.lock().expect("no panic");
        shapes
            .entry(flavour)
            .or_insert_with(|| load_shapes_for(flavour, self.shapes_dir).ok().map(Arc::new))
            .clone()
    }
}

/// The unit of the job folder `folder` with its step files, checked against the shapes of
/// `flavour`; `found` the flavour the walk finds its set of.
fn taken(
    folder: &Path,
    files: &[PathBuf],
    found: Flavour,
    flavour: Flavour,
    shapes: &Shapes,
) -> Taken<Early> {
    Taken {
        folder: folder.to_path_buf(),
        files: files.len(),
        flavour: found,
        made: Early {
            flavour,
            checked: check_job(Some(folder), files, flavour, shapes),
        },
    }
}

/// Every unit checked, the results in the units' order, the first error in that order winning:
/// as checked ahead (`early`, beside each unit) where it was against the unit's flavour, the
/// others on every core now.
pub(super) fn check_all(
    units: &[Unit],
    early: Vec<Option<Early>>,
    shapes: &ShapeSets,
    bar: Option<&indicatif::ProgressBar>,
) -> Result<Vec<Checked>> {
    let mut results: Vec<Option<Result<Vec<Checked>>>> = units
        .iter()
        .zip(early)
        .map(|(unit, early)| {
            let early = early?;
            (early.flavour == unit.flavour).then_some(early.checked)
        })
        .collect();
    if let Some(bar) = bar {
        let done = units.iter().zip(&results);
        bar.inc(
            done.filter(|(_, r)| r.is_some())
                .map(|(u, _)| u.files.len() as u64)
                .sum(),
        );
    }
    let rest: Vec<usize> = (0..units.len())
        .filter(|&at| results[at].is_none())
        .collect();
    let checked = crate::parallel::try_map(&rest, 1, |&at| {
        let unit = &units[at];
        let checked = check_unit(unit, &shapes[&unit.flavour]);
        if let Some(bar) = bar {
            bar.inc(unit.files.len() as u64);
        }
        Ok::<_, std::convert::Infallible>(vec![(at, checked)])
    })
    .unwrap_or_else(|never| match never {});
    for (at, checked) in checked {
        results[at] = Some(checked);
    }
    let mut all = Vec::with_capacity(units.iter().map(|unit| unit.files.len()).sum());
    for result in results {
        all.extend(result.expect("every unit checked")?);
    }
    Ok(all)
}
