//! The message decision of SPEC 2.6: every rule in order of precedence,
//! the bad-review example, the rolling weekly cap and reminders.

use proptest::prelude::*;
use retention_core::preferences::ChannelSetting;
use retention_core::{
    Channel, ContactHistory, Decision, DomainError, Importance, Instant, MessageDecision,
    MessageRequest, Preferences, Program, QuietHours, Reason, Review, Topic, decide,
    decide_reminder, fallback_channels,
};
use serde_json::json;

const DAY: i64 = 86_400;

fn at(utc: &str) -> Instant {
    utc.parse().unwrap()
}

/// Noon in Moscow (UTC+3), outside the default 21:00–08:00 floor.
fn noon() -> Instant {
    at("2027-06-15T09:00:00Z")
}

/// 23:00 in Moscow, inside the floor; it ends at 05:00Z the next day.
fn night() -> Instant {
    at("2027-06-15T20:00:00Z")
}

fn morning_after_night() -> Instant {
    at("2027-06-16T05:00:00Z")
}

fn window(start: &str, end: &str) -> QuietHours {
    QuietHours {
        start: start.parse().unwrap(),
        end: end.parse().unwrap(),
    }
}

fn request(topic: Topic) -> MessageRequest {
    MessageRequest {
        topic,
        importance: None,
        product_ids: None,
        urgent: None,
    }
}

fn promo_for(products: &[&str]) -> MessageRequest {
    MessageRequest {
        product_ids: Some(products.iter().map(|p| p.to_string()).collect()),
        ..request(Topic::Promotions)
    }
}

fn prefs() -> Preferences {
    Preferences::default()
}

fn set_channel(prefs: &mut Preferences, channel: Channel, enabled: bool) {
    let setting = ChannelSetting { enabled };
    match channel {
        Channel::Email => prefs.channels.email = setting,
        Channel::Sms => prefs.channels.sms = setting,
        Channel::Whatsapp => prefs.channels.whatsapp = setting,
        Channel::Telegram => prefs.channels.telegram = setting,
        Channel::Viber => prefs.channels.viber = setting,
        Channel::Push => prefs.channels.push = setting,
    }
}

fn no_channels() -> Preferences {
    let mut p = prefs();
    for channel in Channel::ALL {
        set_channel(&mut p, channel, false);
    }
    p
}

fn review(product: &str, rating: u8, at: Instant) -> Review {
    Review {
        product_id: product.to_owned(),
        rating,
        at,
    }
}

fn ask(
    req: &MessageRequest,
    prefs: &Preferences,
    history: &ContactHistory,
    now: Instant,
) -> MessageDecision {
    decide(req, prefs, &Program::default(), history, now).unwrap()
}

fn suppressed(reason: Reason) -> MessageDecision {
    MessageDecision::suppress(reason)
}

// ---- shape of the contract ----------------------------------------------

#[test]
fn decisions_serialise_exactly_as_the_api_returns_them() {
    let send = ask(
        &request(Topic::Promotions),
        &prefs(),
        &ContactHistory::default(),
        noon(),
    );
    assert_eq!(
        serde_json::to_value(send).unwrap(),
        json!({"decision": "send", "channel": "email", "send_at": "2027-06-15T09:00:00Z", "reason": null})
    );
    let defer = ask(
        &request(Topic::Promotions),
        &prefs(),
        &ContactHistory::default(),
        night(),
    );
    assert_eq!(
        serde_json::to_value(defer).unwrap(),
        json!({"decision": "defer", "channel": "email", "send_at": "2027-06-16T05:00:00Z", "reason": "quiet_hours"})
    );
    let suppress = ask(
        &request(Topic::OrderUpdates),
        &no_channels(),
        &ContactHistory::default(),
        noon(),
    );
    assert_eq!(
        serde_json::to_value(suppress).unwrap(),
        json!({"decision": "suppress", "channel": null, "send_at": null, "reason": "no_channel"})
    );
    for reason in [
        (Reason::Unsubscribed, "unsubscribed"),
        (Reason::TopicOff, "topic_off"),
        (Reason::Snoozed, "snoozed"),
        (Reason::RecentBadReview, "recent_bad_review"),
        (Reason::WeeklyCap, "weekly_cap"),
    ] {
        assert_eq!(serde_json::to_value(reason.0).unwrap(), json!(reason.1));
    }
}

#[test]
fn requests_take_optional_fields_and_refuse_unknown_ones() {
    let minimal: MessageRequest = serde_json::from_value(json!({"topic": "promotions"})).unwrap();
    assert_eq!(minimal, request(Topic::Promotions));
    let full: MessageRequest = serde_json::from_value(json!({
        "topic": "order_updates", "importance": "transactional",
        "product_ids": ["coffee"], "urgent": true
    }))
    .unwrap();
    assert_eq!(full.importance, Some(Importance::Transactional));
    assert_eq!(full.urgent, Some(true));
    assert_eq!(
        serde_json::to_value(&full).unwrap(),
        json!({"topic": "order_updates", "importance": "transactional",
               "product_ids": ["coffee"], "urgent": true})
    );
    let unknown =
        serde_json::from_value::<MessageRequest>(json!({"topic": "promotions", "channel": "sms"}));
    assert!(
        unknown
            .unwrap_err()
            .to_string()
            .contains("unknown field `channel`")
    );
    assert!(serde_json::from_value::<MessageRequest>(json!({"topic": "news"})).is_err());
    assert!(
        serde_json::from_value::<MessageRequest>(
            json!({"topic": "promotions", "importance": "high"})
        )
        .is_err()
    );
}

// ---- importance ---------------------------------------------------------

#[test]
fn an_importance_that_disagrees_with_the_topic_is_422_on_importance() {
    for (topic, wrong) in [
        (Topic::OrderUpdates, Importance::Marketing),
        (Topic::SubscriptionUpdates, Importance::Marketing),
        (Topic::Promotions, Importance::Transactional),
        (Topic::Recommendations, Importance::Transactional),
    ] {
        let req = MessageRequest {
            importance: Some(wrong),
            ..request(topic)
        };
        let err = decide(
            &req,
            &prefs(),
            &Program::default(),
            &ContactHistory::default(),
            noon(),
        )
        .unwrap_err();
        assert_eq!(err.status(), 422);
        let DomainError::Validation(fields) = err else {
            panic!("not a validation error")
        };
        assert_eq!(fields[0].field, "importance");
    }
    // Checked before anything else: even a message that would be suppressed.
    let mut unsubscribed = prefs();
    unsubscribed.marketing_unsubscribed = true;
    let req = MessageRequest {
        importance: Some(Importance::Transactional),
        ..request(Topic::Promotions)
    };
    assert!(
        decide(
            &req,
            &unsubscribed,
            &Program::default(),
            &ContactHistory::default(),
            noon()
        )
        .is_err()
    );
    // An importance that agrees changes nothing.
    for topic in Topic::ALL {
        let req = MessageRequest {
            importance: Some(Importance::of(topic)),
            ..request(topic)
        };
        assert_eq!(
            ask(&req, &prefs(), &ContactHistory::default(), noon()),
            ask(
                &request(topic),
                &prefs(),
                &ContactHistory::default(),
                noon()
            )
        );
    }
}

// ---- transactional ------------------------------------------------------

#[test]
fn transactional_goes_to_the_first_enabled_channel_in_order() {
    let mut p = prefs();
    p.channel_order = vec![
        Channel::Push,
        Channel::Telegram,
        Channel::Sms,
        Channel::Email,
        Channel::Whatsapp,
        Channel::Viber,
    ];
    set_channel(&mut p, Channel::Sms, true);
    set_channel(&mut p, Channel::Email, true);
    let decision = ask(
        &request(Topic::OrderUpdates),
        &p,
        &ContactHistory::default(),
        noon(),
    );
    assert_eq!(decision, MessageDecision::send(Channel::Sms, noon()));
    set_channel(&mut p, Channel::Push, true);
    let decision = ask(
        &request(Topic::SubscriptionUpdates),
        &p,
        &ContactHistory::default(),
        noon(),
    );
    assert_eq!(decision.channel, Some(Channel::Push));
}

#[test]
fn transactional_ignores_switches_unsubscribe_snooze_and_cap() {
    let mut p = prefs();
    p.marketing_unsubscribed = true;
    p.topics.order_updates = false; // not a valid document, yet still ignored
    p.snoozed_until = Some(noon().plus_days(3));
    p.max_per_week = Some(1);
    let mut history = ContactHistory::default();
    history.record_marketing_send(noon().plus_hours(-1));
    let req = MessageRequest {
        product_ids: Some(vec!["coffee".into()]),
        ..request(Topic::OrderUpdates)
    };
    history.record_review(review("coffee", 1, noon().plus_days(-1)));
    assert_eq!(
        ask(&req, &p, &history, noon()),
        MessageDecision::send(Channel::Email, noon())
    );
}

#[test]
fn transactional_without_a_channel_is_suppressed() {
    assert_eq!(
        ask(
            &request(Topic::OrderUpdates),
            &no_channels(),
            &ContactHistory::default(),
            night()
        ),
        suppressed(Reason::NoChannel)
    );
}

#[test]
fn transactional_waits_for_quiet_time_unless_urgent() {
    let history = ContactHistory::default();
    assert_eq!(
        ask(&request(Topic::OrderUpdates), &prefs(), &history, night()),
        MessageDecision::defer(Channel::Email, morning_after_night())
    );
    let urgent = MessageRequest {
        urgent: Some(true),
        ..request(Topic::OrderUpdates)
    };
    assert_eq!(
        ask(&urgent, &prefs(), &history, night()),
        MessageDecision::send(Channel::Email, night())
    );
    let not_urgent = MessageRequest {
        urgent: Some(false),
        ..request(Topic::OrderUpdates)
    };
    assert_eq!(
        ask(&not_urgent, &prefs(), &history, night()).decision,
        Decision::Defer
    );
}

// ---- marketing, in order of precedence ----------------------------------

/// Preferences and history under which every marketing reason applies.
fn everything_applies() -> (Preferences, ContactHistory) {
    let mut p = no_channels();
    p.marketing_unsubscribed = true;
    p.topics.promotions = false;
    p.snoozed_until = Some(night().plus_days(1));
    p.max_per_week = Some(2);
    let mut history = ContactHistory::default();
    history.record_review(review("coffee", 2, night().plus_days(-2)));
    history.record_marketing_send(night().plus_days(-1));
    history.record_marketing_send(night().plus_days(-2));
    (p, history)
}

#[test]
fn marketing_reasons_apply_in_the_specified_order() {
    let req = MessageRequest {
        urgent: Some(true), // ignored for marketing
        ..promo_for(&["coffee"])
    };
    let (mut p, mut history) = everything_applies();
    let now = night();
    assert_eq!(
        ask(&req, &p, &history, now),
        suppressed(Reason::Unsubscribed)
    );
    p.marketing_unsubscribed = false;
    assert_eq!(ask(&req, &p, &history, now), suppressed(Reason::TopicOff));
    p.topics.promotions = true;
    assert_eq!(ask(&req, &p, &history, now), suppressed(Reason::Snoozed));
    p.snoozed_until = None;
    assert_eq!(ask(&req, &p, &history, now), suppressed(Reason::NoChannel));
    set_channel(&mut p, Channel::Telegram, true);
    assert_eq!(
        ask(&req, &p, &history, now),
        suppressed(Reason::RecentBadReview)
    );
    history.reviews.clear();
    assert_eq!(ask(&req, &p, &history, now), suppressed(Reason::WeeklyCap));
    p.max_per_week = Some(3);
    // Urgent does not let marketing through quiet time.
    assert_eq!(
        ask(&req, &p, &history, now),
        MessageDecision::defer(Channel::Telegram, morning_after_night())
    );
    assert_eq!(
        ask(&req, &p, &history, noon()),
        MessageDecision::send(Channel::Telegram, noon())
    );
}

#[test]
fn each_topic_switch_only_stops_its_topic() {
    for off in [
        Topic::Promotions,
        Topic::RewardUpdates,
        Topic::NewProducts,
        Topic::Recommendations,
    ] {
        let mut p = prefs();
        match off {
            Topic::Promotions => p.topics.promotions = false,
            Topic::RewardUpdates => p.topics.reward_updates = false,
            Topic::NewProducts => p.topics.new_products = false,
            _ => p.topics.recommendations = false,
        }
        for topic in Topic::ALL {
            let decision = ask(&request(topic), &p, &ContactHistory::default(), noon());
            let expected = if topic == off {
                suppressed(Reason::TopicOff)
            } else {
                MessageDecision::send(Channel::Email, noon())
            };
            assert_eq!(decision, expected, "{topic:?} with {off:?} off");
        }
    }
}

#[test]
fn a_snooze_ends_at_its_instant() {
    let mut p = prefs();
    p.snoozed_until = Some(noon());
    let req = request(Topic::NewProducts);
    let history = ContactHistory::default();
    assert_eq!(
        ask(&req, &p, &history, noon().plus_seconds(-1)),
        suppressed(Reason::Snoozed)
    );
    assert_eq!(
        ask(&req, &p, &history, noon()),
        MessageDecision::send(Channel::Email, noon())
    );
}

#[test]
fn quiet_time_uses_the_shoppers_zone_and_both_windows() {
    let mut p = prefs();
    p.time_zone = "America/New_York".into();
    p.quiet_hours = Some(window("12:00", "14:00"));
    let history = ContactHistory::default();
    let req = request(Topic::Promotions);
    // 13:00 EDT: the shopper's own window, until 14:00 EDT.
    assert_eq!(
        ask(&req, &p, &history, at("2027-06-15T17:00:00Z")),
        MessageDecision::defer(Channel::Email, at("2027-06-15T18:00:00Z"))
    );
    // 22:00 EDT: the floor, until 08:00 EDT.
    assert_eq!(
        ask(&req, &p, &history, at("2027-06-16T02:00:00Z")),
        MessageDecision::defer(Channel::Email, at("2027-06-16T12:00:00Z"))
    );
    // 10:00 EDT: free.
    let free = at("2027-06-15T14:00:00Z");
    assert_eq!(
        ask(&req, &p, &history, free),
        MessageDecision::send(Channel::Email, free)
    );
    // Without a floor only the shopper's window counts.
    let program = Program {
        quiet_hours_floor: None,
        ..Program::default()
    };
    let late = at("2027-06-16T02:00:00Z");
    assert_eq!(
        decide(&req, &p, &program, &history, late).unwrap(),
        MessageDecision::send(Channel::Email, late)
    );
}

#[test]
fn an_unknown_stored_zone_is_read_as_utc() {
    let mut p = prefs();
    p.time_zone = "Atlantis/Capital".into();
    assert_eq!(
        ask(
            &request(Topic::Promotions),
            &p,
            &ContactHistory::default(),
            at("2027-06-15T22:00:00Z")
        ),
        MessageDecision::defer(Channel::Email, at("2027-06-16T08:00:00Z"))
    );
}

// ---- the bad-review example (SPEC 2.6) ----------------------------------

#[test]
fn a_two_star_review_keeps_promotions_of_that_product_away_for_30_days() {
    let reviewed = noon();
    let mut history = ContactHistory::default();
    history.record_review(review("coffee", 2, reviewed));
    let p = prefs();
    let coffee = promo_for(&["tea", "coffee"]);
    let sent = |now: Instant| MessageDecision::send(Channel::Email, now);

    assert_eq!(
        ask(&coffee, &p, &history, reviewed),
        suppressed(Reason::RecentBadReview)
    );
    let day_30 = reviewed.plus_days(29).plus_hours(1);
    assert_eq!(
        ask(&coffee, &p, &history, day_30),
        suppressed(Reason::RecentBadReview)
    );
    // 30 days later the review is out of the window: day 31 sends again.
    let thirty_days = reviewed.plus_days(30);
    assert_eq!(
        ask(&coffee, &p, &history, thirty_days.plus_seconds(-1)),
        suppressed(Reason::RecentBadReview)
    );
    assert_eq!(ask(&coffee, &p, &history, thirty_days), sent(thirty_days));
    assert_eq!(
        ask(&coffee, &p, &history, reviewed.plus_days(31)),
        sent(reviewed.plus_days(31))
    );
    // Other products, and messages naming none, are not affected.
    let tea = promo_for(&["tea"]);
    assert_eq!(
        ask(&tea, &p, &history, reviewed.plus_days(1)),
        sent(reviewed.plus_days(1))
    );
    let none = request(Topic::Promotions);
    assert_eq!(
        ask(&none, &p, &history, reviewed.plus_days(1)),
        sent(reviewed.plus_days(1))
    );
    // Any marketing topic naming the product is held back.
    let recommendation = MessageRequest {
        topic: Topic::Recommendations,
        ..coffee.clone()
    };
    assert_eq!(
        ask(&recommendation, &p, &history, reviewed.plus_days(1)),
        suppressed(Reason::RecentBadReview)
    );
}

#[test]
fn three_stars_is_not_a_bad_review_and_one_star_is() {
    let p = prefs();
    let coffee = promo_for(&["coffee"]);
    let now = noon().plus_days(1);
    let mut history = ContactHistory::default();
    history.record_review(review("coffee", 3, noon()));
    assert_eq!(
        ask(&coffee, &p, &history, now),
        MessageDecision::send(Channel::Email, now)
    );
    let mut history = ContactHistory::default();
    history.record_review(review("coffee", 1, noon()));
    assert_eq!(
        ask(&coffee, &p, &history, now),
        suppressed(Reason::RecentBadReview)
    );
    // A later good review does not undo a recent bad one.
    history.record_review(review("coffee", 5, noon().plus_hours(1)));
    assert_eq!(
        ask(&coffee, &p, &history, now),
        suppressed(Reason::RecentBadReview)
    );
}

#[test]
fn contact_history_survives_storage() {
    let mut history = ContactHistory::default();
    history.record_review(review("coffee", 2, noon()));
    history.record_marketing_send(noon());
    let stored = serde_json::to_string(&history).unwrap();
    assert_eq!(
        serde_json::from_str::<ContactHistory>(&stored).unwrap(),
        history
    );
    assert_eq!(
        serde_json::from_value::<ContactHistory>(json!({})).unwrap(),
        ContactHistory::default()
    );
}

// ---- recording ----------------------------------------------------------

#[test]
fn only_marketing_sends_are_recorded() {
    let mut history = ContactHistory::default();
    let p = prefs();
    let cases = [
        (Topic::OrderUpdates, noon(), false),
        (Topic::Promotions, night(), false), // deferred
        (Topic::Promotions, noon(), true),
    ];
    for (topic, now, counts) in cases {
        let decision = ask(&request(topic), &p, &history, now);
        assert_eq!(
            history.record_decision(topic, &decision, now),
            counts,
            "{topic:?} at {now}"
        );
    }
    let mut off = prefs();
    off.topics.promotions = false;
    let decision = ask(&request(Topic::Promotions), &off, &history, noon());
    assert!(!history.record_decision(Topic::Promotions, &decision, noon()));
    assert_eq!(history.marketing_sends, vec![noon()]);
    assert_eq!(history.sends_in_last_week(noon()), 1);
}

#[test]
fn the_cap_is_rolling_over_seven_days() {
    let mut p = prefs();
    p.max_per_week = Some(2);
    let mut history = ContactHistory::default();
    let req = request(Topic::RewardUpdates);
    let first = noon();
    let second = noon().plus_days(2);
    for now in [first, second] {
        let decision = ask(&req, &p, &history, now);
        assert_eq!(decision.decision, Decision::Send);
        history.record_decision(req.topic, &decision, now);
    }
    assert_eq!(
        ask(&req, &p, &history, first.plus_days(7).plus_seconds(-1)),
        suppressed(Reason::WeeklyCap)
    );
    let free = first.plus_days(7);
    assert_eq!(
        ask(&req, &p, &history, free),
        MessageDecision::send(Channel::Email, free)
    );
}

// ---- reminders ----------------------------------------------------------

#[test]
fn reminders_ignore_the_cap_and_are_not_recorded() {
    let mut p = prefs();
    p.max_per_week = Some(1);
    let mut history = ContactHistory::default();
    history.record_marketing_send(noon().plus_hours(-1));
    assert_eq!(
        ask(&request(Topic::RewardUpdates), &p, &history, noon()),
        suppressed(Reason::WeeklyCap)
    );
    for topic in [Topic::RewardUpdates, Topic::SubscriptionUpdates] {
        assert_eq!(
            decide_reminder(topic, &p, &Program::default(), noon()),
            MessageDecision::send(Channel::Email, noon())
        );
    }
    // Reminders leave the history alone: the cap still sees one send.
    assert_eq!(history.sends_in_last_week(noon()), 1);
}

#[test]
fn reminders_pass_every_other_rule() {
    let program = Program::default();
    let mut p = prefs();
    // Quiet time: decided at the planned instant, sent when it ends.
    assert_eq!(
        decide_reminder(Topic::RewardUpdates, &p, &program, night()),
        MessageDecision::defer(Channel::Email, morning_after_night())
    );
    p.snoozed_until = Some(noon().plus_days(1));
    assert_eq!(
        decide_reminder(Topic::RewardUpdates, &p, &program, noon()),
        suppressed(Reason::Snoozed)
    );
    p.topics.reward_updates = false;
    assert_eq!(
        decide_reminder(Topic::RewardUpdates, &p, &program, noon()),
        suppressed(Reason::TopicOff)
    );
    p.marketing_unsubscribed = true;
    assert_eq!(
        decide_reminder(Topic::RewardUpdates, &p, &program, noon()),
        suppressed(Reason::Unsubscribed)
    );
    // A renewal reminder is transactional: only channels and quiet time.
    assert_eq!(
        decide_reminder(Topic::SubscriptionUpdates, &p, &program, noon()),
        MessageDecision::send(Channel::Email, noon())
    );
    assert_eq!(
        decide_reminder(Topic::SubscriptionUpdates, &no_channels(), &program, noon()),
        suppressed(Reason::NoChannel)
    );
    let mut none = no_channels();
    none.marketing_unsubscribed = false;
    assert_eq!(
        decide_reminder(Topic::RewardUpdates, &none, &program, noon()),
        suppressed(Reason::NoChannel)
    );
}

// ---- fallback channels --------------------------------------------------

#[test]
fn fallbacks_are_the_enabled_channels_after_the_chosen_one() {
    let mut p = prefs();
    p.channel_order = vec![
        Channel::Sms,
        Channel::Viber,
        Channel::Email,
        Channel::Whatsapp,
        Channel::Push,
        Channel::Telegram,
    ];
    for channel in [Channel::Sms, Channel::Email, Channel::Push] {
        set_channel(&mut p, channel, true);
    }
    assert_eq!(
        fallback_channels(&p, Channel::Sms),
        vec![Channel::Email, Channel::Push]
    );
    assert_eq!(fallback_channels(&p, Channel::Email), vec![Channel::Push]);
    assert_eq!(fallback_channels(&p, Channel::Push), vec![]);
    assert_eq!(fallback_channels(&p, Channel::Viber), vec![]);
}

// ---- the weekly cap as a property ---------------------------------------

/// Send offsets in seconds before `now`, weighted toward the 7-day edge.
fn send_offsets() -> impl Strategy<Value = Vec<i64>> {
    let offset = prop_oneof![
        0i64..10 * DAY,
        Just(7 * DAY),
        Just(7 * DAY - 1),
        Just(7 * DAY + 1),
        (7 * DAY - 3_600)..(7 * DAY + 3_600),
    ];
    prop::collection::vec(offset, 0..30)
}

proptest! {
    #[test]
    fn the_cap_counts_sends_in_the_last_seven_days(
        offsets in send_offsets(),
        cap in prop::option::of(1u8..=21),
        now_seconds in 1_700_000_000i64..1_850_000_000,
        prune_back in 0i64..8 * DAY,
    ) {
        let now = Instant::from_unix(now_seconds);
        let mut p = prefs();
        p.max_per_week = cap;
        let program = Program { quiet_hours_floor: None, ..Program::default() };
        let mut history = ContactHistory::default();
        for offset in &offsets {
            history.record_marketing_send(now.plus_seconds(-offset));
        }
        let in_window = offsets.iter().filter(|o| **o < 7 * DAY).count();
        let capped = cap.is_some_and(|c| in_window >= usize::from(c));
        let req = request(Topic::Promotions);
        let decision = decide(&req, &p, &program, &history, now).unwrap();
        let expected = if capped {
            suppressed(Reason::WeeklyCap)
        } else {
            MessageDecision::send(Channel::Email, now)
        };
        prop_assert_eq!(decision, expected);
        // Pruning at an earlier instant never changes the answer.
        history.prune(now.plus_seconds(-prune_back));
        prop_assert_eq!(decide(&req, &p, &program, &history, now).unwrap(), expected);
        // Reminders never meet the cap.
        prop_assert_eq!(
            decide_reminder(Topic::RewardUpdates, &p, &program, now),
            MessageDecision::send(Channel::Email, now)
        );
    }

    #[test]
    fn a_stream_of_requests_respects_the_rolling_cap(
        gaps in prop::collection::vec(0i64..2 * DAY, 1..60),
        cap in 1u8..=21,
        reminder_every in 2usize..5,
    ) {
        let mut p = prefs();
        p.max_per_week = Some(cap);
        let program = Program { quiet_hours_floor: None, ..Program::default() };
        let mut history = ContactHistory::default();
        let mut sent: Vec<Instant> = Vec::new();
        let mut now = Instant::from_unix(1_800_000_000);
        for (i, gap) in gaps.iter().enumerate() {
            now = now.plus_seconds(*gap);
            if i % reminder_every == 0 {
                let decision = decide_reminder(Topic::RewardUpdates, &p, &program, now);
                prop_assert_eq!(decision.decision, Decision::Send);
                continue;
            }
            let req = request(Topic::NewProducts);
            let decision = decide(&req, &p, &program, &history, now).unwrap();
            let recent = sent.iter().filter(|s| now.unix() - s.unix() < 7 * DAY).count();
            if recent >= usize::from(cap) {
                prop_assert_eq!(decision, suppressed(Reason::WeeklyCap));
            } else {
                prop_assert_eq!(decision, MessageDecision::send(Channel::Email, now));
                sent.push(now);
            }
            history.record_decision(req.topic, &decision, now);
            history.prune(now);
            // Pruned at each step, the stored sends never outnumber the cap.
            prop_assert!(history.marketing_sends.len() <= usize::from(cap));
        }
    }
}
