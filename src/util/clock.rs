//! The wall clock, as job timestamps, the journal and HAR files count time: milliseconds since
//! the Unix epoch, and the same instant written as ISO 8601 in UTC; and nanoseconds, for IDs.

use std::time::{SystemTime, UNIX_EPOCH};

/// Now, in epoch milliseconds (0 on a clock set before 1970).
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_millis() as u64)
}

/// Now, in nanoseconds since the epoch (0 on a clock set before 1970): not a time to show,
/// but what makes generated IDs and tokens differ from one run to the next.
pub fn now_nanos() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_nanos())
}

/// `epoch_ms` as ISO 8601 in UTC with milliseconds (`2026-11-29T22:37:42.123Z`), the form HAR
/// 1.2 and the web view use.
pub fn iso_time(epoch_ms: u64) -> String {
    let nanos = i128::from(epoch_ms) * 1_000_000;
    let at = time::OffsetDateTime::from_unix_timestamp_nanos(nanos)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    let format = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
    );
    at.format(&format)
        .unwrap_or_else(|_| "1970-01-01T00:00:00.000Z".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_written_in_utc_with_milliseconds() {
        assert_eq!(iso_time(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(iso_time(1_764_455_862_123), "2025-11-29T22:37:42.123Z");
        assert!(now_ms() > 1_764_455_862_123);
    }
}
