//! The storefront widget: loyalty points, subscriptions and contact
//! preferences, rendered with Leptos into the open shadow root of a
//! `<retention-widget>` element that `loader.js` defines. One wasm instance
//! drives every widget on the page; each mount is an independent root.

#![warn(missing_docs)]

mod client;
mod clipboard;
mod dates;
mod dom;
mod host;
mod html;
mod i18n;
mod ics;
mod json;
mod model;
mod patch;
mod style;
mod ui;

use leptos::reactive::owner::Owner;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{Element, HtmlElement, ShadowRootInit, ShadowRootMode};

/// One mounted widget; dropping it (or `unmount`) removes its view.
#[wasm_bindgen]
pub struct Mounted {
    mounted: Option<(Owner, Element)>,
}

#[wasm_bindgen]
impl Mounted {
    /// Removes the widget's view and stops its work: the reactive owner
    /// is dropped (effects, listeners and tasks go with it).
    pub fn unmount(&mut self) {
        if let Some((owner, view)) = self.mounted.take() {
            view.remove();
            drop(owner);
        }
    }
}

/// Renders the widget into `host`'s open shadow root (attached here when
/// missing), styled by the one stylesheet all widgets share. The host's
/// attributes are read now; the loader mounts again when they change.
#[wasm_bindgen]
pub fn mount(host: HtmlElement) -> Result<Mounted, JsValue> {
    let shadow = match host.shadow_root() {
        Some(root) => root,
        None => host.attach_shadow(&ShadowRootInit::new(ShadowRootMode::Open))?,
    };
    style::adopt(&shadow)?;
    // A remount (attributes changed) starts from an empty root.
    patch::clear(&shadow);
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or_else(|| JsValue::from_str("no document"))?;
    let container: HtmlElement = document.create_element("div")?.unchecked_into();
    container.set_class_name("rw-root");
    shadow.append_child(&container)?;
    let config = host::Config::read(&host);
    // Tasks (`spawn_local`) run on wasm-bindgen-futures; an error only
    // says a previous mount already set that up.
    let _ = any_spawner::Executor::init_wasm_bindgen();
    let owner = Owner::new();
    let view = owner.with(|| ui::app(config, host));
    container.append_child(&view)?;
    Ok(Mounted {
        mounted: Some((owner, container.into())),
    })
}
