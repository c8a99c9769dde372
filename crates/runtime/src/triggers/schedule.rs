//! EventBridge Scheduler expressions: `rate(5 minutes)`, `cron(0 12 * * ? *)` and
//! `at(2026-12-01T10:00:00)`, and the slots they define.
//!
//! A `rate` schedule's slots are the multiples of its period counted from the Unix epoch
//! (`rate(1 day)` fires at 00:00 UTC, `rate(5 minutes)` at :00, :05, ...), so every process
//! computes the same slots and a slot keeps its name across restarts. `cron` and `at` are
//! wall-clock times in the trigger's time zone (see [`super::cron`] for daylight saving).
//!
//! Pure: the instant to search from is a parameter.

use super::cron::Cron;
use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};

/// A parsed schedule expression.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Schedule {
    /// `rate(N unit)`: every `seconds`.
    Rate { seconds: i64 },
    /// `cron(...)`.
    Cron(Cron),
    /// `at(yyyy-mm-ddThh:mm:ss)`: once.
    At(NaiveDateTime),
}

impl Schedule {
    /// Parses an expression; `Err` is a message for the user.
    pub fn parse(text: &str) -> Result<Schedule, String> {
        let text = text.trim();
        let inner = |prefix: &str| text.strip_prefix(prefix).and_then(|r| r.strip_suffix(')'));
        if let Some(body) = inner("rate(") {
            return rate(body.trim());
        }
        if let Some(body) = inner("cron(") {
            return Cron::parse(body)
                .map(Schedule::Cron)
                .map_err(|e| format!("invalid cron expression: {e}"));
        }
        if let Some(body) = inner("at(") {
            return NaiveDateTime::parse_from_str(body.trim(), "%Y-%m-%dT%H:%M:%S")
                .map(Schedule::At)
                .map_err(|_| format!("invalid at() time {body:?}: expected yyyy-mm-ddThh:mm:ss"));
        }
        Err(format!(
            "invalid schedule {text:?}: expected rate(5 minutes), cron(0 12 * * ? *) or at(2026-12-01T10:00:00)"
        ))
    }

    /// The first slot strictly after `after`.
    pub fn next_after<Tz: TimeZone>(&self, after: DateTime<Utc>, tz: &Tz) -> Option<DateTime<Utc>> {
        match self {
            Schedule::Rate { seconds } => {
                let n = after.timestamp().div_euclid(*seconds) + 1;
                DateTime::from_timestamp(n.checked_mul(*seconds)?, 0)
            }
            Schedule::Cron(c) => c.next_after(after, tz),
            Schedule::At(local) => {
                let at = tz.from_local_datetime(local).earliest()?.with_timezone(&Utc);
                (at > after).then_some(at)
            }
        }
    }

    /// The last slot in `(after, upto]`: the one a restart catches up on.
    pub fn last_between<Tz: TimeZone>(
        &self,
        after: DateTime<Utc>,
        upto: DateTime<Utc>,
        tz: &Tz,
    ) -> Option<DateTime<Utc>> {
        if upto <= after {
            return None;
        }
        match self {
            Schedule::Rate { seconds } => {
                let slot = DateTime::from_timestamp(upto.timestamp().div_euclid(*seconds) * seconds, 0)?;
                (slot > after).then_some(slot)
            }
            Schedule::At(_) => self.next_after(after, tz).filter(|t| *t <= upto),
            Schedule::Cron(c) => {
                // Walk forward; bounded so a very long outage of a per-minute schedule stays cheap
                // enough (about two years of minutes), after which the newest slot found is used.
                let mut last = None;
                let mut from = after;
                for _ in 0..1_100_000 {
                    match c.next_after(from, tz) {
                        Some(t) if t <= upto => {
                            last = Some(t);
                            from = t;
                        }
                        _ => break,
                    }
                }
                last
            }
        }
    }
}

fn rate(body: &str) -> Result<Schedule, String> {
    let bad = || {
        format!(
            "invalid rate({body}): expected rate(1 minute), rate(5 minutes), rate(2 hours), rate(1 day) ..."
        )
    };
    let (value, unit) = body.split_once(char::is_whitespace).ok_or_else(bad)?;
    let n: i64 = value.parse().map_err(|_| bad())?;
    if n < 1 {
        return Err(format!("invalid rate({body}): the value must be a positive integer"));
    }
    let unit = unit.trim();
    let (singular, seconds) = match unit {
        "minute" | "minutes" => ("minute", 60),
        "hour" | "hours" => ("hour", 3600),
        "day" | "days" => ("day", 86_400),
        _ => return Err(bad()),
    };
    // AWS's rule: singular for 1, plural otherwise.
    if (n == 1) != (unit == singular) {
        let expected = if n == 1 { singular.to_string() } else { format!("{singular}s") };
        return Err(format!("invalid rate({body}): write rate({n} {expected})"));
    }
    Ok(Schedule::Rate { seconds: n.checked_mul(seconds).ok_or_else(bad)? })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        match DateTime::parse_from_rfc3339(s) {
            Ok(t) => t.with_timezone(&Utc),
            Err(e) => panic!("{s}: {e}"),
        }
    }

    fn parse(s: &str) -> Schedule {
        Schedule::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn rates_are_anchored_on_the_epoch() {
        let every5 = parse("rate(5 minutes)");
        assert_eq!(every5.next_after(utc("2026-03-01T12:07:30Z"), &Utc), Some(utc("2026-03-01T12:10:00Z")));
        assert_eq!(every5.next_after(utc("2026-03-01T12:10:00Z"), &Utc), Some(utc("2026-03-01T12:15:00Z")));
        assert_eq!(
            every5.last_between(utc("2026-03-01T12:00:00Z"), utc("2026-03-01T12:17:00Z"), &Utc),
            Some(utc("2026-03-01T12:15:00Z"))
        );
        assert_eq!(every5.last_between(utc("2026-03-01T12:15:00Z"), utc("2026-03-01T12:17:00Z"), &Utc), None);
        assert_eq!(
            parse("rate(1 day)").next_after(utc("2026-03-01T12:00:00Z"), &Utc),
            Some(utc("2026-03-02T00:00:00Z"))
        );
        for bad in
            ["rate(1 minutes)", "rate(5 minute)", "rate(0 minutes)", "rate(5 weeks)", "rate(five minutes)"]
        {
            assert!(Schedule::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn at_and_cron_in_a_time_zone() {
        let paris = chrono_tz::Europe::Paris;
        let once = parse("at(2026-12-01T10:00:00)");
        assert_eq!(once.next_after(utc("2026-11-01T00:00:00Z"), &paris), Some(utc("2026-12-01T09:00:00Z")));
        assert_eq!(once.next_after(utc("2026-12-01T09:00:00Z"), &paris), None);
        assert_eq!(
            once.last_between(utc("2026-11-01T00:00:00Z"), utc("2027-01-01T00:00:00Z"), &paris),
            Some(utc("2026-12-01T09:00:00Z"))
        );
        let noon = parse("cron(0 12 * * ? *)");
        assert_eq!(
            noon.last_between(utc("2026-01-01T00:00:00Z"), utc("2026-01-04T10:00:00Z"), &paris),
            Some(utc("2026-01-03T11:00:00Z"))
        );
        assert!(Schedule::parse("every 5 minutes").is_err());
        assert!(Schedule::parse("at(2026-12-01 10:00)").is_err());
    }
}
