//! `POST /v1/session` (SPEC 3.7): a shop without a backend of its own
//! (Shopify's Liquid can compute an HMAC but not sign a JWT) signs
//! `{merchant}:{customer}:{ts}` with its `token_secret`; the widget trades
//! that signature for a one-hour shopper token here.

use hmac::{Hmac, Mac};
use jsonwebtoken::{EncodingKey, Header};
use retention_core::Instant;
use retention_core::events::is_valid_customer_id;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::Sha256;

use crate::body::{self, Misfit};
use crate::{MerchantConfig, Request, Response, reply};

/// Lifetime of a token given for a signature.
pub const SESSION_SECONDS: i64 = 3_600;
/// A signature is good this long after its `ts` …
const SIGNATURE_MAX_AGE_SECONDS: i64 = 24 * 3_600;
/// … and from this long before it (the shop's clock may run ahead).
const SIGNATURE_MAX_AHEAD_SECONDS: i64 = 5 * 60;

/// The exchange's body.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SessionRequest {
    merchant: String,
    customer: String,
    ts: i64,
    signature: String,
}

#[derive(Serialize)]
struct Claims<'a> {
    iss: &'a str,
    sub: &'a str,
    iat: i64,
    exp: i64,
}

/// Answers `POST /v1/session` at `now` for the configured `merchants`.
pub fn exchange(request: &Request, merchants: &[MerchantConfig], now: Instant) -> Response {
    let value = match body::json_value(request.headers(), request.body()) {
        Ok(value) => value,
        Err(response) => return response,
    };
    let ask: SessionRequest = match body::typed(value) {
        Ok(ask) => ask,
        Err(Misfit::Unknown(response)) => return response,
        Err(Misfit::Invalid(error)) => return reply::domain(&error),
    };
    let invalid = || {
        reply::error(
            401,
            "invalid_token",
            "The customer signature is not valid for this shop.",
        )
    };
    let Some(merchant) = merchants.iter().find(|m| m.id == ask.merchant) else {
        return invalid();
    };
    if !is_valid_customer_id(&ask.customer) {
        return invalid();
    }
    // The signature first, in constant time; its age only once it is real.
    let signed = format!("{}:{}:{}", ask.merchant, ask.customer, ask.ts);
    if !signature_matches(&merchant.token_secret, &signed, &ask.signature) {
        return invalid();
    }
    let now = now.unix();
    if now - ask.ts > SIGNATURE_MAX_AGE_SECONDS || ask.ts - now > SIGNATURE_MAX_AHEAD_SECONDS {
        return reply::error(
            401,
            "token_expired",
            "The customer signature is too old (or from the future); reload the page for a fresh one.",
        );
    }
    let exp = now + SESSION_SECONDS;
    let claims = Claims {
        iss: &merchant.id,
        sub: &ask.customer,
        iat: now,
        exp,
    };
    let key = EncodingKey::from_secret(merchant.token_secret.as_bytes());
    match jsonwebtoken::encode(&Header::default(), &claims, &key) {
        Ok(token) => reply::json(
            200,
            &json!({ "token": token, "expires_at": Instant::from_unix(exp) }),
        ),
        Err(_) => reply::error(500, "internal_error", "The token could not be signed."),
    }
}

/// Whether `hex` is the lowercase or uppercase hex of HMAC-SHA256(secret,
/// message); `verify_slice` compares in constant time.
fn signature_matches(secret: &str, message: &str, hex: &str) -> bool {
    let Some(given) = decode_hex(hex) else {
        return false;
    };
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else {
        return false;
    };
    mac.update(message.as_bytes());
    mac.verify_slice(&given).is_ok()
}

fn decode_hex(hex: &str) -> Option<Vec<u8>> {
    if hex.len() != 64 {
        return None;
    }
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_signatures_are_64_hex_digits_of_either_case() {
        let secret = "s".repeat(32);
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
        mac.update(b"shop:c-1:1700000000");
        let hex: String = mac
            .finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert!(signature_matches(&secret, "shop:c-1:1700000000", &hex));
        assert!(signature_matches(
            &secret,
            "shop:c-1:1700000000",
            &hex.to_uppercase()
        ));
        assert!(!signature_matches(&secret, "shop:c-1:1700000001", &hex));
        assert!(!signature_matches(
            &secret,
            "shop:c-1:1700000000",
            &hex[..62]
        ));
        assert!(!signature_matches(
            &secret,
            "shop:c-1:1700000000",
            &format!("{}zz", &hex[..62])
        ));
        assert!(!signature_matches(
            &secret,
            "shop:c-1:1700000000",
            "é".repeat(32).as_str()
        ));
    }
}
