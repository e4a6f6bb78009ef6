//! The shopper's contact preferences (SPEC 2.6, 3.5) and the consent
//! records written when they change.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::birthday::MonthDay;
use crate::error::{Checks, DomainError};
use crate::serde_util::nullable;
use crate::time::Instant;

/// A way the shop can reach the shopper.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// E-mail.
    Email,
    /// Text message.
    Sms,
    /// WhatsApp.
    Whatsapp,
    /// Telegram.
    Telegram,
    /// Viber.
    Viber,
    /// Browser or app push notification.
    Push,
}

impl Channel {
    /// Every channel, in the default fallback order.
    pub const ALL: [Channel; 6] = [
        Channel::Email,
        Channel::Sms,
        Channel::Whatsapp,
        Channel::Telegram,
        Channel::Viber,
        Channel::Push,
    ];

    /// The channel's name in documents.
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Sms => "sms",
            Channel::Whatsapp => "whatsapp",
            Channel::Telegram => "telegram",
            Channel::Viber => "viber",
            Channel::Push => "push",
        }
    }
}

/// What a message is about.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Topic {
    /// Sales and offers (marketing).
    Promotions,
    /// Points and rewards news (marketing).
    RewardUpdates,
    /// New arrivals (marketing).
    NewProducts,
    /// Personal recommendations (marketing).
    Recommendations,
    /// Order status (transactional, always on).
    OrderUpdates,
    /// Subscription renewals and changes (transactional, always on).
    SubscriptionUpdates,
}

impl Topic {
    /// Every topic, marketing ones first.
    pub const ALL: [Topic; 6] = [
        Topic::Promotions,
        Topic::RewardUpdates,
        Topic::NewProducts,
        Topic::Recommendations,
        Topic::OrderUpdates,
        Topic::SubscriptionUpdates,
    ];

    /// Transactional topics are always on and bypass marketing limits.
    pub fn is_transactional(self) -> bool {
        matches!(self, Topic::OrderUpdates | Topic::SubscriptionUpdates)
    }

    /// The topic's name in documents.
    pub fn as_str(self) -> &'static str {
        match self {
            Topic::Promotions => "promotions",
            Topic::RewardUpdates => "reward_updates",
            Topic::NewProducts => "new_products",
            Topic::Recommendations => "recommendations",
            Topic::OrderUpdates => "order_updates",
            Topic::SubscriptionUpdates => "subscription_updates",
        }
    }
}

/// Whether one channel may be used.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChannelSetting {
    /// The shopper agreed to be contacted on this channel.
    pub enabled: bool,
}

/// Consent per channel.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct Channels {
    pub email: ChannelSetting,
    pub sms: ChannelSetting,
    pub whatsapp: ChannelSetting,
    pub telegram: ChannelSetting,
    pub viber: ChannelSetting,
    pub push: ChannelSetting,
}

impl Channels {
    /// Whether `channel` is enabled.
    pub fn enabled(&self, channel: Channel) -> bool {
        self.get(channel).enabled
    }

    fn get(&self, channel: Channel) -> &ChannelSetting {
        match channel {
            Channel::Email => &self.email,
            Channel::Sms => &self.sms,
            Channel::Whatsapp => &self.whatsapp,
            Channel::Telegram => &self.telegram,
            Channel::Viber => &self.viber,
            Channel::Push => &self.push,
        }
    }
}

/// The switch per topic.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct Topics {
    pub promotions: bool,
    pub reward_updates: bool,
    pub new_products: bool,
    pub recommendations: bool,
    pub order_updates: bool,
    pub subscription_updates: bool,
}

impl Topics {
    /// Whether `topic` is switched on.
    pub fn enabled(&self, topic: Topic) -> bool {
        match topic {
            Topic::Promotions => self.promotions,
            Topic::RewardUpdates => self.reward_updates,
            Topic::NewProducts => self.new_products,
            Topic::Recommendations => self.recommendations,
            Topic::OrderUpdates => self.order_updates,
            Topic::SubscriptionUpdates => self.subscription_updates,
        }
    }
}

/// A local time of day, `HH:MM`.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct ClockTime {
    minutes: u16,
}

impl ClockTime {
    /// The time `hour:minute`, if it is a real time of day.
    pub fn new(hour: u8, minute: u8) -> Option<Self> {
        (hour < 24 && minute < 60).then(|| ClockTime {
            minutes: u16::from(hour) * 60 + u16::from(minute),
        })
    }

    /// Minutes since midnight.
    pub fn minutes(self) -> u16 {
        self.minutes
    }

    /// The hour, 0..=23.
    pub fn hour(self) -> u8 {
        (self.minutes / 60) as u8
    }

    /// The minute, 0..=59.
    pub fn minute(self) -> u8 {
        (self.minutes % 60) as u8
    }
}

impl fmt::Display for ClockTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}", self.hour(), self.minute())
    }
}

/// Why a text is not a `HH:MM` time.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a time of day written HH:MM.")]
pub struct ClockTimeParseError(pub String);

impl FromStr for ClockTime {
    type Err = ClockTimeParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        crate::rfc3339::two_pairs(s, b':')
            .and_then(|(h, m)| ClockTime::new(h, m))
            .ok_or_else(|| ClockTimeParseError(s.to_owned()))
    }
}

impl Serialize for ClockTime {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ClockTime {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        crate::serde_util::from_text(deserializer)
    }
}

/// A daily window of local time, `start <= t < end`, crossing midnight
/// when `end < start`.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuietHours {
    /// First minute inside the window.
    pub start: ClockTime,
    /// First minute after the window.
    pub end: ClockTime,
}

impl QuietHours {
    /// Whether the local time of day `seconds` (since midnight) is inside.
    pub fn contains(&self, seconds: u32) -> bool {
        let start = u32::from(self.start.minutes()) * 60;
        let end = u32::from(self.end.minutes()) * 60;
        if start <= end {
            start <= seconds && seconds < end
        } else {
            seconds >= start || seconds < end
        }
    }
}

/// The preferences document (SPEC 3.5): every field is required.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Preferences {
    /// Consent per channel.
    pub channels: Channels,
    /// Fallback order, each channel once.
    pub channel_order: Vec<Channel>,
    /// Switch per topic; transactional topics are always true.
    pub topics: Topics,
    /// One switch for all marketing.
    pub marketing_unsubscribed: bool,
    /// Weekly cap on marketing messages, 1..=21, or none.
    #[serde(deserialize_with = "nullable")]
    pub max_per_week: Option<u8>,
    /// IANA time zone name.
    pub time_zone: String,
    /// The shopper's own quiet hours, in `time_zone`.
    #[serde(deserialize_with = "nullable")]
    pub quiet_hours: Option<QuietHours>,
    /// No marketing before this instant.
    #[serde(deserialize_with = "nullable")]
    pub snoozed_until: Option<Instant>,
    /// Days before an expiry to remind, each 1..=90, at most 3.
    pub expiry_reminder_days: Vec<u16>,
    /// BCP 47 tag for the shop's messages.
    pub locale: String,
    /// The shopper's birthday written `MM-DD` (a day some year has), or
    /// none (SPEC 2.7); see [`Preferences::parsed_birthday`]. Read as null
    /// when left out, so documents stored before birthdays existed still
    /// load; the API refuses a `PUT` without it through
    /// [`require_birthday_field`].
    #[serde(default)]
    pub birthday: Option<String>,
}

impl Default for Preferences {
    fn default() -> Self {
        let on = ChannelSetting { enabled: true };
        let off = ChannelSetting { enabled: false };
        Preferences {
            channels: Channels {
                email: on,
                sms: off,
                whatsapp: off,
                telegram: off,
                viber: off,
                push: off,
            },
            channel_order: Channel::ALL.to_vec(),
            topics: Topics {
                promotions: true,
                reward_updates: true,
                new_products: true,
                recommendations: true,
                order_updates: true,
                subscription_updates: true,
            },
            marketing_unsubscribed: false,
            max_per_week: None,
            time_zone: "Europe/Moscow".to_owned(),
            quiet_hours: None,
            snoozed_until: None,
            expiry_reminder_days: vec![30, 7],
            locale: "ru".to_owned(),
            birthday: None,
        }
    }
}

impl Preferences {
    /// Checks every rule of SPEC 2.6 and names each field that breaks one.
    pub fn validate(&self) -> Result<(), DomainError> {
        let mut checks = Checks::default();
        let mut seen = Vec::new();
        for (i, channel) in self.channel_order.iter().enumerate() {
            checks.require(
                !seen.contains(channel),
                format!("channel_order[{i}]"),
                format!("{} is listed more than once.", channel.as_str()),
            );
            seen.push(*channel);
        }
        checks.require(
            seen.len() == Channel::ALL.len(),
            "channel_order",
            "Every channel must be listed once.",
        );
        for topic in [Topic::OrderUpdates, Topic::SubscriptionUpdates] {
            checks.require(
                self.topics.enabled(topic),
                format!("topics.{}", topic.as_str()),
                "Transactional messages cannot be switched off.",
            );
        }
        if let Some(cap) = self.max_per_week {
            checks.require(
                (1..=21).contains(&cap),
                "max_per_week",
                "The weekly cap must be between 1 and 21.",
            );
        }
        checks.require(
            time_zone_exists(&self.time_zone),
            "time_zone",
            format!("{:?} is not a known IANA time zone.", self.time_zone),
        );
        if let Some(quiet) = self.quiet_hours {
            checks.require(
                quiet.start != quiet.end,
                "quiet_hours",
                "Quiet hours must start and end at different times.",
            );
        }
        let days = &self.expiry_reminder_days;
        checks.require(
            days.len() <= 3,
            "expiry_reminder_days",
            "At most three reminders can be set.",
        );
        for (i, day) in days.iter().enumerate() {
            checks.require(
                (1..=90).contains(day),
                format!("expiry_reminder_days[{i}]"),
                "A reminder must come 1 to 90 days before the expiry.",
            );
            checks.require(
                !days[..i].contains(day),
                format!("expiry_reminder_days[{i}]"),
                "Each reminder day can be listed once.",
            );
        }
        checks.require(
            self.birthday.is_none() || self.parsed_birthday().is_some(),
            "birthday",
            "A birthday is a day of the year written MM-DD, or null.",
        );
        checks.require(
            is_language_tag(&self.locale),
            "locale",
            format!(
                "{:?} is not a language tag such as en or ru-RU.",
                self.locale
            ),
        );
        checks.finish()
    }

    /// The birthday, when set and written right (as [`Self::validate`]
    /// requires).
    pub fn parsed_birthday(&self) -> Option<MonthDay> {
        self.birthday.as_deref()?.parse().ok()
    }

    /// The enabled channels in fallback order.
    pub fn enabled_channels(&self) -> impl Iterator<Item = Channel> + '_ {
        self.channel_order
            .iter()
            .copied()
            .filter(|c| self.channels.enabled(*c))
    }

    /// The consent-relevant switches whose value differs from `before`.
    pub fn consent_changes(&self, before: &Preferences) -> Vec<(String, bool, bool)> {
        let mut changes = Vec::new();
        for channel in Channel::ALL {
            let (old, new) = (
                before.channels.enabled(channel),
                self.channels.enabled(channel),
            );
            if old != new {
                changes.push((format!("channels.{}", channel.as_str()), old, new));
            }
        }
        for topic in Topic::ALL {
            let (old, new) = (before.topics.enabled(topic), self.topics.enabled(topic));
            if old != new {
                changes.push((format!("topics.{}", topic.as_str()), old, new));
            }
        }
        if before.marketing_unsubscribed != self.marketing_unsubscribed {
            changes.push((
                "marketing_unsubscribed".to_owned(),
                before.marketing_unsubscribed,
                self.marketing_unsubscribed,
            ));
        }
        changes
    }
}

/// The SPEC's 422 for a preferences `PUT` body without `birthday`: the
/// document is written whole, but [`Preferences`] reads a missing birthday
/// as null so that stored documents from before birthdays still load.
pub fn require_birthday_field(body: &serde_json::Value) -> Result<(), DomainError> {
    if body.get("birthday").is_some() {
        Ok(())
    } else {
        Err(DomainError::invalid(
            "birthday",
            "The field birthday is required: a day written MM-DD, or null.",
        ))
    }
}

/// Whether `name` is a time zone of the platform's IANA database.
pub fn time_zone_exists(name: &str) -> bool {
    crate::zone::find(name).is_some()
}

/// A light BCP 47 check: alphanumeric subtags of 1–8, a 2–3 letter language.
fn is_language_tag(tag: &str) -> bool {
    let mut parts = tag.split('-');
    let language = parts.next().unwrap_or("");
    (2..=3).contains(&language.len())
        && language.bytes().all(|b| b.is_ascii_alphabetic())
        && parts.all(|p| (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()))
        && tag.len() <= 35
}

/// Who changed a consent.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConsentSource {
    /// The shopper, through the widget.
    Shopper,
    /// The merchant, through the admin API (e.g. an SMS STOP reply).
    Merchant,
}

/// One change of a consent switch; never rewritten while the customer exists.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct ConsentRecord {
    /// When the change was saved.
    pub at: Instant,
    /// Which switch, e.g. `channels.sms` or `topics.promotions`.
    pub what: String,
    /// The value before.
    pub old: bool,
    /// The value after.
    pub new: bool,
    /// Who changed it.
    pub source: ConsentSource,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_document_is_valid_and_matches_the_spec() {
        let prefs = Preferences::default();
        prefs.validate().unwrap();
        let json = serde_json::to_value(&prefs).unwrap();
        assert_eq!(json["channel_order"][0], "email");
        assert_eq!(json["quiet_hours"], serde_json::Value::Null);
        assert_eq!(json["expiry_reminder_days"], serde_json::json!([30, 7]));
    }

    #[test]
    fn a_missing_field_is_an_error_even_when_it_may_be_null() {
        let mut json = serde_json::to_value(Preferences::default()).unwrap();
        json.as_object_mut().unwrap().remove("quiet_hours");
        let err = serde_json::from_value::<Preferences>(json).unwrap_err();
        assert!(
            err.to_string().contains("missing field `quiet_hours`"),
            "{err}"
        );
    }

    #[test]
    fn each_rule_names_its_field() {
        let mut prefs = Preferences {
            channel_order: vec![Channel::Email, Channel::Email],
            ..Preferences::default()
        };
        prefs.topics.order_updates = false;
        prefs.max_per_week = Some(22);
        prefs.time_zone = "Mars/Olympus".into();
        prefs.quiet_hours = Some(QuietHours {
            start: "22:00".parse().unwrap(),
            end: "22:00".parse().unwrap(),
        });
        prefs.expiry_reminder_days = vec![7, 7, 91, 1];
        prefs.locale = "русский".into();
        let Err(DomainError::Validation(errors)) = prefs.validate() else {
            panic!("expected validation errors");
        };
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        for expected in [
            "channel_order[1]",
            "channel_order",
            "topics.order_updates",
            "max_per_week",
            "time_zone",
            "quiet_hours",
            "expiry_reminder_days",
            "expiry_reminder_days[1]",
            "expiry_reminder_days[2]",
            "locale",
        ] {
            assert!(
                fields.contains(&expected),
                "{expected} missing from {fields:?}"
            );
        }
    }

    #[test]
    fn clock_times_parse_strictly() {
        assert_eq!("08:05".parse::<ClockTime>().unwrap().minutes(), 485);
        for bad in ["8:05", "24:00", "12:60", "12-00", "ab:cd"] {
            assert!(bad.parse::<ClockTime>().is_err(), "{bad}");
        }
    }

    #[test]
    fn quiet_hours_across_midnight() {
        let q = QuietHours {
            start: "21:00".parse().unwrap(),
            end: "08:00".parse().unwrap(),
        };
        assert!(q.contains(21 * 3600));
        assert!(q.contains(3 * 3600));
        assert!(!q.contains(8 * 3600));
        assert!(!q.contains(12 * 3600));
    }

    #[test]
    fn consent_changes_list_channels_topics_and_unsubscribe() {
        let before = Preferences::default();
        let mut after = before.clone();
        after.channels.sms.enabled = true;
        after.topics.promotions = false;
        after.marketing_unsubscribed = true;
        after.max_per_week = Some(3);
        assert_eq!(
            after.consent_changes(&before),
            vec![
                ("channels.sms".to_owned(), false, true),
                ("topics.promotions".to_owned(), true, false),
                ("marketing_unsubscribed".to_owned(), false, true),
            ]
        );
    }
}
