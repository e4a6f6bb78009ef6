//! The custom element's side: its attributes, read once per mount, and the
//! DOM events the widget dispatches on it for the shop's own scripts.

use wasm_bindgen::JsValue;
use web_sys::{CustomEvent, CustomEventInit, HtmlElement};

use crate::client::TokenSource;
use crate::i18n::Locale;

/// One section of the widget.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Section {
    /// Points, tier, expiries, rewards, activity.
    Loyalty,
    /// Subscriptions and their actions.
    Subscriptions,
    /// Contact preferences.
    Preferences,
}

impl Section {
    /// The attribute word and `data-section` value.
    pub fn name(self) -> &'static str {
        match self {
            Section::Loyalty => "loyalty",
            Section::Subscriptions => "subscriptions",
            Section::Preferences => "preferences",
        }
    }
}

/// The sections named in a `sections` attribute, in screen order; all
/// three when the attribute is missing or names none.
pub fn parse_sections(value: Option<&str>) -> Vec<Section> {
    let words: Vec<&str> = value.unwrap_or("").split_whitespace().collect();
    let all = [
        Section::Loyalty,
        Section::Subscriptions,
        Section::Preferences,
    ];
    let chosen: Vec<Section> = all
        .into_iter()
        .filter(|s| words.contains(&s.name()))
        .collect();
    if chosen.is_empty() {
        all.to_vec()
    } else {
        chosen
    }
}

/// How the element shows itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// The sections in the page's flow (an account page).
    Inline,
    /// A floating button with the balance that opens the sections in a
    /// dialog (every page of the shop).
    Launcher,
}

/// What the element's attributes say.
#[derive(Clone, Debug)]
pub struct Config {
    /// Base URL of the API, absolute.
    pub api: String,
    /// The shopper's token, if given.
    pub token: Option<String>,
    /// Where a fresh token comes from: `token-url` (absolute), or the
    /// shop's signature (`merchant`, `customer`, `customer-ts`,
    /// `customer-signature`).
    pub source: TokenSource,
    /// The language.
    pub locale: Locale,
    /// Sections to show.
    pub sections: Vec<Section>,
    /// Inline, or a launcher (`mode="launcher"`).
    pub mode: Mode,
}

impl Config {
    /// Reads the attributes of `host`, resolving URLs against the page.
    pub fn read(host: &HtmlElement) -> Config {
        let attr = |name: &str| host.get_attribute(name).filter(|v| !v.trim().is_empty());
        let document = web_sys::window().and_then(|w| w.document());
        let base = document
            .as_ref()
            .and_then(|d| d.base_uri().ok().flatten())
            .unwrap_or_default();
        let resolve = |url: String| {
            web_sys::Url::new_with_base(url.trim(), &base)
                .map(|u| u.href())
                .unwrap_or(url)
        };
        let page_lang = document
            .and_then(|d| d.document_element())
            .and_then(|e| e.get_attribute("lang"));
        let api = match attr("api") {
            Some(api) => resolve(api),
            None => web_sys::window()
                .and_then(|w| w.location().origin().ok())
                .unwrap_or_default(),
        };
        Config {
            api,
            token: attr("token"),
            source: match attr("token-url") {
                Some(url) => TokenSource::Url(resolve(url)),
                None => signed_customer(&attr),
            },
            locale: Locale::from_tag(&attr("locale").or(page_lang).unwrap_or_default()),
            sections: parse_sections(attr("sections").as_deref()),
            mode: if attr("mode").is_some_and(|m| m.trim() == "launcher") {
                Mode::Launcher
            } else {
                Mode::Inline
            },
        }
    }
}

/// The `/v1/session` body for the shop's signature attributes, when all
/// four are there and `customer-ts` is a number.
fn signed_customer(attr: &dyn Fn(&str) -> Option<String>) -> TokenSource {
    let (Some(merchant), Some(customer), Some(ts), Some(signature)) = (
        attr("merchant"),
        attr("customer"),
        attr("customer-ts").and_then(|t| t.trim().parse::<i64>().ok()),
        attr("customer-signature"),
    ) else {
        return TokenSource::None;
    };
    let text = |s: &str| JsValue::from_str(s.trim());
    let body = js_sys::Object::new();
    for (name, value) in [
        ("merchant", text(&merchant)),
        ("customer", text(&customer)),
        ("ts", JsValue::from_f64(ts as f64)),
        ("signature", text(&signature)),
    ] {
        let _ = js_sys::Reflect::set(&body, &name.into(), &value);
    }
    js_sys::JSON::stringify(&body)
        .ok()
        .and_then(|s| s.as_string())
        .map_or(TokenSource::None, TokenSource::Signed)
}

/// Dispatches `name` on `host` with `detail`, bubbling out of the shadow
/// root so the page can listen on the element or the document.
pub fn emit(host: &HtmlElement, name: &str, detail: &JsValue) {
    let init = CustomEventInit::new();
    init.set_bubbles(true);
    init.set_composed(true);
    init.set_detail(detail);
    if let Ok(event) = CustomEvent::new_with_event_init_dict(name, &init) {
        let _ = host.dispatch_event(&event);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_in_screen_order() {
        assert_eq!(
            parse_sections(Some("preferences  loyalty")),
            vec![Section::Loyalty, Section::Preferences]
        );
        assert_eq!(parse_sections(Some("nonsense")).len(), 3);
        assert_eq!(parse_sections(None).len(), 3);
        assert_eq!(
            parse_sections(Some("subscriptions")),
            vec![Section::Subscriptions]
        );
    }
}
