//! Points: balance, pending, tier, every expiry with its date, rewards to
//! redeem for a coupon code, and the activity history.

use leptos::prelude::*;
use leptos::task::spawn_local;
use web_sys::Element;

use super::act::Act;
use super::{Acted, Ctx, Notice, ctx, live, live_status, notice_view, section_frame};
use crate::dates::{format_instant, instant_ms, now_ms};
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
    let copied = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let activity = RwSignal::new(Activity::default());
    let focus = StoredValue::new(None::<String>);

    let render = move || {
        let mut h = Html::new();
        ctx.me.with(|me| {
            if let Some(me) = me {
                summary(&mut h, ctx, me);
                expiries(&mut h, ctx, me);
                confirming.with(|c| {
                    code.with(|code| {
                        rewards(
                            &mut h,
                            ctx,
                            me,
                            c.as_deref(),
                            code.as_ref(),
                            copied.get(),
                            busy.get(),
                        )
                    })
                });
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
        spawn_local(async move {
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
                    copied.set(false);
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
        spawn_local(async move {
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
            let Some((_, text)) = code.get_untracked() else {
                return;
            };
            spawn_local(async move {
                if crate::clipboard::copy(&text).await {
                    copied.set(true);
                }
                // the hidden field of the fallback took the focus
                focus.set_value(Some(Act::Copy.key("")));
            });
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
    if let Some(date) = &loyalty.tier_held_until {
        h.el(
            "p",
            &[("class", "rw-held rw-muted")],
            &fill(t.held_until, &[("date", &l.date(date))]),
        );
    }
    h.close("div");
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

fn expiries(h: &mut Html, ctx: Ctx, me: &Me) {
    let (t, l) = (ctx.t(), ctx.locale);
    h.el("h3", &[("class", "rw-h3")], t.expiring);
    let list = &me.loyalty.expiring;
    if list.is_empty() {
        h.el("p", &[("class", "rw-muted")], t.nothing_expires);
        return;
    }
    let now = now_ms();
    h.open("ul", &[("class", "rw-list"), ("aria-label", t.expiring)]);
    for e in list {
        let points = l.points(e.points);
        let text = fill(
            t.expire_on,
            &[
                ("points", &points),
                ("date", &l.instant_date(&e.expires_at)),
            ],
        );
        let relative = instant_ms(&e.expires_at)
            .map(|ms| l.relative(ms, now))
            .unwrap_or_default();
        let summary = fill(t.ics_summary, &[("points", &points)]);
        let calendar = ics::data_url(&ics::expiry_event(
            &e.expires_at,
            &summary,
            t.ics_description,
            &format_instant(now),
        ));
        let file = format!(
            "points-expiry-{}.ics",
            e.expires_at.get(..10).unwrap_or("date")
        );
        h.open(
            "li",
            &[
                ("class", "rw-expiry"),
                ("data-expires-at", &e.expires_at),
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
}

#[allow(clippy::too_many_arguments)]
fn rewards(
    h: &mut Html,
    ctx: Ctx,
    me: &Me,
    confirming: Option<&str>,
    code: Option<&(String, String)>,
    copied: bool,
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
            if copied { t.copied } else { t.copy_code },
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
