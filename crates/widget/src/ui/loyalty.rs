//! Points: balance, pending, tier, every expiry with its date, rewards to
//! redeem for a coupon code, and the activity history.

use leptos::prelude::*;
use web_sys::Element;

use super::act::Act;
use super::points::{NEAREST_DAYS, by_day, tier_progress};
use super::{Acted, Ctx, Notice, ctx, live, live_status, notice_view, section_frame};
use crate::dates::{format_instant, instant_ms, now_ms};
use crate::dom::spawn;
use crate::html::{Html, flag};
use crate::i18n::fill;
use crate::ics;
use crate::json::object;
use crate::model::{ActivityItem, ActivityPage, Me, Redemption};

/// The history as far as it has been loaded.
#[derive(Clone, Default)]
struct Activity {
    shown: bool,
    items: Vec<ActivityItem>,
    cursor: Option<String>,
    error: Option<String>,
}

/// The loyalty section.
pub fn section() -> Element {
    let ctx = ctx();
    let (t, l) = (ctx.t(), ctx.locale);
    let notice = RwSignal::new(None::<Notice>);
    let confirming = RwSignal::new(None::<String>);
    let code = RwSignal::new(None::<(String, String)>);
    // The `data-arg` of the Copy button last used: "" for the new code.
    let copied = RwSignal::new(None::<String>);
    let all_expiries = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let activity = RwSignal::new(Activity::default());
    let focus = StoredValue::new(None::<String>);

    let render = move || {
        let mut h = Html::new();
        ctx.me.with(|me| {
            if let Some(me) = me {
                let copied = copied.get();
                summary(&mut h, ctx, me);
                expiries(&mut h, ctx, me, all_expiries.get());
                confirming.with(|c| {
                    code.with(|code| {
                        rewards(
                            &mut h,
                            ctx,
                            me,
                            c.as_deref(),
                            code.as_ref(),
                            copied.as_deref(),
                            busy.get(),
                        )
                    })
                });
                codes(&mut h, ctx, me, copied.as_deref());
            }
        });
        activity.with(|a| history(&mut h, ctx, a, busy.get()));
        h.finish()
    };

    let redeem = move |id: String| {
        let Some(client) = ctx.client() else { return };
        let name = ctx.me.with_untracked(|m| {
            m.as_ref()
                .and_then(|m| m.rewards.iter().find(|r| r.id == id))
                .map(|r| r.name.clone())
                .unwrap_or_default()
        });
        busy.set(true);
        notice.set(None);
        spawn(async move {
            let result = client
                .post(
                    "/v1/me/redemptions",
                    &object(&[("reward_id", id.as_str().into())]),
                )
                .await;
            let result = result.and_then(|reply| Ok((reply.parse::<Redemption>()?, reply.body)));
            busy.set(false);
            confirming.set(None);
            match result {
                Ok((done, detail)) => {
                    let _ = js_sys::Reflect::set(&detail, &"reward_id".into(), &id.as_str().into());
                    ctx.emit("retention:redeemed", &detail);
                    ctx.me.update(|m| {
                        if let Some(m) = m.as_mut() {
                            set_balance(m, done.balance);
                        }
                    });
                    copied.set(None);
                    focus.set_value(Some(Act::Copy.key("")));
                    code.set(Some((name, done.code.clone())));
                    notice.set(Notice::ok(fill(
                        t.redeemed,
                        &[
                            ("points", &l.points(done.points_spent)),
                            ("balance", &l.points(done.balance)),
                        ],
                    )));
                    ctx.refresh();
                }
                Err(e) => {
                    focus.set_value(Some(Act::Redeem.key(&id)));
                    notice.set(Notice::failed(ctx.error_text(&e)));
                }
            }
        });
    };

    let load_activity = move || {
        let Some(client) = ctx.client() else { return };
        let (first, cursor) = activity.with_untracked(|a| (!a.shown, a.cursor.clone()));
        let path = match (first, cursor) {
            (false, Some(c)) => format!(
                "/v1/me/activity?limit=10&cursor={}",
                String::from(js_sys::encode_uri_component(&c))
            ),
            _ => "/v1/me/activity?limit=10".to_owned(),
        };
        busy.set(true);
        spawn(async move {
            let result = match client.get(&path).await {
                Ok(reply) => reply.parse::<ActivityPage>(),
                Err(e) => Err(e),
            };
            busy.set(false);
            activity.update(|a| match result {
                Ok(page) => {
                    if first {
                        a.items.clear();
                    }
                    a.shown = true;
                    a.error = None;
                    a.items.extend(page.items);
                    a.cursor = page.next_cursor;
                }
                Err(e) => a.error = Some(ctx.error_text(&e)),
            });
            focus.set_value(Some(Act::Activity.key("")));
        });
    };

    let handle = move |a: Acted| match a.act {
        Act::Redeem => {
            focus.set_value(Some(Act::Confirm.key(&a.arg)));
            confirming.set(Some(a.arg));
        }
        Act::Confirm => redeem(a.arg),
        Act::Keep => {
            focus.set_value(Some(Act::Redeem.key(&a.arg)));
            confirming.set(None);
        }
        Act::Copy => {
            // "" is the code just redeemed; a listed code is its own arg.
            let text = if a.arg.is_empty() {
                code.get_untracked().map(|(_, text)| text)
            } else {
                Some(a.arg.clone())
            };
            let Some(text) = text else { return };
            let key = a.arg;
            spawn(async move {
                if crate::clipboard::copy(&text).await {
                    copied.set(Some(key.clone()));
                }
                // the hidden field of the fallback took the focus
                focus.set_value(Some(Act::Copy.key(&key)));
            });
        }
        Act::AllExpiries => {
            focus.set_value(Some(Act::AllExpiries.key("")));
            all_expiries.set(true);
        }
        Act::Activity => load_activity(),
        _ => {}
    };

    // The balance is its own live region, so a change is announced.
    let balance_html = move || {
        let balance = ctx.me.with(|m| m.as_ref().map_or(0, |m| m.loyalty.balance));
        let mut h = Html::new();
        h.el("span", &[("class", "rw-label")], t.balance);
        h.el(
            "p",
            &[
                ("class", "rw-balance"),
                ("data-balance", &balance.to_string()),
            ],
            &l.points(balance),
        );
        h.finish()
    };
    section_frame(
        "loyalty",
        t.h_loyalty,
        &[
            live_status(
                "rw-balance-box",
                balance_html,
                |_| {},
                StoredValue::new(None),
            ),
            live(render, handle, focus),
            notice_view(notice),
        ],
    )
}

/// The new balance at once, with affordability to match, before the
/// background reload brings the rest.
fn set_balance(me: &mut Me, balance: i64) {
    me.loyalty.balance = balance;
    for reward in &mut me.rewards {
        reward.affordable = reward.cost <= balance;
    }
}

fn summary(h: &mut Html, ctx: Ctx, me: &Me) {
    let (t, l) = (ctx.t(), ctx.locale);
    let loyalty = &me.loyalty;
    h.open("div", &[("class", "rw-tier-box")]);
    h.el("span", &[("class", "rw-label")], t.tier);
    h.el("p", &[("class", "rw-tier")], &loyalty.tier.name);
    let next = match &loyalty.next_tier {
        Some(next) => fill(
            t.next_tier,
            &[
                ("points", &l.points(next.points_needed)),
                ("tier", &next.name),
            ],
        ),
        None => t.top_tier.to_owned(),
    };
    h.el("p", &[("class", "rw-next-tier")], &next);
    if let Some(next) = &loyalty.next_tier
        && let Some((value, max)) = tier_progress(loyalty.qualifying_points, next.threshold)
    {
        // A native <progress>: no inline style (the shop's CSP), and
        // assistive technology reads its value as a percentage.
        let label = fill(t.tier_progress, &[("tier", &next.name)]);
        h.el(
            "progress",
            &[
                ("class", "rw-progress"),
                ("max", &max.to_string()),
                ("value", &value.to_string()),
                ("aria-label", &label),
            ],
            "",
        );
    }
    if let Some(date) = &loyalty.tier_held_until {
        h.el(
            "p",
            &[("class", "rw-held rw-muted")],
            &fill(t.held_until, &[("date", &l.date(date))]),
        );
    }
    h.close("div");
    if let Some(b) = &loyalty.birthday_reward {
        h.el(
            "p",
            &[("class", "rw-birthday"), ("data-on", &b.on)],
            &fill(
                t.birthday_reward,
                &[("points", &l.points(b.points)), ("date", &l.date(&b.on))],
            ),
        );
    }
    if loyalty.pending > 0 {
        let pending = loyalty.pending.to_string();
        h.open(
            "div",
            &[("class", "rw-pending"), ("data-pending", &pending)],
        );
        h.el(
            "p",
            &[],
            &fill(t.pending, &[("points", &l.points(loyalty.pending))]),
        );
        h.open("ul", &[("class", "rw-plain rw-muted")]);
        for lot in &loyalty.pending_lots {
            let text = fill(
                t.available_on,
                &[
                    ("points", &l.points(lot.points)),
                    ("date", &l.instant_date(&lot.available_at)),
                ],
            );
            h.el("li", &[], &text);
        }
        h.close("ul").close("div");
    }
}

fn expiries(h: &mut Html, ctx: Ctx, me: &Me, all: bool) {
    let (t, l) = (ctx.t(), ctx.locale);
    h.el("h3", &[("class", "rw-h3")], t.expiring);
    let days = by_day(&me.loyalty.expiring, |at| l.instant_date(at));
    if days.is_empty() {
        h.el("p", &[("class", "rw-muted")], t.nothing_expires);
        return;
    }
    let now = now_ms();
    let shown = if all { days.len() } else { NEAREST_DAYS };
    h.open("ul", &[("class", "rw-list"), ("aria-label", t.expiring)]);
    for e in days.iter().take(shown) {
        let points = l.points(e.points);
        let text = fill(t.expire_on, &[("points", &points), ("date", &e.day)]);
        let relative = instant_ms(&e.first)
            .map(|ms| l.relative(ms, now))
            .unwrap_or_default();
        let summary = fill(t.ics_summary, &[("points", &points)]);
        let calendar = ics::data_url(&ics::expiry_event(
            &e.first,
            &summary,
            t.ics_description,
            &format_instant(now),
        ));
        let file = format!("points-expiry-{}.ics", e.first.get(..10).unwrap_or("date"));
        h.open(
            "li",
            &[
                ("class", "rw-expiry"),
                ("data-key", &e.first),
                ("data-expires-at", &e.first),
                ("data-points", &e.points.to_string()),
            ],
        );
        h.el("span", &[], &text);
        h.el("span", &[("class", "rw-muted")], &relative);
        h.el(
            "a",
            &[
                ("class", "rw-link"),
                ("href", &calendar),
                ("download", &file),
            ],
            t.add_to_calendar,
        );
        h.close("li");
    }
    h.close("ul");
    if days.len() > shown {
        let label = fill(t.all_expiries, &[("count", &days.len().to_string())]);
        h.button("rw-button", Act::AllExpiries, "", &label, &[]);
    }
}

/// "Your codes": every code of the last year, to copy again, used or not.
fn codes(h: &mut Html, ctx: Ctx, me: &Me, copied: Option<&str>) {
    let (t, l) = (ctx.t(), ctx.locale);
    if me.redemptions.is_empty() {
        return;
    }
    h.el("h3", &[("class", "rw-h3")], t.your_codes);
    h.open("ul", &[("class", "rw-list"), ("aria-label", t.your_codes)]);
    for r in &me.redemptions {
        let used = r.used_at.is_some();
        h.open(
            "li",
            &[
                ("class", "rw-my-code"),
                ("data-key", &r.code),
                ("data-used", if used { "true" } else { "false" }),
            ],
        );
        h.open("div", &[("class", "rw-reward-text")]);
        h.el("strong", &[], &r.name);
        h.el("code", &[("class", "rw-code-listed")], &r.code);
        let state = match &r.used_at {
            Some(at) => fill(t.code_used, &[("date", &l.instant_date(at))]),
            None => t.code_unused.to_owned(),
        };
        h.el("span", &[("class", "rw-muted")], &state);
        h.close("div");
        let label = fill(t.copy_code_of, &[("code", &r.code)]);
        let done = copied == Some(r.code.as_str());
        h.button(
            "rw-button",
            Act::Copy,
            &r.code,
            if done { t.copied } else { t.copy },
            &[("aria-label", if done { t.copied } else { &label })],
        );
        h.close("li");
    }
    h.close("ul");
}

#[allow(clippy::too_many_arguments)]
fn rewards(
    h: &mut Html,
    ctx: Ctx,
    me: &Me,
    confirming: Option<&str>,
    code: Option<&(String, String)>,
    copied: Option<&str>,
    busy: bool,
) {
    let (t, l) = (ctx.t(), ctx.locale);
    h.el("h3", &[("class", "rw-h3")], t.rewards);
    if let Some((name, value)) = code {
        h.open("div", &[("class", "rw-coupon")]);
        h.el("p", &[], &fill(t.your_code, &[("name", name)]));
        h.open("p", &[("class", "rw-code-row")]);
        h.el("code", &[("class", "rw-code")], value);
        h.button(
            "rw-button",
            Act::Copy,
            "",
            if copied == Some("") {
                t.copied
            } else {
                t.copy_code
            },
            &[],
        );
        h.close("p").close("div");
    }
    if me.rewards.is_empty() {
        h.el("p", &[("class", "rw-muted")], t.no_rewards);
        return;
    }
    h.open("ul", &[("class", "rw-list"), ("aria-label", t.rewards)]);
    for reward in &me.rewards {
        let cost = l.points(reward.cost);
        h.open(
            "li",
            &[("class", "rw-reward"), ("data-reward-id", &reward.id)],
        );
        h.open("div", &[("class", "rw-reward-text")]);
        h.el("strong", &[], &reward.name);
        h.el("span", &[("class", "rw-muted")], &cost);
        if !reward.affordable {
            let missing = (reward.cost - me.loyalty.balance).max(1);
            h.el(
                "span",
                &[("class", "rw-muted")],
                &fill(t.more_needed, &[("points", &l.points(missing))]),
            );
        }
        h.close("div");
        if confirming == Some(reward.id.as_str()) {
            let question = fill(
                t.confirm_redeem,
                &[("points", &cost), ("name", &reward.name)],
            );
            h.open(
                "div",
                &[
                    ("class", "rw-confirm"),
                    ("role", "group"),
                    ("aria-label", &question),
                ],
            );
            h.el("p", &[], &question);
            h.button(
                "rw-button rw-primary",
                Act::Confirm,
                &reward.id,
                t.confirm,
                &[flag(busy, "disabled")],
            );
            h.button("rw-button", Act::Keep, &reward.id, t.keep_points, &[]);
            h.close("div");
        } else {
            let label = fill(t.redeem_label, &[("name", &reward.name)]);
            h.button(
                "rw-button rw-primary",
                Act::Redeem,
                &reward.id,
                t.redeem,
                &[
                    ("aria-label", &label),
                    flag(!reward.affordable || busy, "disabled"),
                ],
            );
        }
        h.close("li");
    }
    h.close("ul");
}

fn history(h: &mut Html, ctx: Ctx, a: &Activity, busy: bool) {
    let (t, l) = (ctx.t(), ctx.locale);
    h.el("h3", &[("class", "rw-h3")], t.activity);
    if a.shown {
        if a.items.is_empty() {
            h.el("p", &[("class", "rw-muted")], t.no_activity);
        } else {
            h.open(
                "ol",
                &[
                    ("class", "rw-list rw-activity-list"),
                    ("aria-label", t.activity),
                ],
            );
            for item in &a.items {
                h.open("li", &[("class", "rw-activity"), ("data-kind", &item.kind)]);
                h.el("span", &[], &item.description);
                h.el("span", &[("class", "rw-muted")], &l.instant_date(&item.at));
                let sign = if item.points > 0 { "+" } else { "" };
                let class = if item.points > 0 { "rw-plus" } else { "" };
                h.el(
                    "strong",
                    &[("class", class)],
                    &format!("{sign}{}", l.number(item.points)),
                );
                h.close("li");
            }
            h.close("ol");
        }
    }
    if let Some(error) = &a.error {
        h.el(
            "p",
            &[("class", "rw-notice rw-notice-error"), ("role", "alert")],
            error,
        );
    }
    if !a.shown || a.cursor.is_some() {
        let label = if a.shown {
            t.show_more
        } else {
            t.show_activity
        };
        h.button(
            "rw-button",
            Act::Activity,
            "",
            label,
            &[flag(busy, "disabled")],
        );
    }
}
