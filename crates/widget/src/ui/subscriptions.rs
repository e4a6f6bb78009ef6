//! Subscriptions: every SPEC 2.5 action with a clear confirmation, undo for
//! skip and pause, the cutoff lock explained, and a cancel flow that is
//! always one step from "Cancel now".

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::{Ctx, Notice, ctx};
use crate::dates::{add_days, date_of_ms, now_ms, start_of_date_ms};
use crate::i18n::{Locale, fill};
use crate::json::{Write, object};
use wasm_bindgen::JsValue;
use crate::model::{CancelReason, Interval, IntervalUnit, SaveOffer, Subscription, SubscriptionOptions};

/// The body of `POST /v1/me/subscriptions/{id}/actions`.
#[derive(Clone, Debug)]
enum Action {
    SkipNext,
    Pause { resume_on: String },
    Resume,
    ChangeInterval { interval: Interval },
    Reschedule { next_charge_on: String },
    Swap { variant_id: String },
    SetQuantity { quantity: u32 },
    Cancel { reason: String, comment: Option<String> },
    AcceptOffer { reason: String },
    Reactivate,
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
        }
    }

    /// The request body: `{"action": name, ...fields}`.
    fn to_js(&self) -> JsValue {
        let text = |s: &str| JsValue::from_str(s);
        let mut fields = vec![("action", text(self.name()))];
        match self {
            Action::Pause { resume_on } => fields.push(("resume_on", text(resume_on))),
            Action::ChangeInterval { interval } => fields.push(("interval", interval.to_js())),
            Action::Reschedule { next_charge_on } => fields.push(("next_charge_on", text(next_charge_on))),
            Action::Swap { variant_id } => fields.push(("variant_id", text(variant_id))),
            Action::SetQuantity { quantity } => fields.push(("quantity", f64::from(*quantity).into())),
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
enum Panel {
    Pause,
    Frequency,
    Reschedule,
    Swap,
    Quantity,
    Cancel,
}

/// What the notice's Undo button does.
#[derive(Clone, Debug, PartialEq)]
enum Undo {
    /// Back to the delivery date before a skip.
    Reschedule(String),
    /// End the pause just made.
    Resume,
}

/// The subscriptions section.
pub fn section() -> impl IntoView {
    let ctx = ctx();
    let t = ctx.t();
    let ids = move || {
        ctx.me.with(|m| {
            m.as_ref()
                .map(|m| m.subscriptions.iter().map(|s| s.id.clone()).collect::<Vec<_>>())
                .unwrap_or_default()
        })
    };
    view! {
        <section class="rw-section" data-section="subscriptions" aria-labelledby="rw-h-subscriptions">
            <h2 id="rw-h-subscriptions">{t.h_subscriptions}</h2>
            <Show when=move || ids().is_empty()>
                <p class="rw-muted">{t.no_subscriptions}</p>
            </Show>
            <For each=ids key=|id| id.clone() let:id>
                {card(id)}
            </For>
        </section>
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
        let template = if interval.unit == IntervalUnit::Week { t.every_one_fem } else { t.every_one };
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

fn card(id: String) -> impl IntoView {
    let ctx = ctx();
    let (t, l) = (ctx.t(), ctx.locale);
    let sub_id = id.clone();
    let sub = Memo::new(move |_| {
        ctx.me.with(|m| m.as_ref().and_then(|m| m.subscriptions.iter().find(|s| s.id == sub_id).cloned()))
    });
    let options = Memo::new(move |_| ctx.me.with(|m| m.as_ref().map(|m| m.subscription_options.clone())));
    let panel = RwSignal::new(None::<Panel>);
    let busy = RwSignal::new(false);
    let notice = RwSignal::new(None::<Notice>);
    let undo = RwSignal::new(None::<Undo>);
    let id_for_run = id.clone();
    let run = move |action: Action, offer_undo: Option<Undo>| {
        let id = id_for_run.clone();
        busy.set(true);
        spawn_local(async move {
            let result = perform(ctx, &id, &action).await;
            busy.set(false);
            match result {
                Ok(updated) => {
                    panel.set(None);
                    undo.set(offer_undo);
                    notice.set(Notice::ok(done_text(ctx, &action, &updated)));
                }
                Err(text) => notice.set(Notice::failed(text)),
            }
        });
    };
    let run_undo = move |_| {
        let Some(what) = undo.get_untracked() else { return };
        let action = match what {
            Undo::Reschedule(date) => Action::Reschedule { next_charge_on: date },
            Undo::Resume => Action::Resume,
        };
        let id = id.clone();
        busy.set(true);
        spawn_local(async move {
            let result = perform(ctx, &id, &action).await;
            busy.set(false);
            undo.set(None);
            notice.set(match result {
                Ok(_) => Notice::ok(t.undone),
                Err(text) => Notice::failed(text),
            });
        });
    };

    move || {
        let (Some(s), Some(o)) = (sub.get(), options.get()) else {
            return ().into_any();
        };
        let now = now_ms();
        let locked = lock(&s, &o, now);
        let is_locked = locked.is_some();
        let status = s.status.clone();
        let status_text = match status.as_str() {
            "paused" => fill(t.status_paused, &[("date", &s.paused_until.as_deref().map(|d| l.date(d)).unwrap_or_default())]),
            "cancelled" => t.status_cancelled.to_owned(),
            _ => t.status_active.to_owned(),
        };
        let next = s.next_charge_on.clone().map(|date| {
            let text = fill(t.next_delivery, &[("date", &l.date(&date))]);
            view! { <p class="rw-next" data-date=date>{text}</p> }
        });
        let lock_text = locked.map(|unlock| {
            let text = match unlock {
                Some(at) => fill(
                    t.locked,
                    &[
                        ("date", &s.next_charge_on.as_deref().map(|d| l.date(d)).unwrap_or_default()),
                        ("time", &l.instant_date_time(at)),
                    ],
                ),
                None => t.locked_overdue.to_owned(),
            };
            view! { <p class="rw-locked">{text}</p> }
        });
        let discount = s.discount_percent.map(|p| {
            view! { <span class="rw-badge">{fill(t.discount, &[("percent", &p.to_string())])}</span> }
        });
        let price = l.money(s.price_minor, &s.currency);
        let active = status == "active";
        let paused = status == "paused";
        let live = active || paused;
        let can_swap = o.swap_options.get(&s.product_id).is_some_and(|v| v.len() > 1);
        let open = move |p: Panel| {
            move |_| {
                notice.set(None);
                panel.set(if panel.get_untracked() == Some(p) { None } else { Some(p) });
            }
        };
        let disabled = move || busy.get() || is_locked;
        let buttons = view! {
            <div class="rw-actions">
                {active.then(|| {
                    let run = run.clone();
                    let before = s.next_charge_on.clone();
                    view! {
                        <button type="button" class="rw-button" disabled=disabled on:click=move |_| {
                            run(Action::SkipNext, before.clone().map(Undo::Reschedule))
                        }>{t.skip}</button>
                        <button type="button" class="rw-button" disabled=disabled on:click=open(Panel::Pause)>{t.pause}</button>
                        <button type="button" class="rw-button" disabled=disabled on:click=open(Panel::Reschedule)>{t.reschedule}</button>
                    }
                })}
                {paused.then(|| {
                    let run = run.clone();
                    view! {
                        <button type="button" class="rw-button rw-primary" disabled=move || busy.get() on:click=move |_| run(Action::Resume, None)>{t.resume}</button>
                    }
                })}
                {live.then(|| view! {
                    <button type="button" class="rw-button" disabled=disabled on:click=open(Panel::Frequency)>{t.change_frequency}</button>
                    <button type="button" class="rw-button" disabled=disabled on:click=open(Panel::Quantity)>{t.change_quantity}</button>
                })}
                {(live && can_swap).then(|| view! {
                    <button type="button" class="rw-button" disabled=disabled on:click=open(Panel::Swap)>{t.swap}</button>
                })}
                {live.then(|| view! {
                    <button type="button" class="rw-button rw-danger" disabled=move || busy.get() on:click=open(Panel::Cancel)>{t.cancel_subscription}</button>
                })}
                {(status == "cancelled").then(|| {
                    let run = run.clone();
                    view! {
                        <button type="button" class="rw-button rw-primary" disabled=move || busy.get() on:click=move |_| run(Action::Reactivate, None)>{t.reactivate}</button>
                    }
                })}
            </div>
        };
        let form = {
            let s = s.clone();
            let o = o.clone();
            let run = run.clone();
            move || panel.get().map(|p| panel_view(ctx, p, &s, &o, is_locked, busy, panel, run.clone()))
        };
        let run_undo = run_undo.clone();
        let notice_row = move || {
            notice.get().map(|n| {
                view! {
                    <div class="rw-notice-row">
                        <span>{n.text}</span>
                        {undo.get().is_some().then(|| view! {
                            <button type="button" class="rw-button" disabled=move || busy.get() on:click=run_undo.clone()>{t.undo}</button>
                        })}
                    </div>
                }
            })
        };
        view! {
            <article class="rw-subscription" data-subscription-id=s.id.clone() data-status=status.clone()>
                <h3 class="rw-h3">{s.title.clone()} " " {discount}</h3>
                <p class="rw-muted">
                    {fill(t.per_delivery, &[("quantity", &s.quantity.to_string()), ("price", &price)])}
                    " · "
                    {interval_text(l, s.interval)}
                    " · "
                    <span class="rw-status">{status_text}</span>
                </p>
                {next}
                {lock_text}
                {buttons}
                {form}
                <div class="rw-notice" role="status" class:rw-notice-error=move || notice.with(|n| n.as_ref().is_some_and(|n| n.error))>
                    {notice_row}
                </div>
            </article>
        }
        .into_any()
    }
}

/// Runs an action and folds the updated subscription into the document.
async fn perform(ctx: Ctx, id: &str, action: &Action) -> Result<Subscription, String> {
    let client = ctx.client().ok_or_else(String::new)?;
    let path = format!("/v1/me/subscriptions/{}/actions", String::from(js_sys::encode_uri_component(id)));
    let reply = client.post(&path, &action.to_js()).await.map_err(|e| match &e {
        crate::client::ApiError::Problem { problem, .. } if problem.code == "subscription_locked" => {
            ctx.refresh();
            ctx.error_text(&e)
        }
        _ => ctx.error_text(&e),
    })?;
    let body = reply.body.clone();
    let updated: Subscription = reply.parse().map_err(|e| ctx.error_text(&e))?;
    ctx.me.update(|m| {
        if let Some(m) = m.as_mut()
            && let Some(slot) = m.subscriptions.iter_mut().find(|s| s.id == updated.id)
        {
            *slot = updated.clone();
        }
    });
    let detail = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&detail, &"action".into(), &action.name().into());
    let _ = js_sys::Reflect::set(&detail, &"subscription".into(), &body);
    ctx.emit("retention:subscription-changed", &detail);
    Ok(updated)
}

fn done_text(ctx: Ctx, action: &Action, s: &Subscription) -> String {
    let (t, l) = (ctx.t(), ctx.locale);
    let next = s.next_charge_on.as_deref().map(|d| l.date(d)).unwrap_or_default();
    let template = match action {
        Action::SkipNext => t.skipped,
        Action::Pause { .. } => {
            return fill(t.paused, &[("date", &s.paused_until.as_deref().map(|d| l.date(d)).unwrap_or_default())]);
        }
        Action::Resume => t.resumed,
        Action::Cancel { .. } => return t.cancelled.to_owned(),
        Action::Reactivate => t.reactivated,
        Action::AcceptOffer { .. } => return t.offer_taken.to_owned(),
        _ => t.changed,
    };
    fill(template, &[("date", &next)])
}

#[allow(clippy::too_many_arguments)]
fn panel_view(
    ctx: Ctx,
    panel: Panel,
    s: &Subscription,
    o: &SubscriptionOptions,
    locked: bool,
    busy: RwSignal<bool>,
    open: RwSignal<Option<Panel>>,
    run: impl Fn(Action, Option<Undo>) + Clone + Send + Sync + 'static,
) -> AnyView {
    let t = ctx.t();
    let l = ctx.locale;
    let today = date_of_ms(now_ms());
    let value = RwSignal::new(String::new());
    let back = move |_| open.set(None);
    let (label, control) = match panel {
        Panel::Pause => {
            let min = add_days(&today, 1).unwrap_or_default();
            let max = add_days(&today, i64::from(o.max_pause_days)).unwrap_or_default();
            value.set(add_days(&today, 30.min(i64::from(o.max_pause_days))).unwrap_or_default());
            (t.resume_on, view! {
                <input type="date" id="rw-field" required min=min max=max prop:value=value on:input=move |ev| value.set(event_target_value(&ev)) />
            }.into_any())
        }
        Panel::Reschedule => {
            let min = add_days(&today, 1).unwrap_or_default();
            let max = add_days(&today, i64::from(o.reschedule_window_days)).unwrap_or_default();
            value.set(s.next_charge_on.clone().unwrap_or_else(|| min.clone()));
            (t.next_delivery_label, view! {
                <input type="date" id="rw-field" required min=min max=max prop:value=value on:input=move |ev| value.set(event_target_value(&ev)) />
            }.into_any())
        }
        Panel::Quantity => {
            value.set(s.quantity.to_string());
            (t.quantity, view! {
                <input type="number" id="rw-field" required min="1" max=o.max_quantity step="1" inputmode="numeric" prop:value=value on:input=move |ev| value.set(event_target_value(&ev)) />
            }.into_any())
        }
        Panel::Frequency => {
            let current = s.interval;
            let choices: Vec<(String, String)> = o
                .allowed_intervals
                .iter()
                .map(|i| (interval_key(*i), interval_text(l, *i)))
                .collect();
            value.set(interval_key(current));
            (t.frequency, select(value, choices))
        }
        Panel::Swap => {
            value.set(s.variant_id.clone());
            let choices = o
                .swap_options
                .get(&s.product_id)
                .map(|list| {
                    list.iter()
                        .map(|v| (v.variant_id.clone(), format!("{} — {}", v.title, l.money(v.price_minor, &s.currency))))
                        .collect()
                })
                .unwrap_or_default();
            (t.product, select(value, choices))
        }
        Panel::Cancel => return cancel_view(ctx, s, &o.cancel_reasons, locked, busy, open, run),
    };
    let allowed = o.allowed_intervals.clone();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let v = value.get_untracked();
        let action = match panel {
            Panel::Pause => Action::Pause { resume_on: v },
            Panel::Reschedule => Action::Reschedule { next_charge_on: v },
            Panel::Quantity => Action::SetQuantity { quantity: v.trim().parse().unwrap_or(0) },
            Panel::Swap => Action::Swap { variant_id: v },
            Panel::Frequency => match allowed.iter().find(|i| interval_key(**i) == v) {
                Some(interval) => Action::ChangeInterval { interval: *interval },
                None => return,
            },
            Panel::Cancel => return,
        };
        let undo = (panel == Panel::Pause).then_some(Undo::Resume);
        run(action, undo);
    };
    view! {
        <form class="rw-action" on:submit=submit>
            <label for="rw-field">{label}</label>
            {control}
            <div class="rw-actions">
                <button type="submit" class="rw-button rw-primary" disabled=move || busy.get()>{t.confirm}</button>
                <button type="button" class="rw-button" on:click=back>{t.back}</button>
            </div>
        </form>
    }
    .into_any()
}

fn interval_key(i: Interval) -> String {
    let unit = match i.unit {
        IntervalUnit::Day => "day",
        IntervalUnit::Week => "week",
        IntervalUnit::Month => "month",
    };
    format!("{}-{unit}", i.count)
}

fn select(value: RwSignal<String>, choices: Vec<(String, String)>) -> AnyView {
    let options = choices
        .into_iter()
        .map(|(key, text)| {
            let selected = value.get_untracked() == key;
            view! { <option value=key selected=selected>{text}</option> }
        })
        .collect_view();
    view! {
        <select id="rw-field" on:change=move |ev| value.set(event_target_value(&ev))>{options}</select>
    }
    .into_any()
}

/// The cancel form: "Cancel now" works at once (a reason is preselected),
/// beside what would be lost and the save offer for the chosen reason.
fn cancel_view(
    ctx: Ctx,
    s: &Subscription,
    reasons: &[CancelReason],
    locked: bool,
    busy: RwSignal<bool>,
    open: RwSignal<Option<Panel>>,
    run: impl Fn(Action, Option<Undo>) + Clone + Send + Sync + 'static,
) -> AnyView {
    let t = ctx.t();
    let l = ctx.locale;
    // Without merchant reasons the API takes free text: say "other".
    let reasons: Vec<CancelReason> = if reasons.is_empty() {
        vec![CancelReason { id: "other".to_owned(), label: t.reason.to_owned(), offer: None }]
    } else {
        reasons.to_vec()
    };
    let chosen = RwSignal::new(reasons[0].id.clone());
    let comment = RwSignal::new(String::new());
    let name = format!("rw-reason-{}", s.id);
    let radios = reasons
        .iter()
        .map(|r| {
            let id = r.id.clone();
            let id_check = r.id.clone();
            let input_id = format!("{name}-{}", r.id);
            view! {
                <div class="rw-radio">
                    <input type="radio" id=input_id.clone() name=name.clone() value=r.id.clone()
                        prop:checked=move || chosen.with(|c| *c == id_check)
                        on:change=move |_| chosen.set(id.clone()) />
                    <label for=input_id>{r.label.clone()}</label>
                </div>
            }
        })
        .collect_view();
    let lose = ctx.me.with_untracked(|m| {
        m.as_ref().map(|m| {
            let mut lines = vec![fill(t.lose_deliveries, &[("title", &s.title)])];
            lines.push(fill(t.lose_tier, &[("tier", &m.loyalty.tier.name)]));
            if let Some(first) = m.loyalty.expiring.first() {
                lines.push(fill(
                    t.lose_points,
                    &[("points", &l.points(first.points)), ("date", &l.instant_date(&first.expires_at))],
                ));
            }
            lines
        })
    });
    let lose = lose.unwrap_or_default().into_iter().map(|line| view! { <li>{line}</li> }).collect_view();
    let offers: Vec<(String, Option<SaveOffer>)> = reasons.iter().map(|r| (r.id.clone(), r.offer.clone())).collect();
    let offer_run = run.clone();
    let offer_button = move || {
        if locked {
            return None;
        }
        let reason = chosen.get();
        let offer = offers.iter().find(|(id, _)| *id == reason).and_then(|(_, o)| o.clone())?;
        let text = match offer {
            SaveOffer::Skip => t.offer_skip.to_owned(),
            SaveOffer::Pause { days } => fill(t.offer_pause, &[("days", &l.days(i64::from(days)))]),
            SaveOffer::Discount { percent } => fill(t.offer_discount, &[("percent", &percent.to_string())]),
        };
        let run = offer_run.clone();
        Some(view! {
            <button type="button" class="rw-button rw-primary" disabled=move || busy.get()
                on:click=move |_| run(Action::AcceptOffer { reason: reason.clone() }, None)>{text}</button>
        })
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let text = comment.get_untracked();
        let comment = (!text.trim().is_empty()).then(|| text.trim().to_owned());
        run(Action::Cancel { reason: chosen.get_untracked(), comment }, None);
    };
    let comment_id = format!("rw-comment-{}", s.id);
    view! {
        <form class="rw-cancel" on:submit=submit>
            <fieldset>
                <legend>{t.cancel_title}</legend>
                {radios}
            </fieldset>
            <label for=comment_id.clone()>{t.comment}</label>
            <textarea id=comment_id maxlength="500" rows="2" on:input=move |ev| comment.set(event_target_value(&ev))></textarea>
            <div class="rw-lose">
                <p>{t.lose_title}</p>
                <ul>{lose}</ul>
            </div>
            <div class="rw-actions">
                {offer_button}
                <button type="submit" class="rw-button rw-danger" disabled=move || busy.get()>{t.cancel_now}</button>
                <button type="button" class="rw-button" on:click=move |_| open.set(None)>{t.keep_subscription}</button>
            </div>
        </form>
    }
    .into_any()
}
