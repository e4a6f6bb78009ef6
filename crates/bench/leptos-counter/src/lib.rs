//! A bare Leptos client-side counter: what a Leptos page costs before it
//! does anything, measured beside the widget by `./dev bench`.

use leptos::prelude::*;
use wasm_bindgen::prelude::wasm_bindgen;

/// Mounts the counter into the page's body.
#[wasm_bindgen(start)]
pub fn start() {
    mount_to_body(|| {
        let (count, set_count) = signal(0);
        view! {
            <button id="count" on:click=move |_| set_count.update(|n| *n += 1)>
                {count}
            </button>
        }
    });
}
