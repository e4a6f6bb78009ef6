//! The few elements the widget builds itself (the shell, each section's
//! frame and its live bodies) and event listeners that live as long as the
//! reactive owner that added them. Everything inside a body is markup
//! patched in by `patch`; Leptos' view layer is not used (see the README,
//! "Widget size": it cost more bytes than these helpers).

use send_wrapper::SendWrapper;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::Closure;
use web_sys::{Element, Event, EventTarget};

/// A new element `tag` of the widget's document with `attrs`.
pub fn el(tag: &str, attrs: &[(&str, &str)]) -> Element {
    let document = web_sys::window()
        .and_then(|w| w.document())
        .expect("the widget runs in a document");
    let el = document.create_element(tag).expect("a valid tag name");
    for (name, value) in attrs {
        let _ = el.set_attribute(name, value);
    }
    el
}

/// `el` with `children` appended.
pub fn with_children(el: Element, children: &[Element]) -> Element {
    for child in children {
        let _ = el.append_child(child);
    }
    el
}

/// Calls `handler` for each `event` on `target` until the current
/// reactive owner is cleaned up (the widget unmounted), when the listener
/// is removed and its closure freed.
pub fn listen(target: &EventTarget, event: &'static str, handler: impl FnMut(Event) + 'static) {
    listen_boxed(target, event, Box::new(handler));
}

// Boxed, so wasm-bindgen's closure glue exists once, not per handler.
fn listen_boxed(target: &EventTarget, event: &'static str, handler: Box<dyn FnMut(Event)>) {
    let closure = Closure::<dyn FnMut(Event)>::new(handler);
    let _ = target.add_event_listener_with_callback(event, closure.as_ref().unchecked_ref());
    // Cleanups must be Send; the widget has one thread, so the wrapper's
    // check that it is dropped where it was made always holds.
    let held = SendWrapper::new((target.clone(), closure));
    leptos::prelude::on_cleanup(move || {
        let (target, closure) = held.take();
        let _ = target.remove_event_listener_with_callback(event, closure.as_ref().unchecked_ref());
    });
}

/// Runs `f` now and again whenever a signal it read changes, until the
/// current reactive owner is cleaned up (Leptos' `Effect`).
pub fn effect(f: impl FnMut() + 'static) {
    effect_boxed(Box::new(f));
}

// Boxed: each `Effect::new` closure type instantiates a few KB of
// reactive_graph's generic code; one type keeps one copy.
fn effect_boxed(mut f: Box<dyn FnMut()>) {
    leptos::prelude::Effect::new(move |_| f());
}

/// Runs `task` on the page's event loop, owned by the current reactive
/// owner (Leptos' `spawn_local`).
pub fn spawn(task: impl std::future::Future<Output = ()> + 'static) {
    spawn_boxed(Box::pin(task));
}

// One future type for the executor: its glue exists once, not per task.
fn spawn_boxed(task: std::pin::Pin<Box<dyn std::future::Future<Output = ()>>>) {
    leptos::task::spawn_local(task);
}
