//! Retry and Catch: what happens when a state fails. The first retrier whose `ErrorEquals`
//! matches decides whether to retry (and after how long); when it is exhausted, or none
//! matches, the first matching catcher moves the frame to its `Next`; otherwise the frame fails.

use crate::event::TimerKind;
use crate::execution::{Blocked, Failure, Machine};
use crate::history::EventKind;
use crate::io::{self, States};
use serde_json::{Map, Value};
use statecraft_asl::{Jitter, QueryLanguage, Retrier};
use statecraft_expr::StatesError;

/// Retry, else Catch, else fail the frame. `evaluation_reported`: the caller already recorded
/// `EvaluationFailed` for this failure.
pub(crate) fn handle(m: &mut Machine<'_>, fid: u32, failure: Failure, evaluation_reported: bool) {
    if !evaluation_reported && failure.is(StatesError::QueryEvaluationError) {
        if let Some(frame) = m.frame(fid) {
            let name = m.def.state(frame.state_ref()).name.clone();
            m.emit(fid, EventKind::EvaluationFailed { info: failure.info(), location: None, state: name });
        }
    }
    if !retry(m, fid, &failure) {
        catch_or_fail(m, fid, failure);
    }
}

/// Schedules a retry when the first matching retrier has attempts left.
pub(crate) fn retry(m: &mut Machine<'_>, fid: u32, failure: &Failure) -> bool {
    let Some(frame) = m.frame(fid) else { return false };
    let state = m.def.state(frame.state_ref());
    let Some((i, r)) = state
        .retry
        .iter()
        .enumerate()
        .find(|(_, r)| r.error_equals.iter().any(|e| e.matches(failure.name())))
    else {
        return false;
    };
    let attempts = frame.retry_counts.get(i).copied().unwrap_or(0);
    if attempts as u64 >= r.max_attempts {
        return false;
    }
    let delay = backoff_millis(r, attempts, m.env.random_u64());
    let at = m.now + delay;
    if let Some(f) = m.frame_mut(fid) {
        if f.retry_counts.len() <= i {
            f.retry_counts.resize(i + 1, 0);
        }
        f.retry_counts[i] += 1;
    }
    let seq = m.block(fid, Blocked::Retry);
    m.schedule(fid, seq, TimerKind::Retry, at);
    true
}

/// Moves the frame to the first matching catcher, or fails it.
pub(crate) fn catch_or_fail(m: &mut Machine<'_>, fid: u32, failure: Failure) {
    let Some(frame) = m.frame(fid) else { return };
    let state = m.def.state(frame.state_ref());
    let Some(c) = state.catch.iter().find(|c| c.error_equals.iter().any(|e| e.matches(failure.name())))
    else {
        return m.fail_frame(fid, failure);
    };
    let raw = frame.input.clone();
    let mut error_output = Map::new();
    error_output.insert("Error".into(), failure.error.clone().map(Value::String).unwrap_or(Value::Null));
    error_output.insert("Cause".into(), failure.cause.clone().map(Value::String).unwrap_or(Value::Null));
    let error_output = Value::Object(error_output);
    let states = States { input: Some(&raw), error_output: Some(&error_output), ..Default::default() };
    let assigned = match &c.assign {
        Some(a) if state.query_language == QueryLanguage::JsonPath => {
            let s = States { input: Some(&error_output), result: Some(&error_output), ..Default::default() };
            io::assign(m, fid, state, a, &s).map(Some)
        }
        Some(a) => io::assign(m, fid, state, a, &states).map(Some),
        None => Ok(None),
    };
    let assigned = match assigned {
        Ok(a) => a,
        Err(f) => return m.fail_frame(fid, f),
    };
    let output = if state.query_language == QueryLanguage::Jsonata {
        match &c.output {
            Some(t) => io::jsonata(m, fid, state, t, "Output", &states),
            None => Ok(error_output),
        }
    } else {
        io::result_path(m, fid, state, &c.result_path, &raw, error_output)
    };
    match output {
        Ok(output) => {
            if let Some(vars) = &assigned {
                if let Some(f) = m.frame_mut(fid) {
                    f.vars.assign(vars.clone());
                }
            }
            m.exit_state(fid, output, Some(c.next), assigned);
        }
        Err(f) => m.fail_frame(fid, f),
    }
}

/// The delay before retry number `attempts + 1`: IntervalSeconds × BackoffRate^attempts,
/// capped by MaxDelaySeconds, and drawn uniformly from [0, delay] with FULL jitter.
pub fn backoff_millis(r: &Retrier, attempts: u32, random: u64) -> i64 {
    let mut secs = r.interval_seconds as f64 * r.backoff_rate.powi(attempts as i32);
    if let Some(max) = r.max_delay_seconds {
        secs = secs.min(max as f64);
    }
    let mut millis = (secs * 1000.0).min(i64::MAX as f64 / 2.0) as i64;
    if r.jitter == Jitter::Full && millis > 0 {
        millis = (random % (millis as u64 + 1)) as i64;
    }
    millis
}

#[cfg(test)]
mod tests {
    use super::*;
    use statecraft_asl::ErrorMatcher;

    fn retrier(interval: u64, rate: f64, max_delay: Option<u64>, jitter: Jitter) -> Retrier {
        Retrier {
            error_equals: vec![ErrorMatcher("States.ALL".into())],
            interval_seconds: interval,
            max_attempts: 5,
            backoff_rate: rate,
            max_delay_seconds: max_delay,
            jitter,
        }
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let r = retrier(2, 2.0, None, Jitter::None);
        assert_eq!([0, 1, 2].map(|a| backoff_millis(&r, a, 0)), [2000, 4000, 8000]);
        let capped = retrier(2, 2.0, Some(5), Jitter::None);
        assert_eq!(backoff_millis(&capped, 2, 0), 5000);
        let jittered = retrier(2, 2.0, None, Jitter::Full);
        assert!((0..50).all(|seed| backoff_millis(&jittered, 1, seed * 7919) <= 4000));
    }
}
