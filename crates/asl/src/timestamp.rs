//! RFC 3339 timestamps as Step Functions accepts them: `2016-03-14T01:59:00Z`, with optional
//! fractional seconds and a `Z` or `±hh:mm` offset. The `T` and the offset are required.

use chrono::{DateTime, FixedOffset};

/// Parses a timestamp; `None` when it is not one Step Functions accepts.
pub fn parse(s: &str) -> Option<DateTime<FixedOffset>> {
    let b = s.as_bytes();
    // Date and time must be separated by an upper-case 'T' and an offset must be present.
    if b.len() < 20 || b.get(10) != Some(&b'T') {
        return None;
    }
    let last = *b.last()?;
    let has_offset = last == b'Z' || {
        let tail = &s[s.len().saturating_sub(6)..];
        tail.len() == 6 && (tail.starts_with('+') || tail.starts_with('-')) && tail.as_bytes()[3] == b':'
    };
    if !has_offset {
        return None;
    }
    DateTime::parse_from_rfc3339(s).ok()
}

/// Milliseconds since the epoch of a timestamp string.
pub fn parse_millis(s: &str) -> Option<i64> {
    parse(s).map(|t| t.timestamp_millis())
}

/// Nanosecond-precise comparison key (Step Functions compares timestamps exactly).
pub fn parse_nanos(s: &str) -> Option<i128> {
    parse(s).map(|t| t.timestamp() as i128 * 1_000_000_000 + t.timestamp_subsec_nanos() as i128)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_rfc3339_and_rejects_the_rest() {
        assert!(parse("2016-03-14T01:59:00Z").is_some());
        assert!(parse("2016-03-14T01:59:00.123Z").is_some());
        assert!(parse("2016-03-14T01:59:00+01:00").is_some());
        assert!(parse("2016-03-14 01:59:00Z").is_none());
        assert!(parse("2016-03-14T01:59:00").is_none());
        assert!(parse("2016-03-14T25:59:00Z").is_none());
        assert!(parse("").is_none());
    }
}
