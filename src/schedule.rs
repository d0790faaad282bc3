//! Digest schedules: when a digest is due, evaluated in its reader's time zone.
//!
//! A digest is read by a person at a wall-clock time ("weekdays at 08:00"), so calendar
//! schedules are evaluated in an IANA zone (`chrono-tz`), not at a fixed UTC offset: a
//! fixed offset would deliver the 08:00 digest at 07:00 or 09:00 for half of the year.
//! Only `every <duration>` ignores the zone, because it is an interval, not a time of day.
//!
//! The module is pure apart from [`system_timezone`]: [`Schedule::next_after`] is given
//! the instant and the zone, so tests pin both and the daemon passes its clock's now.
//!
//! # Daylight-saving time
//!
//! A schedule names local times, and a zone's transitions make some local times not exist
//! and others occur twice. The rules, chosen so that no intended firing is lost or doubled:
//!
//! - A local time inside a spring-forward gap fires once, shifted forward by the gap's
//!   length: 02:30 on the day Berlin jumps from 02:00 to 03:00 fires at 03:30 CEST, which
//!   is the instant 02:30 would have been with the offset in force before the gap. When
//!   that instant is also a firing of its own (03:30 in `*/30 * * * *`) it fires once.
//! - A local time that occurs twice (fall-back) fires once, at its first occurrence:
//!   01:30 on the day New York falls back fires at 01:30 EDT, not again at 01:30 EST.
//! - Except for cron expressions whose hour field matches every hour (`*/15 * * * *`,
//!   `@hourly`): they are intervals written as times, and fire on both occurrences so that
//!   the repeated hour is not an hour of silence.
//! - Everything else follows the wall clock: `daily 08:00` in Berlin is 07:00 UTC in
//!   winter and 06:00 UTC in summer, including on the days of change.
//!
//! # Searching
//!
//! [`Schedule::next_after`] walks local days, starting the day before `after` (a shifted
//! gap time can land on the next day). On a day without a transition local time is UTC
//! plus one fixed offset, so the first matching time past `after` is the answer without
//! asking the zone about each time. On a day with a transition every matching time is
//! resolved, because a shifted gap time can come after later times of the same day, and
//! the following day is looked at too before the earliest wins. The walk stops after nine
//! years (`0 0 29 2 *` waits up to eight); [`Schedule::parse`] rejects expressions that
//! can never fire, so the limit is only reached near the end of chrono's calendar.
//!
//! # Cron
//!
//! Five fields, minute hour day-of-month month day-of-week, with `*`, lists, ranges, steps
//! and month and weekday names. As in classic cron, when day-of-month and day-of-week are
//! both restricted a day matches if either does. A field counts as restricted when it does
//! not cover every value, so `*/2` is restricted (Vixie cron instead looks at whether the
//! field starts with `*`).

use std::fmt;
use std::time::Duration;

use chrono::{
    DateTime, Datelike, FixedOffset, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, Offset,
    TimeDelta, TimeZone, Timelike, Utc, Weekday,
};
use chrono_tz::Tz;

use crate::units::parse_duration;

const EXPECTED: &str = "expected \"every 2h\", \"daily 08:00\", \"weekdays 08:00\", \
     \"weekly mon 08:00\" or a cron expression like \"0 8,17 * * 1-5\"";

/// How many local days [`Schedule::next_after`] walks before giving up: the longest wait
/// between two 29 Februaries (2096 to 2104) with room to spare.
const SEARCH_DAYS: u32 = 9 * 366;

const DAY: Duration = Duration::from_secs(24 * 60 * 60);

/// When a digest is due.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Schedule {
    /// A fixed interval, regardless of time zone.
    Every(Duration),
    Daily(NaiveTime),
    /// Monday to Friday.
    Weekdays(NaiveTime),
    Weekly(Weekday, NaiveTime),
    Cron(Cron),
}

impl Schedule {
    /// Parses "every 2h", "daily 08:00", "weekdays 08:00", "weekly mon 08:00", a five-field
    /// cron expression such as "0 8,17 * * 1-5", or one of @hourly, @daily, @weekly and
    /// @monthly.
    pub fn parse(text: &str) -> Result<Schedule, String> {
        let text = text.trim();
        let not_a_schedule = || format!("`{text}` is not a schedule: {EXPECTED}");
        let (word, rest) = match text.split_once(char::is_whitespace) {
            Some((word, rest)) => (word, rest.trim()),
            None => (text, ""),
        };
        match word.to_ascii_lowercase().as_str() {
            "every" if !rest.is_empty() => {
                let d = parse_duration(rest)?;
                if d < Duration::from_secs(1) {
                    return Err(format!(
                        "`{text}` is too frequent: a schedule's period must be at least one second"
                    ));
                }
                Ok(Schedule::Every(d))
            }
            "daily" => parse_time(rest)
                .map(Schedule::Daily)
                .ok_or_else(not_a_schedule),
            "weekdays" => parse_time(rest)
                .map(Schedule::Weekdays)
                .ok_or_else(not_a_schedule),
            "weekly" => rest
                .split_once(char::is_whitespace)
                .and_then(|(day, time)| Some((parse_weekday(day)?, parse_time(time.trim())?)))
                .map(|(day, time)| Schedule::Weekly(day, time))
                .ok_or_else(not_a_schedule),
            _ if text.starts_with(|c: char| c == '@' || c == '*' || c.is_ascii_digit())
                || text.split_whitespace().count() == 5 =>
            {
                Cron::parse(text).map(Schedule::Cron)
            }
            _ => Err(not_a_schedule()),
        }
    }

    /// The first firing strictly after `after`, evaluated in `tz` under the rules in the
    /// module doc. `Every(d)` is `after + d`. Returns [`DateTime::<Utc>::MAX_UTC`] ("never")
    /// only when the search runs off the end of chrono's calendar.
    pub fn next_after(&self, after: DateTime<Utc>, tz: Tz) -> DateTime<Utc> {
        let next = match self {
            Schedule::Every(d) => TimeDelta::from_std((*d).max(Duration::from_secs(1)))
                .ok()
                .and_then(|d| after.checked_add_signed(d)),
            Schedule::Daily(t) => next_local(after, tz, &[*t], false, |_| true),
            Schedule::Weekdays(t) => next_local(after, tz, &[*t], false, |day| {
                !matches!(day.weekday(), Weekday::Sat | Weekday::Sun)
            }),
            Schedule::Weekly(w, t) => {
                next_local(after, tz, &[*t], false, |day| day.weekday() == *w)
            }
            Schedule::Cron(cron) => {
                next_local(after, tz, &cron.times(), cron.hours == ALL_HOURS, |day| {
                    cron.matches_day(day)
                })
            }
        };
        next.unwrap_or(DateTime::<Utc>::MAX_UTC)
    }

    /// Roughly how far apart firings are: the period of `Every`, a day for daily and
    /// weekdays, a week for weekly, the smallest gap between two firings for cron
    /// (ignoring daylight-saving shifts).
    pub fn typical_gap(&self) -> Duration {
        match self {
            Schedule::Every(d) => *d,
            Schedule::Daily(_) | Schedule::Weekdays(_) => DAY,
            Schedule::Weekly(..) => 7 * DAY,
            Schedule::Cron(cron) => cron.smallest_gap(),
        }
    }
}

impl fmt::Display for Schedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Schedule::Every(d) => write!(f, "every {}", humantime::format_duration(*d)),
            Schedule::Daily(t) => write!(f, "daily {}", Clock(*t)),
            Schedule::Weekdays(t) => write!(f, "weekdays {}", Clock(*t)),
            Schedule::Weekly(w, t) => {
                write!(f, "weekly {} {}", w.to_string().to_lowercase(), Clock(*t))
            }
            Schedule::Cron(cron) => f.write_str(&cron.text),
        }
    }
}

/// A time of day as schedules write it: `08:00`, or `08:00:30` when it has seconds.
struct Clock(NaiveTime);

impl fmt::Display for Clock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.second() {
            0 => write!(f, "{}", self.0.format("%H:%M")),
            _ => write!(f, "{}", self.0.format("%H:%M:%S")),
        }
    }
}

fn parse_time(text: &str) -> Option<NaiveTime> {
    NaiveTime::parse_from_str(text, "%H:%M")
        .or_else(|_| NaiveTime::parse_from_str(text, "%H:%M:%S"))
        .ok()
}

fn parse_weekday(text: &str) -> Option<Weekday> {
    Some(match text.to_ascii_lowercase().as_str() {
        "mon" | "monday" => Weekday::Mon,
        "tue" | "tuesday" => Weekday::Tue,
        "wed" | "wednesday" => Weekday::Wed,
        "thu" | "thursday" => Weekday::Thu,
        "fri" | "friday" => Weekday::Fri,
        "sat" | "saturday" => Weekday::Sat,
        "sun" | "sunday" => Weekday::Sun,
        _ => return None,
    })
}

/// The first instant after `after` at one of `times` on a local day that `matches_day`,
/// under the daylight-saving rules in the module doc. `times` is sorted. `None` when the
/// search runs out of days or off the end of the calendar.
fn next_local(
    after: DateTime<Utc>,
    tz: Tz,
    times: &[NaiveTime],
    both_folds: bool,
    matches_day: impl Fn(NaiveDate) -> bool,
) -> Option<DateTime<Utc>> {
    let first_day = after
        .naive_utc()
        .checked_add_offset(tz.offset_from_utc_datetime(&after.naive_utc()).fix())?
        .date();
    let mut day = first_day.pred_opt().unwrap_or(first_day);
    // A firing found on a transition day, and that day: it wins only once the next day
    // has been looked at too.
    let mut best: Option<DateTime<Utc>> = None;
    let mut found_on: Option<NaiveDate> = None;
    for _ in 0..SEARCH_DAYS {
        if matches_day(day) {
            match fixed_offset_on(tz, day) {
                Some(offset) => {
                    let threshold = after.naive_utc().checked_add_offset(offset)?;
                    let first_past = times.partition_point(|&t| day.and_time(t) <= threshold);
                    if let Some(&t) = times.get(first_past) {
                        let at = day.and_time(t).checked_sub_offset(offset)?.and_utc();
                        return Some(best.map_or(at, |b| b.min(at)));
                    }
                }
                None => {
                    let earliest = times
                        .iter()
                        .flat_map(|&t| instants(tz, day.and_time(t), both_folds))
                        .flatten()
                        .filter(|&at| at > after)
                        .min();
                    if let Some(at) = earliest {
                        best = Some(best.map_or(at, |b| b.min(at)));
                        found_on.get_or_insert(day);
                    }
                }
            }
        }
        if found_on.is_some_and(|found| found < day) {
            return best;
        }
        day = day.succ_opt()?;
    }
    best
}

/// The UTC offset in force all through local `day`, or `None` when a transition falls on
/// it. Looks at the day's two midnights only, which assumes no more than one transition a
/// day, as holds for every zone in use today.
fn fixed_offset_on(tz: Tz, day: NaiveDate) -> Option<FixedOffset> {
    let midnight = |d: NaiveDate| tz.from_local_datetime(&d.and_time(NaiveTime::MIN)).single();
    let start = midnight(day)?.offset().fix();
    let end = midnight(day.succ_opt()?)?.offset().fix();
    (start == end).then_some(start)
}

/// The instants at which local time `local` fires: one, or both occurrences of a
/// repeated time when `both_folds`, or for a time in a gap the instant it would be with
/// the offset in force before the gap.
fn instants(tz: Tz, local: NaiveDateTime, both_folds: bool) -> [Option<DateTime<Utc>>; 2] {
    match tz.from_local_datetime(&local) {
        LocalResult::Single(at) => [Some(at.to_utc()), None],
        LocalResult::Ambiguous(first, second) => {
            [Some(first.to_utc()), both_folds.then(|| second.to_utc())]
        }
        LocalResult::None => {
            // A day before, the offset is the one the gap jumps away from.
            let before = local
                .checked_sub_signed(TimeDelta::days(1))
                .map(|probe| tz.offset_from_utc_datetime(&probe).fix());
            let at = before.and_then(|offset| local.checked_sub_offset(offset));
            [at.map(|at| at.and_utc()), None]
        }
    }
}

const ALL_HOURS: u32 = (1 << 24) - 1;
const ALL_DAYS: u32 = !1;
const ALL_WEEKDAYS: u8 = (1 << 7) - 1;

/// A parsed five-field cron expression. Each field is a bit set: bit `n` set means value
/// `n` matches (days of the week count from Sunday = 0).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cron {
    /// The expression as written, with single spaces between fields (an alias in lower
    /// case); shown by `Display`.
    text: String,
    minutes: u64,
    hours: u32,
    days: u32,
    months: u16,
    weekdays: u8,
}

struct Field {
    name: &'static str,
    min: u32,
    max: u32,
    /// Names for `min`, `min + 1`, ...
    names: &'static [&'static str],
    range_text: &'static str,
    not_a_value: &'static str,
}

const MINUTE: Field = Field {
    name: "minute",
    min: 0,
    max: 59,
    names: &[],
    range_text: "0–59",
    not_a_value: "not a number",
};
const HOUR: Field = Field {
    name: "hour",
    min: 0,
    max: 23,
    names: &[],
    range_text: "0–23",
    not_a_value: "not a number",
};
const DAY_OF_MONTH: Field = Field {
    name: "day-of-month",
    min: 1,
    max: 31,
    names: &[],
    range_text: "1–31",
    not_a_value: "not a number",
};
const MONTH: Field = Field {
    name: "month",
    min: 1,
    max: 12,
    names: &[
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ],
    range_text: "1–12 or jan–dec",
    not_a_value: "not a number or month name",
};
const DAY_OF_WEEK: Field = Field {
    name: "day-of-week",
    min: 0,
    max: 7,
    names: &["sun", "mon", "tue", "wed", "thu", "fri", "sat"],
    range_text: "0–7 or sun–sat",
    not_a_value: "not a number or weekday name",
};

impl Field {
    fn error(&self, token: &str, reason: &str) -> String {
        format!("{} field `{token}`: {reason}", self.name)
    }

    fn value(&self, token: &str) -> Result<u32, String> {
        let lower = token.to_ascii_lowercase();
        if let Some(i) = self.names.iter().position(|name| *name == lower) {
            return Ok(self.min + i as u32);
        }
        if token.is_empty() || !token.bytes().all(|b| b.is_ascii_digit()) {
            return Err(self.error(token, self.not_a_value));
        }
        token
            .parse::<u32>()
            .ok()
            .filter(|v| (self.min..=self.max).contains(v))
            .ok_or_else(|| self.error(token, &format!("out of range {}", self.range_text)))
    }

    /// The field's values as a bit set.
    fn parse(&self, text: &str) -> Result<u64, String> {
        let mut bits = 0u64;
        for item in text.split(',') {
            if item.is_empty() {
                return Err(self.error(text, "empty list entry"));
            }
            let (range, step) = match item.split_once('/') {
                Some((range, step)) => match step.parse::<u32>() {
                    Ok(step) if step >= 1 => (range, Some(step)),
                    _ => return Err(self.error(item, "step must be a whole number of at least 1")),
                },
                None => (item, None),
            };
            let (low, high) = if range == "*" {
                (self.min, self.max)
            } else if let Some((low, high)) = range.split_once('-') {
                if low.is_empty() || high.is_empty() {
                    return Err(self.error(range, "a range needs a value on each side of `-`"));
                }
                let (low, high) = (self.value(low)?, self.value(high)?);
                if low > high {
                    return Err(self.error(range, "range runs backwards"));
                }
                (low, high)
            } else {
                // `5/15` means from 5 to the end in steps of 15.
                let low = self.value(range)?;
                (low, if step.is_some() { self.max } else { low })
            };
            for v in (low..=high).step_by(step.unwrap_or(1) as usize) {
                bits |= 1 << v;
            }
        }
        Ok(bits)
    }
}

impl Cron {
    fn parse(text: &str) -> Result<Cron, String> {
        let lower = text.to_ascii_lowercase();
        let (expression, shown) = match lower.as_str() {
            "@hourly" => ("0 * * * *", lower.clone()),
            "@daily" => ("0 0 * * *", lower.clone()),
            "@weekly" => ("0 0 * * 0", lower.clone()),
            "@monthly" => ("0 0 1 * *", lower.clone()),
            _ if text.starts_with('@') => {
                return Err(format!(
                    "`{text}` is not a schedule: the cron aliases are @hourly, @daily, \
                     @weekly and @monthly"
                ));
            }
            _ => (text, text.split_whitespace().collect::<Vec<_>>().join(" ")),
        };
        let fields: Vec<&str> = expression.split_whitespace().collect();
        let [minute, hour, day, month, weekday] = fields[..] else {
            return Err(format!(
                "`{text}` is not a cron expression: expected 5 fields (minute hour \
                 day-of-month month day-of-week), found {}",
                fields.len()
            ));
        };
        let in_text = |e: String| format!("cron expression `{text}`: {e}");
        let minutes = MINUTE.parse(minute).map_err(in_text)?;
        let hours = HOUR.parse(hour).map_err(in_text)? as u32;
        let days = DAY_OF_MONTH.parse(day).map_err(in_text)? as u32;
        let months = MONTH.parse(month).map_err(in_text)? as u16;
        let weekdays = DAY_OF_WEEK.parse(weekday).map_err(in_text)?;
        let cron = Cron {
            text: shown,
            minutes,
            hours,
            days,
            months,
            // Sunday is both 0 and 7.
            weekdays: ((weekdays | weekdays >> 7) & u64::from(ALL_WEEKDAYS)) as u8,
        };
        if !cron.can_fire() {
            return Err(format!(
                "cron expression `{text}` never fires: none of its months has any of its days \
                 of the month"
            ));
        }
        Ok(cron)
    }

    fn can_fire(&self) -> bool {
        // A restricted day of the week matches some day of every month, whether on its
        // own or or-ed with the day of the month.
        self.weekdays != ALL_WEEKDAYS
            || (1..=12u32).any(|month| {
                let longest = match month {
                    2 => 29,
                    4 | 6 | 9 | 11 => 30,
                    _ => 31,
                };
                self.months & 1 << month != 0 && (1..=longest).any(|d| self.days & 1 << d != 0)
            })
    }

    fn matches_day(&self, date: NaiveDate) -> bool {
        if self.months & 1 << date.month() == 0 {
            return false;
        }
        let day = self.days & 1 << date.day() != 0;
        let weekday = self.weekdays & 1 << date.weekday().num_days_from_sunday() != 0;
        if self.days != ALL_DAYS && self.weekdays != ALL_WEEKDAYS {
            day || weekday
        } else {
            day && weekday
        }
    }

    /// The matching times of a day, in order.
    fn times(&self) -> Vec<NaiveTime> {
        let set = |bits: u64, n: u32| (0..n).filter(move |i| bits & 1 << i != 0);
        set(self.hours.into(), 24)
            .flat_map(|h| {
                set(self.minutes, 60).filter_map(move |m| NaiveTime::from_hms_opt(h, m, 0))
            })
            .collect()
    }

    fn smallest_gap(&self) -> Duration {
        let minutes: Vec<u64> = self
            .times()
            .iter()
            .map(|t| u64::from(t.num_seconds_from_midnight() / 60))
            .collect();
        let within_day = minutes.windows(2).map(|w| w[1] - w[0]).min();
        // The fewest days between two matching days, over a span that holds leap days.
        let mut fewest_days = None::<u64>;
        let mut previous: Option<NaiveDate> = None;
        let mut day = NaiveDate::from_ymd_opt(2000, 1, 1).expect("a valid date");
        for _ in 0..SEARCH_DAYS {
            if self.matches_day(day) {
                if let Some(previous) = previous {
                    let days = (day - previous).num_days() as u64;
                    fewest_days = Some(fewest_days.map_or(days, |f| f.min(days)));
                }
                previous = Some(day);
            }
            if fewest_days == Some(1) {
                break;
            }
            day = day.succ_opt().expect("within chrono's calendar");
        }
        let (first, last) = (minutes.first().copied(), minutes.last().copied());
        let across_days = match (fewest_days, first, last) {
            (Some(days), Some(first), Some(last)) => Some(days * 24 * 60 - (last - first)),
            _ => None,
        };
        let gap = [within_day, across_days].into_iter().flatten().min();
        gap.map_or(DAY, |m| Duration::from_secs(m * 60))
    }
}

/// A time zone by its IANA name ("Europe/Istanbul", "America/New_York", "UTC"). Letter
/// case is forgiven, since the names are easy to mistype that way and never ambiguous.
pub fn parse_timezone(name: &str) -> Result<Tz, String> {
    let name = name.trim();
    name.parse::<Tz>()
        .ok()
        .or_else(|| {
            chrono_tz::TZ_VARIANTS
                .iter()
                .copied()
                .find(|tz| tz.name().eq_ignore_ascii_case(name))
        })
        .ok_or_else(|| {
            format!(
                "`{name}` is not a known time zone: write an IANA name such as \
                 \"Europe/Berlin\", \"America/New_York\" or \"UTC\""
            )
        })
}

/// The zone this process runs in: the `TZ` environment variable if it names an IANA zone,
/// else the system's, else UTC.
pub fn system_timezone() -> Tz {
    timezone_from(std::env::var("TZ").ok().as_deref(), || {
        iana_time_zone::get_timezone().ok()
    })
}

/// [`system_timezone`] with its two sources passed in. `TZ` may be an IANA name, one with
/// POSIX's leading `:`, or a path into the zoneinfo directory; anything else (a POSIX
/// rule such as `CET-1CEST,M3.5.0,M10.5.0/3`) falls through to the system's zone.
fn timezone_from(tz_variable: Option<&str>, system: impl FnOnce() -> Option<String>) -> Tz {
    let from_variable = tz_variable.and_then(|value| {
        let name = value.strip_prefix(':').unwrap_or(value);
        let name = name.rsplit_once("zoneinfo/").map_or(name, |(_, name)| name);
        parse_timezone(name).ok()
    });
    from_variable
        .or_else(|| system().and_then(|name| parse_timezone(&name).ok()))
        .unwrap_or(Tz::UTC)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::America::New_York;
    use chrono_tz::Europe::Berlin;

    fn utc(text: &str) -> DateTime<Utc> {
        NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M")
            .unwrap_or_else(|e| panic!("{text}: {e}"))
            .and_utc()
    }

    fn show(at: DateTime<Utc>) -> String {
        at.format("%Y-%m-%d %H:%M").to_string()
    }

    /// The first `n` firings after `from` (UTC), as UTC "YYYY-MM-DD HH:MM".
    fn firings(schedule: &str, tz: Tz, from: &str, n: usize) -> Vec<String> {
        let schedule = Schedule::parse(schedule).unwrap();
        let mut at = utc(from);
        (0..n)
            .map(|_| {
                at = schedule.next_after(at, tz);
                show(at)
            })
            .collect()
    }

    /// `HH:MM` UTC on each of `days` consecutive days from `first`, with `hour_before`
    /// until `change` and `hour_from` from it on.
    fn each_day(
        first: &str,
        days: u32,
        change: &str,
        hour_before: u32,
        hour_from: u32,
        minute: u32,
    ) -> Vec<String> {
        let first = NaiveDate::parse_from_str(first, "%Y-%m-%d").unwrap();
        let change = NaiveDate::parse_from_str(change, "%Y-%m-%d").unwrap();
        first
            .iter_days()
            .take(days as usize)
            .map(|d| {
                let hour = if d < change { hour_before } else { hour_from };
                format!("{d} {hour:02}:{minute:02}")
            })
            .collect()
    }

    fn cron(text: &str) -> Cron {
        match Schedule::parse(text) {
            Ok(Schedule::Cron(cron)) => cron,
            other => panic!("{text}: {other:?}"),
        }
    }

    fn hm(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap()
    }

    #[test]
    fn parse_accepts() {
        let cases = [
            ("every 2h", Schedule::Every(Duration::from_secs(7200))),
            ("every 1h 30m", Schedule::Every(Duration::from_secs(5400))),
            ("every 1s", Schedule::Every(Duration::from_secs(1))),
            ("  daily 08:00 ", Schedule::Daily(hm(8, 0))),
            ("Daily 8:05", Schedule::Daily(hm(8, 5))),
            (
                "daily 23:59:30",
                Schedule::Daily(NaiveTime::from_hms_opt(23, 59, 30).unwrap()),
            ),
            ("weekdays 07:30", Schedule::Weekdays(hm(7, 30))),
            ("weekly mon 08:00", Schedule::Weekly(Weekday::Mon, hm(8, 0))),
            (
                "weekly Sunday 18:00",
                Schedule::Weekly(Weekday::Sun, hm(18, 0)),
            ),
            (
                "WEEKLY FRI 17:00",
                Schedule::Weekly(Weekday::Fri, hm(17, 0)),
            ),
        ];
        for (text, want) in cases {
            assert_eq!(Schedule::parse(text), Ok(want), "{text}");
        }
        for text in [
            "0 8,17 * * 1-5",
            "*/15 * * * *",
            "0 9 * jan,JUL mon-fri",
            "5/20 0-6/2 1,15 * *",
            "0 0 29 2 *",
            "@hourly",
            "@Daily",
            "@weekly",
            "@monthly",
        ] {
            assert!(
                matches!(Schedule::parse(text), Ok(Schedule::Cron(_))),
                "{text}"
            );
        }
    }

    #[test]
    fn parse_rejects_with_what_was_expected() {
        let generic = |text: &str| format!("`{text}` is not a schedule: {EXPECTED}");
        let cases = [
            ("daily 8am", generic("daily 8am")),
            ("daily", generic("daily")),
            ("daily 24:00", generic("daily 24:00")),
            ("weekdays 8", generic("weekdays 8")),
            ("weekly funday 08:00", generic("weekly funday 08:00")),
            ("weekly mon", generic("weekly mon")),
            ("every", generic("every")),
            ("hourly", generic("hourly")),
            ("", generic("")),
            (
                "every 2 fortnights",
                "`2 fortnights` is not a duration (unknown time unit \"fortnights\", supported \
                 units: ns, us/µs, ms, sec, min, hours, days, weeks, months, years (and few \
                 variations)); write e.g. \"30s\", \"15m\", \"2h\""
                    .to_string(),
            ),
            (
                "every 0s",
                "`0s` is zero; a duration must be positive".to_string(),
            ),
            (
                "every 500ms",
                "`every 500ms` is too frequent: a schedule's period must be at least one second"
                    .to_string(),
            ),
        ];
        for (text, want) in cases {
            assert_eq!(Schedule::parse(text), Err(want), "{text}");
        }
    }

    #[test]
    fn cron_errors_name_the_field_and_the_reason() {
        let cases = [
            ("61 * * * *", "minute field `61`: out of range 0–59"),
            ("0 24 * * *", "hour field `24`: out of range 0–23"),
            ("0 0 0 * *", "day-of-month field `0`: out of range 1–31"),
            (
                "0 0 * 13 *",
                "month field `13`: out of range 1–12 or jan–dec",
            ),
            (
                "0 0 * * 8",
                "day-of-week field `8`: out of range 0–7 or sun–sat",
            ),
            (
                "0 0 * * 99999999999",
                "day-of-week field `99999999999`: out of range 0–7 or sun–sat",
            ),
            (
                "0 0 * foo *",
                "month field `foo`: not a number or month name",
            ),
            (
                "0 0 * * fri-mon",
                "day-of-week field `fri-mon`: range runs backwards",
            ),
            (
                "0 0 * * funday",
                "day-of-week field `funday`: not a number or weekday name",
            ),
            ("x * * * *", "minute field `x`: not a number"),
            ("61 * * * 9", "minute field `61`: out of range 0–59"),
            (
                "*/0 * * * *",
                "minute field `*/0`: step must be a whole number of at least 1",
            ),
            (
                "0 */x * * *",
                "hour field `*/x`: step must be a whole number of at least 1",
            ),
            ("1,,2 * * * *", "minute field `1,,2`: empty list entry"),
            (
                "0 -3 * * *",
                "hour field `-3`: a range needs a value on each side of `-`",
            ),
        ];
        for (text, reason) in cases {
            assert_eq!(
                Schedule::parse(text),
                Err(format!("cron expression `{text}`: {reason}")),
                "{text}"
            );
        }
        assert_eq!(
            Schedule::parse("0 8 * *"),
            Err(
                "`0 8 * *` is not a cron expression: expected 5 fields (minute hour \
                 day-of-month month day-of-week), found 4"
                    .to_string()
            )
        );
        assert_eq!(
            Schedule::parse("0 0 30 2 *"),
            Err(
                "cron expression `0 0 30 2 *` never fires: none of its months has any of its \
                 days of the month"
                    .to_string()
            )
        );
        assert_eq!(
            Schedule::parse("@yearly"),
            Err(
                "`@yearly` is not a schedule: the cron aliases are @hourly, @daily, @weekly and \
                 @monthly"
                    .to_string()
            )
        );
    }

    #[test]
    fn cron_fields_as_bit_sets() {
        let c = cron("0 9 * jan,JUL mon-fri");
        assert_eq!(c.minutes, 1);
        assert_eq!(c.hours, 1 << 9);
        assert_eq!(c.days, ALL_DAYS);
        assert_eq!(c.months, 1 << 1 | 1 << 7);
        assert_eq!(c.weekdays, 0b011_1110);
        let c = cron("5/20 0-6/2 1,15 * *");
        assert_eq!(c.minutes, 1 << 5 | 1 << 25 | 1 << 45);
        assert_eq!(c.hours, 1 | 1 << 2 | 1 << 4 | 1 << 6);
        assert_eq!(c.days, 1 << 1 | 1 << 15);
        // Sunday is 0 and 7, and 0–7 is every day.
        assert_eq!(cron("0 0 * * 7").weekdays, 1);
        assert_eq!(cron("0 0 * * sun").weekdays, 1);
        assert_eq!(cron("0 0 * * 5-7").weekdays, 1 | 1 << 5 | 1 << 6);
        assert_eq!(cron("0 0 * * 1-7").weekdays, ALL_WEEKDAYS);
        assert_eq!(cron("@weekly").weekdays, 1);
        assert_eq!(cron("*/15 * * * *").times().len(), 96);
    }

    #[test]
    fn display_round_trips() {
        let cases = [
            ("every 2h", "every 2h"),
            ("every 90m", "every 1h 30m"),
            ("daily 8:00", "daily 08:00"),
            ("daily 23:59:30", "daily 23:59:30"),
            ("weekdays 07:30", "weekdays 07:30"),
            ("weekly Monday 08:00", "weekly mon 08:00"),
            ("weekly sun 18:15", "weekly sun 18:15"),
            ("0 8,17 * * 1-5", "0 8,17 * * 1-5"),
            ("  0   8 *  * MON ", "0 8 * * MON"),
            ("@Hourly", "@hourly"),
            ("@monthly", "@monthly"),
        ];
        for (text, shown) in cases {
            let schedule = Schedule::parse(text).unwrap();
            assert_eq!(schedule.to_string(), shown, "{text}");
            assert_eq!(Schedule::parse(shown), Ok(schedule), "{text}");
        }
    }

    #[test]
    fn daily_follows_the_berlin_wall_clock_across_both_changes() {
        // 08:00 CET is 07:00 UTC, 08:00 CEST is 06:00 UTC.
        assert_eq!(
            firings("daily 08:00", Berlin, "2026-03-20 12:00", 21),
            each_day("2026-03-21", 21, "2026-03-29", 7, 6, 0)
        );
        assert_eq!(
            firings("daily 08:00", Berlin, "2026-10-15 12:00", 21),
            each_day("2026-10-16", 21, "2026-10-25", 6, 7, 0)
        );
    }

    #[test]
    fn daily_follows_the_new_york_wall_clock_across_both_changes() {
        // 08:00 EST is 13:00 UTC, 08:00 EDT is 12:00 UTC.
        assert_eq!(
            firings("daily 08:00", New_York, "2026-03-01 00:00", 21),
            each_day("2026-03-01", 21, "2026-03-08", 13, 12, 0)
        );
        assert_eq!(
            firings("daily 08:00", New_York, "2026-10-20 00:00", 21),
            each_day("2026-10-20", 21, "2026-11-01", 12, 13, 0)
        );
    }

    #[test]
    fn firing_exactly_at_after_is_not_repeated() {
        let daily = Schedule::parse("daily 08:00").unwrap();
        assert_eq!(
            show(daily.next_after(utc("2026-03-29 06:00"), Berlin)),
            "2026-03-30 06:00"
        );
        assert_eq!(
            show(daily.next_after(utc("2026-03-29 05:59"), Berlin)),
            "2026-03-29 06:00"
        );
    }

    #[test]
    fn weekdays_skip_saturday_and_sunday() {
        // Fri 6 March to Fri 20 March 2026, New York springs forward on Sunday 8 March.
        let mut want = vec!["2026-03-06 13:00".to_string()];
        for day in [9, 10, 11, 12, 13, 16, 17, 18, 19, 20] {
            want.push(format!("2026-03-{day:02} 12:00"));
        }
        assert_eq!(
            firings("weekdays 08:00", New_York, "2026-03-06 00:00", 11),
            want
        );
        // Berlin falls back on Sunday 25 October.
        assert_eq!(
            firings("weekdays 08:00", Berlin, "2026-10-22 12:00", 5),
            [
                "2026-10-23 06:00",
                "2026-10-26 07:00",
                "2026-10-27 07:00",
                "2026-10-28 07:00",
                "2026-10-29 07:00"
            ]
        );
    }

    #[test]
    fn weekly_across_both_berlin_changes() {
        assert_eq!(
            firings("weekly mon 08:00", Berlin, "2026-03-10 00:00", 4),
            [
                "2026-03-16 07:00",
                "2026-03-23 07:00",
                "2026-03-30 06:00",
                "2026-04-06 06:00"
            ]
        );
        // Sundays at 02:30: in the gap on 29 March, the first of two on 25 October.
        assert_eq!(
            firings("weekly sun 02:30", Berlin, "2026-03-16 00:00", 3),
            ["2026-03-22 01:30", "2026-03-29 01:30", "2026-04-05 00:30"]
        );
        assert_eq!(
            firings("weekly sun 02:30", Berlin, "2026-10-12 00:00", 3),
            ["2026-10-18 00:30", "2026-10-25 00:30", "2026-11-01 01:30"]
        );
    }

    #[test]
    fn a_time_in_the_spring_forward_gap_fires_once_an_hour_later() {
        // 02:30 does not exist in Berlin on 29 March 2026: it fires at 03:30 CEST.
        assert_eq!(
            firings("daily 02:30", Berlin, "2026-03-27 12:00", 4),
            [
                "2026-03-28 01:30",
                "2026-03-29 01:30",
                "2026-03-30 00:30",
                "2026-03-31 00:30"
            ]
        );
        // New York skips 02:00–03:00 on 8 March 2026.
        assert_eq!(
            firings("daily 02:30", New_York, "2026-03-06 12:00", 3),
            ["2026-03-07 07:30", "2026-03-08 07:30", "2026-03-09 06:30"]
        );
        // The same in cron, where 03:30 is also a firing of its own: once.
        assert_eq!(
            firings("30 2,3 * * *", Berlin, "2026-03-28 12:00", 4),
            [
                "2026-03-29 01:30",
                "2026-03-30 00:30",
                "2026-03-30 01:30",
                "2026-03-31 00:30"
            ]
        );
    }

    #[test]
    fn a_repeated_time_fires_once_at_its_first_occurrence() {
        // 01:30 happens twice in New York on 1 November 2026: EDT (05:30 UTC), then EST.
        assert_eq!(
            firings("daily 01:30", New_York, "2026-10-30 12:00", 4),
            [
                "2026-10-31 05:30",
                "2026-11-01 05:30",
                "2026-11-02 06:30",
                "2026-11-03 06:30"
            ]
        );
        assert_eq!(
            firings("30 1 * * *", New_York, "2026-11-01 05:30", 1),
            ["2026-11-02 06:30"]
        );
        assert_eq!(
            firings("0 2 * * *", Berlin, "2026-10-24 12:00", 2),
            ["2026-10-25 00:00", "2026-10-26 01:00"]
        );
    }

    #[test]
    fn transitions_at_midnight_and_half_hour_shifts() {
        use chrono_tz::America::{Havana, Santiago};
        // Havana springs from 00:00 to 01:00 on 8 March 2026: 00:30 fires at 01:30 CDT.
        assert_eq!(
            firings("daily 00:30", Havana, "2026-03-06 12:00", 3),
            ["2026-03-07 05:30", "2026-03-08 05:30", "2026-03-09 04:30"]
        );
        // Santiago falls back from 00:00 on 5 April to 23:00 on the 4th, so 23:30 on the
        // 4th happens twice: the daily fires at the first, the half-hourly at both.
        assert_eq!(
            firings("daily 23:30", Santiago, "2026-04-03 12:00", 3),
            ["2026-04-04 02:30", "2026-04-05 02:30", "2026-04-06 03:30"]
        );
        assert_eq!(
            firings("*/30 * * * *", Santiago, "2026-04-05 01:45", 5),
            [
                "2026-04-05 02:00",
                "2026-04-05 02:30",
                "2026-04-05 03:00",
                "2026-04-05 03:30",
                "2026-04-05 04:00",
            ]
        );
        // Santiago springs from 00:00 to 01:00 on 6 September.
        assert_eq!(
            firings("daily 00:30", Santiago, "2026-09-04 12:00", 3),
            ["2026-09-05 04:30", "2026-09-06 04:30", "2026-09-07 03:30"]
        );
        // Lord Howe springs from 02:00 to 02:30 on 4 October: 02:15 fires at 02:45.
        assert_eq!(
            firings(
                "daily 02:15",
                chrono_tz::Australia::Lord_Howe,
                "2026-10-01 12:00",
                4
            ),
            [
                "2026-10-01 15:45",
                "2026-10-02 15:45",
                "2026-10-03 15:45",
                "2026-10-04 15:15"
            ]
        );
    }

    #[test]
    fn every_hour_crons_fire_on_both_occurrences_of_the_repeated_hour() {
        assert_eq!(
            firings("*/30 * * * *", New_York, "2026-11-01 04:00", 7),
            [
                "2026-11-01 04:30", // 00:30 EDT
                "2026-11-01 05:00", // 01:00 EDT
                "2026-11-01 05:30", // 01:30 EDT
                "2026-11-01 06:00", // 01:00 EST
                "2026-11-01 06:30", // 01:30 EST
                "2026-11-01 07:00", // 02:00 EST
                "2026-11-01 07:30",
            ]
        );
        assert_eq!(
            firings("@hourly", Berlin, "2026-10-24 22:30", 5),
            [
                "2026-10-24 23:00",
                "2026-10-25 00:00",
                "2026-10-25 01:00",
                "2026-10-25 02:00",
                "2026-10-25 03:00"
            ]
        );
        // Through the gap: 02:00 and 02:30 CET would be 03:00 and 03:30 CEST, already firings.
        assert_eq!(
            firings("*/30 * * * *", Berlin, "2026-03-29 00:00", 4),
            [
                "2026-03-29 00:30",
                "2026-03-29 01:00",
                "2026-03-29 01:30",
                "2026-03-29 02:00"
            ]
        );
    }

    #[test]
    fn cron_weekday_times_across_the_changes() {
        assert_eq!(
            firings("0 8,17 * * 1-5", Berlin, "2026-03-26 12:00", 6),
            [
                "2026-03-26 16:00",
                "2026-03-27 07:00",
                "2026-03-27 16:00",
                "2026-03-30 06:00",
                "2026-03-30 15:00",
                "2026-03-31 06:00",
            ]
        );
        assert_eq!(
            firings("0 8,17 * * mon-fri", New_York, "2026-10-30 11:00", 4),
            [
                "2026-10-30 12:00",
                "2026-10-30 21:00",
                "2026-11-02 13:00",
                "2026-11-02 22:00"
            ]
        )
    }

    #[test]
    fn leap_day_cron_finds_the_next_leap_day() {
        assert_eq!(
            firings("0 0 29 2 *", Tz::UTC, "2026-01-01 00:00", 2),
            ["2028-02-29 00:00", "2032-02-29 00:00"]
        );
        assert_eq!(
            firings("0 0 29 2 *", Berlin, "2026-01-01 00:00", 1),
            ["2028-02-28 23:00"]
        );
        // 2100 is not a leap year.
        assert_eq!(
            firings("0 0 29 2 *", Tz::UTC, "2096-03-01 00:00", 1),
            ["2104-02-29 00:00"]
        );
    }

    #[test]
    fn day_of_month_or_day_of_week_when_both_are_restricted() {
        // The 13th, or any Friday.
        assert_eq!(
            firings("0 9 13 * 5", Tz::UTC, "2026-03-01 00:00", 8),
            [
                "2026-03-06 09:00",
                "2026-03-13 09:00",
                "2026-03-20 09:00",
                "2026-03-27 09:00",
                "2026-04-03 09:00",
                "2026-04-10 09:00",
                "2026-04-13 09:00",
                "2026-04-17 09:00",
            ]
        );
        // Only one restricted: that one alone decides.
        assert_eq!(
            firings("0 9 13 * *", Tz::UTC, "2026-03-01 00:00", 2),
            ["2026-03-13 09:00", "2026-04-13 09:00"]
        );
        assert_eq!(
            firings("0 9 * * fri", Tz::UTC, "2026-04-09 00:00", 2),
            ["2026-04-10 09:00", "2026-04-17 09:00"]
        );
        // A step is a restriction too: odd days, or Mondays.
        assert_eq!(
            firings("0 9 */2 * 1", Tz::UTC, "2026-03-26 00:00", 5),
            [
                "2026-03-27 09:00",
                "2026-03-29 09:00",
                "2026-03-30 09:00",
                "2026-03-31 09:00",
                "2026-04-01 09:00"
            ]
        );
    }

    #[test]
    fn every_ignores_the_zone() {
        let every = Schedule::parse("every 2h").unwrap();
        assert_eq!(
            show(every.next_after(utc("2026-03-29 00:30"), Berlin)),
            "2026-03-29 02:30"
        );
        assert_eq!(
            show(every.next_after(utc("2026-03-29 00:30"), Tz::UTC)),
            "2026-03-29 02:30"
        );
    }

    #[test]
    fn typical_gaps() {
        let cases = [
            ("every 2h", 7200),
            ("daily 08:00", 86_400),
            ("weekdays 08:00", 86_400),
            ("weekly mon 08:00", 7 * 86_400),
            ("0 8,17 * * 1-5", 9 * 3600),
            ("*/15 * * * *", 900),
            ("0 23 * * mon,tue", 86_400),
            ("0 9 * * 1", 7 * 86_400),
            ("@monthly", 28 * 86_400),
            ("0 0 29 2 *", 1461 * 86_400),
            ("50 23,0 * * *", 3600),
        ];
        for (text, seconds) in cases {
            assert_eq!(
                Schedule::parse(text).unwrap().typical_gap(),
                Duration::from_secs(seconds),
                "{text}"
            );
        }
    }

    #[test]
    fn next_after_ends_at_the_edges_of_the_calendar() {
        for text in ["daily 08:00", "0 0 29 2 *", "*/5 * * * *", "every 1h"] {
            let schedule = Schedule::parse(text).unwrap();
            for tz in [Tz::UTC, Berlin, New_York, chrono_tz::Pacific::Kiritimati] {
                let late = schedule.next_after(DateTime::<Utc>::MAX_UTC - TimeDelta::days(2), tz);
                assert!(
                    late > DateTime::<Utc>::MAX_UTC - TimeDelta::days(2),
                    "{text} {tz}"
                );
                let early = schedule.next_after(DateTime::<Utc>::MIN_UTC, tz);
                assert!(early > DateTime::<Utc>::MIN_UTC, "{text} {tz}");
            }
        }
    }

    #[test]
    fn parse_timezone_takes_iana_names() {
        assert_eq!(
            parse_timezone("Europe/Istanbul"),
            Ok(chrono_tz::Europe::Istanbul)
        );
        assert_eq!(parse_timezone("UTC"), Ok(Tz::UTC));
        assert_eq!(parse_timezone(" america/new_york "), Ok(New_York));
        for bad in ["Europe/Istambul", "CEST", "+02:00", ""] {
            assert_eq!(
                parse_timezone(bad),
                Err(format!(
                    "`{bad}` is not a known time zone: write an IANA name such as \
                     \"Europe/Berlin\", \"America/New_York\" or \"UTC\""
                ))
            );
        }
    }

    #[test]
    fn timezone_from_tz_variable_then_system_then_utc() {
        let system = || Some("Europe/Istanbul".to_string());
        assert_eq!(timezone_from(Some("Europe/Berlin"), system), Berlin);
        assert_eq!(timezone_from(Some(":America/New_York"), system), New_York);
        assert_eq!(
            timezone_from(Some("/usr/share/zoneinfo/Asia/Tokyo"), system),
            chrono_tz::Asia::Tokyo
        );
        assert_eq!(
            timezone_from(Some("CET-1CEST,M3.5.0,M10.5.0/3"), system),
            chrono_tz::Europe::Istanbul
        );
        assert_eq!(timezone_from(Some(""), system), chrono_tz::Europe::Istanbul);
        assert_eq!(timezone_from(None, system), chrono_tz::Europe::Istanbul);
        assert_eq!(
            timezone_from(None, || Some("Not/AZone".to_string())),
            Tz::UTC
        );
        assert_eq!(timezone_from(None, || None), Tz::UTC);
        // Whatever this machine says, it is a zone.
        let _ = system_timezone();
    }
}
