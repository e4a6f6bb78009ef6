//! The widget's words in English and Russian, and numbers, dates, plurals
//! and relative times through the browser's `Intl` (no locale data ships).

mod texts;

use std::cell::RefCell;

use js_sys::{Array, Function, Intl, Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};

pub use texts::Texts;

/// A language the widget speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Locale {
    /// English.
    En,
    /// Russian.
    Ru,
}

impl Locale {
    /// The locale of an attribute value or page language: Russian for any
    /// `ru` tag, English otherwise.
    pub fn from_tag(tag: &str) -> Locale {
        let tag = tag.trim().to_ascii_lowercase();
        if tag == "ru" || tag.starts_with("ru-") || tag.starts_with("ru_") {
            Locale::Ru
        } else {
            Locale::En
        }
    }

    /// The BCP 47 tag.
    pub fn tag(self) -> &'static str {
        match self {
            Locale::En => "en",
            Locale::Ru => "ru",
        }
    }

    /// Every word of the widget in this language.
    pub fn texts(self) -> &'static Texts {
        match self {
            Locale::En => &texts::EN,
            Locale::Ru => &texts::RU,
        }
    }

    fn locales(self) -> Array {
        Array::of1(&JsValue::from_str(self.tag()))
    }

    /// The `format` function of this locale's `Intl` formatter `kind`,
    /// made once by `make`.
    fn formatter(self, kind: &str, make: impl FnOnce(Array) -> JsValue) -> Function {
        let key = format!("{}:{kind}", self.tag());
        cached(&key, || make(self.locales())).unchecked_into()
    }

    /// The CLDR plural category of `n`: `one`, `few`, `many` or `other`.
    pub fn plural(self, n: i64) -> Plural {
        let rules: Intl::PluralRules = cached(&format!("{}:plural", self.tag()), || {
            Intl::PluralRules::new(&self.locales(), &Object::new()).into()
        })
        .unchecked_into();
        match rules.select(n as f64).as_string().as_deref() {
            Some("one") => Plural::One,
            Some("few") => Plural::Few,
            Some("many") => Plural::Many,
            _ => Plural::Other,
        }
    }

    /// `n` with the locale's digit grouping.
    pub fn number(self, n: i64) -> String {
        let format = self.formatter("number", |locales| {
            Intl::NumberFormat::new(&locales, &Object::new())
                .format()
                .into()
        });
        call1(&format, &JsValue::from_f64(n as f64))
    }

    /// `n` points with the word in the right plural form.
    pub fn points(self, n: i64) -> String {
        format!(
            "{} {}",
            self.number(n),
            self.texts().point.pick(self.plural(n))
        )
    }

    /// `n` days with the word in the right plural form.
    pub fn days(self, n: i64) -> String {
        format!(
            "{} {}",
            self.number(n),
            self.texts().day.pick(self.plural(n))
        )
    }

    /// An amount in minor units of `currency`.
    pub fn money(self, minor: i64, currency: &str) -> String {
        let format: Intl::NumberFormat =
            cached(&format!("{}:money:{currency}", self.tag()), || {
                let options = object(&[("style", "currency"), ("currency", currency)]);
                Intl::NumberFormat::new(&self.locales(), &options).into()
            })
            .unchecked_into();
        let digits = Reflect::get(
            &format.resolved_options(),
            &JsValue::from_str("maximumFractionDigits"),
        )
        .ok()
        .and_then(|d| d.as_f64())
        .unwrap_or(2.0);
        let scale = match digits as u32 {
            0 => 1.0,
            1 => 10.0,
            3 => 1000.0,
            4 => 10_000.0,
            _ => 100.0,
        };
        call1(&format.format(), &JsValue::from_f64(minor as f64 / scale))
    }

    /// A calendar date (`YYYY-MM-DD`) written out: "12 March 2027".
    pub fn date(self, date: &str) -> String {
        match crate::dates::start_of_date_ms(date) {
            Some(ms) => self.format_ms(ms, true, false, true),
            None => date.to_owned(),
        }
    }

    /// An instant's date in the shopper's own time zone.
    pub fn instant_date(self, instant: &str) -> String {
        match crate::dates::instant_ms(instant) {
            Some(ms) => self.format_ms(ms, false, false, true),
            None => instant.to_owned(),
        }
    }

    /// An instant's date and time in the shopper's own time zone.
    pub fn instant_date_time(self, ms: f64) -> String {
        self.format_ms(ms, false, true, true)
    }

    /// The day and month of the UTC date at `ms`, without a year: "14
    /// March", "14 марта" (a birthday).
    pub fn day_month(self, ms: f64) -> String {
        self.format_ms(ms, true, false, false)
    }

    /// `ms` as a long date, in UTC (a calendar date) or the shopper's zone,
    /// with the time when `time`, the year when `year`.
    fn format_ms(self, ms: f64, utc: bool, time: bool, year: bool) -> String {
        let kind = format!("date:{utc}:{time}:{year}");
        let format = self.formatter(&kind, |locales| {
            let mut fields = vec![("day", "numeric"), ("month", "long")];
            if year {
                fields.push(("year", "numeric"));
            }
            if time {
                fields.extend([("hour", "2-digit"), ("minute", "2-digit")]);
            }
            if utc {
                fields.push(("timeZone", "UTC"));
            }
            Intl::DateTimeFormat::new(&locales, &object(&fields))
                .format()
                .into()
        });
        call1(&format, &js_sys::Date::new(&JsValue::from_f64(ms)))
    }

    /// How far `target_ms` is from `now_ms`: "in 3 days", "tomorrow".
    pub fn relative(self, target_ms: f64, now_ms: f64) -> String {
        let days = ((target_ms - now_ms) / crate::dates::DAY_MS).round();
        let (value, unit) = if days.abs() < 45.0 {
            (days, "day")
        } else if days.abs() < 700.0 {
            ((days / 30.44).round(), "month")
        } else {
            ((days / 365.25).round(), "year")
        };
        let format: Intl::RelativeTimeFormat = cached(&format!("{}:relative", self.tag()), || {
            Intl::RelativeTimeFormat::new(&self.locales(), &object(&[("numeric", "auto")])).into()
        })
        .unchecked_into();
        format.format(value, unit).into()
    }

    /// The browser's IANA time zone.
    pub fn browser_time_zone() -> Option<String> {
        let format = Intl::DateTimeFormat::new(&Array::new(), &Object::new());
        Reflect::get(&format.resolved_options(), &JsValue::from_str("timeZone"))
            .ok()
            .and_then(|z| z.as_string())
    }

    /// Every IANA zone the browser knows, for the time zone picker.
    pub fn time_zones() -> Vec<String> {
        let list = cached("zones", || {
            Reflect::get(&js_sys::global(), &JsValue::from_str("Intl"))
                .and_then(|intl| Reflect::get(&intl, &JsValue::from_str("supportedValuesOf")))
                .ok()
                .and_then(|f| f.dyn_into::<Function>().ok())
                .and_then(|f| {
                    f.call1(&JsValue::UNDEFINED, &JsValue::from_str("timeZone"))
                        .ok()
                })
                .unwrap_or_else(|| Array::new().into())
        });
        Array::from(&list)
            .iter()
            .filter_map(|z| z.as_string())
            .collect()
    }
}

/// A CLDR plural category.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Plural {
    /// 1, 21 (ru), 1 (en).
    One,
    /// 2–4, 22–24 (ru).
    Few,
    /// 0, 5–20, 25–30 (ru).
    Many,
    /// Fractions and everything else.
    Other,
}

/// A word's plural forms.
pub struct Forms {
    /// Form for `one`.
    pub one: &'static str,
    /// Form for `few` (Russian).
    pub few: &'static str,
    /// Form for `many` (Russian).
    pub many: &'static str,
    /// Form for `other`.
    pub other: &'static str,
}

impl Forms {
    /// The form for `category`.
    pub fn pick(&self, category: Plural) -> &'static str {
        match category {
            Plural::One => self.one,
            Plural::Few => self.few,
            Plural::Many => self.many,
            Plural::Other => self.other,
        }
    }
}

/// `template` with each `{name}` replaced by its value.
pub fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = template.to_owned();
    for (name, value) in values {
        out = out.replace(&format!("{{{name}}}"), value);
    }
    out
}

thread_local! {
    /// `Intl` objects by locale and use: making one costs far more than
    /// using it, and every render formats dozens of values.
    static INTL: RefCell<Vec<(String, JsValue)>> = const { RefCell::new(Vec::new()) };
}

/// The object cached under `key`, made by `make` the first time.
fn cached(key: &str, make: impl FnOnce() -> JsValue) -> JsValue {
    if let Some(found) = INTL.with(|c| {
        c.borrow()
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
    }) {
        return found;
    }
    let made = make();
    INTL.with(|c| c.borrow_mut().push((key.to_owned(), made.clone())));
    made
}

fn object(fields: &[(&str, &str)]) -> Object {
    let object = Object::new();
    for (key, value) in fields {
        let _ = Reflect::set(&object, &JsValue::from_str(key), &JsValue::from_str(value));
    }
    object
}

fn call1(function: &js_sys::Function, argument: &JsValue) -> String {
    function
        .call1(&JsValue::UNDEFINED, argument)
        .ok()
        .and_then(|s| s.as_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locale_from_attribute_or_page_language() {
        assert_eq!(Locale::from_tag("ru"), Locale::Ru);
        assert_eq!(Locale::from_tag("ru-RU"), Locale::Ru);
        assert_eq!(Locale::from_tag(" RU "), Locale::Ru);
        assert_eq!(Locale::from_tag("rus"), Locale::En);
        assert_eq!(Locale::from_tag("en-GB"), Locale::En);
        assert_eq!(Locale::from_tag(""), Locale::En);
    }

    #[test]
    fn fill_replaces_every_placeholder() {
        assert_eq!(
            fill(
                "{points} to {tier}, {points}!",
                &[("points", "5"), ("tier", "Gold")]
            ),
            "5 to Gold, 5!"
        );
    }

    #[test]
    fn russian_point_forms() {
        let forms = &Locale::Ru.texts().point;
        assert_eq!(forms.pick(Plural::One), "балл");
        assert_eq!(forms.pick(Plural::Few), "балла");
        assert_eq!(forms.pick(Plural::Many), "баллов");
    }
}
