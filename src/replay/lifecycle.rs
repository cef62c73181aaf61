//! Jobs that clients create: `executeNotebook` and `openNotebook` make a new job from the
//! template of that type, with a fresh job ID, the request's inputs and timestamps of now. This
//! module builds such jobs and keeps them, bounded; routing and answering are `replay`'s.

use std::collections::{HashMap, VecDeque};
use std::hash::{BuildHasher, Hasher};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;
use serde_json::Value;

use crate::api::webtool::ParamKind;
use crate::job::{Job, Step};
use crate::job::{JobParam, WebTool};

/// The request parameters that become a new job's `inputs`, per job type, and whether each is
/// a boolean.
fn input_params(job_type: &str) -> &'static [(&'static str, bool)] {
    match job_type {
        "executeNotebook" => &[
            ("itemId", false),
            ("updatePortalItem", true),
            ("notebookParameters", false),
            ("saveInjectedParameters", true),
        ],
        "openNotebook" => &[
            ("itemId", false),
            ("templateId", false),
            ("notebookRuntimeId", false),
            ("templateNotebook", false),
        ],
        _ => &[],
    }
}

/// A job created by a client.
pub struct Created {
    pub job: Arc<Job>,
    pub job_type: String,
    /// The session that created it: only that session lists it.
    pub session: String,
    /// Defined through the control API (`POST /__jobmock/jobs`, or a defined submission):
    /// only its session finds it, and another session may define the same ID.
    pub private: bool,
}

/// What a created job is found by: its ID, and for a private one its session too.
type IdKey = (Option<Arc<str>>, Arc<str>);

fn id_key(created: &Created) -> IdKey {
    (
        created.private.then(|| Arc::from(created.session.as_str())),
        created.job.id.clone(),
    )
}

/// The created jobs, by slot (stable while the job lives) and by ID; at most `capacity`, the
/// oldest forgotten first so that a client creating jobs forever cannot grow memory forever.
pub struct CreatedJobs {
    slots: Vec<Option<Created>>,
    by_id: HashMap<IdKey, usize>,
    order: VecDeque<usize>,
    free: Vec<usize>,
    capacity: usize,
    dropped: u64,
}

impl CreatedJobs {
    pub fn new(capacity: usize) -> CreatedJobs {
        CreatedJobs {
            slots: Vec::new(),
            by_id: HashMap::new(),
            order: VecDeque::new(),
            free: Vec::new(),
            capacity: capacity.max(1),
            dropped: 0,
        }
    }

    /// Keeps `created`; returns its slot, and the slot of a job forgotten to make room.
    pub fn insert(&mut self, created: Created) -> (usize, Option<usize>) {
        let mut forgotten = None;
        if self.by_id.len() >= self.capacity
            && let Some(oldest) = self.order.front().copied()
        {
            self.remove(oldest);
            self.dropped += 1;
            forgotten = Some(oldest);
        }
        // A private job defined again in its session replaces the one before.
        if let Some(&defined) = self.by_id.get(&id_key(&created)) {
            self.remove(defined);
            forgotten = forgotten.or(Some(defined));
        }
        let id = id_key(&created);
        let slot = match self.free.pop() {
            Some(slot) => {
                self.slots[slot] = Some(created);
                slot
            }
            None => {
                self.slots.push(Some(created));
                self.slots.len() - 1
            }
        };
        self.by_id.insert(id, slot);
        self.order.push_back(slot);
        (slot, forgotten)
    }

    /// The job `id` created by a client (not a private one).
    pub fn find(&self, id: &str) -> Option<(usize, &Created)> {
        self.at(&(None, Arc::from(id)))
    }

    /// The private job `id` of `session` (defined through the control API).
    pub fn find_private(&self, session: &str, id: &str) -> Option<(usize, &Created)> {
        self.at(&(Some(Arc::from(session)), Arc::from(id)))
    }

    fn at(&self, key: &IdKey) -> Option<(usize, &Created)> {
        let slot = *self.by_id.get(key)?;
        self.slots[slot].as_ref().map(|created| (slot, created))
    }

    pub fn remove(&mut self, slot: usize) {
        if let Some(created) = self.slots.get_mut(slot).and_then(Option::take) {
            self.by_id.remove(&id_key(&created));
            self.order.retain(|&kept| kept != slot);
            self.free.push(slot);
        }
    }

    /// The living jobs, oldest first.
    pub fn iter(&self) -> impl Iterator<Item = (usize, &Created)> {
        self.order
            .iter()
            .filter_map(|&slot| self.slots[slot].as_ref().map(|created| (slot, created)))
    }

    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    pub fn dropped(&self) -> u64 {
        self.dropped
    }
}

/// A fresh job ID in the server's form: `j` and a random (version 4) UUID.
pub fn new_job_id() -> String {
    // Random enough for IDs that must not collide within a test run; std's hasher is seeded
    // randomly per process, and the counter and clock make each call differ.
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let seed = std::collections::hash_map::RandomState::new();
    let mut words = [0u64; 2];
    for (index, word) in words.iter_mut().enumerate() {
        let mut hasher = seed.build_hasher();
        hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
        hasher.write_usize(index);
        hasher.write_u128(crate::util::clock::now_nanos());
        *word = hasher.finish();
    }
    let bytes: Vec<u8> = words.iter().flat_map(|word| word.to_be_bytes()).collect();
    let hex = |range: std::ops::Range<usize>| -> String {
        bytes[range]
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect()
    };
    // Version 4 and the RFC 4122 variant, as real UUIDs have them.
    let version = format!("4{}", &hex(6..8)[1..]);
    let variant = format!("{:x}{}", 0x8 | (bytes[8] >> 4 & 0x3), &hex(8..10)[1..]);
    format!(
        "j{}-{}-{version}-{variant}-{}",
        hex(0..4),
        hex(4..6),
        hex(10..16)
    )
}

/// A new job of `job_type` from `template`: its own ID (also inside its messages), its inputs
/// from the request's parameters, and its timestamps moved so it starts at `now_ms`.
pub fn make_job(
    template: &Job,
    job_type: &str,
    id: &str,
    params: &[(String, String)],
    now_ms: u64,
) -> Job {
    let template_id = serde_json::from_slice::<Value>(&template.steps[0].body)
        .ok()
        .and_then(|first| {
            first
                .get("jobId")
                .and_then(Value::as_str)
                .map(str::to_string)
        });
    // The template's ID is replaced inside its strings (messages name the job's folders), never
    // in the JSON text itself: an ID such as "e" or "1" must not break the document.
    let template_id = template_id.filter(|template_id| template_id.len() >= 4);
    let make_step = |step: &Step| -> Step {
        let Ok(mut value) = serde_json::from_slice::<Value>(&step.body) else {
            // Loaded steps read again (the loader checks it); should one not, serve it as is.
            return step.clone();
        };
        if let Some(template_id) = &template_id {
            crate::util::json::replace_in_strings(&mut value, template_id, id);
        }
        if let Some(object) = value.as_object_mut() {
            object.insert("jobId".to_string(), Value::from(id));
            if let Some(Value::Object(inputs)) = object.get_mut("inputs") {
                fill_inputs(inputs, job_type, params);
            }
            let start = object.get("startTime").and_then(Value::as_i64);
            let end = object.get("endTime").and_then(Value::as_i64);
            if start.is_some() {
                object.insert("startTime".to_string(), Value::from(now_ms));
            }
            if let (Some(start), Some(end)) = (start, end) {
                let took = (end - start).max(0) as u64;
                object.insert("endTime".to_string(), Value::from(now_ms + took));
            }
        }
        Step {
            body: Bytes::from(serde_json::to_vec(&value).expect("a JSON value serialises")),
            job_id: Some(id.into()),
            ..step.clone()
        }
    };
    Job {
        id: id.into(),
        steps: template.steps.iter().map(make_step).collect(),
        sequence: template.sequence.clone(),
        poll_faults: template.poll_faults.clone(),
        on_cancel: template.on_cancel.as_ref().map(make_step),
        then: template.then,
        webtool: template.webtool.as_ref().map(|tool| WebTool {
            params: tool
                .params
                .iter()
                .map(|param| JobParam {
                    answer: param_answer(param, template_id.as_deref(), id, params),
                    ..param.clone()
                })
                .collect(),
            cancelling: make_step(&tool.cancelling),
        }),
    }
}

/// A created web-tool job's answer of one parameter: the template's, naming the new job, and
/// for an input the client gave, its value (JSON where it parses as JSON, as the server reads a
/// GP parameter, else the text).
fn param_answer(
    param: &JobParam,
    template_id: Option<&str>,
    id: &str,
    params: &[(String, String)],
) -> Step {
    let Ok(mut value) = serde_json::from_slice::<Value>(&param.answer.body) else {
        return param.answer.clone();
    };
    if let Some(template_id) = template_id {
        crate::util::json::replace_in_strings(&mut value, template_id, id);
    }
    if param.kind == ParamKind::Inputs
        && let Some(given) = crate::params::last(params, &param.name)
        && let Some(object) = value.as_object_mut()
    {
        let given = serde_json::from_str(given).unwrap_or_else(|_| Value::from(given));
        object.insert("value".to_string(), given);
    }
    Step {
        body: Bytes::from(serde_json::to_vec(&value).expect("a JSON value serialises")),
        ..param.answer.clone()
    }
}

fn fill_inputs(
    inputs: &mut serde_json::Map<String, Value>,
    job_type: &str,
    params: &[(String, String)],
) {
    for (name, is_boolean) in input_params(job_type) {
        let Some(value) = crate::params::last(params, name).filter(|value| !value.is_empty())
        else {
            continue;
        };
        let value = match (is_boolean, value.to_ascii_lowercase().as_str()) {
            (true, "true") => Value::Bool(true),
            (true, "false") => Value::Bool(false),
            _ => Value::from(value),
        };
        inputs.insert(name.to_string(), value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_job_ids_look_like_the_servers_and_differ() {
        let first = new_job_id();
        let second = new_job_id();
        assert_ne!(first, second);
        assert_eq!(first.len(), 37, "{first}");
        assert!(first.starts_with('j'));
        let groups: Vec<&str> = first[1..].split('-').collect();
        assert_eq!(
            groups.iter().map(|g| g.len()).collect::<Vec<_>>(),
            [8, 4, 4, 4, 12]
        );
        assert!(groups[2].starts_with('4'), "{first}");
        assert!(
            matches!(groups[3].chars().next(), Some('8' | '9' | 'a' | 'b')),
            "{first}"
        );
        assert!(crate::api::job_id_problem(&first).is_none());
    }

    #[test]
    fn created_jobs_are_bounded_oldest_first() {
        let mut created = CreatedJobs::new(2);
        let job = |id: &str| Created {
            job: Arc::new(Job {
                id: id.into(),
                steps: Vec::new(),
                sequence: crate::job::Sequence::new(crate::job::Advance::Poll, vec![1], vec![0]),
                poll_faults: Vec::new(),
                on_cancel: None,
                webtool: None,
                then: crate::job::Then::Repeat,
            }),
            job_type: "t".into(),
            session: "s".into(),
            private: false,
        };
        created.insert(job("a"));
        created.insert(job("b"));
        let (_, forgotten) = created.insert(job("c"));
        assert!(forgotten.is_some());
        assert!(created.find("a").is_none());
        assert!(created.find("c").is_some());
        assert_eq!(created.len(), 2);
        assert_eq!(created.dropped(), 1);
    }
}
