//! A customer's whole state and every operation the API performs on it.
//! This is what a store keeps per customer (one SQLite row, one Durable
//! Object): each write loads it, calls one method here with `now`, and
//! stores it back.

use serde::{Deserialize, Serialize};

use crate::api::{
    ActivityItem, ActivityPage, AdminCustomerView, BirthdayRewardView, CodeView, CustomerView,
    ExpiringPoints, LoyaltyView, NextTier, PendingPoints, RedemptionResponse, RedemptionView,
    RewardView, SubscriptionOptions, TierRef,
};
use crate::birthday::BirthdayLog;
use crate::contact::{ContactHistory, Review};
use crate::decision::{self, MessageDecision, MessageRequest};
use crate::error::DomainError;
use crate::events::MerchantEvent;
use crate::events_out::{AUTO_RESUME, EventOut};
use crate::ledger::{ActivityCursor, Entry, Ledger, activity_page};
use crate::preferences::{ConsentRecord, ConsentSource, Preferences};
use crate::program::Program;
use crate::reminders::{self, OutboxItem, PlannerInput, ReminderKind, ReminderLog};
use crate::review_invites::ReviewInvites;
use crate::rewards::{RandomSource, Redemption, coupon_code};
use crate::subscription::{self, Subscription, SubscriptionRecord, for_products};
use crate::tiers;
use crate::time::Instant;

/// Most reminders kept waiting for the merchant per customer; older ones
/// give way so the state stays bounded if the outbox is never read.
const MAX_OUTBOX_ITEMS: usize = 200;

/// Redemptions are kept at least this long, whatever `history_days` says,
/// so a code stays usable at the checkout for a year (SPEC 3.6).
const MIN_REDEMPTION_DAYS: i64 = 365;

/// How far back `GET /v1/me` lists redemptions, and how many at most.
const SHOPPER_REDEMPTION_DAYS: i64 = 365;
const SHOPPER_REDEMPTIONS: usize = 50;

/// Everything the handler keeps about one customer of one merchant.
#[derive(Clone, PartialEq, Debug, Default, Serialize, Deserialize)]
pub struct Customer {
    /// Points.
    #[serde(default)]
    pub ledger: Ledger,
    /// Subscriptions, in the order they were first upserted.
    #[serde(default)]
    pub subscriptions: Vec<SubscriptionRecord>,
    /// Saved preferences; `None` means the program's current defaults.
    #[serde(default)]
    pub preferences: Option<Preferences>,
    /// Consent changes not yet in the store's consent log, oldest first;
    /// never rewritten. The handler moves them to the log with each write,
    /// so the state every request reads stays small however often a
    /// shopper flips a switch (states written by older versions still
    /// carry their whole history here until their next write).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub consents: Vec<ConsentRecord>,
    /// Recent marketing sends and bad reviews.
    #[serde(default)]
    pub contact: ContactHistory,
    /// Redemptions inside the history window.
    #[serde(default)]
    pub redemptions: Vec<Redemption>,
    /// Reminders already planned.
    #[serde(default)]
    pub reminders: ReminderLog,
    /// Reminders waiting for the merchant to collect them.
    #[serde(default)]
    pub outbox: Vec<OutboxItem>,
    /// Who changed the birthday when, and the last year rewarded.
    #[serde(default, skip_serializing_if = "BirthdayLog::is_empty")]
    pub birthday: BirthdayLog,
    /// Products this customer was ever invited to subscribe to.
    #[serde(default, skip_serializing_if = "ReviewInvites::is_empty")]
    pub review_invites: ReviewInvites,
    /// Events the changes since the last store have made, oldest first;
    /// the handler stores them with the state and empties this.
    #[serde(skip)]
    pub new_events: Vec<EventOut>,
}

impl Customer {
    /// The preferences in force: saved ones, else the program's defaults.
    pub fn preferences<'a>(&'a self, program: &'a Program) -> &'a Preferences {
        self.preferences
            .as_ref()
            .unwrap_or(&program.default_preferences)
    }

    /// Applies what time has done by `now` (expiries, automatic resumes,
    /// history folding, the birthday reward with its reminder). Reads
    /// never need it: they work on a settled copy.
    pub fn settle(&mut self, program: &Program, now: Instant) {
        self.ledger.settle(program, now);
        let prefs = self.preferences(program);
        let (birthday, zone) = (prefs.parsed_birthday(), prefs.time_zone.clone());
        self.birthday
            .credit_due(&mut self.ledger, birthday, &zone, program, now);
        for record in &mut self.subscriptions {
            let before = record.subscription.clone();
            record.settle(now);
            if record.subscription != before {
                self.new_events.push(EventOut::subscription_updated(
                    AUTO_RESUME,
                    &record.subscription,
                    &before,
                ));
            }
        }
        self.review_invites.drop_subscribed(&self.subscriptions);
        self.contact.prune(now);
        let days = i64::from(program.history_days).max(MIN_REDEMPTION_DAYS);
        let horizon = now.plus_days(-days);
        self.redemptions.retain(|r| r.at >= horizon);
    }

    /// `ledger` (this customer's, perhaps with logged entries) as of `now`,
    /// with a birthday reward that has come credited: what reads show,
    /// whether or not the state was settled.
    fn points_as_of(&self, mut ledger: Ledger, program: &Program, now: Instant) -> Ledger {
        let mut birthday = self.birthday.clone();
        let prefs = self.preferences(program);
        birthday.credit_due(
            &mut ledger,
            prefs.parsed_birthday(),
            &prefs.time_zone,
            program,
            now,
        );
        ledger.settle(program, now);
        ledger
    }

    /// `/v1/me`'s `loyalty.birthday_reward` at `now`: the next birthday
    /// reward, when the program has one and the birthday is set.
    pub fn next_birthday_reward(
        &self,
        program: &Program,
        now: Instant,
    ) -> Option<BirthdayRewardView> {
        // A reward that has come but is not credited yet is of a year
        // before every instant ahead, so the log need not be settled.
        let prefs = self.preferences(program);
        self.birthday
            .next_reward(prefs.parsed_birthday(), &prefs.time_zone, program, now)
            .map(|next| BirthdayRewardView {
                points: next.points,
                on: next.on,
            })
    }

    /// `GET /v1/me` at `now`.
    pub fn view(&self, customer_id: &str, program: &Program, now: Instant) -> CustomerView {
        let ledger = self.points_as_of(self.ledger.clone(), program, now);
        let balance = ledger.balance(now);
        let standing = tiers::standing(&ledger, program, now);
        let subscriptions: Vec<Subscription> =
            self.subscriptions.iter().map(|r| r.as_of(now)).collect();
        let settings = &program.subscriptions;
        let swap_options = for_products(&settings.swap_options, &subscriptions);
        let addons = for_products(&settings.addons, &subscriptions);
        CustomerView {
            customer_id: customer_id.to_owned(),
            loyalty: LoyaltyView {
                balance,
                pending: ledger.pending(now),
                lifetime_earned: ledger.lifetime_earned,
                tier: standing.as_ref().map_or_else(
                    || TierRef {
                        id: String::new(),
                        name: String::new(),
                    },
                    |s| TierRef {
                        id: s.tier.id.clone(),
                        name: s.tier.name.clone(),
                    },
                ),
                qualifying_points: standing.as_ref().map_or(0, |s| s.qualifying),
                next_tier: standing
                    .as_ref()
                    .and_then(|s| s.next)
                    .map(|(t, needed)| NextTier {
                        id: t.id.clone(),
                        name: t.name.clone(),
                        threshold: t.threshold,
                        points_needed: needed,
                    }),
                tier_held_until: standing.as_ref().and_then(|s| s.held_until),
                expiring: ledger
                    .expiring(&program.expiry, now)
                    .into_iter()
                    .map(|p| ExpiringPoints {
                        points: p.points,
                        expires_at: p.at,
                    })
                    .collect(),
                pending_lots: ledger
                    .pending_lots(now)
                    .into_iter()
                    .map(|p| PendingPoints {
                        points: p.points,
                        available_at: p.at,
                    })
                    .collect(),
                birthday_reward: self.next_birthday_reward(program, now),
            },
            rewards: program
                .rewards
                .iter()
                .map(|r| RewardView {
                    id: r.id.clone(),
                    name: r.name.clone(),
                    cost: r.cost,
                    kind: r.kind,
                    value: r.value,
                    affordable: balance >= r.cost,
                })
                .collect(),
            redemptions: self
                .redemptions_since(now.plus_days(-SHOPPER_REDEMPTION_DAYS), now)
                .take(SHOPPER_REDEMPTIONS)
                .collect(),
            subscriptions,
            subscription_options: SubscriptionOptions {
                allowed_intervals: settings.allowed_intervals.clone(),
                swap_options,
                addons,
                max_quantity: settings.max_quantity,
                max_pause_days: settings.max_pause_days,
                reschedule_window_days: settings.reschedule_window_days,
                cutoff_hours: settings.cutoff_hours,
                cancel_reasons: settings.cancel_reasons.clone(),
            },
            preferences: self.preferences(program).clone(),
        }
    }

    /// `GET /v1/admin/customers/{id}` at `now`; `logged` is the consent log
    /// kept apart from the state, older than [`Customer::consents`].
    pub fn admin_view(
        &self,
        customer_id: &str,
        program: &Program,
        logged: Vec<ConsentRecord>,
        entries: Vec<Entry>,
        now: Instant,
    ) -> AdminCustomerView {
        let ledger = self.points_as_of(self.ledger.with_logged(entries), program, now);
        let mut customer = self.view(customer_id, program, now);
        customer.redemptions = self
            .redemptions_since(Instant::from_unix(i64::MIN), now)
            .collect();
        AdminCustomerView {
            customer,
            consents: logged
                .into_iter()
                .chain(self.consents.iter().cloned())
                .collect(),
            ledger: ledger.entries.iter().map(activity_item).collect(),
        }
    }

    /// `GET /v1/me/activity` at `now`: `limit` entries after `cursor`.
    /// `logged` holds the entries of the store's log the page may need:
    /// the `limit + 1` newest after the cursor and, when the page may
    /// reach the carried-forward entry, every one older than the history
    /// window.
    pub fn activity(
        &self,
        program: &Program,
        now: Instant,
        limit: usize,
        cursor: Option<ActivityCursor>,
        logged: Vec<Entry>,
    ) -> ActivityPage {
        let ledger = self.points_as_of(self.ledger.with_logged(logged), program, now);
        let (items, next) = activity_page(&ledger.entries, limit, cursor);
        ActivityPage {
            items: items.iter().map(activity_item).collect(),
            next_cursor: next.map(|c| c.to_string()),
        }
    }

    /// Applies one of the merchant's events at `now`.
    pub fn apply_event(
        &mut self,
        program: &Program,
        event: MerchantEvent,
        now: Instant,
    ) -> Result<(), DomainError> {
        event.validate(program, now)?;
        let mut next = self.clone();
        next.settle(program, now);
        match event {
            MerchantEvent::OrderPaid {
                order_id,
                amount_minor,
                paid_at,
                ..
            } => {
                let paid_at = paid_at.unwrap_or(now);
                let multiplier = tiers::multiplier_at(&next.ledger, program, paid_at);
                next.ledger.earn_order(
                    program,
                    &order_id,
                    amount_minor,
                    paid_at,
                    multiplier,
                    now,
                )?;
            }
            MerchantEvent::OrderRefunded {
                order_id,
                amount_minor,
            } => {
                next.ledger
                    .refund_order(program, &order_id, amount_minor, now)?;
            }
            MerchantEvent::PointsAdjusted {
                points,
                reason,
                expires_at,
                at,
            } => {
                next.ledger
                    .adjust(program, points, &reason, expires_at, at.unwrap_or(now), now)?;
            }
            MerchantEvent::ReviewSubmitted { product_id, rating } => {
                next.review_invites.on_review(
                    program,
                    &next.subscriptions,
                    &product_id,
                    rating,
                    now,
                );
                next.contact.record_review(Review {
                    product_id,
                    rating,
                    at: now,
                });
            }
            MerchantEvent::SubscriptionUpserted { subscription } => {
                let id = subscription.id.clone();
                let index = next.subscriptions.iter().position(|r| r.id() == id);
                let previous = index.map(|i| &next.subscriptions[i]);
                let record = SubscriptionRecord::upsert(previous, subscription, program)?;
                match index {
                    Some(i) => next.subscriptions[i] = record,
                    None => next.subscriptions.push(record),
                }
            }
            MerchantEvent::SubscriptionCharged {
                subscription_id,
                charged_on,
            } => {
                next.subscription_mut(&subscription_id)?
                    .charge(charged_on, now)?;
            }
        }
        next.review_invites.drop_subscribed(&next.subscriptions);
        *self = next;
        Ok(())
    }

    /// `POST /v1/me/redemptions`: spends the reward's cost for a coupon.
    pub fn redeem(
        &mut self,
        program: &Program,
        reward_id: &str,
        random: &mut dyn RandomSource,
        now: Instant,
    ) -> Result<RedemptionResponse, DomainError> {
        let reward = program
            .reward(reward_id)
            .ok_or_else(|| DomainError::RewardNotFound(reward_id.to_owned()))?;
        let mut next = self.clone();
        next.settle(program, now);
        next.ledger.redeem(
            program,
            reward.cost,
            format!("Redeemed: {}", reward.name),
            now,
        )?;
        let code = unique_code(random, &next.redemptions);
        let id = format!(
            "red_{}",
            coupon_code(random).replace('-', "").to_ascii_lowercase()
        );
        let redemption = Redemption {
            id: id.clone(),
            reward_id: reward.id.clone(),
            code: code.clone(),
            points: reward.cost,
            at: now,
            name: reward.name.clone(),
            kind: Some(reward.kind),
            value: reward.value,
            used_at: None,
            order_id: None,
        };
        let balance = next.ledger.balance(now);
        next.new_events
            .push(EventOut::reward_redeemed(&redemption, balance));
        next.redemptions.push(redemption);
        *self = next;
        Ok(RedemptionResponse {
            redemption_id: id,
            code,
            points_spent: reward.cost,
            balance,
        })
    }

    /// Takes the events made since the last call, oldest first.
    pub fn take_events(&mut self) -> Vec<EventOut> {
        std::mem::take(&mut self.new_events)
    }

    /// Redemptions made after `since` (and kept at `now`), newest first.
    fn redemptions_since(
        &self,
        since: Instant,
        now: Instant,
    ) -> impl Iterator<Item = RedemptionView> {
        let mut kept: Vec<&Redemption> = self
            .redemptions
            .iter()
            .filter(|r| r.at >= since && r.at <= now)
            .collect();
        kept.sort_by(|a, b| (b.at, &b.id).cmp(&(a.at, &a.id)));
        kept.into_iter().map(|r| RedemptionView {
            redemption_id: r.id.clone(),
            reward_id: r.reward_id.clone(),
            name: r.name.clone(),
            code: r.code.clone(),
            points_spent: r.points,
            at: r.at,
            used_at: r.used_at,
        })
    }

    /// The coupon codes of the redemptions kept (a store indexes them so
    /// the checkout can look a code up; the handler indexes orders as
    /// [`order_lookup`] keys beside them, as they come and go).
    pub fn codes(&self) -> Vec<String> {
        self.redemptions.iter().map(|r| r.code.clone()).collect()
    }

    /// `GET /v1/admin/redemptions/{code}` for this customer's code.
    pub fn code_view(&self, customer_id: &str, code: &str) -> Option<CodeView> {
        let r = self.redemptions.iter().find(|r| r.code == code)?;
        Some(CodeView {
            customer_id: customer_id.to_owned(),
            redemption_id: r.id.clone(),
            reward_id: r.reward_id.clone(),
            kind: r.kind,
            value: r.value,
            code: r.code.clone(),
            points_spent: r.points,
            at: r.at,
            used_at: r.used_at,
        })
    }

    /// `POST /v1/admin/redemptions/{code}/use`: marks the code used for
    /// `order_id`. Using it again for the same order changes nothing; for
    /// another order it is refused.
    pub fn use_code(
        &mut self,
        customer_id: &str,
        code: &str,
        order_id: &str,
        now: Instant,
    ) -> Result<CodeView, DomainError> {
        if order_id.is_empty() || order_id.len() > 255 {
            return Err(DomainError::invalid(
                "order_id",
                "An order id is 1 to 255 characters.",
            ));
        }
        let r = self
            .redemptions
            .iter_mut()
            .find(|r| r.code == code)
            .ok_or_else(|| DomainError::CodeNotFound(code.to_owned()))?;
        match &r.order_id {
            Some(used_for) if used_for != order_id => {
                return Err(DomainError::CodeAlreadyUsed {
                    code: code.to_owned(),
                    order_id: used_for.clone(),
                });
            }
            Some(_) => {}
            None => {
                r.order_id = Some(order_id.to_owned());
                r.used_at = Some(now);
            }
        }
        self.code_view(customer_id, code)
            .ok_or_else(|| DomainError::CodeNotFound(code.to_owned()))
    }

    /// `POST /v1/me/subscriptions/{id}/actions` with a parsed JSON body.
    pub fn perform_action(
        &mut self,
        program: &Program,
        subscription_id: &str,
        body: &serde_json::Value,
        now: Instant,
    ) -> Result<Subscription, DomainError> {
        let mut next = self.clone();
        next.settle(program, now);
        let record = next
            .subscriptions
            .iter_mut()
            .find(|r| r.id() == subscription_id);
        let previous = record.as_ref().map(|r| r.subscription.clone());
        let after = subscription::perform(record, subscription_id, body, program, now)?;
        if let (Some(previous), Some(action)) = (previous, body["action"].as_str()) {
            next.new_events
                .push(EventOut::subscription_updated(action, &after, &previous));
        }
        // A reactivation subscribes again: an invitation waiting for this
        // product is answered.
        next.review_invites.drop_subscribed(&next.subscriptions);
        *self = next;
        Ok(after)
    }

    /// `PUT …/preferences`: validates and stores the whole document, with
    /// a consent record for each switch that changed. A change of the
    /// birthday follows SPEC 2.7: the shopper's is refused with
    /// `birthday_locked` within 365 days of their last one.
    pub fn save_preferences(
        &mut self,
        program: &Program,
        preferences: Preferences,
        source: ConsentSource,
        now: Instant,
    ) -> Result<(), DomainError> {
        preferences.validate()?;
        self.birthday.change(
            self.preferences(program).parsed_birthday(),
            preferences.parsed_birthday(),
            source,
            now,
        )?;
        let unchanged = preferences == *self.preferences(program);
        let changes = preferences.consent_changes(self.preferences(program));
        let appended: Vec<ConsentRecord> = changes
            .into_iter()
            .map(|(what, old, new)| ConsentRecord {
                at: now,
                what,
                old,
                new,
                source,
            })
            .collect();
        if !unchanged {
            self.new_events.push(EventOut::preferences_updated(
                source,
                &preferences,
                &appended,
            ));
        }
        self.consents.extend(appended);
        self.preferences = Some(preferences);
        Ok(())
    }

    /// `POST /v1/admin/customers/{id}/messages`: decides and records a
    /// marketing send toward the weekly cap.
    pub fn decide_message(
        &mut self,
        program: &Program,
        request: &MessageRequest,
        now: Instant,
    ) -> Result<MessageDecision, DomainError> {
        self.contact.prune(now);
        let prefs = self.preferences(program);
        let decision = decision::decide(request, prefs, program, &self.contact, now)?;
        self.contact.record_decision(request.topic, &decision, now);
        Ok(decision)
    }

    /// Plans the reminders due up to `now`, decides each at its planned
    /// instant and puts the ones to send in the outbox. Returns the new
    /// outbox items. Call after every write and when [`Self::next_wake`]
    /// comes.
    pub fn run_reminders(
        &mut self,
        customer_id: &str,
        program: &Program,
        now: Instant,
    ) -> Vec<OutboxItem> {
        let ledger = self.ledger.as_of(program, now);
        let subscriptions: Vec<Subscription> =
            self.subscriptions.iter().map(|r| r.as_of(now)).collect();
        let prefs = self.preferences(program).clone();
        let input = PlannerInput {
            ledger: &ledger,
            subscriptions: &subscriptions,
            preferences: &prefs,
            program,
        };
        // A customer's first run starts the clock: nothing planned before
        // it is due, what is planned for this very instant is.
        let from = self
            .reminders
            .planned_through
            .unwrap_or(now.plus_seconds(-1));
        let mut ahead = self.review_invites.due(now);
        ahead.extend(self.birthday.take_reminder(&ledger));
        let due = reminders::due(&input, &self.reminders, from, now, ahead);
        let mut added = Vec::new();
        for reminder in due {
            reminders::mark_done(&mut self.reminders, &reminder, now);
            if let (ReminderKind::SubscribeInvite, Some(product)) =
                (reminder.kind, reminder.data["product_id"].as_str())
            {
                self.review_invites.handled(product);
            }
            let decision =
                decision::decide_reminder(reminder.kind.topic(), &prefs, program, reminder.at);
            if let (Some(channel), Some(send_at)) = (decision.channel, decision.send_at) {
                added.push(OutboxItem {
                    id: reminders::outbox_id(customer_id, &reminder.key),
                    customer_id: customer_id.to_owned(),
                    kind: reminder.kind,
                    topic: reminder.kind.topic(),
                    channel,
                    fallback_channels: decision::fallback_channels(&prefs, channel),
                    send_at,
                    locale: prefs.locale.clone(),
                    data: reminder.data,
                });
            }
        }
        self.reminders.tier = tiers::standing(&ledger, program, now).map(|s| s.tier.id.clone());
        self.reminders.planned_through = Some(now.max(from));
        self.new_events
            .extend(added.iter().map(EventOut::reminder_due));
        self.outbox.extend(added.iter().cloned());
        let excess = self.outbox.len().saturating_sub(MAX_OUTBOX_ITEMS);
        self.outbox.drain(..excess);
        added
    }

    /// When reminders should next be planned for this customer.
    pub fn next_wake(&self, program: &Program, now: Instant) -> Option<Instant> {
        let ledger = self.ledger.as_of(program, now);
        let subscriptions: Vec<Subscription> =
            self.subscriptions.iter().map(|r| r.as_of(now)).collect();
        let prefs = self.preferences(program);
        let input = PlannerInput {
            ledger: &ledger,
            subscriptions: &subscriptions,
            preferences: prefs,
            program,
        };
        let birthday = self
            .birthday
            .next_wake(prefs.parsed_birthday(), &prefs.time_zone, now);
        [
            reminders::next_wake(&input, now),
            self.review_invites.next_due(now),
            birthday,
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// Outbox items whose `send_at` has come, oldest first.
    pub fn due_outbox(&self, now: Instant) -> Vec<&OutboxItem> {
        let mut due: Vec<&OutboxItem> = self.outbox.iter().filter(|i| i.send_at <= now).collect();
        due.sort_by(|a, b| (a.send_at, &a.id).cmp(&(b.send_at, &b.id)));
        due
    }

    /// Removes an outbox item the merchant has handled; `false` if unknown.
    pub fn ack(&mut self, outbox_id: &str) -> bool {
        let before = self.outbox.len();
        self.outbox.retain(|i| i.id != outbox_id);
        self.outbox.len() != before
    }

    fn subscription_mut(&mut self, id: &str) -> Result<&mut SubscriptionRecord, DomainError> {
        self.subscriptions
            .iter_mut()
            .find(|r| r.id() == id)
            .ok_or_else(|| DomainError::SubscriptionNotFound(id.to_owned()))
    }
}

/// The lookup key of an order (coupon codes never contain a colon).
pub fn order_lookup(order_id: &str) -> String {
    format!("order:{order_id}")
}

/// A coupon code no earlier redemption of this customer has. 60 random
/// bits make a collision all but impossible; a broken random source must
/// still not loop forever, so after a few tries a counter makes it unique.
fn unique_code(random: &mut dyn RandomSource, taken: &[Redemption]) -> String {
    let is_taken = |code: &str| taken.iter().any(|r| r.code == code);
    let mut code = coupon_code(random);
    for _ in 0..8 {
        if !is_taken(&code) {
            return code;
        }
        code = coupon_code(random);
    }
    let mut n = taken.len();
    loop {
        let candidate = format!("{code}-{n}");
        if !is_taken(&candidate) {
            return candidate;
        }
        n += 1;
    }
}

fn activity_item(entry: &Entry) -> ActivityItem {
    ActivityItem {
        id: entry.id.to_string(),
        kind: entry.kind,
        points: entry.points,
        at: entry.at,
        description: entry.description.clone(),
        shortfall: entry.shortfall,
    }
}
