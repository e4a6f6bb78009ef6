//! The widget's views: the shell with its network states, and one module
//! per section.

pub mod act;
mod launcher;
mod loyalty;
mod points;
mod preferences;
mod subscriptions;

use std::rc::Rc;

use leptos::prelude::*;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Element, Event, HtmlElement, ShadowRoot};

use crate::client::{ApiError, Client};
use crate::dom::{effect, el, listen, spawn, with_children};
use crate::host::{Config, Mode, Section, emit};
use crate::html::Html;
use crate::i18n::{Locale, Texts};
use crate::model::Me;
use act::Act;

/// What one mounted widget shares with its views. `Copy`, so closures and
/// tasks take it freely; the non-`Send` parts live in a local arena slot.
#[derive(Clone, Copy)]
pub struct Ctx {
    env: StoredValue<Env, LocalStorage>,
    /// The language.
    pub locale: Locale,
    /// The shopper's document, once loaded.
    pub me: RwSignal<Option<Me>>,
}

struct Env {
    client: Rc<Client>,
    host: HtmlElement,
}

impl Ctx {
    /// The words of the widget's language.
    pub fn t(self) -> &'static Texts {
        self.locale.texts()
    }

    /// The API client (None once the widget is gone).
    pub fn client(self) -> Option<Rc<Client>> {
        self.env.try_with_value(|e| e.client.clone())
    }

    /// Dispatches a DOM event on the host element.
    pub fn emit(self, name: &str, detail: &JsValue) {
        self.env.try_with_value(|e| emit(&e.host, name, detail));
    }

    /// Loads `GET /v1/me` into `me`.
    pub async fn load_me(self) -> Result<(), ApiError> {
        let client = self.client().ok_or(ApiError::Network)?;
        let me: Me = client.get("/v1/me").await?.parse()?;
        self.me.set(Some(me));
        Ok(())
    }

    /// Reloads `GET /v1/me` in the background (after a change elsewhere
    /// in the document, such as a redemption changing affordability).
    pub fn refresh(self) {
        spawn(async move {
            let _ = self.load_me().await;
        });
    }

    /// The shopper-facing sentence for a failed call, in the widget's
    /// language, chosen by the problem's `code` (the API's English
    /// `detail` is for developers and never shown).
    pub fn error_text(self, error: &ApiError) -> String {
        error_sentence(self.t(), error).to_owned()
    }
}

/// The sentence of `texts` for `error`.
fn error_sentence(t: &'static Texts, error: &ApiError) -> &'static str {
    match error {
        ApiError::Network => t.network_error,
        ApiError::Auth => t.session_expired,
        ApiError::Decode => t.err_generic,
        ApiError::Problem { status, problem } => match (*status, problem.code.as_str()) {
            (401, _) => t.session_expired,
            (_, "insufficient_points") => t.err_insufficient_points,
            (_, "reward_not_found") => t.err_reward_not_found,
            (_, "subscription_not_found" | "not_found" | "addon_not_found") => t.err_not_found,
            (_, "birthday_locked") => t.err_birthday_locked,
            (_, "invalid_state") => t.err_invalid_state,
            (_, "subscription_locked") => t.err_subscription_locked,
            (_, "precondition_failed") => t.err_precondition_failed,
            (_, "validation_failed") => t.err_validation_failed,
            (_, "rate_limited") => t.err_rate_limited,
            (500..=599, _) => t.err_unavailable,
            _ => t.err_generic,
        },
    }
}

/// Where the first load stands.
#[derive(Clone, Debug, PartialEq)]
enum Load {
    Loading,
    Ready,
    Failed(ApiError),
}

/// The whole widget for one element.
pub fn app(config: Config, host: HtmlElement) -> Element {
    let ctx = Ctx {
        env: StoredValue::new_local(Env {
            client: Rc::new(Client::new(config.api, config.token, config.source)),
            host,
        }),
        locale: config.locale,
        me: RwSignal::new(None),
    };
    provide_context(ctx);
    let t = ctx.t();
    let load = RwSignal::new(Load::Loading);
    let online = RwSignal::new(navigator_online());

    let start = move || {
        load.set(Load::Loading);
        spawn(async move {
            match ctx.load_me().await {
                Ok(()) => load.set(Load::Ready),
                Err(error) => {
                    let detail = js_sys::Object::new();
                    let _ = js_sys::Reflect::set(&detail, &"code".into(), &error.code().into());
                    let _ = js_sys::Reflect::set(
                        &detail,
                        &"status".into(),
                        &f64::from(error.status()).into(),
                    );
                    ctx.emit("retention:error", &detail);
                    load.set(Load::Failed(error));
                }
            }
        });
    };
    start();

    if let Some(window) = web_sys::window() {
        listen(&window, "online", move |_| {
            online.set(true);
            // Whatever failed while offline is worth another try now.
            if load.try_get_untracked().is_some_and(|l| l != Load::Ready) {
                start();
            } else {
                ctx.refresh();
            }
        });
        listen(&window, "offline", move |_| online.set(false));
    }

    let sections = config.sections;
    // Loading and failure are markup like the sections; the sections
    // themselves mount once the document is there.
    let state_html = move || {
        let mut h = Html::new();
        match load.get() {
            Load::Loading => {
                h.open("div", &[("class", "rw-skeleton")]);
                h.el("span", &[("class", "rw-sr")], t.loading);
                for class in [
                    "rw-bone rw-bone-title",
                    "rw-bone rw-bone-big",
                    "rw-bone",
                    "rw-bone",
                ] {
                    h.el("div", &[("class", class)], "");
                }
                h.close("div");
            }
            Load::Failed(error) => {
                h.open("div", &[("class", "rw-error"), ("role", "alert")]);
                h.open("p", &[])
                    .el("strong", &[], t.error_title)
                    .text(" ")
                    .text(&ctx.error_text(&error));
                h.close("p");
                h.button("rw-button", Act::Retry, "", t.try_again, &[]);
                h.close("div");
            }
            Load::Ready => {}
        }
        h.finish()
    };
    let offline_html = move || {
        let mut h = Html::new();
        if !online.get() {
            h.el("p", &[], t.offline);
        }
        h.finish()
    };
    let retry = move |a: Acted| {
        if a.act == Act::Retry {
            start();
        }
    };
    let root = el("div", &[("class", "rw"), ("lang", ctx.locale.tag())]);
    let shell = root.clone();
    effect(move || {
        let l = load.get();
        let state = match l {
            Load::Loading => "loading",
            Load::Ready => "ready",
            Load::Failed(_) => "error",
        };
        let _ = shell.set_attribute("data-state", state);
        let busy = if l == Load::Loading { "true" } else { "false" };
        let _ = shell.set_attribute("aria-busy", busy);
    });
    let _ = root.append_child(&live_status(
        "rw-offline",
        offline_html,
        |_| {},
        StoredValue::new(None),
    ));
    let _ = root.append_child(&live(state_html, retry, StoredValue::new(None)));
    // The sections mount once, when the document first arrives, owned by
    // the widget (not by this effect, whose runs would dispose them).
    let owner = Owner::current();
    let frame = root.clone();
    // A launcher mounts them on its first opening.
    let launched = RwSignal::new(false);
    let inline = config.mode == Mode::Inline;
    let mounted = std::cell::Cell::new(false);
    effect(move || {
        if mounted.get() || !(load.with(|l| *l == Load::Ready) && (inline || launched.get())) {
            return;
        }
        let Some(owner) = owner.clone() else { return };
        mounted.set(true);
        owner.with(|| {
            for section in &sections {
                let view = match section {
                    Section::Loyalty => loyalty::section(),
                    Section::Subscriptions => subscriptions::section(),
                    Section::Preferences => preferences::section(),
                };
                let _ = frame.append_child(&view);
            }
        });
    });
    if inline {
        root
    } else {
        launcher::launcher(ctx, root, launched)
    }
}

fn navigator_online() -> bool {
    web_sys::window().is_none_or(|w| w.navigator().on_line())
}

/// A section's live notice: text, and whether it reports a failure.
#[derive(Clone, Debug, PartialEq)]
pub struct Notice {
    /// What to say.
    pub text: String,
    /// A failure (styled as such).
    pub error: bool,
}

impl Notice {
    /// A success message.
    pub fn ok(text: impl Into<String>) -> Option<Notice> {
        Some(Notice {
            text: text.into(),
            error: false,
        })
    }

    /// A failure message.
    pub fn failed(text: impl Into<String>) -> Option<Notice> {
        Some(Notice {
            text: text.into(),
            error: true,
        })
    }
}

/// The shared context inside views.
pub fn ctx() -> Ctx {
    expect_context::<Ctx>()
}

/// What a delegated event acted on: the element's `data-act` and
/// `data-arg`, and the element itself.
pub struct Acted {
    /// The action.
    pub act: Act,
    /// Its argument.
    pub arg: String,
    /// The element carrying `data-act` (a button, input or form).
    pub el: Element,
}

fn act_of(event: &Event, forms: bool) -> Option<Acted> {
    let target: Element = event.target()?.dyn_into().ok()?;
    let el = target.closest("[data-act]").ok()??;
    if (el.tag_name() == "FORM") != forms {
        return None;
    }
    Some(Acted {
        act: Act::parse(&el.get_attribute("data-act")?)?,
        arg: el.get_attribute("data-arg").unwrap_or_default(),
        el,
    })
}

/// A section body rendered from markup: `render` runs in an effect (so it
/// re-renders when a signal it reads changes), and clicks, changes and
/// submits on elements with `data-act` go to `handle`. Focus stays on the
/// element with the same `data-key` across renders, or moves to the key
/// put in `focus` by the handler.
pub fn live(
    render: impl Fn() -> String + 'static,
    handle: impl Fn(Acted) + 'static,
    focus: StoredValue<Option<String>>,
) -> Element {
    // Boxed, so the effect and listener code exists once, not per section.
    live_boxed(Box::new(render), Box::new(handle), focus, "rw-body", None)
}

/// A live region (`role=status`) whose content is `render`'s markup:
/// assistive technology announces each change; its buttons go to `handle`.
pub fn live_status(
    class: &'static str,
    render: impl Fn() -> String + 'static,
    handle: impl Fn(Acted) + 'static,
    focus: StoredValue<Option<String>>,
) -> Element {
    live_boxed(
        Box::new(render),
        Box::new(handle),
        focus,
        class,
        Some("status"),
    )
}

/// A section's notice region showing `notice`.
pub fn notice_view(notice: RwSignal<Option<Notice>>) -> Element {
    live_status(
        "rw-notice",
        move || notice.with(|n| n.as_ref().map(notice_html).unwrap_or_default()),
        |_| {},
        StoredValue::new(None),
    )
}

/// A notice's markup (an error is styled as one).
pub fn notice_html(n: &Notice) -> String {
    let mut h = crate::html::Html::new();
    let class = if n.error {
        "rw-notice-error"
    } else {
        "rw-notice-ok"
    };
    h.el("span", &[("class", class)], &n.text);
    h.finish()
}

type Render = Box<dyn Fn() -> String>;
type Handle = Box<dyn Fn(Acted)>;

fn live_boxed(
    render: Render,
    handle: Handle,
    focus: StoredValue<Option<String>>,
    class: &'static str,
    role: Option<&'static str>,
) -> Element {
    let body = el("div", &[("class", class)]);
    if let Some(role) = role {
        let _ = body.set_attribute("role", role);
        let _ = body.set_attribute("aria-live", "polite");
    }
    let live = body.clone();
    effect(move || {
        let html = render();
        let root: Option<ShadowRoot> = live.get_root_node().dyn_into().ok();
        let active = root
            .and_then(|r| r.active_element())
            .filter(|a| live.contains(Some(a)))
            .and_then(|a| a.get_attribute("data-key"));
        let wanted = focus.try_update_value(Option::take).flatten().or(active);
        crate::patch::patch(&live, &html);
        if let Some(key) = wanted {
            focus_key(&live, &key);
        }
    });
    let handle = StoredValue::new_local(handle);
    let run = move |act: Option<Acted>| {
        if let Some(act) = act {
            handle.try_with_value(|h| h(act));
        }
    };
    listen(&body, "click", move |ev| {
        run(act_of(&ev, false).filter(|a| a.el.tag_name() == "BUTTON"))
    });
    listen(&body, "change", move |ev| run(act_of(&ev, false)));
    listen(&body, "submit", move |ev| {
        ev.prevent_default();
        run(act_of(&ev, true));
    });
    body
}

/// A section's frame: its heading and `parts` (live bodies, notices).
pub fn section_frame(name: &str, heading: &str, parts: &[Element]) -> Element {
    let id = format!("rw-h-{name}");
    let frame = el(
        "section",
        &[
            ("class", "rw-section"),
            ("data-section", name),
            ("aria-labelledby", &id),
        ],
    );
    let h2 = el("h2", &[("id", &id)]);
    h2.set_text_content(Some(heading));
    let _ = frame.append_child(&h2);
    with_children(frame, parts)
}

/// Focuses the element under `root` whose `data-key` is `key`.
pub fn focus_key(root: &Element, key: &str) {
    let Ok(list) = root.query_selector_all("[data-key]") else {
        return;
    };
    for i in 0..list.length() {
        if let Some(el) = list.item(i).and_then(|n| n.dyn_into::<HtmlElement>().ok())
            && el.get_attribute("data-key").as_deref() == Some(key)
        {
            let _ = el.focus();
            return;
        }
    }
}

/// The `value` of the control named `name` inside `form`.
pub fn field(form: &Element, name: &str) -> String {
    form.query_selector(&format!("[name=\"{name}\"]"))
        .ok()
        .flatten()
        .and_then(|el| js_sys::Reflect::get(&el, &"value".into()).ok())
        .and_then(|v| v.as_string())
        .unwrap_or_default()
}

/// The `value` of a control.
pub fn value_of(el: &Element) -> String {
    js_sys::Reflect::get(el, &"value".into())
        .ok()
        .and_then(|v| v.as_string())
        .unwrap_or_default()
}

/// Whether a checkbox is checked.
pub fn checked(el: &Element) -> bool {
    js_sys::Reflect::get(el, &"checked".into())
        .ok()
        .and_then(|v| v.as_bool())
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::error_sentence;
    use crate::client::ApiError;
    use crate::i18n::Locale;
    use crate::model::Problem;

    fn problem(status: u16, code: &str) -> ApiError {
        ApiError::Problem {
            status,
            problem: Problem { code: code.into() },
        }
    }

    #[test]
    fn errors_are_sentences_of_the_widgets_language_chosen_by_code() {
        let codes = [
            (409, "insufficient_points"),
            (422, "reward_not_found"),
            (404, "subscription_not_found"),
            (404, "addon_not_found"),
            (422, "birthday_locked"),
            (409, "invalid_state"),
            (409, "subscription_locked"),
            (412, "precondition_failed"),
            (422, "validation_failed"),
            (429, "rate_limited"),
            (503, "unavailable"),
            (409, "a_code_from_a_newer_api"),
        ];
        let (en, ru) = (Locale::En.texts(), Locale::Ru.texts());
        for (status, code) in codes {
            let error = problem(status, code);
            let (e, r) = (error_sentence(en, &error), error_sentence(ru, &error));
            assert_ne!(e, r, "{code}: each language has its own sentence");
            assert!(
                r.chars().any(|c| ('а'..='я').contains(&c)),
                "{code}: Russian"
            );
        }
        assert_eq!(
            error_sentence(ru, &problem(409, "a_code_from_a_newer_api")),
            ru.err_generic,
            "an unknown code gets the generic sentence"
        );
        assert_eq!(
            error_sentence(en, &problem(409, "insufficient_points")),
            en.err_insufficient_points
        );
        assert_eq!(
            error_sentence(ru, &problem(401, "token_expired")),
            ru.session_expired
        );
        assert_eq!(error_sentence(ru, &ApiError::Network), ru.network_error);
    }
}
