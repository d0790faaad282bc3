//! Cron expressions for digest schedules.
//!
//! Five fields, minute hour day-of-month month day-of-week, with `*`, lists, ranges, steps
//! and month and weekday names. As in classic cron, when day-of-month and day-of-week are
//! both restricted a day matches if either does. A field counts as restricted when it does
//! not cover every value, so `*/2` is restricted (Vixie cron instead looks at whether the
//! field starts with `*`).

use std::time::Duration;

use chrono::{Datelike, NaiveDate, NaiveTime, Timelike};

use super::{DAY, SEARCH_DAYS};

const ALL_HOURS: u32 = (1 << 24) - 1;
pub(super) const ALL_DAYS: u32 = !1;
pub(super) const ALL_WEEKDAYS: u8 = (1 << 7) - 1;

/// A parsed five-field cron expression. Each field is a bit set: bit `n` set means value
/// `n` matches (days of the week count from Sunday = 0).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cron {
    /// The expression as written, with single spaces between fields (an alias in lower
    /// case); shown by `Display`.
    pub(super) text: String,
    pub(super) minutes: u64,
    pub(super) hours: u32,
    pub(super) days: u32,
    pub(super) months: u16,
    pub(super) weekdays: u8,
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
    pub(super) fn parse(text: &str) -> Result<Cron, String> {
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

    pub(super) fn matches_day(&self, date: NaiveDate) -> bool {
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
    /// Whether the hour field matches every hour (`*/15 * * * *`, `@hourly`): such an
    /// expression is an interval written as times, and fires on both occurrences of a
    /// repeated hour.
    pub(super) fn every_hour(&self) -> bool {
        self.hours == ALL_HOURS
    }

    pub(super) fn times(&self) -> Vec<NaiveTime> {
        let set = |bits: u64, n: u32| (0..n).filter(move |i| bits & 1 << i != 0);
        set(self.hours.into(), 24)
            .flat_map(|h| {
                set(self.minutes, 60).filter_map(move |m| NaiveTime::from_hms_opt(h, m, 0))
            })
            .collect()
    }

    pub(super) fn smallest_gap(&self) -> Duration {
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
