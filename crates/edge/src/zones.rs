//! Time zones from the runtime's `Intl` database (workerd and Deno carry
//! ICU's copy of the IANA database), installed as the core's
//! [`ZoneSource`] so the module does not ship its own. The arithmetic is
//! the core's; this only asks `Intl` a zone's offset at an instant.

use std::cell::RefCell;
use std::collections::HashMap;

use retention_core::Instant;
use retention_core::zone::{Zone, ZoneRules, ZoneSource};
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// `Intl.DateTimeFormat`, built so it can fail (an unknown zone throws).
    #[wasm_bindgen(js_namespace = Intl, js_name = DateTimeFormat)]
    type OffsetFormat;

    #[wasm_bindgen(catch, constructor, js_namespace = Intl, js_class = "DateTimeFormat")]
    fn new(locale: &str, options: &js_sys::Object) -> Result<OffsetFormat, JsValue>;

    #[wasm_bindgen(method, js_name = formatToParts)]
    fn format_to_parts(this: &OffsetFormat, date: &js_sys::Date) -> js_sys::Array;
}

/// The instants `Intl` is asked about, in Unix seconds: years -9999 to
/// 9999, the range the bundled database covers natively.
const EARLIEST: i64 = -377_705_116_800;
const LATEST: i64 = 253_402_300_799;

/// How far apart the offset is sampled when looking for a change. Real
/// zones change at most a few times a year, never twice in six hours.
const PROBE_SECONDS: i64 = 6 * 3_600;

thread_local! {
    // One formatter per zone name asked about (the database's few hundred
    // names at most): building one costs more than using it.
    static FORMATS: RefCell<HashMap<String, OffsetFormat>> = RefCell::new(HashMap::new());
}

/// The runtime's `Intl` as the source of time zones.
pub struct IntlZones;

impl ZoneSource for IntlZones {
    fn zone(&self, name: &str) -> Option<Zone> {
        (is_iana_name(name) && with_format(name, |_| ()).is_some())
            .then(|| Zone::new(IntlZone(name.to_owned())))
    }
}

/// Installs [`IntlZones`] for the core's lookups (once per isolate).
pub fn install() {
    retention_core::zone::install(Box::new(IntlZones));
}

struct IntlZone(String);

impl ZoneRules for IntlZone {
    fn offset_seconds(&self, at: Instant) -> i32 {
        with_format(&self.0, |format| offset_at(format, at)).unwrap_or(0)
    }

    fn next_change(&self, after: Instant, until: Instant) -> Option<Instant> {
        with_format(&self.0, |format| {
            let before = offset_at(format, after);
            let mut from = after;
            while from < until {
                let to = from.plus_seconds(PROBE_SECONDS).min(until);
                if offset_at(format, to) != before {
                    return Some(first_change(format, before, from, to));
                }
                from = to;
            }
            None
        })
        .flatten()
    }
}

/// The first second in (`from`, `to`] whose offset is not `before`, given
/// that `from` has it and `to` does not.
fn first_change(format: &OffsetFormat, before: i32, mut from: Instant, mut to: Instant) -> Instant {
    while to.unix() - from.unix() > 1 {
        let middle = Instant::from_unix(from.unix() + (to.unix() - from.unix()) / 2);
        if offset_at(format, middle) == before {
            from = middle;
        } else {
            to = middle;
        }
    }
    to
}

/// Runs `f` with the formatter of zone `name`, building it on first use;
/// `None` when `Intl` does not know the zone.
fn with_format<T>(name: &str, f: impl FnOnce(&OffsetFormat) -> T) -> Option<T> {
    FORMATS.with(|formats| {
        let mut formats = formats.borrow_mut();
        if !formats.contains_key(name) {
            let options = js_sys::Object::new();
            // Setting plain properties on a new object cannot fail.
            let _ = js_sys::Reflect::set(&options, &"timeZone".into(), &name.into());
            let _ = js_sys::Reflect::set(&options, &"timeZoneName".into(), &"longOffset".into());
            let format = OffsetFormat::new("en-US", &options).ok()?;
            formats.insert(name.to_owned(), format);
        }
        formats.get(name).map(f)
    })
}

/// The zone's offset at `at`, read from the `timeZoneName` part `Intl`
/// writes for it ("GMT", "GMT+05:30", "GMT-03:00").
fn offset_at(format: &OffsetFormat, at: Instant) -> i32 {
    let seconds = at.unix().clamp(EARLIEST, LATEST);
    let date = js_sys::Date::new(&JsValue::from_f64(seconds as f64 * 1_000.0));
    let parts = format.format_to_parts(&date);
    parts
        .iter()
        .find(|part| {
            js_sys::Reflect::get(part, &"type".into())
                .ok()
                .and_then(|t| t.as_string())
                .is_some_and(|t| t == "timeZoneName")
        })
        .and_then(|part| js_sys::Reflect::get(&part, &"value".into()).ok())
        .and_then(|value| value.as_string())
        .and_then(|text| parse_gmt_offset(&text))
        .unwrap_or(0)
}

/// Seconds east of UTC from "GMT", "GMT+5", "GMT+05:30" or "GMT-00:25:21".
fn parse_gmt_offset(text: &str) -> Option<i32> {
    let rest = text
        .strip_prefix("GMT")
        .or_else(|| text.strip_prefix("UTC"))?;
    if rest.is_empty() {
        return Some(0);
    }
    let (sign, digits) = match rest.as_bytes().first()? {
        b'+' => (1, &rest[1..]),
        // ICU may write the minus sign as U+2212.
        b'-' => (-1, &rest[1..]),
        _ => (-1, rest.strip_prefix('\u{2212}')?),
    };
    let mut total = 0;
    let mut fields = 0;
    for (field, scale) in digits.split(':').zip([3_600, 60, 1]) {
        if field.is_empty() || field.len() > 2 || !field.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        total += field.parse::<i32>().ok()? * scale;
        fields += 1;
    }
    (fields == digits.split(':').count()).then_some(sign * total)
}

/// Whether `name` is shaped like an IANA identifier (`Europe/Moscow`,
/// `Etc/GMT+5`, `UTC`). `Intl` also takes offsets such as "+03:00", which
/// are not zone names.
fn is_iana_name(name: &str) -> bool {
    name.split('/').all(|part| {
        part.as_bytes().first().is_some_and(u8::is_ascii_alphabetic)
            && part
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'+'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gmt_offsets_are_read() {
        assert_eq!(parse_gmt_offset("GMT"), Some(0));
        assert_eq!(parse_gmt_offset("GMT+05:30"), Some(19_800));
        assert_eq!(parse_gmt_offset("GMT-03:00"), Some(-10_800));
        assert_eq!(parse_gmt_offset("GMT\u{2212}03:00"), Some(-10_800));
        assert_eq!(parse_gmt_offset("GMT+5"), Some(18_000));
        assert_eq!(parse_gmt_offset("GMT-00:25:21"), Some(-1_521));
        assert_eq!(parse_gmt_offset("GMT+05:"), None);
        assert_eq!(parse_gmt_offset("PST"), None);
    }

    #[test]
    fn only_iana_shaped_names_are_asked_about() {
        for name in [
            "UTC",
            "Europe/Moscow",
            "Etc/GMT+5",
            "America/Port-au-Prince",
        ] {
            assert!(is_iana_name(name), "{name}");
        }
        for name in [
            "",
            "+03:00",
            "Europe/",
            "/UTC",
            "Europe//Moscow",
            "Europe/Mo scow",
        ] {
            assert!(!is_iana_name(name), "{name}");
        }
    }
}
