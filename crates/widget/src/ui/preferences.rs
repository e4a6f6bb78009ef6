//! Contact preferences: channels and their fallback order, topics, weekly
//! cap, quiet hours, expiry reminders, snooze and one-click unsubscribe.
//! Saved whole with `If-Match`; a 412 reloads and says so.

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::{Ctx, Notice, ctx, notice_view};
use crate::client::ApiError;
use crate::dates::{DAY_MS, format_instant, instant_ms, now_ms};
use crate::json::Write;
use crate::i18n::{Locale, Texts, fill};
use crate::model::{Preferences, QuietHours};

const CHANNELS: [&str; 6] = ["email", "sms", "whatsapp", "telegram", "viber", "push"];
const MARKETING: [&str; 4] = ["promotions", "reward_updates", "new_products", "recommendations"];
const REMINDER_DAYS: [u16; 5] = [30, 14, 7, 3, 1];
const SNOOZE_DAYS: [i64; 4] = [7, 14, 30, 90];

fn channel_name(t: &'static Texts, channel: &str) -> &'static str {
    match channel {
        "email" => t.email,
        "sms" => t.sms,
        "whatsapp" => t.whatsapp,
        "telegram" => t.telegram,
        "viber" => t.viber,
        "push" => t.push,
        _ => "",
    }
}

fn topic_name(t: &'static Texts, topic: &str) -> &'static str {
    match topic {
        "promotions" => t.promotions,
        "reward_updates" => t.reward_updates,
        "new_products" => t.new_products,
        "recommendations" => t.recommendations,
        _ => "",
    }
}

/// The stored document and its `ETag`.
async fn fetch(ctx: Ctx) -> Result<(Preferences, Option<String>), ApiError> {
    let client = ctx.client().ok_or(ApiError::Network)?;
    let reply = client.get("/v1/me/preferences").await?;
    let etag = reply.etag.clone();
    Ok((reply.parse()?, etag))
}

/// The preferences section.
pub fn section() -> impl IntoView {
    let ctx = ctx();
    let t = ctx.t();
    let draft = RwSignal::new(None::<Preferences>);
    let etag = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let notice = RwSignal::new(None::<Notice>);
    let load_error = RwSignal::new(None::<String>);
    let load = move || {
        spawn_local(async move {
            match fetch(ctx).await {
                Ok((prefs, tag)) => {
                    draft.set(Some(prefs));
                    etag.set(tag);
                    load_error.set(None);
                }
                Err(e) => load_error.set(Some(ctx.error_text(&e))),
            }
        });
    };
    load();

    let save = move || {
        let Some(prefs) = draft.get_untracked() else { return };
        let Some(client) = ctx.client() else { return };
        let tag = etag.get_untracked();
        busy.set(true);
        notice.set(None);
        spawn_local(async move {
            let headers: Vec<(&str, &str)> = tag.as_deref().map(|tag| ("If-Match", tag)).into_iter().collect();
            let result = client.send("PUT", "/v1/me/preferences", &prefs.to_js(), &headers).await;
            match result {
                Ok(reply) => {
                    etag.set(reply.etag.clone());
                    if let Ok(saved) = reply.parse::<Preferences>() {
                        ctx.emit("retention:preferences-changed", &detail(&saved));
                        draft.set(Some(saved.clone()));
                        ctx.me.update(|m| {
                            if let Some(m) = m.as_mut() {
                                m.preferences = saved;
                            }
                        });
                    }
                    notice.set(Notice::ok(t.saved));
                }
                Err(ApiError::Problem { status: 412, .. }) => {
                    // Someone (another tab, the shop) saved in between: show
                    // what is stored now rather than overwrite it.
                    if let Ok((fresh, tag)) = fetch(ctx).await {
                        draft.set(Some(fresh));
                        etag.set(tag);
                    }
                    notice.set(Notice::failed(t.conflict));
                }
                Err(ApiError::Problem { status: 422, problem }) if !problem.errors.is_empty() => {
                    let fields = problem.errors.iter().map(|e| e.message.as_str()).collect::<Vec<_>>().join(" ");
                    notice.set(Notice::failed(fill(t.invalid, &[("fields", &fields)])));
                }
                Err(e) => notice.set(Notice::failed(ctx.error_text(&e))),
            }
            busy.set(false);
        });
    };
    let edit = move |f: Box<dyn FnOnce(&mut Preferences)>| {
        draft.update(|d| {
            if let Some(d) = d.as_mut() {
                f(d);
            }
        });
    };
    let save_now = move |f: Box<dyn FnOnce(&mut Preferences)>| {
        edit(f);
        save();
    };

    view! {
        <section class="rw-section" data-section="preferences" aria-labelledby="rw-h-preferences">
            <h2 id="rw-h-preferences">{t.h_preferences}</h2>
            {move || load_error.get().map(|e| view! {
                <div class="rw-error" role="alert">
                    <p>{e}</p>
                    <button type="button" class="rw-button" on:click=move |_| load()>{t.try_again}</button>
                </div>
            })}
            {move || {
                let has = draft.with(Option::is_some);
                has.then(|| {
                    view! {
                        {snooze_and_unsubscribe(ctx, draft, busy, save_now)}
                        <form class="rw-preferences" on:submit=move |ev| { ev.prevent_default(); save(); }>
                            {channels(ctx, draft, edit)}
                            {topics(ctx, draft, edit)}
                            {frequency(ctx, draft, edit)}
                            {reminders(ctx, draft, edit)}
                            <div class="rw-actions">
                                <button type="submit" class="rw-button rw-primary" disabled=move || busy.get()>{t.save}</button>
                            </div>
                        </form>
                    }
                })
            }}
            {notice_view(notice)}
        </section>
    }
}

type Edit = Box<dyn FnOnce(&mut Preferences)>;

fn detail(prefs: &Preferences) -> wasm_bindgen::JsValue {
    let detail = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&detail, &"preferences".into(), &prefs.to_js());
    detail.into()
}

fn read<T>(draft: RwSignal<Option<Preferences>>, f: impl Fn(&Preferences) -> T) -> Option<T> {
    draft.with(|d| d.as_ref().map(f))
}

fn snooze_and_unsubscribe(
    ctx: Ctx,
    draft: RwSignal<Option<Preferences>>,
    busy: RwSignal<bool>,
    save_now: impl Fn(Edit) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let (t, l) = (ctx.t(), ctx.locale);
    let snoozed = move || {
        read(draft, |p| p.snoozed_until.clone())
            .flatten()
            .filter(|s| instant_ms(s).is_some_and(|ms| ms > now_ms()))
    };
    let unsubscribed = move || read(draft, |p| p.marketing_unsubscribed).unwrap_or(false);
    view! {
        <div class="rw-box">
            {move || match snoozed() {
                Some(until) => view! {
                    <div class="rw-snoozed">
                        <p>{fill(t.snoozed, &[("date", &l.instant_date(&until))])}</p>
                        <button type="button" class="rw-button" disabled=move || busy.get()
                            on:click=move |_| save_now(Box::new(|p| p.snoozed_until = None))>{t.resume_messages}</button>
                    </div>
                }.into_any(),
                None => {
                    let buttons = SNOOZE_DAYS
                        .into_iter()
                        .map(|days| {
                            view! {
                                <button type="button" class="rw-button" disabled=move || busy.get() on:click=move |_| {
                                    let until = format_instant(now_ms() + days as f64 * DAY_MS);
                                    save_now(Box::new(move |p| p.snoozed_until = Some(until)));
                                }>{fill(t.snooze_for, &[("days", &l.days(days))])}</button>
                            }
                        })
                        .collect_view();
                    view! {
                        <div role="group" aria-label=t.snooze class="rw-actions">
                            <span class="rw-label">{t.snooze}</span>
                            {buttons}
                        </div>
                    }.into_any()
                }
            }}
            {move || if unsubscribed() {
                view! {
                    <div class="rw-unsubscribed">
                        <p>{t.unsubscribed}</p>
                        <button type="button" class="rw-button" disabled=move || busy.get()
                            on:click=move |_| save_now(Box::new(|p| p.marketing_unsubscribed = false))>{t.subscribe_again}</button>
                    </div>
                }.into_any()
            } else {
                view! {
                    <button type="button" class="rw-button rw-danger" disabled=move || busy.get()
                        on:click=move |_| save_now(Box::new(|p| p.marketing_unsubscribed = true))>{t.unsubscribe_all}</button>
                }.into_any()
            }}
        </div>
    }
}

fn channels(ctx: Ctx, draft: RwSignal<Option<Preferences>>, edit: impl Fn(Edit) + Copy + Send + Sync + 'static) -> impl IntoView {
    let t = ctx.t();
    let boxes = CHANNELS
        .into_iter()
        .map(|channel| {
            let id = format!("rw-ch-{channel}");
            view! {
                <div class="rw-check">
                    <input type="checkbox" id=id.clone()
                        prop:checked=move || read(draft, |p| p.channels.enabled(channel)).unwrap_or(false)
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            edit(Box::new(move |p| if let Some(c) = p.channels.get_mut(channel) { c.enabled = on }));
                        } />
                    <label for=id>{channel_name(t, channel)}</label>
                </div>
            }
        })
        .collect_view();
    let order = move || {
        let list = read(draft, |p| p.channel_order.clone()).unwrap_or_default();
        let last = list.len().saturating_sub(1);
        list.into_iter()
            .enumerate()
            .map(|(i, channel)| {
                let name = channel_name(t, &channel);
                let move_by = move |delta: isize| {
                    move |_| {
                        edit(Box::new(move |p| {
                            let j = i as isize + delta;
                            if j >= 0 && (j as usize) < p.channel_order.len() {
                                p.channel_order.swap(i, j as usize);
                            }
                        }))
                    }
                };
                view! {
                    <li>
                        <span>{name}</span>
                        <button type="button" class="rw-icon" aria-label=fill(t.move_up, &[("name", name)]) disabled=i == 0 on:click=move_by(-1)>"↑"</button>
                        <button type="button" class="rw-icon" aria-label=fill(t.move_down, &[("name", name)]) disabled=i == last on:click=move_by(1)>"↓"</button>
                    </li>
                }
            })
            .collect_view()
    };
    view! {
        <fieldset>
            <legend>{t.channels}</legend>
            <div class="rw-grid">{boxes}</div>
            <p class="rw-muted" id="rw-fallback-hint">{t.fallback_hint}</p>
            <ol class="rw-order" aria-label=t.fallback_order aria-describedby="rw-fallback-hint">{order}</ol>
        </fieldset>
    }
}

fn topics(ctx: Ctx, draft: RwSignal<Option<Preferences>>, edit: impl Fn(Edit) + Copy + Send + Sync + 'static) -> impl IntoView {
    let t = ctx.t();
    let marketing = MARKETING
        .into_iter()
        .map(|topic| {
            let id = format!("rw-topic-{topic}");
            view! {
                <div class="rw-check">
                    <input type="checkbox" id=id.clone()
                        prop:checked=move || read(draft, |p| {
                            let mut topics = p.topics.clone();
                            topics.get_mut(topic).is_some_and(|v| *v)
                        }).unwrap_or(false)
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            edit(Box::new(move |p| if let Some(v) = p.topics.get_mut(topic) { *v = on }));
                        } />
                    <label for=id>{topic_name(t, topic)}</label>
                </div>
            }
        })
        .collect_view();
    view! {
        <fieldset>
            <legend>{t.topics}</legend>
            <div class="rw-grid">
                {marketing}
                <div class="rw-check">
                    <input type="checkbox" id="rw-topic-order" checked disabled />
                    <label for="rw-topic-order">{t.order_updates} <span class="rw-muted">" (" {t.always_on} ")"</span></label>
                </div>
                <div class="rw-check">
                    <input type="checkbox" id="rw-topic-subscription" checked disabled />
                    <label for="rw-topic-subscription">{t.subscription_updates} <span class="rw-muted">" (" {t.always_on} ")"</span></label>
                </div>
            </div>
        </fieldset>
    }
}

fn frequency(ctx: Ctx, draft: RwSignal<Option<Preferences>>, edit: impl Fn(Edit) + Copy + Send + Sync + 'static) -> impl IntoView {
    let t = ctx.t();
    let cap = move || read(draft, |p| p.max_per_week).flatten();
    let caps = std::iter::once(view! { <option value="">{t.no_limit}</option> }.into_any())
        .chain((1..=21u8).map(|n| view! { <option value=n.to_string() selected=move || cap() == Some(n)>{n.to_string()}</option> }.into_any()))
        .collect_view();
    let quiet = move || read(draft, |p| p.quiet_hours.clone()).flatten();
    let zone = move || read(draft, |p| p.time_zone.clone()).unwrap_or_default();
    let zones = move || {
        let mut list = Locale::time_zones();
        let current = zone();
        if !list.contains(&current) {
            list.insert(0, current.clone());
        }
        list.into_iter()
            .map(|z| {
                let selected = z == current;
                let value = z.clone();
                view! { <option value=value selected=selected>{z}</option> }
            })
            .collect_view()
    };
    let set_quiet = move |start: Option<String>, end: Option<String>| {
        edit(Box::new(move |p| {
            if let Some(q) = p.quiet_hours.as_mut() {
                if let Some(start) = start {
                    q.start = start;
                }
                if let Some(end) = end {
                    q.end = end;
                }
            }
        }))
    };
    view! {
        <fieldset>
            <legend>{t.per_week}</legend>
            <div class="rw-row">
                <label for="rw-cap">{t.per_week}</label>
                <select id="rw-cap" on:change=move |ev| {
                    let value = event_target_value(&ev).parse::<u8>().ok();
                    edit(Box::new(move |p| p.max_per_week = value));
                }>{caps}</select>
            </div>
            <div class="rw-check">
                <input type="checkbox" id="rw-quiet" prop:checked=move || quiet().is_some() on:change=move |ev| {
                    let on = event_target_checked(&ev);
                    edit(Box::new(move |p| {
                        if on {
                            p.quiet_hours = Some(QuietHours { start: "22:00".to_owned(), end: "08:00".to_owned() });
                            // The shopper's quiet hours are where the shopper is.
                            if let Some(zone) = Locale::browser_time_zone() {
                                p.time_zone = zone;
                            }
                        } else {
                            p.quiet_hours = None;
                        }
                    }));
                } />
                <label for="rw-quiet">{t.quiet_hours}</label>
            </div>
            <Show when=move || quiet().is_some()>
                <div class="rw-row">
                    <label for="rw-quiet-from">{t.from}</label>
                    <input type="time" id="rw-quiet-from" required prop:value=move || quiet().map(|q| q.start).unwrap_or_default()
                        on:change=move |ev| set_quiet(Some(event_target_value(&ev)), None) />
                    <label for="rw-quiet-to">{t.to}</label>
                    <input type="time" id="rw-quiet-to" required prop:value=move || quiet().map(|q| q.end).unwrap_or_default()
                        on:change=move |ev| set_quiet(None, Some(event_target_value(&ev))) />
                </div>
                <div class="rw-row">
                    <label for="rw-zone">{t.time_zone}</label>
                    <select id="rw-zone" on:change=move |ev| {
                        let zone = event_target_value(&ev);
                        edit(Box::new(move |p| p.time_zone = zone));
                    }>{zones}</select>
                </div>
            </Show>
        </fieldset>
    }
}

fn reminders(ctx: Ctx, draft: RwSignal<Option<Preferences>>, edit: impl Fn(Edit) + Copy + Send + Sync + 'static) -> impl IntoView {
    let (t, l) = (ctx.t(), ctx.locale);
    let days = move || read(draft, |p| p.expiry_reminder_days.clone()).unwrap_or_default();
    let boxes = REMINDER_DAYS
        .into_iter()
        .map(|d| {
            let id = format!("rw-remind-{d}");
            let on = move || days().contains(&d);
            view! {
                <div class="rw-check">
                    <input type="checkbox" id=id.clone()
                        prop:checked=on
                        disabled=move || { !on() && days().len() >= 3 }
                        on:change=move |ev| {
                            let checked = event_target_checked(&ev);
                            edit(Box::new(move |p| {
                                p.expiry_reminder_days.retain(|x| *x != d);
                                if checked {
                                    p.expiry_reminder_days.push(d);
                                    p.expiry_reminder_days.sort_unstable_by(|a, b| b.cmp(a));
                                }
                            }));
                        } />
                    <label for=id>{fill(t.days_before, &[("days", &l.days(i64::from(d)))])}</label>
                </div>
            }
        })
        .collect_view();
    view! {
        <fieldset>
            <legend>{t.reminders}</legend>
            <p class="rw-muted">{t.up_to_three}</p>
            <div class="rw-grid">{boxes}</div>
        </fieldset>
    }
}
