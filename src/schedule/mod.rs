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

use std::fmt;
use std::time::Duration;

use chrono::{
    DateTime, Datelike, FixedOffset, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, Offset,
    TimeDelta, TimeZone, Timelike, Utc, Weekday,
};
use chrono_tz::Tz;

use crate::units::parse_duration;

mod cron;
#[cfg(test)]
mod tests;

pub use cron::Cron;

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
                next_local(after, tz, &cron.times(), cron.every_hour(), |day| {
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
