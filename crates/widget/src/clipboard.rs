//! Copying a coupon code: the async Clipboard API where the page has it,
//! else the old `execCommand("copy")` on a hidden, selected text field
//! (outside secure contexts, a shop's plain-http staging host, there is no
//! `navigator.clipboard`; calling it there would throw and stop the widget).

use js_sys::{Function, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// Copies `text`; whether it worked. Never throws.
pub async fn copy(text: &str) -> bool {
    let Some(window) = web_sys::window() else {
        return false;
    };
    let navigator = window.navigator();
    let has_api = Reflect::get(&navigator, &"clipboard".into())
        .is_ok_and(|c| !c.is_undefined() && !c.is_null());
    if has_api {
        // `writeText` itself may throw (a permissions policy), so it is
        // called through Reflect, where a throw is an `Err`.
        let clipboard = navigator.clipboard();
        let promise = Reflect::get(&clipboard, &"writeText".into())
            .ok()
            .and_then(|f| f.dyn_into::<Function>().ok())
            .and_then(|f| f.call1(&clipboard, &JsValue::from_str(text)).ok())
            .and_then(|p| p.dyn_into::<js_sys::Promise>().ok());
        if let Some(promise) = promise
            && JsFuture::from(promise).await.is_ok()
        {
            return true;
        }
    }
    copy_by_selection(text)
}

/// The fallback: a read-only text field off screen, selected, copied,
/// removed.
fn copy_by_selection(text: &str) -> bool {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return false;
    };
    let Some(body) = document.body() else {
        return false;
    };
    let Ok(field) = document.create_element("textarea") else {
        return false;
    };
    let Ok(field) = field.dyn_into::<web_sys::HtmlTextAreaElement>() else {
        return false;
    };
    field.set_value(text);
    let _ = field.set_attribute("readonly", "");
    let _ = field.set_attribute("aria-hidden", "true");
    // Through the CSSOM, which a page's `style-src` allows (a `style`
    // attribute it would refuse).
    if let Ok(style) = Reflect::get(&field, &"style".into()) {
        for (name, value) in [("position", "fixed"), ("top", "-1000px"), ("opacity", "0")] {
            let _ = Reflect::set(&style, &name.into(), &value.into());
        }
    }
    if body.append_child(&field).is_err() {
        return false;
    }
    let _ = field.focus();
    field.select();
    let copied = Reflect::get(&document, &"execCommand".into())
        .ok()
        .and_then(|f| f.dyn_into::<Function>().ok())
        .and_then(|f| f.call1(&document, &JsValue::from_str("copy")).ok())
        .is_some_and(|done| done.as_bool() == Some(true));
    field.remove();
    copied
}
