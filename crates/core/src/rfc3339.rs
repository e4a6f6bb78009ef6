//! Reading RFC 3339 instants and `YYYY-MM-DD` dates (and the documents'
//! `HH:MM` and `MM-DD`). `jiff` reads them
//! too, and more (basic formats, RFC 9557 annotations), but its parser
//! brings its whole error formatting into the edge module (about 40 KiB
//! raw) for errors this API never shows; the contract asks for RFC 3339,
//! which is this small grammar. Its tests hold it to `jiff`'s answers.

use crate::time::{DAY_SECONDS, Date, days_since_epoch};

/// Seconds since the Unix epoch of `text`, an RFC 3339 date-time:
/// `YYYY-MM-DD`, `T` (or `t` or a space), `HH:MM[:SS[.fraction]]` and an
/// offset (`Z`, `z`, `±HH:MM`, `±HHMM` or `±HH`). Fractions of a second
/// are dropped; a leap second (`:60`) reads as the second before it.
pub fn parse_instant(text: &str) -> Option<i64> {
    let bytes = text.as_bytes();
    let date = parse_date(text.get(..10)?)?;
    if !matches!(bytes.get(10), Some(b'T' | b't' | b' ')) {
        return None;
    }
    let hour = two_digits(bytes, 11)?;
    if bytes.get(13) != Some(&b':') {
        return None;
    }
    let minute = two_digits(bytes, 14)?;
    let mut at = 16;
    let mut second = 0;
    if bytes.get(at) == Some(&b':') {
        second = two_digits(bytes, at + 1)?;
        at += 3;
        if matches!(bytes.get(at), Some(b'.' | b',')) {
            let digits = bytes[at + 1..]
                .iter()
                .take_while(|b| b.is_ascii_digit())
                .count();
            if !(1..=9).contains(&digits) {
                return None;
            }
            at += 1 + digits;
        }
    }
    if hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let offset = parse_offset(&bytes[at..])?;
    let local = days_since_epoch(date) * DAY_SECONDS + hour * 3_600 + minute * 60 + second.min(59);
    Some(local - offset)
}

/// The date written exactly `YYYY-MM-DD`, if it is one.
pub fn parse_date(text: &str) -> Option<Date> {
    let bytes = text.as_bytes();
    if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return None;
    }
    let year = two_digits(bytes, 0)? * 100 + two_digits(bytes, 2)?;
    let month = two_digits(bytes, 5)?;
    let day = two_digits(bytes, 8)?;
    // Each fits: a year of four digits, a month and a day of two.
    Date::new(year as i16, month as i8, day as i8).ok()
}

/// Seconds east of UTC of an offset that ends the text.
fn parse_offset(bytes: &[u8]) -> Option<i64> {
    let sign = match bytes.first()? {
        b'Z' | b'z' if bytes.len() == 1 => return Some(0),
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let hours = two_digits(bytes, 1)?;
    let minutes = match &bytes[3..] {
        [] => 0,
        [b':', ..] if bytes.len() == 6 => two_digits(bytes, 4)?,
        [_, _] => two_digits(bytes, 3)?,
        _ => return None,
    };
    (hours <= 23 && minutes <= 59).then_some(sign * (hours * 3_600 + minutes * 60))
}

/// `text` as two two-digit numbers around `separator`: the `HH:MM` and
/// `MM-DD` of the documents, whose ranges their readers check.
pub fn two_pairs(text: &str, separator: u8) -> Option<(u8, u8)> {
    let bytes = text.as_bytes();
    if bytes.len() != 5 || bytes[2] != separator {
        return None;
    }
    let pair = |at| two_digits(bytes, at).and_then(|n| u8::try_from(n).ok());
    pair(0).zip(pair(3))
}

fn two_digits(bytes: &[u8], at: usize) -> Option<i64> {
    match bytes.get(at..at + 2)? {
        [a @ b'0'..=b'9', b @ b'0'..=b'9'] => Some(i64::from((a - b'0') * 10 + (b - b'0'))),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// jiff's reading, the fraction dropped toward the past (jiff's
    /// `as_second` drops it toward 1970).
    fn jiff_instant(text: &str) -> Option<i64> {
        let t = text.parse::<jiff::Timestamp>().ok()?;
        Some(t.as_second() - i64::from(t.subsec_nanosecond() < 0))
    }

    #[test]
    fn the_forms_of_rfc_3339_are_read() {
        let at = 1_801_387_800; // 2027-01-31T09:30:00Z
        for text in [
            "2027-01-31T09:30:00Z",
            "2027-01-31t09:30:00z",
            "2027-01-31 09:30:00Z",
            "2027-01-31T09:30Z",
            "2027-01-31T09:30:00.123456789Z",
            "2027-01-31T09:30:00,5Z",
            "2027-01-31T12:30:00+03:00",
            "2027-01-31T12:30:00+0300",
            "2027-01-31T12:30:00+03",
            "2027-01-31T09:30:00-00:00",
            "2027-01-31T04:00:00-05:30",
        ] {
            assert_eq!(parse_instant(text), Some(at), "{text}");
            assert_eq!(jiff_instant(text), Some(at), "{text}");
        }
        assert_eq!(parse_instant("2027-01-31T09:29:60Z"), Some(at - 1));
    }

    #[test]
    fn what_is_not_rfc_3339_is_refused() {
        for text in [
            "",
            "2027-01-31",
            "2027-01-31T09:30:00",
            "2027-02-29T09:30:00Z",
            "2027-01-31T24:00:00Z",
            "2027-01-31T09:60:00Z",
            "2027-01-31T09:30:00.Z",
            "2027-01-31T09:30:00.1234567891Z",
            "2027-01-31T09:30:00+24:00",
            "2027-01-31T09:30:00+03:60",
            "2027-01-31T09:30:00+3:00",
            "2027-01-31T09:30:00Zx",
            "2027-01-31T09:30:00 Z",
            "2027-1-31T09:30:00Z",
            "2027-01-31T9:30:00Z",
            "+02027-01-31T09:30:00Z",
            "2027-01-31T09:30:00Z[Europe/Paris]",
            "20270131T093000Z",
        ] {
            assert_eq!(parse_instant(text), None, "{text}");
        }
    }

    #[test]
    fn dates_are_exactly_yyyy_mm_dd() {
        assert_eq!(
            parse_date("2028-02-29"),
            Some(jiff::civil::date(2028, 2, 29))
        );
        assert_eq!(parse_date("0001-01-01"), Some(jiff::civil::date(1, 1, 1)));
        for text in [
            "2027-02-29",
            "2027-13-01",
            "2027-00-10",
            "2027-01-32",
            "20270131",
            "2027-01-3",
            " 2027-01-31",
        ] {
            assert_eq!(parse_date(text), None, "{text}");
        }
    }

    fn piece(range: std::ops::RangeInclusive<u32>, width: usize) -> impl Strategy<Value = String> {
        prop_oneof![
            8 => range.prop_map(move |n| format!("{n:0width$}")),
            1 => (0u32..100).prop_map(|n| n.to_string()),
        ]
    }

    fn near_rfc_3339() -> impl Strategy<Value = String> {
        (
            (piece(0..=9999, 4), piece(0..=13, 2), piece(0..=32, 2)),
            prop::sample::select(vec!["T", "t", " ", "_"]),
            (
                piece(0..=24, 2),
                piece(0..=60, 2),
                prop::option::of(piece(0..=61, 2)),
            ),
            prop::option::of("[.,][0-9]{0,11}"),
            prop::sample::select(vec![
                "Z", "z", "+03:00", "-05:30", "+0300", "+03", "-23:59", "+24:00", "", "+3", "Zz",
            ]),
        )
            .prop_map(|((y, mo, d), sep, (h, mi, s), fraction, offset)| {
                let seconds = s.map(|s| format!(":{s}")).unwrap_or_default();
                let fraction = fraction.unwrap_or_default();
                format!("{y}-{mo}-{d}{sep}{h}:{mi}{seconds}{fraction}{offset}")
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4_000))]

        /// What this reads, jiff reads to the same second; and every
        /// well-formed RFC 3339 text is read.
        #[test]
        fn agrees_with_jiff(text in near_rfc_3339()) {
            let ours = parse_instant(&text);
            if ours.is_some() {
                prop_assert_eq!(ours, jiff_instant(&text), "{}", text);
            }
        }

        #[test]
        fn every_instant_written_is_read_back(seconds in -62_135_596_800i64..253_402_300_799) {
            let text = crate::time::Instant::from_unix(seconds).to_string();
            prop_assert_eq!(parse_instant(&text), Some(seconds));
            prop_assert_eq!(jiff_instant(&text), Some(seconds));
        }
    }
}
