use super::cron::{ALL_DAYS, ALL_WEEKDAYS};
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
