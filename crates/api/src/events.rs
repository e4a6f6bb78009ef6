//! Events as they are stored and shown (SPEC 3.6): the envelope written
//! once with the change, the feed item (envelope + delivery) and the
//! feed's cursors.

use retention_core::Instant;
use retention_core::events_out::EventOut;
use serde::Serialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::Entropy;
use crate::ports::{Delivery, DeliveryState, EventWrite, StoredEvent};

/// Every event is kept at least this long (the feed's retention).
pub const RETENTION_DAYS: i64 = 30;

/// The envelope: the webhook body and the feed item alike.
#[derive(Serialize)]
struct Envelope<'a> {
    id: &'a str,
    #[serde(rename = "type")]
    kind: &'a str,
    created_at: Instant,
    customer_id: &'a str,
    sequence: u64,
    data: &'a Value,
}

/// A fresh event id: `evt_` and 128 random bits.
pub fn new_id(entropy: &impl Entropy) -> String {
    let mut bytes = [0u8; 16];
    entropy.fill(&mut bytes);
    format!("evt_{}", hex(&bytes))
}

/// The event `made` of `customer` as it is written, numbered `sequence`.
pub fn write(
    id: String,
    customer: &str,
    sequence: u64,
    made: &EventOut,
    now: Instant,
    webhook: bool,
) -> EventWrite {
    let kind = made.kind.as_str();
    let body = serde_json::to_string(&Envelope {
        id: &id,
        kind,
        created_at: now,
        customer_id: customer,
        sequence,
        data: &made.data,
    })
    .unwrap_or_default();
    EventWrite {
        id,
        customer: customer.to_owned(),
        sequence,
        kind: kind.to_owned(),
        created_at: now,
        body,
        delivery: if webhook {
            Delivery {
                state: DeliveryState::Pending,
                attempts: 0,
                failures: 0,
                last_status: None,
                next_attempt_at: Some(now),
            }
        } else {
            Delivery {
                state: DeliveryState::None,
                attempts: 0,
                failures: 0,
                last_status: None,
                next_attempt_at: None,
            }
        },
    }
}

/// The feed item and `GET /v1/admin/events/{id}` answer: the envelope
/// with `delivery`.
pub fn item(stored: &StoredEvent) -> Value {
    let mut item: Value = serde_json::from_str(&stored.event.body).unwrap_or_else(|_| json!({}));
    let d = &stored.event.delivery;
    if let Value::Object(fields) = &mut item {
        fields.insert(
            "delivery".to_owned(),
            json!({
                "state": d.state.as_str(),
                "attempts": d.attempts,
                "last_status": d.last_status,
                "next_attempt_at": if d.state == DeliveryState::Pending { d.next_attempt_at } else { None },
            }),
        );
    }
    item
}

/// A feed cursor of `merchant` after `position`: the position and a tag
/// of the merchant, so another merchant's cursor is told apart.
pub fn cursor(merchant: &str, position: u64) -> String {
    format!("{position}.{}", merchant_tag(merchant))
}

/// The position a cursor of `merchant` points after; `None` when it is
/// malformed or another merchant's.
pub fn parse_cursor(merchant: &str, cursor: &str) -> Option<u64> {
    let (position, tag) = cursor.split_once('.')?;
    if tag != merchant_tag(merchant) || position.is_empty() || position.starts_with('0') {
        return None;
    }
    position.parse().ok()
}

fn merchant_tag(merchant: &str) -> String {
    hex(&Sha256::digest(merchant.as_bytes())[..6])
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_name_their_merchant() {
        let c = cursor("shop-a", 42);
        assert_eq!(parse_cursor("shop-a", &c), Some(42));
        assert_eq!(parse_cursor("shop-b", &c), None);
        for bad in ["", "42", ".x", "042.x", "x.y", &c[..c.len() - 1]] {
            assert_eq!(parse_cursor("shop-a", bad), None, "{bad:?}");
        }
    }
}
