//! The API documents the widget reads and writes (SPEC 3.3, 3.5). Read from
//! and written to JS values field by field (serde's generic machinery would
//! triple the widget's size); dates and instants stay strings, formatted by
//! the browser's `Intl`, so no date library ships to shoppers either.

use wasm_bindgen::JsValue;

use crate::json::{FromJs, Read, Write, array, object};

/// `GET /v1/me`.
#[derive(Clone, Debug, PartialEq)]
pub struct Me {
    /// The loyalty summary.
    pub loyalty: Loyalty,
    /// The rewards catalogue with affordability.
    pub rewards: Vec<Reward>,
    /// The shopper's codes of the last year, newest first.
    pub redemptions: Vec<PastRedemption>,
    /// Every subscription of the shopper.
    pub subscriptions: Vec<Subscription>,
    /// What the shop allows subscriptions to change to.
    pub subscription_options: SubscriptionOptions,
    /// The contact preferences.
    pub preferences: Preferences,
}

/// Points, tier and expiries.
#[derive(Clone, Debug, PartialEq)]
pub struct Loyalty {
    /// Spendable points.
    pub balance: i64,
    /// Points not yet spendable.
    pub pending: i64,
    /// The tier held now.
    pub tier: TierRef,
    /// The tier metric now (progress toward the next tier's threshold).
    pub qualifying_points: i64,
    /// The next tier and the points still needed, if any.
    pub next_tier: Option<NextTier>,
    /// Last date the tier is held with no new activity.
    pub tier_held_until: Option<String>,
    /// Upcoming expiries, soonest first.
    pub expiring: Vec<Expiring>,
    /// Pending points by the instant they become spendable.
    pub pending_lots: Vec<PendingLot>,
    /// The next birthday reward, when the shop gives one and the birthday
    /// is set.
    pub birthday_reward: Option<BirthdayReward>,
}

/// The next birthday reward (`loyalty.birthday_reward`).
#[derive(Clone, Debug, PartialEq)]
pub struct BirthdayReward {
    /// How many points.
    pub points: i64,
    /// The date they are credited, `YYYY-MM-DD`.
    pub on: String,
}

/// A tier by id and name.
#[derive(Clone, Debug, PartialEq)]
pub struct TierRef {
    /// Display name.
    pub name: String,
}

/// The next tier.
#[derive(Clone, Debug, PartialEq)]
pub struct NextTier {
    /// Display name.
    pub name: String,
    /// Qualifying points the tier starts at.
    pub threshold: i64,
    /// Qualifying points still needed.
    pub points_needed: i64,
}

/// Points that expire at one instant.
#[derive(Clone, Debug, PartialEq)]
pub struct Expiring {
    /// How many.
    pub points: i64,
    /// When, as an API instant.
    pub expires_at: String,
}

/// Points that become spendable at one instant.
#[derive(Clone, Debug, PartialEq)]
pub struct PendingLot {
    /// How many.
    pub points: i64,
    /// When, as an API instant.
    pub available_at: String,
}

/// A reward of the catalogue.
#[derive(Clone, Debug, PartialEq)]
pub struct Reward {
    /// Stable id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Points it costs.
    pub cost: i64,
    /// Whether the balance covers it.
    pub affordable: bool,
}

/// `POST /v1/me/redemptions` answer.
#[derive(Clone, Debug, PartialEq)]
pub struct Redemption {
    /// The coupon code.
    pub code: String,
    /// Points spent.
    pub points_spent: i64,
    /// Balance after.
    pub balance: i64,
}

/// A code the shopper redeemed (`redemptions` of `GET /v1/me`).
#[derive(Clone, Debug, PartialEq)]
pub struct PastRedemption {
    /// The reward's name.
    pub name: String,
    /// The coupon code.
    pub code: String,
    /// When it was used at the shop's checkout, if it was.
    pub used_at: Option<String>,
}

/// One page of `GET /v1/me/activity`.
#[derive(Clone, Debug, PartialEq)]
pub struct ActivityPage {
    /// Newest first.
    pub items: Vec<ActivityItem>,
    /// Cursor of the next page.
    pub next_cursor: Option<String>,
}

/// One ledger entry as the shopper sees it.
#[derive(Clone, Debug, PartialEq)]
pub struct ActivityItem {
    /// Stable id.
    pub id: String,
    /// Entry kind (earn, redeem, expire, ...).
    pub kind: String,
    /// Signed points.
    pub points: i64,
    /// When.
    pub at: String,
    /// What happened, in the shop's words.
    pub description: String,
}

/// A delivery frequency.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Interval {
    /// `day`, `week` or `month`.
    pub unit: IntervalUnit,
    /// How many units.
    pub count: u32,
}

/// Unit of an interval.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IntervalUnit {
    /// Days.
    Day,
    /// Weeks.
    Week,
    /// Months.
    Month,
}

/// A subscription (SPEC 3.5).
#[derive(Clone, Debug, PartialEq)]
pub struct Subscription {
    /// Stable id.
    pub id: String,
    /// Product id, the key of swap options.
    pub product_id: String,
    /// Variant delivered.
    pub variant_id: String,
    /// Display title.
    pub title: String,
    /// Units per delivery.
    pub quantity: u32,
    /// Unit price in minor units.
    pub price_minor: i64,
    /// ISO 4217 currency.
    pub currency: String,
    /// Frequency.
    pub interval: Interval,
    /// `active`, `paused` or `cancelled`.
    pub status: String,
    /// Next charge date.
    pub next_charge_on: Option<String>,
    /// End of a pause.
    pub paused_until: Option<String>,
    /// A save-offer discount in effect.
    pub discount_percent: Option<u32>,
    /// One-time items going out with the next delivery only.
    pub onetime_items: Vec<SwapVariant>,
}

/// What subscriptions may change to.
#[derive(Clone, Debug, PartialEq)]
pub struct SubscriptionOptions {
    /// Frequencies on offer.
    pub allowed_intervals: Vec<Interval>,
    /// Variants per product. A list, not a map: a few products, and with
    /// `BTreeMap`s (this and `addons`) the widget was 136,324 bytes gzip,
    /// over its budget, against 133,631 with lists.
    pub swap_options: Variants,
    /// One-time add-ons per product.
    pub addons: Variants,
    /// Most units per delivery.
    pub max_quantity: u32,
    /// Longest pause.
    pub max_pause_days: u32,
    /// How far ahead a delivery may be moved.
    pub reschedule_window_days: u32,
    /// Hours before a charge when changes lock.
    pub cutoff_hours: u32,
    /// Reasons to choose from when cancelling.
    pub cancel_reasons: Vec<CancelReason>,
}

/// Variants by product id.
pub type Variants = Vec<(String, Vec<SwapVariant>)>;

/// The variants `variants` lists for `product` (none when it lists none).
pub fn variants_of<'a>(variants: &'a Variants, product: &str) -> &'a [SwapVariant] {
    variants
        .iter()
        .find(|(p, _)| p == product)
        .map_or(&[], |(_, list)| list)
}

/// A product variant: one to swap to, an add-on on offer, or (with its
/// quantity) a one-time item of the next delivery. One type and one
/// reader for the three, as the API's core has.
#[derive(Clone, Debug, PartialEq)]
pub struct SwapVariant {
    /// Variant id.
    pub variant_id: String,
    /// Display title.
    pub title: String,
    /// Price in minor units.
    pub price_minor: i64,
    /// Units of a one-time item; 0 for an option on offer.
    pub quantity: u32,
}

/// A cancel reason with its save offer.
#[derive(Clone, Debug, PartialEq)]
pub struct CancelReason {
    /// Stable id.
    pub id: String,
    /// The shop's label.
    pub label: String,
    /// What the shop offers instead.
    pub offer: Option<SaveOffer>,
}

/// A save offer.
#[derive(Clone, Debug, PartialEq)]
pub enum SaveOffer {
    /// Skip the next delivery.
    Skip,
    /// Pause for some days.
    Pause {
        /// Days of pause.
        days: u32,
    },
    /// A lasting discount.
    Discount {
        /// Percent off.
        percent: u32,
    },
}

/// The contact preferences document (SPEC 3.5), written back whole.
#[derive(Clone, Debug, PartialEq)]
pub struct Preferences {
    /// Consent per channel.
    pub channels: Channels,
    /// Fallback order of channel names.
    pub channel_order: Vec<String>,
    /// Switch per topic.
    pub topics: Topics,
    /// One switch for all marketing.
    pub marketing_unsubscribed: bool,
    /// Weekly cap, or none.
    pub max_per_week: Option<u8>,
    /// IANA zone of the quiet hours.
    pub time_zone: String,
    /// Quiet hours, or none.
    pub quiet_hours: Option<QuietHours>,
    /// No marketing before this instant.
    pub snoozed_until: Option<String>,
    /// Days before an expiry to remind.
    pub expiry_reminder_days: Vec<u16>,
    /// Language of the shop's messages.
    pub locale: String,
    /// `MM-DD`, or none.
    pub birthday: Option<String>,
}

/// One channel's consent.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ChannelSetting {
    /// Whether the shop may use it.
    pub enabled: bool,
}

/// Consent for every channel.
#[derive(Clone, Debug, PartialEq)]
pub struct Channels {
    /// Email.
    pub email: ChannelSetting,
    /// SMS.
    pub sms: ChannelSetting,
    /// WhatsApp.
    pub whatsapp: ChannelSetting,
    /// Telegram.
    pub telegram: ChannelSetting,
    /// Viber.
    pub viber: ChannelSetting,
    /// Push notifications.
    pub push: ChannelSetting,
}

impl Channels {
    /// The switch of the channel named `name`.
    pub fn get_mut(&mut self, name: &str) -> Option<&mut ChannelSetting> {
        Some(match name {
            "email" => &mut self.email,
            "sms" => &mut self.sms,
            "whatsapp" => &mut self.whatsapp,
            "telegram" => &mut self.telegram,
            "viber" => &mut self.viber,
            "push" => &mut self.push,
            _ => return None,
        })
    }

    /// Whether the channel named `name` is on.
    pub fn enabled(&self, name: &str) -> bool {
        match name {
            "email" => self.email.enabled,
            "sms" => self.sms.enabled,
            "whatsapp" => self.whatsapp.enabled,
            "telegram" => self.telegram.enabled,
            "viber" => self.viber.enabled,
            "push" => self.push.enabled,
            _ => false,
        }
    }
}

/// Switch per topic.
#[derive(Clone, Debug, PartialEq)]
pub struct Topics {
    /// Promotions.
    pub promotions: bool,
    /// Reward updates.
    pub reward_updates: bool,
    /// New products.
    pub new_products: bool,
    /// Recommendations.
    pub recommendations: bool,
    /// Transactional: always true.
    pub order_updates: bool,
    /// Transactional: always true.
    pub subscription_updates: bool,
}

impl Topics {
    /// Whether the marketing topic named `name` is on.
    pub fn enabled(&self, name: &str) -> bool {
        match name {
            "promotions" => self.promotions,
            "reward_updates" => self.reward_updates,
            "new_products" => self.new_products,
            "recommendations" => self.recommendations,
            _ => false,
        }
    }

    /// The switch of the marketing topic named `name`.
    pub fn get_mut(&mut self, name: &str) -> Option<&mut bool> {
        Some(match name {
            "promotions" => &mut self.promotions,
            "reward_updates" => &mut self.reward_updates,
            "new_products" => &mut self.new_products,
            "recommendations" => &mut self.recommendations,
            _ => return None,
        })
    }
}

/// Quiet hours as `HH:MM` in the preferences' zone.
#[derive(Clone, Debug, PartialEq)]
pub struct QuietHours {
    /// Start.
    pub start: String,
    /// End.
    pub end: String,
}

/// An `application/problem+json` body: only its stable `code` matters
/// here (the widget says what went wrong in its own language; the API's
/// English `detail` is for developers).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Problem {
    /// Stable code.
    pub code: String,
}

impl FromJs for Me {
    fn from_js(v: &JsValue) -> Option<Self> {
        Some(Me {
            loyalty: v.doc("loyalty")?,
            rewards: v.list("rewards")?,
            // Optional: a server older than the codes list still loads.
            redemptions: v.list("redemptions").unwrap_or_default(),
            subscriptions: v.list("subscriptions")?,
            subscription_options: v.doc("subscription_options")?,
            preferences: v.doc("preferences")?,
        })
    }
}

impl FromJs for Loyalty {
    fn from_js(v: &JsValue) -> Option<Self> {
        Some(Loyalty {
            balance: v.int("balance")?,
            pending: v.int("pending")?,
            tier: v.doc("tier")?,
            qualifying_points: v.int("qualifying_points").unwrap_or(0),
            next_tier: v.opt_doc("next_tier")?,
            tier_held_until: v.opt_text("tier_held_until")?,
            expiring: v.list("expiring")?,
            pending_lots: v.list("pending_lots")?,
            birthday_reward: v.opt_doc("birthday_reward")?,
        })
    }
}

impl FromJs for BirthdayReward {
    fn from_js(v: &JsValue) -> Option<Self> {
        Some(BirthdayReward {
            points: v.int("points")?,
            on: v.text("on")?,
        })
    }
}

impl FromJs for PastRedemption {
    fn from_js(v: &JsValue) -> Option<Self> {
        Some(PastRedemption {
            name: v.text("name")?,
            code: v.text("code")?,
            used_at: v.opt_text("used_at")?,
        })
    }
}

impl FromJs for TierRef {
    fn from_js(v: &JsValue) -> Option<Self> {
        Some(TierRef {
            name: v.text("name")?,
        })
    }
}

impl FromJs for NextTier {
    fn from_js(v: &JsValue) -> Option<Self> {
        Some(NextTier {
            name: v.text("name")?,
            threshold: v.int("threshold")?,
            points_needed: v.int("points_needed")?,
        })
    }
}

impl FromJs for Expiring {
    fn from_js(v: &JsValue) -> Option<Self> {
        Some(Expiring {
            points: v.int("points")?,
            expires_at: v.text("expires_at")?,
        })
    }
}

impl FromJs for PendingLot {
    fn from_js(v: &JsValue) -> Option<Self> {
        Some(PendingLot {
            points: v.int("points")?,
            available_at: v.text("available_at")?,
        })
    }
}

impl FromJs for Reward {
    fn from_js(v: &JsValue) -> Option<Self> {
        Some(Reward {
            id: v.text("id")?,
            name: v.text("name")?,
            cost: v.int("cost")?,
            affordable: v.flag("affordable")?,
        })
    }
}

impl FromJs for Redemption {
    fn from_js(v: &JsValue) -> Option<Self> {
        Some(Redemption {
            code: v.text("code")?,
            points_spent: v.int("points_spent")?,
            balance: v.int("balance")?,
        })
    }
}

impl FromJs for ActivityPage {
    fn from_js(v: &JsValue) -> Option<Self> {
        Some(ActivityPage {
            items: v.list("items")?,
            next_cursor: v.opt_text("next_cursor")?,
        })
    }
}

impl FromJs for ActivityItem {
    fn from_js(v: &JsValue) -> Option<Self> {
        Some(ActivityItem {
            id: v.text("id")?,
            kind: v.text("kind")?,
            points: v.int("points")?,
            at: v.text("at")?,
            description: v.text("description")?,
        })
    }
}

impl FromJs for Interval {
    fn from_js(v: &JsValue) -> Option<Self> {
        let unit = match v.text("unit")?.as_str() {
            "day" => IntervalUnit::Day,
            "week" => IntervalUnit::Week,
            "month" => IntervalUnit::Month,
            _ => return None,
        };
        Some(Interval {
            unit,
            count: u32::try_from(v.int("count")?).ok()?,
        })
    }
}

impl IntervalUnit {
    /// The API's word for the unit.
    pub fn as_str(self) -> &'static str {
        match self {
            IntervalUnit::Day => "day",
            IntervalUnit::Week => "week",
            IntervalUnit::Month => "month",
        }
    }
}

impl Write for Interval {
    fn to_js(&self) -> JsValue {
        object(&[
            ("unit", self.unit.as_str().into()),
            ("count", f64::from(self.count).into()),
        ])
    }
}

impl FromJs for Subscription {
    fn from_js(v: &JsValue) -> Option<Self> {
        Some(Subscription {
            id: v.text("id")?,
            product_id: v.text("product_id")?,
            variant_id: v.text("variant_id")?,
            title: v.text("title")?,
            quantity: u32::try_from(v.int("quantity")?).ok()?,
            price_minor: v.int("price_minor")?,
            currency: v.text("currency")?,
            interval: v.doc("interval")?,
            status: v.text("status")?,
            next_charge_on: v.opt_text("next_charge_on")?,
            paused_until: v.opt_text("paused_until")?,
            discount_percent: v
                .opt_int("discount_percent")?
                .and_then(|p| u32::try_from(p).ok()),
            // Optional: a server older than SPEC 2.7 still loads.
            onetime_items: v.list("onetime_items").unwrap_or_default(),
        })
    }
}

impl FromJs for SubscriptionOptions {
    fn from_js(v: &JsValue) -> Option<Self> {
        let count = |key: &str| v.int(key).and_then(|n| u32::try_from(n).ok());
        Some(SubscriptionOptions {
            allowed_intervals: v.list("allowed_intervals")?,
            swap_options: variants(&v.get("swap_options"))?,
            addons: variants(&v.get("addons"))?,
            max_quantity: count("max_quantity")?,
            max_pause_days: count("max_pause_days")?,
            reschedule_window_days: count("reschedule_window_days")?,
            cutoff_hours: count("cutoff_hours")?,
            cancel_reasons: v.list("cancel_reasons")?,
        })
    }
}

/// A `{product: [variant]}` object (missing: none, as from a server older
/// than the field).
fn variants(map: &JsValue) -> Option<Variants> {
    let mut out = Vec::new();
    if map.is_object() {
        for key in js_sys::Object::keys(&map.clone().into()).iter() {
            let key = key.as_string()?;
            let list = map.list(&key)?;
            out.push((key, list));
        }
    }
    Some(out)
}

impl FromJs for SwapVariant {
    fn from_js(v: &JsValue) -> Option<Self> {
        Some(SwapVariant {
            variant_id: v.text("variant_id")?,
            title: v.text("title")?,
            price_minor: v.int("price_minor")?,
            quantity: v
                .int("quantity")
                .and_then(|n| u32::try_from(n).ok())
                .unwrap_or(0),
        })
    }
}

impl FromJs for CancelReason {
    fn from_js(v: &JsValue) -> Option<Self> {
        Some(CancelReason {
            id: v.text("id")?,
            label: v.text("label")?,
            offer: v.opt_doc("offer")?,
        })
    }
}

impl FromJs for SaveOffer {
    fn from_js(v: &JsValue) -> Option<Self> {
        let number = |key: &str| v.int(key).and_then(|n| u32::try_from(n).ok());
        Some(match v.text("kind")?.as_str() {
            "skip" => SaveOffer::Skip,
            "pause" => SaveOffer::Pause {
                days: number("days")?,
            },
            "discount" => SaveOffer::Discount {
                percent: number("percent")?,
            },
            _ => return None,
        })
    }
}

const CHANNEL_NAMES: [&str; 6] = ["email", "sms", "whatsapp", "telegram", "viber", "push"];
const TOPIC_NAMES: [&str; 6] = [
    "promotions",
    "reward_updates",
    "new_products",
    "recommendations",
    "order_updates",
    "subscription_updates",
];

impl FromJs for Preferences {
    fn from_js(v: &JsValue) -> Option<Self> {
        let channels = v.get("channels");
        let channel = |name: &str| {
            channels
                .get(name)
                .flag("enabled")
                .map(|enabled| ChannelSetting { enabled })
        };
        let topics = v.get("topics");
        let days: Vec<i64> = v.list("expiry_reminder_days")?;
        Some(Preferences {
            channels: Channels {
                email: channel("email")?,
                sms: channel("sms")?,
                whatsapp: channel("whatsapp")?,
                telegram: channel("telegram")?,
                viber: channel("viber")?,
                push: channel("push")?,
            },
            channel_order: v.list("channel_order")?,
            topics: Topics {
                promotions: topics.flag("promotions")?,
                reward_updates: topics.flag("reward_updates")?,
                new_products: topics.flag("new_products")?,
                recommendations: topics.flag("recommendations")?,
                order_updates: topics.flag("order_updates")?,
                subscription_updates: topics.flag("subscription_updates")?,
            },
            marketing_unsubscribed: v.flag("marketing_unsubscribed")?,
            max_per_week: v
                .opt_int("max_per_week")?
                .and_then(|n| u8::try_from(n).ok()),
            time_zone: v.text("time_zone")?,
            quiet_hours: v.opt_doc("quiet_hours")?,
            snoozed_until: v.opt_text("snoozed_until")?,
            expiry_reminder_days: days
                .into_iter()
                .filter_map(|d| u16::try_from(d).ok())
                .collect(),
            locale: v.text("locale")?,
            // A server older than SPEC 2.7 has none.
            birthday: v.opt_text("birthday")?,
        })
    }
}

impl Write for Preferences {
    fn to_js(&self) -> JsValue {
        let flag = |on: bool| object(&[("enabled", on.into())]);
        let c = &self.channels;
        let t = &self.topics;
        let channels = [c.email, c.sms, c.whatsapp, c.telegram, c.viber, c.push];
        let topics = [
            t.promotions,
            t.reward_updates,
            t.new_products,
            t.recommendations,
            t.order_updates,
            t.subscription_updates,
        ];
        let channel_fields: Vec<(&str, JsValue)> = CHANNEL_NAMES
            .iter()
            .zip(channels)
            .map(|(n, s)| (*n, flag(s.enabled)))
            .collect();
        let topic_fields: Vec<(&str, JsValue)> = TOPIC_NAMES
            .iter()
            .zip(topics)
            .map(|(n, on)| (*n, on.into()))
            .collect();
        object(&[
            ("channels", object(&channel_fields)),
            (
                "channel_order",
                array(self.channel_order.iter().map(|c| JsValue::from_str(c))),
            ),
            ("topics", object(&topic_fields)),
            ("marketing_unsubscribed", self.marketing_unsubscribed.into()),
            (
                "max_per_week",
                crate::json::or_null(self.max_per_week.map(|n| f64::from(n).into())),
            ),
            ("time_zone", self.time_zone.as_str().into()),
            (
                "quiet_hours",
                crate::json::or_null(self.quiet_hours.as_ref().map(|q| {
                    object(&[
                        ("start", q.start.as_str().into()),
                        ("end", q.end.as_str().into()),
                    ])
                })),
            ),
            (
                "snoozed_until",
                crate::json::or_null(self.snoozed_until.as_deref().map(JsValue::from_str)),
            ),
            (
                "expiry_reminder_days",
                array(
                    self.expiry_reminder_days
                        .iter()
                        .map(|d| f64::from(*d).into()),
                ),
            ),
            ("locale", self.locale.as_str().into()),
            // Always sent: the API refuses a document without it.
            (
                "birthday",
                crate::json::or_null(self.birthday.as_deref().map(JsValue::from_str)),
            ),
        ])
    }
}

impl FromJs for QuietHours {
    fn from_js(v: &JsValue) -> Option<Self> {
        Some(QuietHours {
            start: v.text("start")?,
            end: v.text("end")?,
        })
    }
}

impl FromJs for Problem {
    fn from_js(v: &JsValue) -> Option<Self> {
        Some(Problem {
            code: v.text("code").unwrap_or_default(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::{SwapVariant, variants_of};

    #[test]
    fn variants_of_a_product_are_its_own_or_none() {
        let variant = |id: &str| SwapVariant {
            variant_id: id.into(),
            title: id.into(),
            price_minor: 100,
            quantity: 0,
        };
        let map = vec![
            (
                "coffee".to_owned(),
                vec![variant("mug"), variant("filters")],
            ),
            ("tea".to_owned(), vec![variant("strainer")]),
        ];
        let ids = |p: &str| -> Vec<String> {
            variants_of(&map, p)
                .iter()
                .map(|v| v.variant_id.clone())
                .collect()
        };
        assert_eq!(ids("coffee"), ["mug", "filters"]);
        assert_eq!(ids("tea"), ["strainer"]);
        assert!(ids("cocoa").is_empty(), "a product without any");
    }
}
