//! Table tests of times, spans and "since", in UTC and in other zones.

use super::*;
use crate::digest::render::dates::{format_span, format_time, since};

#[test]
fn time_format() {
    assert_eq!(
        format_time(at(2026, 11, 21, 14, 5), chrono_tz::UTC),
        "Sat 21 Nov 2026 14:05 UTC"
    );
    assert_eq!(
        format_time(at(2026, 2, 1, 0, 0), chrono_tz::UTC),
        "Sun 1 Feb 2026 00:00 UTC"
    );
}

#[test]
fn span_format() {
    let cases = [
        (
            at(2026, 11, 21, 9, 30),
            at(2026, 11, 21, 9, 30),
            "Sat 21 Nov 2026 09:30 UTC",
        ),
        (
            at(2026, 11, 21, 9, 30),
            Utc.with_ymd_and_hms(2026, 11, 21, 9, 30, 45).unwrap(),
            "Sat 21 Nov 2026 09:30 UTC",
        ),
        (
            at(2026, 11, 21, 9, 30),
            at(2026, 11, 21, 12, 40),
            "Sat 21 Nov 2026 09:30–12:40 UTC",
        ),
        (
            at(2026, 11, 20, 18, 2),
            at(2026, 11, 21, 11, 15),
            "Fri 20 Nov 18:02 – Sat 21 Nov 2026 11:15 UTC",
        ),
        (
            at(2026, 12, 31, 23, 50),
            at(2027, 1, 1, 0, 10),
            "Thu 31 Dec 2026 23:50 – Fri 1 Jan 2027 00:10 UTC",
        ),
    ];
    for (first, last, expected) in cases {
        assert_eq!(format_span(first, last, chrono_tz::UTC), expected);
    }
}

#[test]
fn since_names_a_weekday_within_six_days_else_a_date() {
    let saturday = at(2026, 11, 21, 14, 5);
    let cases = [
        (at(2026, 11, 21, 0, 10), saturday, "earlier today"),
        (at(2026, 11, 20, 23, 59), saturday, "Friday"),
        (at(2026, 11, 17, 7, 0), saturday, "Tuesday"),
        (at(2026, 11, 15, 0, 0), saturday, "Sunday"),
        // A week ago "Saturday" would read as today: a date.
        (at(2026, 11, 14, 23, 59), saturday, "14 Nov"),
        (at(2025, 12, 30, 9, 0), saturday, "30 Dec 2025"),
        // A clock that moved back: a date, not "today".
        (at(2026, 11, 22, 9, 0), saturday, "22 Nov"),
        (at(2026, 12, 31, 9, 0), at(2027, 1, 2, 8, 0), "Thursday"),
    ];
    for (first_sent, generated_at, expected) in cases {
        assert_eq!(
            since(first_sent, generated_at, chrono_tz::UTC),
            expected,
            "{first_sent}"
        );
    }
}

#[test]
fn times_are_in_the_readers_zone() {
    use chrono_tz::Europe::{Berlin, Istanbul};
    assert_eq!(
        format_time(at(2026, 11, 21, 14, 5), Istanbul),
        "Sat 21 Nov 2026 17:05 +03"
    );
    assert_eq!(
        format_time(at(2026, 7, 1, 22, 30), Berlin),
        "Thu 2 Jul 2026 00:30 CEST"
    );
    let spans = [
        // One UTC day, two days in Istanbul.
        (
            at(2026, 11, 20, 20, 0),
            at(2026, 11, 21, 2, 0),
            Istanbul,
            "Fri 20 Nov 23:00 – Sat 21 Nov 2026 05:00 +03",
        ),
        (
            at(2026, 11, 21, 9, 30),
            at(2026, 11, 21, 12, 40),
            Berlin,
            "Sat 21 Nov 2026 10:30–13:40 CET",
        ),
        // Summer time ends at 03:00 CEST on 25 Oct 2026: each end names its zone.
        (
            at(2026, 10, 24, 23, 30),
            at(2026, 10, 25, 1, 30),
            Berlin,
            "Sun 25 Oct 2026 01:30 CEST – Sun 25 Oct 2026 02:30 CET",
        ),
    ];
    for (first, last, tz, expected) in spans {
        assert_eq!(format_span(first, last, tz), expected);
    }
    // 23:30 UTC on Friday is already Saturday in Istanbul: "earlier today" there.
    assert_eq!(
        since(at(2026, 11, 20, 23, 30), at(2026, 11, 21, 14, 5), Istanbul),
        "earlier today"
    );
    assert_eq!(
        since(
            at(2026, 11, 20, 23, 30),
            at(2026, 11, 21, 14, 5),
            chrono_tz::UTC
        ),
        "Friday"
    );
}
