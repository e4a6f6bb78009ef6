//! Brings a section's live DOM to its freshly rendered markup, touching
//! only what changed: an element whose content is the same stays the same
//! node, so focus stays where it is, a screen reader announces a live
//! region only when its own text changes, and a form control keeps what the
//! shopper typed or chose unless the markup itself changed its value.
//!
//! Elements match by `data-key` where they have one, else by position,
//! tag and type. The markup is parsed in a `<template>` through the
//! widget's Trusted Types policy (`retention-widget`), so the widget also
//! works on pages that require Trusted Types for script sinks.

use js_sys::{Function, Object, Reflect};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{Element, HtmlTemplateElement, Node};

/// The policy's name: a page whose CSP lists allowed policies
/// (`trusted-types …`) names it.
pub const POLICY: &str = "retention-widget";

thread_local! {
    /// The page's `trustedTypes.createPolicy(POLICY, …)`, made once; `None`
    /// where the browser has no Trusted Types (plain strings are fine there).
    static TRUSTED: Option<(JsValue, Function)> = make_policy();
}

fn make_policy() -> Option<(JsValue, Function)> {
    let window = web_sys::window()?;
    let types = Reflect::get(&window, &"trustedTypes".into())
        .ok()
        .filter(|t| t.is_object())?;
    let create: Function = Reflect::get(&types, &"createPolicy".into())
        .ok()?
        .dyn_into()
        .ok()?;
    // Identity: every text and attribute value in the widget's markup is
    // escaped by `crate::html::Html`, the one place markup is made.
    let identity = Closure::<dyn Fn(JsValue) -> JsValue>::new(|s: JsValue| s).into_js_value();
    let options = Object::new();
    Reflect::set(&options, &"createHTML".into(), &identity).ok()?;
    let policy = create
        .call2(&types, &POLICY.into(), &options)
        .ok()
        .filter(JsValue::is_object)?;
    let create_html: Function = Reflect::get(&policy, &"createHTML".into())
        .ok()?
        .dyn_into()
        .ok()?;
    Some((policy, create_html))
}

/// `html` as the page accepts it for `innerHTML`: a TrustedHTML where the
/// browser has Trusted Types, else the string.
fn trusted(html: &str) -> JsValue {
    TRUSTED.with(|policy| match policy {
        Some((policy, create_html)) => create_html
            .call1(policy, &html.into())
            .unwrap_or_else(|_| html.into()),
        None => html.into(),
    })
}

/// Makes `live`'s children those of `html`, changing only what differs.
pub fn patch(live: &Element, html: &str) {
    let Some(document) = live.owner_document() else {
        return;
    };
    let Ok(template) = document
        .create_element("template")
        .map(JsCast::unchecked_into::<HtmlTemplateElement>)
    else {
        return;
    };
    if Reflect::set(&template, &"innerHTML".into(), &trusted(html)).is_err() {
        return;
    }
    patch_children(live, &template.content());
}

/// Removes every child of `node` (no `innerHTML`, which Trusted Types
/// would refuse even for an empty string).
pub fn clear(node: &Node) {
    while let Some(child) = node.first_child() {
        let _ = node.remove_child(&child);
    }
}

fn children(node: &Node) -> Vec<Node> {
    let list = node.child_nodes();
    (0..list.length()).filter_map(|i| list.item(i)).collect()
}

fn key_of(node: &Node) -> Option<String> {
    node.dyn_ref::<Element>()
        .and_then(|e| e.get_attribute("data-key"))
}

/// Whether `live` can become `fresh` by patching: same kind of node, same
/// tag, and for inputs the same type.
fn same_kind(live: &Node, fresh: &Node) -> bool {
    if live.node_type() != fresh.node_type() || live.node_name() != fresh.node_name() {
        return false;
    }
    match (live.dyn_ref::<Element>(), fresh.dyn_ref::<Element>()) {
        (Some(a), Some(b)) => a.get_attribute("type") == b.get_attribute("type"),
        _ => true,
    }
}

fn patch_children(live: &Node, fresh: &Node) {
    let mut old = children(live);
    let wanted: Vec<Node> = children(fresh)
        .into_iter()
        .map(|node| {
            let key = key_of(&node);
            let found = match &key {
                Some(key) => old
                    .iter()
                    .position(|o| key_of(o).as_ref() == Some(key) && same_kind(o, &node)),
                // unkeyed: the first unkeyed old node of the same kind
                None => old
                    .iter()
                    .position(|o| key_of(o).is_none() && same_kind(o, &node)),
            };
            match found {
                Some(i) => {
                    let kept = old.remove(i);
                    patch_node(&kept, &node);
                    kept
                }
                None => node,
            }
        })
        .collect();
    for gone in old {
        let _ = live.remove_child(&gone);
    }
    for (i, node) in wanted.iter().enumerate() {
        let at = live.child_nodes().item(i as u32);
        if at.as_ref() != Some(node) {
            let _ = live.insert_before(node, at.as_ref());
        }
    }
}

fn patch_node(live: &Node, fresh: &Node) {
    let (Some(el), Some(new)) = (live.dyn_ref::<Element>(), fresh.dyn_ref::<Element>()) else {
        if live.node_value() != fresh.node_value() {
            live.set_node_value(fresh.node_value().as_deref());
        }
        return;
    };
    patch_attributes(el, new);
    patch_children(live, fresh);
}

fn patch_attributes(el: &Element, new: &Element) {
    let names = |e: &Element| -> Vec<String> {
        e.get_attribute_names()
            .iter()
            .filter_map(|n| n.as_string())
            .collect()
    };
    for name in names(el) {
        if !new.has_attribute(&name) {
            let _ = el.remove_attribute(&name);
            control_follows(el, &name, None);
        }
    }
    for name in names(new) {
        let value = new.get_attribute(&name);
        if el.get_attribute(&name) != value {
            if let Some(value) = &value {
                let _ = el.set_attribute(&name, value);
            }
            control_follows(el, &name, value.as_deref());
        }
    }
}

/// When the markup itself changes a control's `value`, `checked` or
/// `selected`, the control shows it; otherwise it keeps what the shopper
/// did (the attributes are only defaults once the shopper touched it).
fn control_follows(el: &Element, name: &str, value: Option<&str>) {
    let property = match name {
        "value" if el.tag_name() == "INPUT" => "value",
        "checked" => "checked",
        "selected" => "selected",
        _ => return,
    };
    let to = match property {
        "value" => JsValue::from_str(value.unwrap_or_default()),
        _ => JsValue::from_bool(value.is_some()),
    };
    let _ = Reflect::set(el, &property.into(), &to);
}
