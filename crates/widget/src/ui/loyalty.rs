//! Points: balance, pending, tier, every expiry with its date, rewards to
//! redeem for a coupon code, and the activity history.

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::{Ctx, Notice, ctx, notice_view};
use crate::dates::{format_instant, instant_ms, now_ms};
use crate::i18n::fill;
use crate::ics;
use crate::json::object;
use crate::model::{ActivityItem, ActivityPage, Me, Redemption, Reward};


/// The loyalty section.
pub fn section() -> impl IntoView {
    let ctx = ctx();
    let t = ctx.t();
    let notice = RwSignal::new(None::<Notice>);
    let loyalty = move || ctx.me.with(|m| m.as_ref().map(|m| m.loyalty.clone()));
    let l = ctx.locale;
    view! {
        <section class="rw-section" data-section="loyalty" aria-labelledby="rw-h-loyalty">
            <h2 id="rw-h-loyalty">{t.h_loyalty}</h2>
            {move || {
                loyalty()
                    .map(|loyalty| {
                        let pending = (loyalty.pending > 0)
                            .then(|| {
                                let lots = loyalty
                                    .pending_lots
                                    .iter()
                                    .map(|lot| {
                                        let text = fill(
                                            t.available_on,
                                            &[
                                                ("points", &l.points(lot.points)),
                                                ("date", &l.instant_date(&lot.available_at)),
                                            ],
                                        );
                                        view! { <li>{text}</li> }
                                    })
                                    .collect_view();
                                view! {
                                    <div class="rw-pending" data-pending=loyalty.pending>
                                        <p>{fill(t.pending, &[("points", &l.points(loyalty.pending))])}</p>
                                        <ul class="rw-plain rw-muted">{lots}</ul>
                                    </div>
                                }
                            });
                        let next = match &loyalty.next_tier {
                            Some(next) => {
                                fill(
                                    t.next_tier,
                                    &[("points", &l.points(next.points_needed)), ("tier", &next.name)],
                                )
                            }
                            None => t.top_tier.to_owned(),
                        };
                        let held = loyalty
                            .tier_held_until
                            .as_ref()
                            .map(|d| {
                                view! {
                                    <p class="rw-held rw-muted">
                                        {fill(t.held_until, &[("date", &l.date(d))])}
                                    </p>
                                }
                            });
                        view! {
                            <div class="rw-summary">
                                <div aria-live="polite" aria-atomic="true">
                                    <span class="rw-label">{t.balance}</span>
                                    <p class="rw-balance" data-balance=loyalty.balance>
                                        {l.points(loyalty.balance)}
                                    </p>
                                </div>
                                <div class="rw-tier-box">
                                    <span class="rw-label">{t.tier}</span>
                                    <p class="rw-tier">{loyalty.tier.name.clone()}</p>
                                    <p class="rw-next-tier">{next}</p>
                                    {held}
                                </div>
                            </div>
                            {pending}
                        }
                    })
            }}
            {expiries}
            {rewards(notice)}
            {notice_view(notice)}
            {activity}
        </section>
    }
}

/// Every upcoming expiry with date, relative time and calendar link.
fn expiries() -> impl IntoView {
    let ctx = ctx();
    let (t, l) = (ctx.t(), ctx.locale);
    let list = move || ctx.me.with(|m| m.as_ref().map(|m| m.loyalty.expiring.clone()).unwrap_or_default());
    view! {
        <h3 class="rw-h3">{t.expiring}</h3>
        {move || {
            let list = list();
            if list.is_empty() {
                return view! { <p class="rw-muted">{t.nothing_expires}</p> }.into_any();
            }
            let now = now_ms();
            let items = list
                .into_iter()
                .map(|e| {
                    let points = l.points(e.points);
                    let text = fill(
                        t.expire_on,
                        &[("points", &points), ("date", &l.instant_date(&e.expires_at))],
                    );
                    let relative = instant_ms(&e.expires_at).map(|ms| l.relative(ms, now));
                    let summary = fill(t.ics_summary, &[("points", &points)]);
                    let calendar = ics::data_url(
                        &ics::expiry_event(
                            &e.expires_at,
                            &summary,
                            t.ics_description,
                            &format_instant(now),
                        ),
                    );
                    let file = format!("points-expiry-{}.ics", e.expires_at.get(..10).unwrap_or("date"));
                    view! {
                        <li class="rw-expiry" data-expires-at=e.expires_at.clone() data-points=e.points>
                            <span>{text}</span>
                            " "
                            <span class="rw-muted">{relative}</span>
                            " "
                            <a class="rw-link" href=calendar download=file>
                                {t.add_to_calendar}
                            </a>
                        </li>
                    }
                })
                .collect_view();
            view! { <ul class="rw-list" aria-label=t.expiring>{items}</ul> }.into_any()
        }}
    }
}

/// The rewards catalogue with the redeem flow and the coupon code.
fn rewards(notice: RwSignal<Option<Notice>>) -> impl IntoView {
    let ctx = ctx();
    let t = ctx.t();
    let confirming = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let code = RwSignal::new(None::<(String, String)>);
    let copied = RwSignal::new(false);
    let list = move || ctx.me.with(|m| m.as_ref().map(|m| m.rewards.clone()).unwrap_or_default());
    let redeem = move |reward: Reward| {
        busy.set(true);
        notice.set(None);
        spawn_local(async move {
            let result = redeem_reward(ctx, &reward).await;
            busy.set(false);
            confirming.set(None);
            match result {
                Ok(done) => {
                    copied.set(false);
                    code.set(Some((reward.name.clone(), done.code.clone())));
                    notice.set(Notice::ok(fill(
                        t.redeemed,
                        &[
                            ("points", &ctx.locale.points(done.points_spent)),
                            ("balance", &ctx.locale.points(done.balance)),
                        ],
                    )));
                    ctx.refresh();
                }
                Err(text) => notice.set(Notice::failed(text)),
            }
        });
    };
    let copy = move |_| {
        let Some((_, text)) = code.get_untracked() else { return };
        if let Some(window) = web_sys::window() {
            let promise = window.navigator().clipboard().write_text(&text);
            spawn_local(async move {
                if wasm_bindgen_futures::JsFuture::from(promise).await.is_ok() {
                    copied.set(true);
                }
            });
        }
    };
    view! {
        <h3 class="rw-h3">{t.rewards}</h3>
        {move || {
            code.get()
                .map(|(name, value)| {
                    view! {
                        <div class="rw-coupon">
                            <p>{fill(t.your_code, &[("name", &name)])}</p>
                            <p class="rw-code-row">
                                <code class="rw-code">{value}</code>
                                <button type="button" class="rw-button" on:click=copy>
                                    {move || if copied.get() { t.copied } else { t.copy_code }}
                                </button>
                            </p>
                        </div>
                    }
                })
        }}
        {move || {
            let list = list();
            if list.is_empty() {
                return view! { <p class="rw-muted">{t.no_rewards}</p> }.into_any();
            }
            let balance = ctx.me.with_untracked(|m| m.as_ref().map_or(0, |m| m.loyalty.balance));
            let items = list
                .into_iter()
                .map(|reward| {
                    let id = reward.id.clone();
                    let id_for_check = id.clone();
                    let is_confirming = move || confirming.with(|c| c.as_deref() == Some(&id_for_check));
                    let cost = ctx.locale.points(reward.cost);
                    let shortfall = (!reward.affordable)
                        .then(|| {
                            let missing = (reward.cost - balance).max(1);
                            view! {
                                <span class="rw-muted">
                                    {fill(t.more_needed, &[("points", &ctx.locale.points(missing))])}
                                </span>
                            }
                        });
                    let question = fill(t.confirm_redeem, &[("points", &cost), ("name", &reward.name)]);
                    let label = fill(t.redeem_label, &[("name", &reward.name)]);
                    let affordable = reward.affordable;
                    let reward_for_confirm = reward.clone();
                    let id_for_open = id.clone();
                    view! {
                        <li class="rw-reward" data-reward-id=id.clone()>
                            <div class="rw-reward-text">
                                <strong>{reward.name.clone()}</strong>
                                <span class="rw-muted">{cost.clone()}</span>
                                {shortfall}
                            </div>
                            <Show
                                when=is_confirming
                                fallback=move || {
                                    let id = id_for_open.clone();
                                    view! {
                                        <button
                                            type="button"
                                            class="rw-button rw-primary"
                                            aria-label=label.clone()
                                            disabled=move || !affordable || busy.get()
                                            on:click=move |_| confirming.set(Some(id.clone()))
                                        >
                                            {t.redeem}
                                        </button>
                                    }
                                }
                            >
                                {
                                    let reward = reward_for_confirm.clone();
                                    view! {
                                        <div class="rw-confirm" role="group" aria-label=question.clone()>
                                            <p>{question.clone()}</p>
                                            <button
                                                type="button"
                                                class="rw-button rw-primary"
                                                disabled=move || busy.get()
                                                on:click=move |_| redeem(reward.clone())
                                            >
                                                {t.confirm}
                                            </button>
                                            <button
                                                type="button"
                                                class="rw-button"
                                                on:click=move |_| confirming.set(None)
                                            >
                                                {t.keep_points}
                                            </button>
                                        </div>
                                    }
                                }
                            </Show>
                        </li>
                    }
                })
                .collect_view();
            view! { <ul class="rw-list" aria-label=t.rewards>{items}</ul> }.into_any()
        }}
    }
}

async fn redeem_reward(ctx: Ctx, reward: &Reward) -> Result<Redemption, String> {
    let client = ctx.client().ok_or_else(String::new)?;
    let reply = client
        .post("/v1/me/redemptions", &object(&[("reward_id", reward.id.as_str().into())]))
        .await
        .map_err(|e| ctx.error_text(&e))?;
    let detail = reply.body.clone();
    let done: Redemption = reply.parse().map_err(|e| ctx.error_text(&e))?;
    let _ = js_sys::Reflect::set(&detail, &"reward_id".into(), &reward.id.as_str().into());
    ctx.emit("retention:redeemed", &detail);
    ctx.me.update(|m| {
        if let Some(m) = m.as_mut() {
            set_balance(m, done.balance);
        }
    });
    Ok(done)
}

/// The new balance at once, with affordability to match, before the
/// background reload brings the rest.
fn set_balance(me: &mut Me, balance: i64) {
    me.loyalty.balance = balance;
    for reward in &mut me.rewards {
        reward.affordable = reward.cost <= balance;
    }
}

/// The activity history, loaded on demand, a page at a time.
fn activity() -> impl IntoView {
    let ctx = ctx();
    let (t, l) = (ctx.t(), ctx.locale);
    let items = RwSignal::new(Vec::<ActivityItem>::new());
    let cursor = RwSignal::new(None::<String>);
    let shown = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let load = move |first: bool| {
        let Some(client) = ctx.client() else { return };
        let path = match (first, cursor.get_untracked()) {
            (false, Some(c)) => format!("/v1/me/activity?limit=10&cursor={}", String::from(js_sys::encode_uri_component(&c))),
            _ => "/v1/me/activity?limit=10".to_owned(),
        };
        busy.set(true);
        spawn_local(async move {
            let result = match client.get(&path).await {
                Ok(reply) => reply.parse::<ActivityPage>(),
                Err(e) => Err(e),
            };
            busy.set(false);
            match result {
                Ok(page) => {
                    error.set(None);
                    shown.set(true);
                    items.update(|list| {
                        if first {
                            list.clear();
                        }
                        list.extend(page.items);
                    });
                    cursor.set(page.next_cursor);
                }
                Err(e) => error.set(Some(ctx.error_text(&e))),
            }
        });
    };
    view! {
        <h3 class="rw-h3">{t.activity}</h3>
        <Show when=move || shown.get()>
            {move || {
                let list = items.get();
                if list.is_empty() {
                    return view! { <p class="rw-muted">{t.no_activity}</p> }.into_any();
                }
                let rows = list
                    .into_iter()
                    .map(|item| {
                        let sign = if item.points > 0 { "+" } else { "" };
                        view! {
                            <li class="rw-activity" data-kind=item.kind.clone()>
                                <span>{item.description.clone()}</span>
                                <span class="rw-muted">{l.instant_date(&item.at)}</span>
                                <strong class:rw-plus={item.points > 0}>{format!("{sign}{}", l.number(item.points))}</strong>
                            </li>
                        }
                    })
                    .collect_view();
                view! { <ol class="rw-list rw-activity-list" aria-label=t.activity>{rows}</ol> }.into_any()
            }}
        </Show>
        {move || error.get().map(|e| view! { <p class="rw-notice rw-notice-error" role="alert">{e}</p> })}
        <Show when=move || !shown.get() || cursor.with(Option::is_some)>
            <button type="button" class="rw-button" disabled=move || busy.get() on:click=move |_| load(!shown.get_untracked())>
                {move || if shown.get() { t.show_more } else { t.show_activity }}
            </button>
        </Show>
    }
}
