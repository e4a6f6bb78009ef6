//! Calendar arithmetic on `YYYY-MM-DD` strings and Unix milliseconds, in
//! pure Rust (no date library ships to shoppers). "Today" is the UTC date,
//! as the API counts it.

/// Milliseconds in a day.
pub const DAY_MS: f64 = 86_400_000.0;

/// Days since 1970-01-01 of a civil date (proleptic Gregorian).
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date of a day count since 1970-01-01.
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Parses `YYYY-MM-DD` (also the date part of an instant) into a day count.
pub fn parse_date(text: &str) -> Option<i64> {
    let date = text.get(..10)?;
    let mut parts = date.split('-');
    let year = parts.next()?.parse().ok()?;
    let month: u32 = parts.next()?.parse().ok()?;
    let day: u32 = parts.next()?.parse().ok()?;
    ((1..=12).contains(&month) && (1..=31).contains(&day))
        .then(|| days_from_civil(year, month, day))
}

/// Writes a day count as `YYYY-MM-DD`.
pub fn format_date(days: i64) -> String {
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}")
}

/// `date` plus `n` days, as `YYYY-MM-DD`.
pub fn add_days(date: &str, n: i64) -> Option<String> {
    parse_date(date).map(|d| format_date(d + n))
}

/// The UTC date of an instant in Unix milliseconds.
pub fn date_of_ms(ms: f64) -> String {
    format_date((ms / DAY_MS).floor() as i64)
}

/// Unix milliseconds of the start (00:00 UTC) of a date.
pub fn start_of_date_ms(date: &str) -> Option<f64> {
    parse_date(date).map(|d| d as f64 * DAY_MS)
}

/// Unix milliseconds of an API instant `YYYY-MM-DDTHH:MM:SSZ`.
pub fn instant_ms(text: &str) -> Option<f64> {
    let day = parse_date(text)?;
    let time = text.get(11..19)?;
    let mut parts = time.split(':');
    let h: i64 = parts.next()?.parse().ok()?;
    let m: i64 = parts.next()?.parse().ok()?;
    let s: i64 = parts.next()?.parse().ok()?;
    Some(((day * 86_400) + h * 3600 + m * 60 + s) as f64 * 1000.0)
}

/// An instant in Unix milliseconds written as the API writes instants.
pub fn format_instant(ms: f64) -> String {
    let secs = (ms / 1000.0).floor() as i64;
    let (day, rest) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    format!(
        "{}T{:02}:{:02}:{:02}Z",
        format_date(day),
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

/// The browser's clock, in Unix milliseconds.
pub fn now_ms() -> f64 {
    js_sys::Date::now()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_round_trips_over_four_centuries() {
        for days in -200_000..200_000 {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
    }

    #[test]
    fn known_dates() {
        assert_eq!(parse_date("1970-01-01"), Some(0));
        assert_eq!(add_days("2027-02-28", 1).as_deref(), Some("2027-03-01"));
        assert_eq!(add_days("2028-02-28", 1).as_deref(), Some("2028-02-29"));
        assert_eq!(add_days("2026-12-31", 90).as_deref(), Some("2027-03-31"));
        assert_eq!(parse_date("2027-13-01"), None);
        assert_eq!(parse_date("27-1-1"), None);
    }

    #[test]
    fn instants() {
        let ms = instant_ms("2027-03-12T09:30:05Z").unwrap();
        assert_eq!(format_instant(ms), "2027-03-12T09:30:05Z");
        assert_eq!(date_of_ms(ms), "2027-03-12");
        assert_eq!(
            start_of_date_ms("2027-03-12").unwrap() + 9.0 * 3_600_000.0 + 30.0 * 60_000.0 + 5000.0,
            ms
        );
    }
}
