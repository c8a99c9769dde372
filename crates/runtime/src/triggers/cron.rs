//! AWS's six-field cron expressions (EventBridge rules and Scheduler):
//! `Minutes Hours Day-of-month Month Day-of-week Year`.
//!
//! | field | values | wildcards |
//! | --- | --- | --- |
//! | Minutes | 0-59 | `, - * /` |
//! | Hours | 0-23 | `, - * /` |
//! | Day-of-month | 1-31 | `, - * ? / L W` |
//! | Month | 1-12 or JAN-DEC | `, - * /` |
//! | Day-of-week | 1-7 or SUN-SAT (1 = Sunday) | `, - * ? L #` |
//! | Year | 1970-2199 | `, - * /` |
//!
//! One of Day-of-month and Day-of-week must be `?` (AWS forbids constraining both). `L` alone
//! in Day-of-month is the month's last day, `LW` its last weekday, `15W` the weekday nearest
//! the 15th (within the month); in Day-of-week, `L` alone is Saturday, `6L` the month's last
//! Friday, `3#2` its second Tuesday. Times are wall-clock times in the schedule's time zone:
//! a time that does not exist (the hour skipped when clocks go forward) does not fire, and a
//! time that happens twice (when clocks go back) fires once, at the first occurrence.
//!
//! No I/O and no clock: [`Cron::next_after`] takes the instant to search from.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, TimeZone, Timelike, Utc, Weekday};

const MIN_YEAR: i32 = 1970;
const MAX_YEAR: i32 = 2199;

/// A parsed cron expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cron {
    minutes: u64,
    hours: u32,
    months: u16,
    /// Bit `y - 1970` for each allowed year.
    years: [u64; 4],
    days: Days,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Days {
    /// Day-of-month values (bit n = day n).
    Month(u32),
    LastDay,
    LastWeekday,
    NearestWeekday(u32),
    /// Day-of-week values (bit n = weekday n, 1 = Sunday).
    Week(u8),
    /// The last given weekday of the month.
    LastOfWeek(u8),
    /// The n-th given weekday of the month (weekday, n).
    Nth(u8, u8),
}

const MONTHS: [&str; 12] =
    ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const WEEKDAYS: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

impl Cron {
    /// Parses the inside of `cron(...)`. `Err` says which field is wrong and why.
    pub fn parse(text: &str) -> Result<Cron, String> {
        let fields: Vec<&str> = text.split_whitespace().collect();
        let [min, hour, dom, month, dow, year] = fields.as_slice() else {
            return Err(format!(
                "expected 6 fields (minutes hours day-of-month month day-of-week year), found {}",
                fields.len()
            ));
        };
        let minutes = bits(min, 0, 59, &[], "minutes")?;
        let hours = bits(hour, 0, 23, &[], "hours")? as u32;
        let months = (bits(month, 1, 12, &MONTHS, "month")?) as u16;
        let mut years = [0u64; 4];
        for y in values(year, MIN_YEAR as u32, MAX_YEAR as u32, &[], "year")? {
            let i = (y - MIN_YEAR as u32) as usize;
            years[i / 64] |= 1 << (i % 64);
        }
        let days = match (*dom, *dow) {
            ("?", "?") => return Err("day-of-month and day-of-week cannot both be `?`".into()),
            ("?", dow) => day_of_week(dow)?,
            (dom, "?") => day_of_month(dom)?,
            _ => {
                return Err(
                    "day-of-month and day-of-week cannot both be set: use `?` in one of them (e.g. `cron(0 12 * * ? *)`)"
                        .into(),
                )
            }
        };
        Ok(Cron { minutes, hours, months, years, days })
    }

    /// The first firing strictly after `after`, in the time zone `tz`; `None` when there is
    /// none before the end of 2199.
    pub fn next_after<Tz: TimeZone>(&self, after: DateTime<Utc>, tz: &Tz) -> Option<DateTime<Utc>> {
        let local = after.with_timezone(tz).naive_local();
        let start = local.with_second(0)?.with_nanosecond(0)? + Duration::minutes(1);
        let mut date = start.date();
        while date.year() <= MAX_YEAR {
            if !self.year_ok(date.year()) {
                date = NaiveDate::from_ymd_opt(date.year() + 1, 1, 1)?;
                continue;
            }
            if self.months & (1 << date.month()) == 0 {
                date = first_of_next_month(date)?;
                continue;
            }
            if self.day_ok(date) {
                let same_day = date == start.date();
                for h in 0..24u32 {
                    if self.hours & (1 << h) == 0 || (same_day && h < start.hour()) {
                        continue;
                    }
                    for m in 0..60u32 {
                        if self.minutes & (1 << m) == 0
                            || (same_day && h == start.hour() && m < start.minute())
                        {
                            continue;
                        }
                        let naive = NaiveDateTime::new(date, chrono::NaiveTime::from_hms_opt(h, m, 0)?);
                        // A time skipped by a DST change does not fire; a repeated one fires once.
                        let Some(at) = tz.from_local_datetime(&naive).earliest() else { continue };
                        let at = at.with_timezone(&Utc);
                        if at > after {
                            return Some(at);
                        }
                    }
                }
            }
            date = date.succ_opt()?;
        }
        None
    }

    fn year_ok(&self, year: i32) -> bool {
        if !(MIN_YEAR..=MAX_YEAR).contains(&year) {
            return false;
        }
        let i = (year - MIN_YEAR) as usize;
        self.years[i / 64] & (1 << (i % 64)) != 0
    }

    fn day_ok(&self, date: NaiveDate) -> bool {
        let last = last_day(date);
        let dow = date.weekday().number_from_sunday() as u8; // 1 = Sunday
        match &self.days {
            Days::Month(mask) => mask & (1 << date.day()) != 0,
            Days::LastDay => date.day() == last,
            Days::LastWeekday => {
                let mut d = last;
                while is_weekend(date.with_day(d)) {
                    d -= 1;
                }
                date.day() == d
            }
            Days::NearestWeekday(n) => nearest_weekday(date, *n, last) == Some(date.day()),
            Days::Week(mask) => mask & (1 << dow) != 0,
            Days::LastOfWeek(w) => *w == dow && date.day() + 7 > last,
            Days::Nth(w, n) => *w == dow && (date.day() - 1) / 7 + 1 == u32::from(*n),
        }
    }
}

fn is_weekend(d: Option<NaiveDate>) -> bool {
    d.is_some_and(|d| matches!(d.weekday(), Weekday::Sat | Weekday::Sun))
}

/// The weekday nearest day `n` of `date`'s month, staying within the month.
fn nearest_weekday(date: NaiveDate, n: u32, last: u32) -> Option<u32> {
    if n > last {
        return None;
    }
    let target = date.with_day(n)?;
    Some(match target.weekday() {
        Weekday::Sat if n == 1 => 3,
        Weekday::Sat => n - 1,
        Weekday::Sun if n == last => n - 2,
        Weekday::Sun => n + 1,
        _ => n,
    })
}

fn last_day(date: NaiveDate) -> u32 {
    first_of_next_month(date).and_then(|d| d.pred_opt()).map_or(28, |d| d.day())
}

fn first_of_next_month(date: NaiveDate) -> Option<NaiveDate> {
    if date.month() == 12 {
        NaiveDate::from_ymd_opt(date.year() + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(date.year(), date.month() + 1, 1)
    }
}

fn day_of_month(field: &str) -> Result<Days, String> {
    match field {
        "L" => return Ok(Days::LastDay),
        "LW" => return Ok(Days::LastWeekday),
        _ => {}
    }
    if let Some(n) = field.strip_suffix('W') {
        let n: u32 = n.parse().map_err(|_| format!("day-of-month: `{field}` is not `<day>W`"))?;
        if !(1..=31).contains(&n) {
            return Err(format!("day-of-month: {n} is not within 1-31"));
        }
        return Ok(Days::NearestWeekday(n));
    }
    Ok(Days::Month(bits(field, 1, 31, &[], "day-of-month")? as u32))
}

fn day_of_week(field: &str) -> Result<Days, String> {
    if field == "L" {
        return Ok(Days::Week(1 << 7));
    }
    if let Some(w) = field.strip_suffix('L') {
        return Ok(Days::LastOfWeek(weekday(w)?));
    }
    if let Some((w, n)) = field.split_once('#') {
        let n: u8 = n.parse().map_err(|_| format!("day-of-week: `{field}` is not `<weekday>#<n>`"))?;
        if !(1..=5).contains(&n) {
            return Err(format!("day-of-week: `#{n}` is not within 1-5"));
        }
        return Ok(Days::Nth(weekday(w)?, n));
    }
    Ok(Days::Week(bits(field, 1, 7, &WEEKDAYS, "day-of-week")? as u8))
}

fn weekday(text: &str) -> Result<u8, String> {
    let v = value(text, &WEEKDAYS, 1).ok_or_else(|| format!("day-of-week: `{text}` is not a weekday"))?;
    if (1..=7).contains(&v) {
        Ok(v as u8)
    } else {
        Err(format!("day-of-week: {v} is not within 1-7"))
    }
}

/// A number, or a name from `names` (case-insensitive; the first name is `first`).
fn value(text: &str, names: &[&str], first: u32) -> Option<u32> {
    if let Ok(v) = text.parse::<u32>() {
        return Some(v);
    }
    let upper = text.to_ascii_uppercase();
    names.iter().position(|n| *n == upper).map(|i| i as u32 + first)
}

fn bits(field: &str, min: u32, max: u32, names: &[&str], what: &str) -> Result<u64, String> {
    Ok(values(field, min, max, names, what)?.into_iter().fold(0u64, |acc, v| acc | (1 << v)))
}

/// The values a field allows: `*`, `a`, `a-b`, each optionally `/step`, separated by commas.
fn values(field: &str, min: u32, max: u32, names: &[&str], what: &str) -> Result<Vec<u32>, String> {
    let mut out = Vec::new();
    for item in field.split(',') {
        let (range, step) = match item.split_once('/') {
            Some((r, s)) => {
                let step: u32 = s.parse().map_err(|_| format!("{what}: `{item}` has an invalid step"))?;
                if step == 0 {
                    return Err(format!("{what}: `{item}` has a zero step"));
                }
                (r, step)
            }
            None => (item, 1),
        };
        let parse = |t: &str| -> Result<u32, String> {
            let v = value(t, names, min).ok_or_else(|| format!("{what}: `{t}` is not a valid value"))?;
            if (min..=max).contains(&v) {
                Ok(v)
            } else {
                Err(format!("{what}: {v} is not within {min}-{max}"))
            }
        };
        let (lo, hi) = match range {
            "*" => (min, max),
            r => match r.split_once('-') {
                Some((a, b)) => (parse(a)?, parse(b)?),
                // `5/15` runs from 5 to the end of the range.
                None if item.contains('/') => (parse(r)?, max),
                None => {
                    let v = parse(r)?;
                    (v, v)
                }
            },
        };
        if lo > hi {
            return Err(format!("{what}: `{item}` is a backwards range"));
        }
        out.extend((lo..=hi).step_by(step as usize));
    }
    Ok(out)
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

    fn next(expr: &str, after: &str) -> String {
        let cron = Cron::parse(expr).unwrap_or_else(|e| panic!("{expr}: {e}"));
        cron.next_after(utc(after), &Utc).map(|t| t.to_rfc3339()).unwrap_or_default()
    }

    #[test]
    fn fields_and_wildcards() {
        assert_eq!(next("0 12 * * ? *", "2026-03-01T11:00:00Z"), "2026-03-01T12:00:00+00:00");
        assert_eq!(next("0 12 * * ? *", "2026-03-01T12:00:00Z"), "2026-03-02T12:00:00+00:00");
        assert_eq!(next("0/15 * * * ? *", "2026-03-01T12:07:30Z"), "2026-03-01T12:15:00+00:00");
        assert_eq!(next("5,35 8-9 * * ? *", "2026-03-01T09:36:00Z"), "2026-03-02T08:05:00+00:00");
        assert_eq!(next("0 0 1 JAN,jul ? *", "2026-02-01T00:00:00Z"), "2026-07-01T00:00:00+00:00");
        assert_eq!(next("0 0 ? * MON-FRI *", "2026-03-06T12:00:00Z"), "2026-03-09T00:00:00+00:00");
        assert_eq!(next("0 0 1 1 ? 2030", "2026-03-06T12:00:00Z"), "2030-01-01T00:00:00+00:00");
        assert_eq!(next("0 0 1 1 ? 2020", "2026-03-06T12:00:00Z"), "");
    }

    #[test]
    fn last_weekday_and_nth() {
        // 2026-02-28 is a Saturday: L is the 28th, LW Friday the 27th.
        assert_eq!(next("0 0 L * ? *", "2026-02-01T00:00:00Z"), "2026-02-28T00:00:00+00:00");
        assert_eq!(next("0 0 LW * ? *", "2026-02-01T00:00:00Z"), "2026-02-27T00:00:00+00:00");
        // 2026-03-01 is a Sunday: 1W is Monday the 2nd; 2026-08-01 is a Saturday: 1W is the 3rd.
        assert_eq!(next("0 0 1W * ? *", "2026-02-15T00:00:00Z"), "2026-03-02T00:00:00+00:00");
        assert_eq!(next("0 0 1W 8 ? *", "2026-02-15T00:00:00Z"), "2026-08-03T00:00:00+00:00");
        // Second Tuesday of March 2026: the 10th; last Friday: the 27th; L (Saturday): the 7th.
        assert_eq!(next("0 0 ? * 3#2 *", "2026-03-01T00:00:00Z"), "2026-03-10T00:00:00+00:00");
        assert_eq!(next("0 0 ? * 6L *", "2026-03-01T00:00:00Z"), "2026-03-27T00:00:00+00:00");
        assert_eq!(next("0 0 ? * L *", "2026-03-01T00:00:00Z"), "2026-03-07T00:00:00+00:00");
    }

    #[test]
    fn time_zones_and_dst() {
        let paris = chrono_tz::Europe::Paris;
        let cron = Cron::parse("0 12 * * ? *").unwrap_or_else(|e| panic!("{e}"));
        // Noon in Paris is 11:00 UTC in winter, 10:00 UTC in summer.
        assert_eq!(cron.next_after(utc("2026-01-10T00:00:00Z"), &paris), Some(utc("2026-01-10T11:00:00Z")));
        assert_eq!(cron.next_after(utc("2026-07-10T00:00:00Z"), &paris), Some(utc("2026-07-10T10:00:00Z")));
        // 02:30 does not exist on 2026-03-29 in Paris: the next is the day after.
        let skipped = Cron::parse("30 2 * * ? *").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            skipped.next_after(utc("2026-03-28T12:00:00Z"), &paris),
            Some(utc("2026-03-30T00:30:00Z"))
        );
        // 02:30 happens twice on 2026-10-25: it fires once, at the first.
        let first = skipped.next_after(utc("2026-10-24T12:00:00Z"), &paris);
        assert_eq!(first, Some(utc("2026-10-25T00:30:00Z")));
        assert_eq!(
            skipped.next_after(utc("2026-10-25T00:30:00Z"), &paris),
            Some(utc("2026-10-26T01:30:00Z"))
        );
    }

    #[test]
    fn refusals() {
        for bad in [
            "0 12 * * *",
            "0 12 * * * *",
            "0 12 ? * ? *",
            "60 12 * * ? *",
            "0 24 * * ? *",
            "0 0 32 * ? *",
            "0 0 ? * 8 *",
            "0 0 ? * 3#6 *",
            "0 0 1 13 ? *",
            "0 0 1 1 ? 2200",
            "0 0 5-1 * ? *",
            "0/0 0 * * ? *",
            "0 0 ? * FUNDAY *",
        ] {
            assert!(Cron::parse(bad).is_err(), "{bad} should be refused");
        }
    }
}
