//! `mode="launcher"`: a floating button with the shopper's balance that
//! opens the widget in a modal dialog. Focus is trapped inside while it is
//! open, Escape or the backdrop closes it, and focus returns to the button.
//! The sections mount on the first opening (their own data loads then); the
//! button needs only `/v1/me`.

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement, KeyboardEvent, ShadowRoot};

use super::Ctx;
use crate::dom::{effect, el, listen, with_children};
use crate::i18n::fill;

/// What a Tab press may land on inside the dialog.
const FOCUSABLE: &str = "button:not([disabled]),a[href],input:not([disabled]),\
     select:not([disabled]),textarea:not([disabled]),[tabindex]:not([tabindex=\"-1\"])";

/// The launcher around `content` (the widget's `.rw` root); `open` is
/// true while the dialog shows.
pub fn launcher(ctx: Ctx, content: Element, open: RwSignal<bool>) -> Element {
    let t = ctx.t();
    let button = el(
        "button",
        &[
            ("type", "button"),
            ("class", "rw-launcher"),
            ("aria-haspopup", "dialog"),
            ("aria-expanded", "false"),
        ],
    );
    let backdrop = el("div", &[("class", "rw-backdrop"), ("hidden", "")]);
    let title = el(
        "h2",
        &[("id", "rw-dialog-title"), ("class", "rw-dialog-title")],
    );
    title.set_text_content(Some(t.launcher_title));
    let close = el(
        "button",
        &[
            ("type", "button"),
            ("class", "rw-icon rw-close"),
            ("aria-label", t.close),
        ],
    );
    close.set_text_content(Some("×"));
    let bar = with_children(
        el("div", &[("class", "rw-dialog-bar")]),
        &[title, close.clone()],
    );
    let dialog = with_children(
        el(
            "div",
            &[
                ("class", "rw-dialog"),
                ("role", "dialog"),
                ("aria-modal", "true"),
                ("aria-labelledby", "rw-dialog-title"),
                ("hidden", ""),
            ],
        ),
        &[bar, content],
    );

    // The button shows the balance once `/v1/me` is there.
    let face = button.clone();
    effect(move || {
        let balance = ctx.me.with(|m| m.as_ref().map(|m| m.loyalty.balance));
        let (text, label) = match balance {
            Some(points) => {
                let points = ctx.locale.points(points);
                let label = fill(t.launcher_label, &[("points", &points)]);
                (points, label)
            }
            None => (t.launcher_title.to_owned(), t.launcher_title.to_owned()),
        };
        face.set_text_content(Some(&text));
        let _ = face.set_attribute("aria-label", &label);
    });

    // Opening and closing: visibility, aria-expanded, and where focus goes.
    let (shown, veil, opener, first) = (
        dialog.clone(),
        backdrop.clone(),
        button.clone(),
        close.clone(),
    );
    let was = std::cell::Cell::new(false);
    effect(move || {
        let now = open.get();
        let _ = shown.toggle_attribute_with_force("hidden", !now);
        let _ = veil.toggle_attribute_with_force("hidden", !now);
        let _ = opener.set_attribute("aria-expanded", if now { "true" } else { "false" });
        if now {
            focus(&first);
        } else if was.get() {
            focus(&opener);
        }
        was.set(now);
    });

    listen(&button, "click", move |_| open.set(true));
    listen(&close, "click", move |_| open.set(false));
    listen(&backdrop, "click", move |_| open.set(false));
    let trap = dialog.clone();
    listen(&dialog, "keydown", move |ev| {
        let Some(key) = ev.dyn_ref::<KeyboardEvent>() else {
            return;
        };
        match key.key().as_str() {
            "Escape" => {
                ev.prevent_default();
                open.set(false);
            }
            "Tab" => {
                if let Some(target) = wrap_target(&trap, key.shift_key()) {
                    ev.prevent_default();
                    focus(&target);
                }
            }
            _ => {}
        }
    });

    with_children(
        el("div", &[("class", "rw-launch")]),
        &[button, backdrop, dialog],
    )
}

/// Where Tab must go instead of leaving `dialog`: the first focusable
/// element after the last (or, with Shift, the last before the first).
fn wrap_target(dialog: &Element, back: bool) -> Option<Element> {
    let list = dialog.query_selector_all(FOCUSABLE).ok()?;
    let (first, last) = (list.item(0)?, list.item(list.length().checked_sub(1)?)?);
    let root: ShadowRoot = dialog.get_root_node().dyn_into().ok()?;
    let active = root.active_element();
    let at = |node: &web_sys::Node| active.as_ref().is_some_and(|a| a.is_same_node(Some(node)));
    let inside = active.as_ref().is_some_and(|a| dialog.contains(Some(a)));
    let target = match (back, inside) {
        (true, _) if at(&first) || !inside => last,
        (false, _) if at(&last) || !inside => first,
        _ => return None,
    };
    target.dyn_into().ok()
}

fn focus(el: &Element) {
    if let Some(el) = el.dyn_ref::<HtmlElement>() {
        let _ = el.focus();
    }
}
