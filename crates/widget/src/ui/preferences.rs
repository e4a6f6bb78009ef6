//! Contact preferences: channels and their fallback order, topics, weekly
//! cap, quiet hours, expiry reminders, snooze and one-click unsubscribe.
//! Saved whole with `If-Match`; a 412 reloads and says so.

use leptos::prelude::*;
use leptos::task::spawn_local;
use web_sys::Element;

use super::{Act, Ctx, Notice, checked, ctx, live, notice_view, section_frame, value_of};
use crate::client::{ApiError, Method};
use crate::dates::{DAY_MS, format_instant, instant_ms, now_ms};
use crate::html::{Html, flag};
use crate::i18n::{Locale, Texts, fill};
use crate::json::{Write, object};
use crate::model::{Preferences, QuietHours};

const CHANNELS: [&str; 6] = ["email", "sms", "whatsapp", "telegram", "viber", "push"];
const MARKETING: [&str; 4] = [
    "promotions",
    "reward_updates",
    "new_products",
    "recommendations",
];
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
    Ok((reply.parse()?, reply.etag))
}

/// The preferences section.
pub fn section() -> Element {
    let ctx = ctx();
    let t = ctx.t();
    let draft = RwSignal::new(None::<Preferences>);
    let etag = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let notice = RwSignal::new(None::<Notice>);
    let load_error = RwSignal::new(None::<String>);
    let focus = StoredValue::new(None::<String>);
    let load = move || {
        spawn_local(async move {
            match fetch(ctx).await {
                Ok((prefs, tag)) => {
                    etag.set(tag);
                    draft.set(Some(prefs));
                    load_error.set(None);
                }
                Err(e) => load_error.set(Some(ctx.error_text(&e))),
            }
        });
    };
    load();

    let save = move || {
        let Some(prefs) = draft.get_untracked() else {
            return;
        };
        let Some(client) = ctx.client() else { return };
        let tag = etag.get_untracked();
        busy.set(true);
        notice.set(None);
        spawn_local(async move {
            let headers: Vec<(&str, &str)> = tag
                .as_deref()
                .map(|tag| ("If-Match", tag))
                .into_iter()
                .collect();
            let result = client
                .send(Method::PUT, "/v1/me/preferences", &prefs.to_js(), &headers)
                .await;
            match result {
                Ok(reply) => {
                    if let Ok(saved) = reply.parse::<Preferences>() {
                        ctx.emit(
                            "retention:preferences-changed",
                            &object(&[("preferences", saved.to_js())]),
                        );
                        ctx.me.update(|m| {
                            if let Some(m) = m.as_mut() {
                                m.preferences = saved.clone();
                            }
                        });
                        draft.set(Some(saved));
                    }
                    etag.set(reply.etag);
                    notice.set(Notice::ok(t.saved));
                }
                Err(ApiError::Problem { status: 412, .. }) => {
                    // Someone (another tab, the shop) saved in between: show
                    // what is stored now rather than overwrite it.
                    if let Ok((fresh, tag)) = fetch(ctx).await {
                        etag.set(tag);
                        draft.set(Some(fresh));
                    }
                    notice.set(Notice::failed(t.conflict));
                }
                Err(e) => notice.set(Notice::failed(ctx.error_text(&e))),
            }
            // Save was disabled while busy, which took the focus from it:
            // it goes back there once Save is enabled again.
            focus.set_value(Some("save:".to_owned()));
            busy.set(false);
        });
    };

    let render = move || {
        let mut h = Html::new();
        let busy = busy.get();
        draft.with(|d| {
            if let Some(p) = d {
                render_form(&mut h, ctx, p, busy);
            }
        });
        load_error.with(|e| {
            if let Some(e) = e {
                h.open("div", &[("class", "rw-error"), ("role", "alert")]);
                h.el("p", &[], e);
                h.button("rw-button", "reload", "", t.try_again, &[]);
                h.close("div");
            }
        });
        h.finish()
    };

    let handle = move |a: Act| {
        let arg = a.arg.clone();
        let mut save_now = false;
        let change: Box<dyn FnOnce(&mut Preferences)> = match a.act.as_str() {
            "reload" => return load(),
            "save" => return save(),
            "channel" => {
                let on = checked(&a.el);
                Box::new(move |p| {
                    if let Some(c) = p.channels.get_mut(&arg) {
                        c.enabled = on;
                    }
                })
            }
            "up" | "down" => {
                let down = a.act == "down";
                Box::new(move |p| {
                    let Some(i) = p.channel_order.iter().position(|c| *c == arg) else {
                        return;
                    };
                    let j = if down { i + 1 } else { i.wrapping_sub(1) };
                    if j < p.channel_order.len() {
                        p.channel_order.swap(i, j);
                    }
                })
            }
            "topic" => {
                let on = checked(&a.el);
                Box::new(move |p| {
                    if let Some(v) = p.topics.get_mut(&arg) {
                        *v = on;
                    }
                })
            }
            "cap" => {
                let cap = value_of(&a.el).parse::<u8>().ok();
                Box::new(move |p| p.max_per_week = cap)
            }
            "quiet" => {
                let on = checked(&a.el);
                Box::new(move |p| {
                    if !on {
                        p.quiet_hours = None;
                        return;
                    }
                    p.quiet_hours = Some(QuietHours {
                        start: "22:00".to_owned(),
                        end: "08:00".to_owned(),
                    });
                    // The shopper's quiet hours are where the shopper is.
                    if let Some(zone) = Locale::browser_time_zone() {
                        p.time_zone = zone;
                    }
                })
            }
            "quiet-from" | "quiet-to" => {
                let value = value_of(&a.el);
                let start = a.act == "quiet-from";
                Box::new(move |p| {
                    if let (Some(q), false) = (p.quiet_hours.as_mut(), value.is_empty()) {
                        if start {
                            q.start = value
                        } else {
                            q.end = value
                        }
                    }
                })
            }
            "zone" => {
                let zone = value_of(&a.el);
                Box::new(move |p| p.time_zone = zone)
            }
            "remind" => {
                let on = checked(&a.el);
                let day: u16 = arg.parse().unwrap_or(0);
                Box::new(move |p| {
                    p.expiry_reminder_days.retain(|d| *d != day);
                    if on {
                        p.expiry_reminder_days.push(day);
                        p.expiry_reminder_days.sort_unstable_by(|a, b| b.cmp(a));
                    }
                })
            }
            "snooze" => {
                save_now = true;
                let days: i64 = arg.parse().unwrap_or(7);
                let until = format_instant(now_ms() + days as f64 * DAY_MS);
                focus.set_value(Some("unsnooze:".to_owned()));
                Box::new(move |p| p.snoozed_until = Some(until))
            }
            "unsnooze" => {
                save_now = true;
                focus.set_value(Some("snooze:7".to_owned()));
                Box::new(|p| p.snoozed_until = None)
            }
            "unsubscribe" | "resubscribe" => {
                save_now = true;
                let off = a.act == "unsubscribe";
                focus.set_value(Some(
                    if off { "resubscribe:" } else { "unsubscribe:" }.to_owned(),
                ));
                Box::new(move |p| p.marketing_unsubscribed = off)
            }
            _ => return,
        };
        draft.update(|d| {
            if let Some(d) = d.as_mut() {
                change(d);
            }
        });
        if save_now {
            save();
        }
    };

    section_frame(
        "preferences",
        t.h_preferences,
        &[live(render, handle, focus), notice_view(notice)],
    )
}

fn checkbox(h: &mut Html, act: &str, arg: &str, label: &str, on: bool, disabled: bool) {
    let id = format!("rw-{act}-{arg}");
    let key = format!("{act}:{arg}");
    h.open("div", &[("class", "rw-check")]);
    h.open(
        "input",
        &[
            ("type", "checkbox"),
            ("id", &id),
            ("data-act", act),
            ("data-arg", arg),
            ("data-key", &key),
            flag(on, "checked"),
            flag(disabled, "disabled"),
        ],
    );
    h.el("label", &[("for", &id)], label);
    h.close("div");
}

fn render_form(h: &mut Html, ctx: Ctx, p: &Preferences, busy: bool) {
    let (t, l) = (ctx.t(), ctx.locale);
    let off = flag(busy, "disabled");

    // Snooze and unsubscribe act at once.
    h.open("div", &[("class", "rw-box")]);
    let snoozed = p
        .snoozed_until
        .as_deref()
        .filter(|s| instant_ms(s).is_some_and(|ms| ms > now_ms()));
    if let Some(until) = snoozed {
        h.open("div", &[("class", "rw-snoozed")]);
        h.el(
            "p",
            &[],
            &fill(t.snoozed, &[("date", &l.instant_date(until))]),
        );
        h.button("rw-button", "unsnooze", "", t.resume_messages, &[off]);
        h.close("div");
    } else {
        h.open(
            "div",
            &[
                ("class", "rw-actions"),
                ("role", "group"),
                ("aria-label", t.snooze),
            ],
        );
        h.el("span", &[("class", "rw-label")], t.snooze);
        for days in SNOOZE_DAYS {
            let label = fill(t.snooze_for, &[("days", &l.days(days))]);
            h.button("rw-button", "snooze", &days.to_string(), &label, &[off]);
        }
        h.close("div");
    }
    if p.marketing_unsubscribed {
        h.open("div", &[("class", "rw-unsubscribed")]);
        h.el("p", &[], t.unsubscribed);
        h.button("rw-button", "resubscribe", "", t.subscribe_again, &[off]);
        h.close("div");
    } else {
        h.button(
            "rw-button rw-danger",
            "unsubscribe",
            "",
            t.unsubscribe_all,
            &[off],
        );
    }
    h.close("div");

    h.open("form", &[("class", "rw-preferences"), ("data-act", "save")]);
    // Channels and their fallback order.
    h.open("fieldset", &[]).el("legend", &[], t.channels);
    h.open("div", &[("class", "rw-grid")]);
    for channel in CHANNELS {
        checkbox(
            h,
            "channel",
            channel,
            channel_name(t, channel),
            p.channels.enabled(channel),
            false,
        );
    }
    h.close("div");
    h.el(
        "p",
        &[("class", "rw-muted"), ("id", "rw-fallback-hint")],
        t.fallback_hint,
    );
    h.open(
        "ol",
        &[
            ("class", "rw-order"),
            ("aria-label", t.fallback_order),
            ("aria-describedby", "rw-fallback-hint"),
        ],
    );
    let last = p.channel_order.len().saturating_sub(1);
    for (i, channel) in p.channel_order.iter().enumerate() {
        let name = channel_name(t, channel);
        h.open("li", &[]).el("span", &[], name);
        h.button(
            "rw-icon",
            "up",
            channel,
            "↑",
            &[
                ("aria-label", &fill(t.move_up, &[("name", name)])),
                flag(i == 0, "disabled"),
            ],
        );
        h.button(
            "rw-icon",
            "down",
            channel,
            "↓",
            &[
                ("aria-label", &fill(t.move_down, &[("name", name)])),
                flag(i == last, "disabled"),
            ],
        );
        h.close("li");
    }
    h.close("ol").close("fieldset");

    // Topics; the transactional ones are always on.
    h.open("fieldset", &[]).el("legend", &[], t.topics);
    h.open("div", &[("class", "rw-grid")]);

    for topic in MARKETING {
        let on = p.topics.enabled(topic);
        checkbox(h, "topic", topic, topic_name(t, topic), on, false);
    }
    for label in [t.order_updates, t.subscription_updates] {
        checkbox(
            h,
            "always",
            label,
            &format!("{label} ({})", t.always_on),
            true,
            true,
        );
    }
    h.close("div").close("fieldset");

    // How often and when.
    h.open("fieldset", &[]).el("legend", &[], t.how_often);
    h.open("div", &[("class", "rw-row")]);
    h.el("label", &[("for", "rw-cap")], t.per_week);
    h.open(
        "select",
        &[("id", "rw-cap"), ("data-act", "cap"), ("data-key", "cap:")],
    );
    h.el(
        "option",
        &[("value", ""), flag(p.max_per_week.is_none(), "selected")],
        t.no_limit,
    );
    for n in 1..=21u8 {
        let value = n.to_string();
        h.el(
            "option",
            &[
                ("value", &value),
                flag(p.max_per_week == Some(n), "selected"),
            ],
            &value,
        );
    }
    h.close("select").close("div");
    checkbox(
        h,
        "quiet",
        "",
        t.quiet_hours,
        p.quiet_hours.is_some(),
        false,
    );
    if let Some(q) = &p.quiet_hours {
        h.open("div", &[("class", "rw-row")]);
        h.el("label", &[("for", "rw-quiet-from")], t.from);
        h.open(
            "input",
            &[
                ("type", "time"),
                ("id", "rw-quiet-from"),
                ("data-act", "quiet-from"),
                ("data-key", "quiet-from:"),
                ("value", &q.start),
                ("required", ""),
            ],
        );
        h.el("label", &[("for", "rw-quiet-to")], t.to);
        h.open(
            "input",
            &[
                ("type", "time"),
                ("id", "rw-quiet-to"),
                ("data-act", "quiet-to"),
                ("data-key", "quiet-to:"),
                ("value", &q.end),
                ("required", ""),
            ],
        );
        h.close("div");
        h.open("div", &[("class", "rw-row")]);
        h.el("label", &[("for", "rw-zone")], t.time_zone);
        h.open(
            "select",
            &[
                ("id", "rw-zone"),
                ("data-act", "zone"),
                ("data-key", "zone:"),
            ],
        );
        let mut zones = Locale::time_zones();
        if !zones.contains(&p.time_zone) {
            zones.insert(0, p.time_zone.clone());
        }
        for zone in &zones {
            h.el(
                "option",
                &[("value", zone), flag(*zone == p.time_zone, "selected")],
                zone,
            );
        }
        h.close("select").close("div");
    }
    h.close("fieldset");

    // Reminders before points expire: at most three.
    h.open("fieldset", &[]).el("legend", &[], t.reminders);
    h.el("p", &[("class", "rw-muted")], t.up_to_three);
    h.open("div", &[("class", "rw-grid")]);
    let days = &p.expiry_reminder_days;
    let mut offered: Vec<u16> = REMINDER_DAYS.to_vec();
    offered.extend(days.iter().filter(|d| !REMINDER_DAYS.contains(d)));
    offered.sort_unstable_by(|a, b| b.cmp(a));
    for d in offered {
        let on = days.contains(&d);
        let label = fill(t.days_before, &[("days", &l.days(i64::from(d)))]);
        checkbox(
            h,
            "remind",
            &d.to_string(),
            &label,
            on,
            !on && days.len() >= 3,
        );
    }
    h.close("div").close("fieldset");

    h.open("div", &[("class", "rw-actions")]);
    h.submit("rw-button rw-primary", t.save, "save:", busy);
    h.close("div").close("form");
}
