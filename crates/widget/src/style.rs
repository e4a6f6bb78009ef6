//! The widget's one stylesheet, built once and adopted by every shadow
//! root: no `<style>` element, so a page CSP without `'unsafe-inline'`
//! styles it fine.

use std::cell::RefCell;

use wasm_bindgen::JsValue;
use web_sys::{CssStyleSheet, ShadowRoot};

/// The stylesheet, minified by build.rs: the host and light defaults, the
/// dark defaults (once for `theme="dark"`, once for `auto` on a dark
/// system), then the widget.
const CSS: &str = concat!(
    include_str!(concat!(env!("OUT_DIR"), "/host.css")),
    ":host([theme=\"dark\"]){",
    include_str!(concat!(env!("OUT_DIR"), "/dark.css")),
    "}@media (prefers-color-scheme: dark){:host(:not([theme=\"light\"])){",
    include_str!(concat!(env!("OUT_DIR"), "/dark.css")),
    "}}",
    include_str!(concat!(env!("OUT_DIR"), "/widget.css")),
);

thread_local! {
    static SHEET: RefCell<Option<CssStyleSheet>> = const { RefCell::new(None) };
}

/// Adopts the shared stylesheet into `root`.
pub fn adopt(root: &ShadowRoot) -> Result<(), JsValue> {
    let sheet = SHEET.with(|cell| -> Result<CssStyleSheet, JsValue> {
        if let Some(sheet) = cell.borrow().as_ref() {
            return Ok(sheet.clone());
        }
        let sheet = CssStyleSheet::new()?;
        sheet.replace_sync(CSS)?;
        *cell.borrow_mut() = Some(sheet.clone());
        Ok(sheet)
    })?;
    root.set_adopted_style_sheets(&js_sys::Array::of1(&sheet));
    Ok(())
}
