//! The page's drawings: a job's steps on an axis (by polls, or by recorded time), and a
//! session's polls on a time axis, coloured by the status served, with the gaps in words.

use super::Mark;
use super::html::Html;
use crate::api::webtool::is_final_status;
use crate::fixture::view::StepView;

/// The class a status is drawn with.
pub(super) fn status_class(status: Option<&str>, error: bool) -> &'static str {
    if error {
        return "s-error";
    }
    match status {
        Some("SUBMITTED" | "esriJobNew" | "esriJobSubmitted" | "esriJobWaiting") => "s-submitted",
        Some("PROCESSING" | "EXECUTING" | "esriJobExecuting" | "esriJobCancelling") => {
            "s-processing"
        }
        Some("COMPLETED" | "esriJobSucceeded") => "s-completed",
        Some("FAILED" | "esriJobFailed" | "esriJobTimedOut" | "esriJobCancelled") => "s-failed",
        _ => "s-other",
    }
}

/// The width of a timeline's drawing area, and its margin.
const AXIS_WIDTH: f64 = 720.0;
const MARGIN: f64 = 20.0;

/// The steps on an axis: by recorded time for a time-based job, else by poll count, each step
/// as wide as it holds.
pub(super) fn step_axis(h: &mut Html, steps: &[StepView], by_time: bool) {
    if steps.is_empty() {
        return;
    }
    let mut starts = Vec::with_capacity(steps.len());
    let mut at = 0.0;
    for step in steps {
        if by_time {
            starts.push(step.offset_ms as f64);
        } else {
            starts.push(at);
            at += f64::from(step.polls);
        }
    }
    // The last step holds for good: drawn as long as the mean of the others, at least one.
    let span_end = if by_time {
        let last = *starts.last().unwrap_or(&0.0);
        (last * 1.15).max(last + 1000.0)
    } else {
        at + 1.0
    };
    let scale = AXIS_WIDTH / span_end.max(1.0);
    h.raw("<svg class=\"axis\" width=\"760\" height=\"46\" viewBox=\"0 0 760 46\" role=\"img\">");
    for (index, step) in steps.iter().enumerate() {
        let start = starts[index];
        let end = starts.get(index + 1).copied().unwrap_or(span_end);
        let status = step.status.as_deref();
        let class = status_class(status, step.error_code.is_some());
        let x = MARGIN + start * scale;
        let width = ((end - start) * scale - 2.0).max(2.0);
        h.open(
            "rect",
            &[
                ("class", class),
                ("x", &format!("{x:.1}")),
                ("y", "6"),
                ("width", &format!("{width:.1}")),
                ("height", "18"),
            ],
        );
        let what = if by_time {
            format!("from +{} ms", step.offset_ms)
        } else {
            format!("{} poll(s)", step.polls)
        };
        h.element(
            "title",
            &[],
            &format!(
                "{} · {} · {what}",
                step.file,
                status.unwrap_or("(no status)")
            ),
        );
        h.close("rect");
    }
    let unit = if by_time { "ms" } else { "polls" };
    h.element(
        "text",
        &[("x", "20"), ("y", "40"), ("class", "tick")],
        &format!("0 {unit}"),
    );
    h.element(
        "text",
        &[("x", "740"), ("y", "40"), ("class", "tick end")],
        &format!("{span_end:.0} {unit}"),
    );
    h.raw("</svg>");
}

/// A session's polls of a job on a time axis, and the gaps between them in words.
pub(super) fn timeline(h: &mut Html, marks: &[Mark]) {
    let Some(first) = marks.first().map(|mark| mark.time_ms) else {
        return;
    };
    let last = marks.last().map_or(first, |mark| mark.time_ms);
    let span = (last - first).max(1000) as f64;
    let scale = AXIS_WIDTH / span;
    let ended_at = marks
        .iter()
        .position(|mark| mark.status.as_deref().is_some_and(is_final_status));
    h.raw(
        "<svg class=\"timeline\" width=\"760\" height=\"46\" viewBox=\"0 0 760 46\" role=\"img\">",
    );
    h.raw("<line class=\"base\" x1=\"20\" y1=\"18\" x2=\"740\" y2=\"18\"></line>");
    let mut previous = None;
    for (index, mark) in marks.iter().enumerate() {
        let x = MARGIN + (mark.time_ms - first) as f64 * scale;
        let error = mark.error_code.is_some() || mark.http_status >= 400;
        let after = ended_at.is_some_and(|ended| index > ended);
        let mut class = status_class(mark.status.as_deref(), error).to_string();
        if after {
            class.push_str(" after");
        }
        h.open(
            "circle",
            &[
                ("class", &class),
                ("cx", &format!("{x:.1}")),
                ("cy", "18"),
                ("r", if error { "7" } else { "5" }),
            ],
        );
        let gap = previous
            .map(|previous| format!(" · {} ms after the last", mark.time_ms - previous))
            .unwrap_or_default();
        let answered = match (mark.status.as_deref(), mark.error_code) {
            (_, Some(code)) => format!("error {code}"),
            (Some(status), None) => status.to_string(),
            (None, None) => format!("HTTP {}", mark.http_status),
        };
        h.element(
            "title",
            &[],
            &format!(
                "poll {} · {answered} · +{} ms{gap}{}",
                index + 1,
                mark.time_ms - first,
                if after { " · after the job ended" } else { "" }
            ),
        );
        h.close("circle");
        previous = Some(mark.time_ms);
    }
    h.element(
        "text",
        &[("x", "20"), ("y", "42"), ("class", "tick")],
        "0 ms",
    );
    h.element(
        "text",
        &[("x", "740"), ("y", "42"), ("class", "tick end")],
        &format!("{} ms", span as u64),
    );
    h.raw("</svg>");

    let mut gaps: Vec<u64> = marks
        .windows(2)
        .map(|pair| pair[1].time_ms - pair[0].time_ms)
        .collect();
    gaps.sort_unstable();
    let statuses: Vec<String> = runs(marks);
    let mut summary = format!("{} poll(s): {}", marks.len(), statuses.join(" → "));
    if let (Some(min), Some(max)) = (gaps.first(), gaps.last()) {
        summary.push_str(&format!(
            "; gaps min {min} ms, median {} ms, max {max} ms",
            gaps[gaps.len() / 2]
        ));
    }
    if let Some(ended) = ended_at
        && marks.len() > ended + 1
    {
        summary.push_str(&format!(
            "; {} poll(s) after the job ended",
            marks.len() - ended - 1
        ));
    }
    h.element("p", &[("class", "gaps")], &summary);
}

/// The statuses served in a row, with how many polls each: `SUBMITTED → PROCESSING ×3`.
fn runs(marks: &[Mark]) -> Vec<String> {
    let mut runs: Vec<(String, usize)> = Vec::new();
    for mark in marks {
        let answered = match (&mark.status, mark.error_code) {
            (_, Some(code)) => format!("error {code}"),
            (Some(status), None) => status.clone(),
            (None, None) => format!("HTTP {}", mark.http_status),
        };
        match runs.last_mut() {
            Some((last, count)) if *last == answered => *count += 1,
            _ => runs.push((answered, 1)),
        }
    }
    runs.into_iter()
        .map(|(status, count)| {
            if count == 1 {
                status
            } else {
                format!("{status} ×{count}")
            }
        })
        .collect()
}
