//! What is stored for one customer: the domain state, and beside it the
//! idempotency records that protect it, written in the same atomic
//! compare-and-swap so a replay never doubles a change.

use base64::Engine;
use base64::engine::general_purpose::STANDARD_NO_PAD;
use http::HeaderValue;
use miniz_oxide::deflate::compress_to_vec;
use miniz_oxide::inflate::decompress_to_vec_with_limit;
use retention_core::{Customer, Instant, Program};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::{Response, reply};

/// How long an idempotency key is remembered (SPEC 3.1).
pub const IDEMPOTENCY_SECONDS: i64 = 24 * 3_600;

/// Of one customer's idempotency records, each caller (the shopper, the
/// merchant, Shopify) keeps its newest this many: a key pushed out by this
/// many newer keys of the same caller and customer is forgotten before its
/// 24 hours (a repeat is then processed as new). Far above any real
/// caller's pace (the shopper's own token may send 20 a second for about
/// a minute to get there), it bounds what a script can pile up.
pub const IDEMPOTENCY_KEEP: u32 = 1_000;

/// The state stored under one customer key.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct CustomerDoc {
    /// The domain state.
    #[serde(default)]
    pub customer: Customer,
    /// The `sequence` of the customer's last event (SPEC 3.6).
    #[serde(default)]
    pub event_sequence: u64,
}

/// The first response given to a request with an idempotency key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdempotencyRecord {
    /// The client's key.
    pub key: String,
    /// Hash of the method, path and JSON body it was first sent with.
    pub fingerprint: String,
    /// When it was first answered.
    pub at: Instant,
    /// The response status.
    pub status: u16,
    /// The response content type.
    pub content_type: String,
    /// The response body, deflated and base64-encoded: an event's answer
    /// carries the whole customer view, and a busy customer keeps a day
    /// of them.
    pub body_deflated: String,
}

/// Largest body a record may inflate to (far above any API response).
const MAX_INFLATED_BYTES: usize = 16 * 1024 * 1024;

impl CustomerDoc {
    /// Reads a stored document; an unreadable one is a store failure.
    pub fn parse(text: &str) -> Result<Self, String> {
        serde_json::from_str(text).map_err(|e| format!("a stored customer cannot be read: {e}"))
    }

    /// Settles the state and plans reminders before a write.
    pub fn prepare_write(&mut self, customer_id: &str, program: &Program, now: Instant) {
        self.customer.settle(program, now);
        self.customer.run_reminders(customer_id, program, now);
    }
}

impl IdempotencyRecord {
    /// The record of `response` as the answer to `key` at `now`.
    pub fn new(key: &str, fingerprint: &str, response: &Response, now: Instant) -> Self {
        let content_type = response
            .headers()
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("application/json")
            .to_owned();
        IdempotencyRecord {
            key: key.to_owned(),
            fingerprint: fingerprint.to_owned(),
            at: now,
            status: response.status().as_u16(),
            content_type,
            body_deflated: STANDARD_NO_PAD.encode(compress_to_vec(response.body(), 6)),
        }
    }

    /// Whether the record is still remembered at `now`.
    pub fn is_live(&self, now: Instant) -> bool {
        now < self.expires_at()
    }

    /// When the record may be forgotten.
    pub fn expires_at(&self) -> Instant {
        self.at.plus_seconds(IDEMPOTENCY_SECONDS)
    }

    /// The stored response again, marked as a replay; `Err` when the
    /// stored body cannot be read back.
    pub fn replay(&self) -> Result<Response, String> {
        let unreadable = || "an idempotency record's response cannot be read".to_owned();
        let deflated = STANDARD_NO_PAD
            .decode(&self.body_deflated)
            .map_err(|_| unreadable())?;
        let body = decompress_to_vec_with_limit(&deflated, MAX_INFLATED_BYTES)
            .map_err(|_| unreadable())?;
        let content_type = if self.content_type.starts_with("application/problem+json") {
            "application/problem+json"
        } else {
            "application/json"
        };
        let mut response = reply::raw(self.status, content_type, body);
        if self.status == 204 {
            response.body_mut().clear();
            response.headers_mut().remove(http::header::CONTENT_TYPE);
        }
        response
            .headers_mut()
            .insert("idempotent-replayed", HeaderValue::from_static("true"));
        Ok(response)
    }
}

/// Identifies a request for idempotency: method, path and JSON body
/// (serde_json sorts object keys, so JSON-equal bodies hash alike).
pub fn fingerprint(method: &str, path: &str, body: &serde_json::Value) -> String {
    let mut hash = Sha256::new();
    hash.update(method.as_bytes());
    hash.update(b" ");
    hash.update(path.as_bytes());
    hash.update(b"\n");
    hash.update(body.to_string().as_bytes());
    hex(&hash.finalize())
}

/// A strong ETag for a JSON document.
pub fn etag(body: &[u8]) -> String {
    let digest = Sha256::digest(body);
    format!("\"{}\"", hex(&digest[..12]))
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut text = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        text.push(char::from(DIGITS[usize::from(b >> 4)]));
        text.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    text
}

/// Whether an idempotency key is 1–255 visible ASCII characters.
pub fn valid_idempotency_key(key: &str) -> bool {
    (1..=255).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_graphic())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tags and fingerprints already handed out and stored keep their
    /// text: SHA-256 in lowercase hex (of the empty input here).
    #[test]
    fn tags_are_sha256_in_lowercase_hex() {
        assert_eq!(etag(b""), "\"e3b0c44298fc1c149afbf4c8\"");
        assert_eq!(hex(&[0x00, 0x0f, 0xa0, 0xff]), "000fa0ff");
    }

    #[test]
    fn a_record_replays_its_response_byte_for_byte_and_smaller() {
        let lot = serde_json::json!({"points": 100, "expires_at": "2027-01-01T00:00:00Z"});
        let body = serde_json::json!({"customer": {"expiring": vec![lot; 200]}});
        let response = reply::json(200, &body);
        let record = IdempotencyRecord::new("k", "f", &response, Instant::from_unix(0));
        assert!(
            record.body_deflated.len() * 10 < response.body().len(),
            "compressed well"
        );
        let replay = record.replay().unwrap();
        assert_eq!(replay.body(), response.body());
        assert_eq!(replay.status(), 200);
        assert_eq!(replay.headers()["idempotent-replayed"], "true");
        let broken = IdempotencyRecord {
            body_deflated: "!!".into(),
            ..record
        };
        assert!(broken.replay().is_err());
    }
}
