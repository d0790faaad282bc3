//! Times as the reader's clock shows them: one time, a story's span from its first report
//! to its latest, and when a follow-up's story was first sent. Every time the digest shows
//! is in the reader's zone, with its abbreviation.

use chrono::{DateTime, Datelike, Offset, Utc};
use chrono_tz::Tz;

use crate::model::MatchRecord;

/// When an entry is shown as having happened: its feed's date if it has one, else when we
/// saw it.
pub(super) fn when(m: &MatchRecord) -> DateTime<Utc> {
    m.published.unwrap_or(m.matched_at)
}

/// A time as the reader's clock shows it: `Sat 21 Nov 2026 17:05 +03`.
pub(super) fn format_time(t: DateTime<Utc>, tz: Tz) -> String {
    t.with_timezone(&tz)
        .format("%a %-d %b %Y %H:%M %Z")
        .to_string()
}

/// From the first report to the latest, written as short as stays unambiguous:
/// `Sat 21 Nov 2026 09:30–12:40 CET`, `Fri 20 Nov 18:02 – Sat 21 Nov 2026 11:15 CET`.
pub(super) fn format_span(first: DateTime<Utc>, last: DateTime<Utc>, tz: Tz) -> String {
    let minute = |t: DateTime<Utc>| t.timestamp().div_euclid(60);
    if minute(first) == minute(last) {
        return format_time(first, tz);
    }
    let (first, last) = (first.with_timezone(&tz), last.with_timezone(&tz));
    let full = "%a %-d %b %Y %H:%M";
    // Across a change of offset (summer time ending, say) one zone name would misdate one
    // end, so each end names its own.
    if first.offset().fix() != last.offset().fix() {
        let zoned = format!("{full} %Z");
        return format!("{} – {}", first.format(&zoned), last.format(&zoned));
    }
    let zone = last.format("%Z");
    let (first_date, last_date) = (first.date_naive(), last.date_naive());
    if first_date == last_date {
        format!("{}–{} {zone}", first.format(full), last.format("%H:%M"))
    } else if first_date.year() == last_date.year() {
        format!(
            "{} – {} {zone}",
            first.format("%a %-d %b %H:%M"),
            last.format(full)
        )
    } else {
        format!("{} – {} {zone}", first.format(full), last.format(full))
    }
}

/// When a follow-up's story was first sent, as the reader of this digest would say it:
/// "earlier today", a weekday within the past six days (never ambiguous then), else a
/// date. Days are calendar days in the reader's zone, like every time in the digest.
pub(super) fn since(first_sent: DateTime<Utc>, generated_at: DateTime<Utc>, tz: Tz) -> String {
    let (first_sent, generated_at) = (
        first_sent.with_timezone(&tz),
        generated_at.with_timezone(&tz),
    );
    let days = (generated_at.date_naive() - first_sent.date_naive()).num_days();
    match days {
        0 => "earlier today".to_string(),
        1..=6 => first_sent.format("%A").to_string(),
        // A date in the future can only come from a clock that moved; a date says what
        // happened without pretending it was recent.
        _ if first_sent.year() == generated_at.year() => first_sent.format("%-d %b").to_string(),
        _ => first_sent.format("%-d %b %Y").to_string(),
    }
}
