//! Subscriptions: every SPEC 2.5 action with a clear confirmation, undo for
//! skip and pause, the cutoff lock explained, and a cancel flow that is
//! always one step from "Cancel now".

use leptos::prelude::*;
use wasm_bindgen::JsValue;
use web_sys::Element;

use super::act::Act;
use super::{
    Acted, Ctx, Notice, ctx, field, live, live_status, notice_html, section_frame, value_of,
};
use crate::dates::{add_days, date_of_ms, now_ms, start_of_date_ms};
use crate::dom::spawn;
use crate::html::{Html, flag};
use crate::i18n::{Locale, fill};
use crate::json::{Write, object};
use crate::model::{
    CancelReason, Interval, IntervalUnit, Me, SaveOffer, Subscription, SubscriptionOptions,
    variants_of,
};

/// The body of `POST /v1/me/subscriptions/{id}/actions`.
#[derive(Clone, Debug)]
enum Action {
    SkipNext,
    Pause {
        resume_on: String,
    },
    Resume,
    ChangeInterval {
        interval: Interval,
    },
    Reschedule {
        next_charge_on: String,
    },
    Swap {
        variant_id: String,
    },
    SetQuantity {
        quantity: u32,
    },
    Cancel {
        reason: String,
        comment: Option<String>,
    },
    AcceptOffer {
        reason: String,
    },
    Reactivate,
    AddOnetime {
        variant_id: String,
        quantity: u32,
    },
    RemoveOnetime {
        variant_id: String,
    },
}

impl Action {
    fn name(&self) -> &'static str {
        match self {
            Action::SkipNext => "skip_next",
            Action::Pause { .. } => "pause",
            Action::Resume => "resume",
            Action::ChangeInterval { .. } => "change_interval",
            Action::Reschedule { .. } => "reschedule",
            Action::Swap { .. } => "swap",
            Action::SetQuantity { .. } => "set_quantity",
            Action::Cancel { .. } => "cancel",
            Action::AcceptOffer { .. } => "accept_offer",
            Action::Reactivate => "reactivate",
            Action::AddOnetime { .. } => "add_onetime",
            Action::RemoveOnetime { .. } => "remove_onetime",
        }
    }

    /// The request body: `{"action": name, ...fields}`.
    fn to_js(&self) -> JsValue {
        let text = |s: &str| JsValue::from_str(s);
        let mut fields = vec![("action", text(self.name()))];
        match self {
            Action::Pause { resume_on } => fields.push(("resume_on", text(resume_on))),
            Action::ChangeInterval { interval } => fields.push(("interval", interval.to_js())),
            Action::Reschedule { next_charge_on } => {
                fields.push(("next_charge_on", text(next_charge_on)))
            }
            Action::Swap { variant_id } | Action::RemoveOnetime { variant_id } => {
                fields.push(("variant_id", text(variant_id)))
            }
            Action::SetQuantity { quantity } => {
                fields.push(("quantity", f64::from(*quantity).into()))
            }
            Action::AddOnetime {
                variant_id,
                quantity,
            } => {
                fields.push(("variant_id", text(variant_id)));
                fields.push(("quantity", f64::from(*quantity).into()));
            }
            Action::Cancel { reason, comment } => {
                fields.push(("reason", text(reason)));
                if let Some(comment) = comment {
                    fields.push(("comment", text(comment)));
                }
            }
            Action::AcceptOffer { reason } => fields.push(("reason", text(reason))),
            Action::SkipNext | Action::Resume | Action::Reactivate => {}
        }
        object(&fields)
    }
}

/// Which inline form is open on a subscription.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Panel {
    Pause,
    Frequency,
    Reschedule,
    Swap,
    Quantity,
    Cancel,
    Addon,
}

/// What the notice's Undo button does.
#[derive(Clone, Debug, PartialEq)]
enum Undo {
    /// Back to the delivery date before a skip.
    Reschedule(String),
    /// End the pause just made.
    Resume,
}

/// The notice shown in a subscription's card after an action.
#[derive(Clone, Debug, PartialEq)]
struct CardNotice {
    id: String,
    notice: Notice,
    undo: Option<Undo>,
}

/// The subscriptions section.
pub fn section() -> Element {
    let ctx = ctx();
    let t = ctx.t();
    let panel = RwSignal::new(None::<(String, Panel)>);
    let reason = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let card_notice = RwSignal::new(None::<CardNotice>);

    let focus = StoredValue::new(None::<String>);
    // The cancel comment survives a re-render (choosing another reason).
    let comment = StoredValue::new(String::new());

    let render = move || {
        let mut h = Html::new();
        let now = now_ms();
        let typed = comment.get_value();
        let open = panel.get();
        let chosen = reason.get();
        let busy = busy.get();
        ctx.me.with(|me| {
            let Some(me) = me else { return };
            if me.subscriptions.is_empty() {
                h.el("p", &[("class", "rw-muted")], t.no_subscriptions);
            }
            for s in &me.subscriptions {
                let open = open.as_ref().filter(|(id, _)| *id == s.id).map(|(_, p)| *p);
                card(
                    &mut h,
                    ctx,
                    me,
                    s,
                    open,
                    (chosen.as_deref(), &typed),
                    busy,
                    now,
                );
            }
        });
        h.finish()
    };

    let run = move |id: String, action: Action, undo: Option<Undo>| {
        busy.set(true);
        spawn(async move {
            let result = perform(ctx, &id, &action).await;
            busy.set(false);
            let (text, error) = match &result {
                Ok(updated) => (done_text(ctx, &action, updated), false),
                Err(text) => (text.clone(), true),
            };
            if result.is_ok() {
                panel.set(None);
            }
            let title = ctx.me.with_untracked(|m| {
                m.as_ref()
                    .and_then(|m| m.subscriptions.iter().find(|s| s.id == id))
                    .map(|s| s.title.clone())
                    .unwrap_or_default()
            });
            focus.set_value(Some(first_button(&action).key(&id)));
            card_notice.set(Some(CardNotice {
                id,
                notice: Notice {
                    text: format!("{title}: {text}"),
                    error,
                },
                undo: if result.is_ok() { undo } else { None },
            }));
        });
    };

    let handle = move |a: Acted| {
        let id = a.arg.clone();
        let sub = ctx.me.with_untracked(|m| {
            m.as_ref()
                .and_then(|m| m.subscriptions.iter().find(|s| s.id == id).cloned())
        });
        let Some(sub) = sub else { return };
        let open_panel = |p: Panel| {
            card_notice.set(None);
            let (again, next) = panel.with_untracked(|o| toggled(o.as_ref(), &id, p));
            if p == Panel::Cancel {
                comment.set_value(String::new());
                let first = ctx.me.with_untracked(|m| {
                    m.as_ref().and_then(|m| {
                        m.subscription_options
                            .cancel_reasons
                            .first()
                            .map(|r| r.id.clone())
                    })
                });
                reason.set(Some(first.unwrap_or_else(|| "other".to_owned())));
            }
            focus.set_value(Some(if again {
                a.act.key(&id)
            } else {
                format!("field:{id}")
            }));
            panel.set(next);
        };
        match a.act {
            Act::Skip => run(
                id,
                Action::SkipNext,
                sub.next_charge_on.clone().map(Undo::Reschedule),
            ),
            Act::Resume => run(id, Action::Resume, None),
            Act::Reactivate => run(id, Action::Reactivate, None),
            Act::Pause => open_panel(Panel::Pause),
            Act::Reschedule => open_panel(Panel::Reschedule),
            Act::Frequency => open_panel(Panel::Frequency),
            Act::Quantity => open_panel(Panel::Quantity),
            Act::Swap => open_panel(Panel::Swap),
            Act::Cancel => open_panel(Panel::Cancel),
            Act::Addon => open_panel(Panel::Addon),
            Act::RemoveAddon => run(
                id,
                Action::RemoveOnetime {
                    variant_id: value_of(&a.el),
                },
                None,
            ),
            Act::Back => {
                let opener = panel
                    .get_untracked()
                    .map(|(_, p)| opener_of(p))
                    .unwrap_or(Act::Pause);
                focus.set_value(Some(opener.key(&id)));
                panel.set(None);
            }
            Act::Reason => {
                if let Ok(Some(form)) = a.el.closest("form") {
                    comment.set_value(field(&form, "comment"));
                }
                focus.set_value(a.el.get_attribute("data-key"));
                reason.set(Some(super::value_of(&a.el)));
            }
            Act::Offer => {
                let chosen = reason.get_untracked().unwrap_or_default();
                run(id, Action::AcceptOffer { reason: chosen }, None)
            }

            Act::Submit => {
                let Some((_, p)) = panel.get_untracked() else {
                    return;
                };
                let value = field(&a.el, "value");
                let action = match p {
                    Panel::Pause => Action::Pause { resume_on: value },
                    Panel::Reschedule => Action::Reschedule {
                        next_charge_on: value,
                    },
                    Panel::Quantity => Action::SetQuantity {
                        quantity: value.trim().parse().unwrap_or(0),
                    },
                    Panel::Swap => Action::Swap { variant_id: value },
                    Panel::Addon => Action::AddOnetime {
                        variant_id: value,
                        quantity: field(&a.el, "quantity").trim().parse().unwrap_or(0),
                    },
                    Panel::Frequency => {
                        let allowed = ctx.me.with_untracked(|m| {
                            m.as_ref()
                                .map(|m| m.subscription_options.allowed_intervals.clone())
                                .unwrap_or_default()
                        });
                        match allowed.into_iter().find(|i| interval_key(*i) == value) {
                            Some(interval) => Action::ChangeInterval { interval },
                            None => return,
                        }
                    }
                    Panel::Cancel => {
                        let comment = field(&a.el, "comment");
                        let comment =
                            (!comment.trim().is_empty()).then(|| comment.trim().to_owned());
                        let chosen = reason.get_untracked().unwrap_or_else(|| "other".to_owned());
                        Action::Cancel {
                            reason: chosen,
                            comment,
                        }
                    }
                };
                let undo = (p == Panel::Pause).then_some(Undo::Resume);
                run(id, action, undo)
            }
            _ => {}
        }
    };

    // Undo takes back the skip or pause the notice reports.
    let undo = move || {
        let Some(CardNotice {
            id,
            undo: Some(undo),
            ..
        }) = card_notice.get_untracked()
        else {
            return;
        };
        let action = match undo {
            Undo::Reschedule(date) => Action::Reschedule {
                next_charge_on: date,
            },
            Undo::Resume => Action::Resume,
        };
        busy.set(true);
        spawn(async move {
            let result = perform(ctx, &id, &action).await;
            busy.set(false);
            let notice = match result {
                Ok(_) => Notice {
                    text: t.undone.to_owned(),
                    error: false,
                },
                Err(text) => Notice { text, error: true },
            };
            focus.set_value(Some(Act::Skip.key(&id)));
            card_notice.set(Some(CardNotice {
                id,
                notice,
                undo: None,
            }));
        });
    };
    let notice = move || {
        let busy = busy.get();
        card_notice.with(|n| {
            let Some(n) = n else { return String::new() };
            let mut html = notice_html(&n.notice);
            if n.undo.is_some() {
                let mut h = Html::new();
                h.button(
                    "rw-button",
                    Act::Undo,
                    &n.id,
                    t.undo,
                    &[flag(busy, "disabled")],
                );
                html.push_str(&h.finish());
            }
            html
        })
    };
    section_frame(
        "subscriptions",
        t.h_subscriptions,
        &[
            live(render, handle, focus),
            live_status(
                "rw-notice rw-notice-row",
                notice,
                move |_| undo(),
                StoredValue::new(None),
            ),
        ],
    )
}

/// The open form after the shopper pressed the opener of `p` on
/// subscription `id` while `open` was open: `p` opens (closing any other),
/// or closes when it was the one open. Whether it was open, and the result.
fn toggled(open: Option<&(String, Panel)>, id: &str, p: Panel) -> (bool, Option<(String, Panel)>) {
    let again = open.is_some_and(|(o, q)| o == id && *q == p);
    (again, (!again).then(|| (id.to_owned(), p)))
}

/// The button that opens a panel (focus returns to it).
fn opener_of(p: Panel) -> Act {
    match p {
        Panel::Pause => Act::Pause,
        Panel::Frequency => Act::Frequency,
        Panel::Reschedule => Act::Reschedule,
        Panel::Swap => Act::Swap,
        Panel::Quantity => Act::Quantity,
        Panel::Cancel => Act::Cancel,
        Panel::Addon => Act::Addon,
    }
}

/// Where focus goes after an action without undo: the button that stays.
fn first_button(action: &Action) -> Act {
    match action {
        Action::Cancel { .. } => Act::Reactivate,
        Action::Reactivate | Action::Resume => Act::Skip,
        Action::Pause { .. } | Action::AcceptOffer { .. } => Act::Resume,
        Action::AddOnetime { .. } | Action::RemoveOnetime { .. } => Act::Addon,
        _ => Act::Skip,
    }
}

/// The frequency in words: "Every 2 weeks", "Каждый месяц".
pub fn interval_text(l: Locale, interval: Interval) -> String {
    let t = l.texts();
    let forms = match interval.unit {
        IntervalUnit::Day => &t.every_day,
        IntervalUnit::Week => &t.every_week,
        IntervalUnit::Month => &t.every_month,
    };
    let count = i64::from(interval.count);
    let unit = forms.pick(l.plural(count));
    if count == 1 {
        let template = if interval.unit == IntervalUnit::Week {
            t.every_one_fem
        } else {
            t.every_one
        };
        fill(template, &[("unit", unit)])
    } else {
        fill(t.every_many, &[("count", &l.number(count)), ("unit", unit)])
    }
}

/// When changes lock: the cutoff before the next charge, if it has begun.
/// `Some(None)` is a charge overdue (unlocks only when it is charged).
fn lock(sub: &Subscription, options: &SubscriptionOptions, now: f64) -> Option<Option<f64>> {
    if sub.status != "active" {
        return None;
    }
    let charge = start_of_date_ms(sub.next_charge_on.as_deref()?)?;
    let cutoff = charge - f64::from(options.cutoff_hours) * 3_600_000.0;
    (now >= cutoff).then_some((now < charge).then_some(charge))
}

#[allow(clippy::too_many_arguments)]
fn card(
    h: &mut Html,
    ctx: Ctx,
    me: &Me,
    s: &Subscription,
    open: Option<Panel>,
    reason: (Option<&str>, &str),
    busy: bool,
    now: f64,
) {
    let (t, l) = (ctx.t(), ctx.locale);
    let o = &me.subscription_options;
    let locked = lock(s, o, now);
    let id = s.id.as_str();
    h.open(
        "article",
        &[
            ("class", "rw-subscription"),
            ("data-subscription-id", id),
            ("data-status", &s.status),
        ],
    );
    h.open("h3", &[("class", "rw-h3")]).text(&s.title);
    if let Some(p) = s.discount_percent {
        h.text(" ").el(
            "span",
            &[("class", "rw-badge")],
            &fill(t.discount, &[("percent", &p.to_string())]),
        );
    }
    h.close("h3");
    let status = match s.status.as_str() {
        "paused" => fill(
            t.status_paused,
            &[(
                "date",
                &s.paused_until
                    .as_deref()
                    .map(|d| l.date(d))
                    .unwrap_or_default(),
            )],
        ),
        "cancelled" => t.status_cancelled.to_owned(),
        _ => t.status_active.to_owned(),
    };
    let price = l.money(s.price_minor, &s.currency);
    h.open("p", &[("class", "rw-muted")])
        .text(&fill(
            t.per_delivery,
            &[("quantity", &s.quantity.to_string()), ("price", &price)],
        ))
        .text(" · ")
        .text(&interval_text(l, s.interval))
        .text(" · ")
        .el("span", &[("class", "rw-status")], &status)
        .close("p");
    if let Some(date) = &s.next_charge_on {
        h.el(
            "p",
            &[("class", "rw-next"), ("data-date", date)],
            &fill(t.next_delivery, &[("date", &l.date(date))]),
        );
    }
    let active = s.status == "active";
    let change_off = flag(busy || locked.is_some(), "disabled");
    if !s.onetime_items.is_empty() {
        // What goes out once with the next delivery; removable while the
        // subscription takes changes (active, outside the cutoff).
        let label_id = format!("rw-onetime-{id}");
        h.el("p", &[("id", &label_id)], t.onetime);
        h.open(
            "ul",
            &[("class", "rw-plain"), ("aria-labelledby", &label_id)],
        );
        for item in &s.onetime_items {
            h.open(
                "li",
                &[
                    ("class", "rw-row rw-onetime"),
                    ("data-variant-id", &item.variant_id),
                ],
            );
            h.el(
                "span",
                &[],
                &format!(
                    "{}: {} × {}",
                    item.title,
                    item.quantity,
                    l.money(item.price_minor, &s.currency)
                ),
            );
            if active {
                // Written out rather than with `h.button`: its focus key
                // names the item, so focus stays on this Remove across
                // renders instead of going to the first item's.
                let key = format!("{}:{id}:{}", Act::RemoveAddon.name(), item.variant_id);
                h.open(
                    "button",
                    &[
                        ("type", "button"),
                        ("class", "rw-button"),
                        ("data-act", Act::RemoveAddon.name()),
                        ("data-arg", id),
                        ("data-key", &key),
                        ("value", &item.variant_id),
                        (
                            "aria-label",
                            &fill(t.remove_item, &[("title", &item.title)]),
                        ),
                        change_off,
                    ],
                )
                .text(t.remove)
                .close("button");
            }
            h.close("li");
        }
        h.close("ul");
    }
    if let Some(unlock) = locked {
        let text = match unlock {
            Some(at) => fill(
                t.locked,
                &[
                    (
                        "date",
                        &s.next_charge_on
                            .as_deref()
                            .map(|d| l.date(d))
                            .unwrap_or_default(),
                    ),
                    ("time", &l.instant_date_time(at)),
                ],
            ),
            None => t.locked_overdue.to_owned(),
        };
        h.el("p", &[("class", "rw-locked")], &text);
    }
    let paused = s.status == "paused";
    let live = active || paused;
    let busy_off = flag(busy, "disabled");
    let expanded = |p: Panel| if open == Some(p) { "true" } else { "false" };
    h.open("div", &[("class", "rw-actions")]);
    if active {
        h.button("rw-button", Act::Skip, id, t.skip, &[change_off]);
        h.button(
            "rw-button",
            Act::Pause,
            id,
            t.pause,
            &[change_off, ("aria-expanded", expanded(Panel::Pause))],
        );
        h.button(
            "rw-button",
            Act::Reschedule,
            id,
            t.reschedule,
            &[change_off, ("aria-expanded", expanded(Panel::Reschedule))],
        );
    }
    if paused {
        h.button(
            "rw-button rw-primary",
            Act::Resume,
            id,
            t.resume,
            &[busy_off],
        );
    }
    if live {
        h.button(
            "rw-button",
            Act::Frequency,
            id,
            t.change_frequency,
            &[change_off, ("aria-expanded", expanded(Panel::Frequency))],
        );
        h.button(
            "rw-button",
            Act::Quantity,
            id,
            t.change_quantity,
            &[change_off, ("aria-expanded", expanded(Panel::Quantity))],
        );
        if variants_of(&o.swap_options, &s.product_id).len() > 1 {
            h.button(
                "rw-button",
                Act::Swap,
                id,
                t.swap,
                &[change_off, ("aria-expanded", expanded(Panel::Swap))],
            );
        }
        h.button(
            "rw-button rw-danger",
            Act::Cancel,
            id,
            t.cancel_subscription,
            &[busy_off, ("aria-expanded", expanded(Panel::Cancel))],
        );
    }
    if active && !variants_of(&o.addons, &s.product_id).is_empty() {
        h.button(
            "rw-button",
            Act::Addon,
            id,
            t.add_onetime,
            &[change_off, ("aria-expanded", expanded(Panel::Addon))],
        );
    }
    if s.status == "cancelled" {
        h.button(
            "rw-button rw-primary",
            Act::Reactivate,
            id,
            t.reactivate,
            &[busy_off],
        );
    }
    h.close("div");
    if let Some(p) = open {
        panel(h, ctx, me, s, p, reason, locked.is_some(), busy);
    }

    h.close("article");
}

#[allow(clippy::too_many_arguments)]
fn panel(
    h: &mut Html,
    ctx: Ctx,
    me: &Me,
    s: &Subscription,
    p: Panel,
    reason: (Option<&str>, &str),
    locked: bool,
    busy: bool,
) {
    let (t, l) = (ctx.t(), ctx.locale);
    let o = &me.subscription_options;
    let id = s.id.as_str();
    let field_id = format!("rw-field-{id}");
    let key = format!("field:{id}");
    if p == Panel::Cancel {
        return cancel_form(h, ctx, me, s, reason, locked, busy);
    }
    h.open(
        "form",
        &[
            ("class", "rw-action"),
            ("data-act", Act::Submit.name()),
            ("data-arg", id),
        ],
    );
    let today = date_of_ms(now_ms());
    let base = [
        ("id", field_id.as_str()),
        ("name", "value"),
        ("data-key", key.as_str()),
        ("required", ""),
    ];
    match p {
        Panel::Pause | Panel::Reschedule => {
            let (label, window, value) = if p == Panel::Pause {
                let days = i64::from(o.max_pause_days);
                (
                    t.resume_on,
                    days,
                    add_days(&today, 30.min(days)).unwrap_or_default(),
                )
            } else {
                let days = i64::from(o.reschedule_window_days);
                (
                    t.next_delivery_label,
                    days,
                    s.next_charge_on.clone().unwrap_or_default(),
                )
            };
            let min = add_days(&today, 1).unwrap_or_default();
            let max = add_days(&today, window).unwrap_or_default();
            h.el("label", &[("for", &field_id)], label);
            let mut attrs = base.to_vec();
            attrs.extend([
                ("type", "date"),
                ("min", min.as_str()),
                ("max", max.as_str()),
                ("value", value.as_str()),
            ]);
            h.open("input", &attrs);
        }
        Panel::Quantity => quantity_input(h, ctx, o, &base, s.quantity),
        Panel::Frequency | Panel::Swap | Panel::Addon => {
            let (label, current, choices): (&str, String, Vec<(String, String)>) =
                if p == Panel::Frequency {
                    let choices = o
                        .allowed_intervals
                        .iter()
                        .map(|i| (interval_key(*i), interval_text(l, *i)))
                        .collect();
                    (t.frequency, interval_key(s.interval), choices)
                } else {
                    // Swap picks among the product's variants; an add-on
                    // among its add-ons, the first preselected.
                    let list = if p == Panel::Swap {
                        &o.swap_options
                    } else {
                        &o.addons
                    };
                    let choices = variants_of(list, &s.product_id)
                        .iter()
                        .map(|v| {
                            (
                                v.variant_id.clone(),
                                format!("{} — {}", v.title, l.money(v.price_minor, &s.currency)),
                            )
                        })
                        .collect();
                    (t.product, s.variant_id.clone(), choices)
                };
            h.el("label", &[("for", &field_id)], label);
            h.open("select", &base[..3]);
            for (value, text) in &choices {
                h.el(
                    "option",
                    &[("value", value), flag(*value == current, "selected")],
                    text,
                );
            }
            h.close("select");
            if p == Panel::Addon {
                let qty_id = format!("rw-qty-{id}");
                let qty_key = format!("qty:{id}");
                let attrs = [
                    ("id", qty_id.as_str()),
                    ("name", "quantity"),
                    ("data-key", qty_key.as_str()),
                    ("required", ""),
                ];
                quantity_input(h, ctx, o, &attrs, 1);
            }
        }
        Panel::Cancel => {}
    }
    h.open("div", &[("class", "rw-actions")]);
    h.submit(
        "rw-button rw-primary",
        t.confirm,
        &format!("submit:{id}"),
        busy,
    );
    h.button("rw-button", Act::Back, id, t.back, &[]);
    h.close("div").close("form");
}

/// A labelled number input of 1..=`max_quantity` units; `base` names it.
fn quantity_input(
    h: &mut Html,
    ctx: Ctx,
    o: &SubscriptionOptions,
    base: &[(&str, &str)],
    value: u32,
) {
    h.el("label", &[("for", base[0].1)], ctx.t().quantity);
    let max = o.max_quantity.to_string();
    let value = value.to_string();
    let mut attrs = base.to_vec();
    attrs.extend([
        ("type", "number"),
        ("min", "1"),
        ("max", max.as_str()),
        ("step", "1"),
        ("value", value.as_str()),
    ]);
    h.open("input", &attrs);
}

fn interval_key(i: Interval) -> String {
    format!("{}-{}", i.count, i.unit.as_str())
}

/// The cancel form: "Cancel now" works at once (a reason is preselected),
/// beside what would be lost and the save offer for the chosen reason.
fn cancel_form(
    h: &mut Html,
    ctx: Ctx,
    me: &Me,
    s: &Subscription,
    (reason, comment): (Option<&str>, &str),
    locked: bool,
    busy: bool,
) {
    let (t, l) = (ctx.t(), ctx.locale);
    let id = s.id.as_str();
    // Without merchant reasons the API takes free text: say "other".
    let fallback = [CancelReason {
        id: "other".to_owned(),
        label: t.reason.to_owned(),
        offer: None,
    }];
    let reasons: &[CancelReason] = if me.subscription_options.cancel_reasons.is_empty() {
        &fallback
    } else {
        &me.subscription_options.cancel_reasons
    };
    let chosen = reason.unwrap_or(&reasons[0].id);
    h.open(
        "form",
        &[
            ("class", "rw-cancel"),
            ("data-act", Act::Submit.name()),
            ("data-arg", id),
        ],
    );
    h.open("fieldset", &[]).el("legend", &[], t.cancel_title);
    for (i, r) in reasons.iter().enumerate() {
        let input_id = format!("rw-reason-{id}-{i}");
        let key = if i == 0 {
            format!("field:{id}")
        } else {
            format!("reason:{id}:{i}")
        };
        h.open("div", &[("class", "rw-radio")]);
        h.open(
            "input",
            &[
                ("type", "radio"),
                ("id", &input_id),
                ("name", "reason"),
                ("value", &r.id),
                ("data-act", Act::Reason.name()),
                ("data-arg", id),
                ("data-key", &key),
                flag(r.id == chosen, "checked"),
            ],
        );
        h.el("label", &[("for", &input_id)], &r.label);
        h.close("div");
    }
    h.close("fieldset");
    let comment_id = format!("rw-comment-{id}");
    h.el("label", &[("for", &comment_id)], t.comment);
    h.el(
        "textarea",
        &[
            ("id", &comment_id),
            ("name", "comment"),
            ("maxlength", "500"),
            ("rows", "2"),
        ],
        comment,
    );
    h.open("div", &[("class", "rw-lose")]);
    h.el("p", &[], t.lose_title);
    h.open("ul", &[]);
    h.el("li", &[], &fill(t.lose_deliveries, &[("title", &s.title)]));
    h.el(
        "li",
        &[],
        &fill(t.lose_tier, &[("tier", &me.loyalty.tier.name)]),
    );
    if let Some(first) = me.loyalty.expiring.first() {
        h.el(
            "li",
            &[],
            &fill(
                t.lose_points,
                &[
                    ("points", &l.points(first.points)),
                    ("date", &l.instant_date(&first.expires_at)),
                ],
            ),
        );
    }
    h.close("ul").close("div");
    h.open("div", &[("class", "rw-actions")]);
    // Skip and pause offers need an active subscription; a discount fits a
    // paused one too. Inside the cutoff no offer can be taken.
    let offer = reasons
        .iter()
        .find(|r| r.id == chosen)
        .and_then(|r| r.offer.clone())
        .filter(|o| s.status == "active" || matches!(o, SaveOffer::Discount { .. }));
    if let (Some(offer), false) = (offer, locked) {
        let text = match offer {
            SaveOffer::Skip => t.offer_skip.to_owned(),
            SaveOffer::Pause { days } => fill(t.offer_pause, &[("days", &l.days(i64::from(days)))]),
            SaveOffer::Discount { percent } => {
                fill(t.offer_discount, &[("percent", &percent.to_string())])
            }
        };
        h.button(
            "rw-button rw-primary",
            Act::Offer,
            id,
            &text,
            &[flag(busy, "disabled")],
        );
    }
    h.submit(
        "rw-button rw-danger",
        t.cancel_now,
        &format!("submit:{id}"),
        busy,
    );
    h.button("rw-button", Act::Back, id, t.keep_subscription, &[]);
    h.close("div").close("form");
}

/// Runs an action and folds the updated subscription into the document.
async fn perform(ctx: Ctx, id: &str, action: &Action) -> Result<Subscription, String> {
    let client = ctx.client().ok_or_else(String::new)?;
    let path = format!(
        "/v1/me/subscriptions/{}/actions",
        String::from(js_sys::encode_uri_component(id))
    );
    let reply = client.post(&path, &action.to_js()).await.map_err(|e| {
        if matches!(
            e.code(),
            "subscription_locked" | "invalid_state" | "addon_not_found"
        ) {
            // The document is stale: show what holds now.
            ctx.refresh();
        }
        ctx.error_text(&e)
    })?;
    let updated: Subscription = reply.parse().map_err(|e| ctx.error_text(&e))?;
    ctx.me.update(|m| {
        if let Some(m) = m.as_mut()
            && let Some(slot) = m.subscriptions.iter_mut().find(|s| s.id == updated.id)
        {
            *slot = updated.clone();
        }
    });
    let detail = object(&[
        ("action", action.name().into()),
        ("subscription", reply.body.clone()),
    ]);
    ctx.emit("retention:subscription-changed", &detail);
    Ok(updated)
}

fn done_text(ctx: Ctx, action: &Action, s: &Subscription) -> String {
    let (t, l) = (ctx.t(), ctx.locale);
    let next = s
        .next_charge_on
        .as_deref()
        .map(|d| l.date(d))
        .unwrap_or_default();
    let template = match action {
        Action::SkipNext => t.skipped,
        Action::Pause { .. } => {
            return fill(
                t.paused,
                &[(
                    "date",
                    &s.paused_until
                        .as_deref()
                        .map(|d| l.date(d))
                        .unwrap_or_default(),
                )],
            );
        }
        Action::Resume => t.resumed,
        Action::Cancel { .. } => return t.cancelled.to_owned(),
        Action::Reactivate => t.reactivated,
        Action::AcceptOffer { .. } => return t.offer_taken.to_owned(),
        Action::AddOnetime { variant_id, .. } | Action::RemoveOnetime { variant_id } => {
            let title = ctx.me.with_untracked(|m| {
                m.as_ref()
                    .and_then(|m| {
                        variants_of(&m.subscription_options.addons, &s.product_id)
                            .iter()
                            .find(|v| v.variant_id == *variant_id)
                            .map(|v| v.title.clone())
                    })
                    .unwrap_or_else(|| variant_id.clone())
            });
            let template = if matches!(action, Action::AddOnetime { .. }) {
                t.addon_added
            } else {
                t.addon_removed
            };
            return fill(template, &[("title", &title)]);
        }
        _ => t.changed,
    };
    fill(template, &[("date", &next)])
}

#[cfg(test)]
mod tests {
    use super::{Act, Action, Panel, first_button, opener_of, toggled};

    #[test]
    fn an_opener_opens_its_form_closes_it_when_open_and_replaces_another() {
        let open = |id: &str, p| Some((id.to_owned(), p));
        assert_eq!(
            toggled(None, "s1", Panel::Pause),
            (false, open("s1", Panel::Pause))
        );
        assert_eq!(
            toggled(open("s1", Panel::Pause).as_ref(), "s1", Panel::Pause),
            (true, None)
        );
        assert_eq!(
            toggled(open("s1", Panel::Pause).as_ref(), "s1", Panel::Swap),
            (false, open("s1", Panel::Swap))
        );
        assert_eq!(
            toggled(open("s1", Panel::Pause).as_ref(), "s2", Panel::Pause),
            (false, open("s2", Panel::Pause)),
            "one form open at a time, across subscriptions"
        );
    }

    #[test]
    fn focus_after_an_action_goes_to_the_button_that_stays() {
        let cancel = Action::Cancel {
            reason: "other".into(),
            comment: None,
        };
        assert_eq!(first_button(&cancel), Act::Reactivate);
        assert_eq!(first_button(&Action::Reactivate), Act::Skip);
        let pause = Action::Pause {
            resume_on: "2026-12-21".into(),
        };
        assert_eq!(first_button(&pause), Act::Resume);
        assert_eq!(first_button(&Action::SkipNext), Act::Skip);
        let remove = Action::RemoveOnetime {
            variant_id: "mug".into(),
        };
        assert_eq!(
            first_button(&remove),
            Act::Addon,
            "after adding or removing an add-on, focus goes to Add to next delivery"
        );
        for p in [
            Panel::Pause,
            Panel::Frequency,
            Panel::Reschedule,
            Panel::Swap,
            Panel::Quantity,
            Panel::Cancel,
            Panel::Addon,
        ] {
            let opener = opener_of(p);
            assert_eq!(Act::parse(opener.name()), Some(opener));
            assert_eq!(toggled(None, "s", p).1, Some(("s".to_owned(), p)));
        }
    }
}
