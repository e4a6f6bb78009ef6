//! Contact preferences: channels and their fallback order, topics, weekly
//! cap, quiet hours, expiry reminders, snooze and one-click unsubscribe.
//! Saved whole with `If-Match`; a 412 reloads and says so.

use leptos::prelude::*;
use web_sys::Element;

use super::act::Act;
use super::{Acted, Ctx, Notice, checked, ctx, live, notice_view, section_frame, value_of};
use crate::client::{ApiError, Method};
use crate::dates::{DAY_MS, civil_from_days, days_from_civil, format_instant, instant_ms, now_ms};
use crate::dom::spawn;
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
        spawn(async move {
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
        spawn(async move {
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
                Err(e) => {
                    if e.code() == "birthday_locked" {
                        // The stored birthday back, so Save keeps the
                        // shopper's other changes.
                        if let Ok((fresh, _)) = fetch(ctx).await {
                            draft.update(|d| {
                                if let Some(d) = d.as_mut() {
                                    d.birthday = fresh.birthday;
                                }
                            });
                        }
                    }
                    notice.set(Notice::failed(ctx.error_text(&e)))
                }
            }
            // Save was disabled while busy, which took the focus from it:
            // it goes back there once Save is enabled again.
            focus.set_value(Some(Act::Save.key("")));
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
                h.button("rw-button", Act::Reload, "", t.try_again, &[]);
                h.close("div");
            }
        });
        h.finish()
    };

    let handle = move |a: Acted| {
        let arg = a.arg.clone();
        let change = match a.act {
            Act::Reload => return load(),
            Act::Save => return save(),
            Act::Channel => Change::Channel(arg, checked(&a.el)),
            Act::Up => Change::Move(arg, false),
            Act::Down => Change::Move(arg, true),
            Act::Topic => Change::Topic(arg, checked(&a.el)),
            Act::Cap => Change::Cap(value_of(&a.el).parse::<u8>().ok()),
            // The shopper's quiet hours are where the shopper is.
            Act::Quiet => Change::Quiet(checked(&a.el), Locale::browser_time_zone()),
            Act::QuietFrom => Change::QuietFrom(value_of(&a.el)),
            Act::QuietTo => Change::QuietTo(value_of(&a.el)),
            Act::Zone => Change::Zone(value_of(&a.el)),
            Act::Remind => Change::Remind(arg.parse().unwrap_or(0), checked(&a.el)),
            Act::Birthday => Change::Birthday(Some(value_of(&a.el)).filter(|v| !v.is_empty())),
            Act::Snooze => {
                let days: i64 = arg.parse().unwrap_or(7);
                Change::Snooze(Some(format_instant(now_ms() + days as f64 * DAY_MS)))
            }
            Act::Unsnooze => Change::Snooze(None),
            Act::Unsubscribe => Change::Unsubscribe(true),
            Act::Resubscribe => Change::Unsubscribe(false),
            _ => return,
        };
        // Snooze and unsubscribe act at once; focus goes to the button
        // that takes them back.
        let save_now = match &change {
            Change::Snooze(until) => Some(if until.is_some() {
                Act::Unsnooze.key("")
            } else {
                Act::Snooze.key("7")
            }),
            Change::Unsubscribe(off) => Some(if *off {
                Act::Resubscribe.key("")
            } else {
                Act::Unsubscribe.key("")
            }),
            _ => None,
        };
        draft.update(|d| {
            if let Some(d) = d.as_mut() {
                apply(d, change);
            }
        });
        if let Some(key) = save_now {
            focus.set_value(Some(key));
            save();
        }
    };

    section_frame(
        "preferences",
        t.h_preferences,
        &[live(render, handle, focus), notice_view(notice)],
    )
}

/// One edit of the preferences form.
#[derive(Clone, Debug, PartialEq)]
enum Change {
    /// A channel on or off.
    Channel(String, bool),
    /// A channel one place down (`true`) or up the order.
    Move(String, bool),
    /// A topic on or off.
    Topic(String, bool),
    /// The weekly cap (none: no cap).
    Cap(Option<u8>),
    /// Quiet hours on (22:00-08:00, in the given browser time zone) or off.
    Quiet(bool, Option<String>),
    /// The start of quiet hours.
    QuietFrom(String),
    /// The end of quiet hours.
    QuietTo(String),
    /// The time zone.
    Zone(String),
    /// An expiry reminder (days before) on or off.
    Remind(u16, bool),
    /// Messages paused until an instant, or not.
    Snooze(Option<String>),
    /// Unsubscribed from all marketing, or not.
    Unsubscribe(bool),
    /// The birthday, `MM-DD`, or none.
    Birthday(Option<String>),
}

/// `p` after `change`: a plain function, so each edit is tested natively.
fn apply(p: &mut Preferences, change: Change) {
    match change {
        Change::Channel(id, on) => {
            if let Some(c) = p.channels.get_mut(&id) {
                c.enabled = on;
            }
        }
        Change::Move(id, down) => {
            let Some(i) = p.channel_order.iter().position(|c| *c == id) else {
                return;
            };
            let j = if down { i + 1 } else { i.wrapping_sub(1) };
            if j < p.channel_order.len() {
                p.channel_order.swap(i, j);
            }
        }
        Change::Topic(id, on) => {
            if let Some(v) = p.topics.get_mut(&id) {
                *v = on;
            }
        }
        Change::Cap(cap) => p.max_per_week = cap,
        Change::Quiet(false, _) => p.quiet_hours = None,
        Change::Quiet(true, zone) => {
            p.quiet_hours = Some(QuietHours {
                start: "22:00".to_owned(),
                end: "08:00".to_owned(),
            });
            if let Some(zone) = zone {
                p.time_zone = zone;
            }
        }
        Change::QuietFrom(value) | Change::QuietTo(value) if value.is_empty() => {}
        Change::QuietFrom(value) => {
            if let Some(q) = p.quiet_hours.as_mut() {
                q.start = value;
            }
        }
        Change::QuietTo(value) => {
            if let Some(q) = p.quiet_hours.as_mut() {
                q.end = value;
            }
        }
        Change::Zone(zone) => p.time_zone = zone,
        Change::Remind(day, on) => {
            p.expiry_reminder_days.retain(|d| *d != day);
            if on {
                insert_descending(&mut p.expiry_reminder_days, day);
            }
        }
        Change::Snooze(until) => p.snoozed_until = until,
        Change::Unsubscribe(off) => p.marketing_unsubscribed = off,
        Change::Birthday(day) => p.birthday = day,
    }
}

/// Puts `day` into `days` (furthest first) unless it is there. A slice
/// sort would cost the widget 3 KB of wasm for lists of three.
fn insert_descending(days: &mut Vec<u16>, day: u16) {
    if !days.contains(&day) {
        let at = days.iter().position(|d| *d < day).unwrap_or(days.len());
        days.insert(at, day);
    }
}

fn checkbox(h: &mut Html, act: Act, arg: &str, label: &str, on: bool, disabled: bool) {
    let id = format!("rw-{}-{arg}", act.name());
    let key = act.key(arg);
    h.open("div", &[("class", "rw-check")]);
    h.open(
        "input",
        &[
            ("type", "checkbox"),
            ("id", &id),
            ("data-act", act.name()),
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
        h.button("rw-button", Act::Unsnooze, "", t.resume_messages, &[off]);
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
            h.button("rw-button", Act::Snooze, &days.to_string(), &label, &[off]);
        }
        h.close("div");
    }
    if p.marketing_unsubscribed {
        h.open("div", &[("class", "rw-unsubscribed")]);
        h.el("p", &[], t.unsubscribed);
        h.button("rw-button", Act::Resubscribe, "", t.subscribe_again, &[off]);
        h.close("div");
    } else {
        h.button(
            "rw-button rw-danger",
            Act::Unsubscribe,
            "",
            t.unsubscribe_all,
            &[off],
        );
    }
    h.close("div");

    h.open(
        "form",
        &[("class", "rw-preferences"), ("data-act", Act::Save.name())],
    );
    // Channels and their fallback order.
    h.open("fieldset", &[]).el("legend", &[], t.channels);
    h.open("div", &[("class", "rw-grid")]);
    for channel in CHANNELS {
        checkbox(
            h,
            Act::Channel,
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
            Act::Up,
            channel,
            "↑",
            &[
                ("aria-label", &fill(t.move_up, &[("name", name)])),
                flag(i == 0, "disabled"),
            ],
        );
        h.button(
            "rw-icon",
            Act::Down,
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
        checkbox(h, Act::Topic, topic, topic_name(t, topic), on, false);
    }
    for label in [t.order_updates, t.subscription_updates] {
        checkbox(
            h,
            Act::Always,
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
        &[
            ("id", "rw-cap"),
            ("data-act", Act::Cap.name()),
            ("data-key", &Act::Cap.key("")),
        ],
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
        Act::Quiet,
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
                ("data-act", Act::QuietFrom.name()),
                ("data-key", &Act::QuietFrom.key("")),
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
                ("data-act", Act::QuietTo.name()),
                ("data-key", &Act::QuietTo.key("")),
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
                ("data-act", Act::Zone.name()),
                ("data-key", &Act::Zone.key("")),
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
    let mut offered: Vec<u16> = Vec::new();
    for d in REMINDER_DAYS.iter().chain(days) {
        insert_descending(&mut offered, *d);
    }
    for d in offered {
        let on = days.contains(&d);
        let label = fill(t.days_before, &[("days", &l.days(i64::from(d)))]);
        checkbox(
            h,
            Act::Remind,
            &d.to_string(),
            &label,
            on,
            !on && days.len() >= 3,
        );
    }
    h.close("div").close("fieldset");

    // The birthday: any day of a leap year (Feb 29 too), the limit on
    // changing it said above the field, before it is saved.
    // A label of its own beside the legend: axe did not always resolve an
    // aria-labelledby to the legend (the launcher's dialog).
    h.open("fieldset", &[]).el("legend", &[], t.birthday);
    h.el(
        "p",
        &[("class", "rw-muted"), ("id", "rw-birthday-hint")],
        t.birthday_hint,
    );
    h.el(
        "label",
        &[("for", "rw-birthday"), ("class", "rw-sr")],
        t.birthday,
    );
    h.open(
        "select",
        &[
            ("id", "rw-birthday"),
            ("data-act", Act::Birthday.name()),
            ("data-key", &Act::Birthday.key("")),
            ("aria-describedby", "rw-birthday-hint"),
        ],
    );
    let chosen = p.birthday.as_deref().unwrap_or("");
    h.el(
        "option",
        &[("value", ""), flag(chosen.is_empty(), "selected")],
        t.not_set,
    );
    let first = days_from_civil(2000, 1, 1);
    for day in first..first + 366 {
        let (_, m, d) = civil_from_days(day);
        let value = format!("{m:02}-{d:02}");
        h.el(
            "option",
            &[("value", &value), flag(value == chosen, "selected")],
            &l.day_month(day as f64 * DAY_MS),
        );
    }
    h.close("select").close("fieldset");

    h.open("div", &[("class", "rw-actions")]);
    h.submit("rw-button rw-primary", t.save, &Act::Save.key(""), busy);
    h.close("div").close("form");
}

#[cfg(test)]
mod tests {
    use super::{Change, apply};
    use crate::model::{ChannelSetting, Channels, Preferences, QuietHours, Topics};

    fn preferences() -> Preferences {
        let on = ChannelSetting { enabled: true };
        Preferences {
            channels: Channels {
                email: on,
                sms: on,
                whatsapp: on,
                telegram: on,
                viber: on,
                push: on,
            },
            channel_order: vec!["email".into(), "sms".into(), "push".into()],
            topics: Topics {
                promotions: true,
                reward_updates: true,
                new_products: true,
                recommendations: true,
                order_updates: true,
                subscription_updates: true,
            },
            marketing_unsubscribed: false,
            max_per_week: Some(3),
            time_zone: "Europe/Moscow".into(),
            quiet_hours: None,
            snoozed_until: None,
            expiry_reminder_days: vec![7],
            locale: "ru".into(),
            birthday: None,
        }
    }

    fn after(changes: Vec<Change>) -> Preferences {
        let mut p = preferences();
        for change in changes {
            apply(&mut p, change);
        }
        p
    }

    #[test]
    fn switches_set_their_own_channel_or_topic_only() {
        let p = after(vec![
            Change::Channel("sms".into(), false),
            Change::Topic("promotions".into(), false),
            Change::Channel("fax".into(), false),
        ]);
        assert!(!p.channels.sms.enabled && p.channels.email.enabled);
        assert!(!p.topics.promotions && p.topics.reward_updates);
        assert_eq!(
            p.channels,
            after(vec![Change::Channel("sms".into(), false)]).channels
        );
    }

    #[test]
    fn channels_move_within_the_order_and_stop_at_its_ends() {
        let order = |changes| after(changes).channel_order.join(",");
        assert_eq!(
            order(vec![Change::Move("email".into(), true)]),
            "sms,email,push"
        );
        assert_eq!(
            order(vec![Change::Move("sms".into(), false)]),
            "sms,email,push"
        );
        assert_eq!(
            order(vec![Change::Move("email".into(), false)]),
            "email,sms,push"
        );
        assert_eq!(
            order(vec![Change::Move("push".into(), true)]),
            "email,sms,push"
        );
        assert_eq!(
            order(vec![Change::Move("fax".into(), true)]),
            "email,sms,push"
        );
    }

    #[test]
    fn quiet_hours_start_at_22_to_08_in_the_browsers_zone_and_edit_only_when_on() {
        let p = after(vec![
            Change::QuietFrom("21:00".into()),
            Change::Quiet(true, Some("Asia/Tokyo".into())),
        ]);
        let hours = |start: &str, end: &str| {
            Some(QuietHours {
                start: start.into(),
                end: end.into(),
            })
        };
        assert_eq!(p.quiet_hours, hours("22:00", "08:00"), "no edit while off");
        assert_eq!(p.time_zone, "Asia/Tokyo");
        let p = after(vec![
            Change::Quiet(true, None),
            Change::QuietFrom("23:30".into()),
            Change::QuietTo(String::new()),
        ]);
        assert_eq!(
            p.quiet_hours,
            hours("23:30", "08:00"),
            "an emptied field keeps the value"
        );
        assert_eq!(
            p.time_zone, "Europe/Moscow",
            "no browser zone: the stored one"
        );
        assert_eq!(
            after(vec![Change::Quiet(true, None), Change::Quiet(false, None)]).quiet_hours,
            None
        );
    }

    #[test]
    fn reminders_stay_unique_and_furthest_first() {
        let p = after(vec![
            Change::Remind(30, true),
            Change::Remind(1, true),
            Change::Remind(30, true),
        ]);
        assert_eq!(p.expiry_reminder_days, [30, 7, 1]);
        assert_eq!(
            after(vec![Change::Remind(7, false)]).expiry_reminder_days,
            [] as [u16; 0]
        );
    }

    #[test]
    fn offered_reminder_days_are_distinct_and_furthest_first() {
        let mut days = Vec::new();
        for d in [7, 30, 1, 7, 14, 60, 1] {
            super::insert_descending(&mut days, d);
        }
        assert_eq!(days, [60, 30, 14, 7, 1]);
    }

    #[test]
    fn cap_snooze_and_unsubscribe_set_and_clear() {
        let p = after(vec![
            Change::Cap(None),
            Change::Snooze(Some("2026-12-08T10:00:00Z".into())),
            Change::Unsubscribe(true),
            Change::Zone("Europe/Berlin".into()),
        ]);
        assert_eq!(p.max_per_week, None);
        assert_eq!(p.snoozed_until.as_deref(), Some("2026-12-08T10:00:00Z"));
        assert!(p.marketing_unsubscribed);
        assert_eq!(p.time_zone, "Europe/Berlin");
        let p = after(vec![
            Change::Snooze(Some("x".into())),
            Change::Snooze(None),
            Change::Unsubscribe(true),
            Change::Unsubscribe(false),
        ]);
        assert_eq!((p.snoozed_until, p.marketing_unsubscribed), (None, false));
    }

    #[test]
    fn the_birthday_is_set_changed_and_cleared_alone() {
        let p = after(vec![Change::Birthday(Some("02-29".into()))]);
        assert_eq!(p.birthday.as_deref(), Some("02-29"));
        let mut rest = p.clone();
        rest.birthday = None;
        assert_eq!(rest, preferences(), "nothing else changed");
        let p = after(vec![
            Change::Birthday(Some("03-14".into())),
            Change::Birthday(None),
        ]);
        assert_eq!(p.birthday, None);
    }
}
