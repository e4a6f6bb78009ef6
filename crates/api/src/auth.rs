//! Who is asking: shoppers by the merchant-signed JWT (HS256), merchants
//! by API key (SPEC 3.2). The customer id comes from the verified token
//! only, never from the request.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use http::HeaderMap;
use jsonwebtoken::{Algorithm, DecodingKey};
use retention_core::events::is_valid_customer_id;
use serde::Deserialize;
use subtle::ConstantTimeEq;

use crate::MerchantConfig;

/// Longest token lifetime accepted (exp − iat).
const MAX_LIFETIME_SECONDS: i64 = 24 * 3_600;
/// Clock skew tolerated on `exp` and `iat`.
const LEEWAY_SECONDS: i64 = 60;

/// A verified shopper.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Shopper {
    /// The merchant that signed the token.
    pub merchant: String,
    /// The customer the token is for.
    pub customer: String,
}

/// Why a shopper token was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenError {
    /// Missing, malformed, wrong algorithm, bad signature, unknown
    /// merchant, bad `sub` or too long a lifetime: `invalid_token`.
    Invalid,
    /// Past its `exp`: `token_expired`.
    Expired,
}

/// The claims a shopper token must carry (others are ignored).
#[derive(Deserialize)]
struct Claims {
    iss: String,
    sub: String,
    iat: i64,
    exp: i64,
    /// Present only to refuse tokens meant for an audience.
    aud: Option<serde::de::IgnoredAny>,
}

/// The JOSE header's algorithm (other header fields are ignored).
#[derive(Deserialize)]
struct JoseHeader {
    alg: String,
}

#[derive(Deserialize)]
struct Issuer {
    iss: Option<String>,
}

/// The bearer token of an `Authorization` header.
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(http::header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

/// The `iss` a token claims, unverified: only to pick which merchant's
/// CORS origins a 401 may be read from.
pub fn claimed_issuer(token: &str) -> Option<String> {
    let payload = token.split('.').nth(1)?;
    let bytes = URL_SAFE_NO_PAD.decode(payload).ok()?;
    serde_json::from_slice::<Issuer>(&bytes).ok()?.iss
}

/// Verifies a shopper token at `now` (unix seconds) against the merchants,
/// in full (the handler goes through [`VerifiedTokens`]).
#[cfg(test)]
pub fn verify_shopper(
    token: Option<&str>,
    merchants: &[MerchantConfig],
    now: i64,
) -> Result<Shopper, TokenError> {
    let signed = verify_signed(token.ok_or(TokenError::Invalid)?, merchants)?;
    signed.at(now)?;
    Ok(signed.shopper)
}

/// What a token's signature vouches for; whether it holds at a given
/// moment is [`Signed::at`].
#[derive(Clone, Debug)]
struct Signed {
    shopper: Shopper,
    iat: i64,
    exp: i64,
}

impl Signed {
    /// Whether the token is good at `now`.
    fn at(&self, now: i64) -> Result<(), TokenError> {
        let leeway = LEEWAY_SECONDS;
        if self.iat > now + leeway {
            return Err(TokenError::Invalid);
        }
        if self.exp + leeway <= now {
            return Err(TokenError::Expired);
        }
        Ok(())
    }
}

/// The token's signature, algorithm, issuer and claims checked: all of it
/// but the moment. The signature is `jsonwebtoken`'s check; the parts
/// around it are read here because `jsonwebtoken::decode` reads the whole
/// JOSE header (JWKs, certificate chains) and validates claims through
/// readers of its own: about 30 KB of the edge module's code for a token
/// that must say HS256 and carry four claims.
fn verify_signed(token: &str, merchants: &[MerchantConfig]) -> Result<Signed, TokenError> {
    crate::jwt::install();
    // A part too many leaves a `.` in the payload, which base64 refuses.
    let (message, signature) = token.rsplit_once('.').ok_or(TokenError::Invalid)?;
    let (header, payload) = message.split_once('.').ok_or(TokenError::Invalid)?;
    let header: JoseHeader = part(header)?;
    if header.alg != "HS256" {
        return Err(TokenError::Invalid);
    }
    let claims: Claims = part(payload)?;
    let merchant = merchants
        .iter()
        .find(|m| m.id == claims.iss)
        .ok_or(TokenError::Invalid)?;
    let key = DecodingKey::from_secret(merchant.token_secret.as_bytes());
    if !jsonwebtoken::crypto::verify(signature, message.as_bytes(), &key, Algorithm::HS256)
        .unwrap_or(false)
    {
        return Err(TokenError::Invalid);
    }
    // No audience is configured, and a token naming one is meant for
    // someone else (RFC 7519 4.1.3).
    let lifetime = claims.exp - claims.iat;
    if claims.aud.is_some()
        || !(0..=MAX_LIFETIME_SECONDS).contains(&lifetime)
        || !is_valid_customer_id(&claims.sub)
    {
        return Err(TokenError::Invalid);
    }
    Ok(Signed {
        shopper: Shopper {
            merchant: claims.iss,
            customer: claims.sub,
        },
        iat: claims.iat,
        exp: claims.exp,
    })
}

/// A token part: base64url without padding, then JSON.
fn part<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, TokenError> {
    let bytes = URL_SAFE_NO_PAD
        .decode(text)
        .map_err(|_| TokenError::Invalid)?;
    serde_json::from_slice(&bytes).map_err(|_| TokenError::Invalid)
}

/// Tokens whose signatures were checked lately, by their exact text: a
/// widget sends one token with every request of its life, and checking
/// it again (base64, two JSON parses, HMAC-SHA-256) was a tenth of
/// `GET /v1/me` in the handler. A token that differs in any byte is
/// checked in full; the moment is checked on every request.
#[derive(Default)]
pub struct VerifiedTokens {
    kept: Mutex<HashMap<String, Signed>>,
}

/// Tokens kept (a few hundred bytes each); past it the list starts over.
const TOKENS_KEPT: usize = 1_024;

impl VerifiedTokens {
    /// Verifies a shopper token at `now` (unix seconds) against the
    /// merchants.
    pub fn verify(
        &self,
        token: Option<&str>,
        merchants: &[MerchantConfig],
        now: i64,
    ) -> Result<Shopper, TokenError> {
        let signed = self.signed(token.ok_or(TokenError::Invalid)?, merchants)?;
        signed.at(now)?;
        Ok(signed.shopper)
    }

    /// The kept check of `token`, else a full one (kept when it passes).
    fn signed(&self, token: &str, merchants: &[MerchantConfig]) -> Result<Signed, TokenError> {
        if let Some(signed) = self.lock().get(token) {
            return Ok(signed.clone());
        }
        let signed = verify_signed(token, merchants)?;
        let mut kept = self.lock();
        if kept.len() >= TOKENS_KEPT {
            kept.clear();
        }
        kept.insert(token.to_owned(), signed.clone());
        Ok(signed)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Signed>> {
        self.kept.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The merchant whose API key this is. Every key is compared in constant
/// time so timing does not reveal how much of a key matched.
pub fn verify_merchant<'a>(
    token: Option<&str>,
    merchants: &'a [MerchantConfig],
) -> Option<&'a MerchantConfig> {
    let token = token?.as_bytes();
    let mut found = None;
    for merchant in merchants {
        if bool::from(merchant.api_key.as_bytes().ct_eq(token)) {
            found = Some(merchant);
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use jsonwebtoken::{EncodingKey, Header, encode};
    use serde_json::json;

    fn merchants() -> Vec<MerchantConfig> {
        vec![MerchantConfig {
            id: "shop".into(),
            api_key: "k".repeat(32),
            token_secret: "s".repeat(40),
            allowed_origins: vec![],
            webhook_url: None,
            webhook_secret: None,
            shopify_webhook_secret: None,
            rate_limits: Default::default(),
        }]
    }

    fn token(claims: serde_json::Value, secret: &str) -> String {
        crate::jwt::install();
        encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &EncodingKey::from_secret(secret.as_bytes()),
        )
        .unwrap()
    }

    /// The kept tokens answer as a full check would, at every moment,
    /// and a token that differs by one byte is checked in full.
    #[test]
    fn kept_tokens_answer_as_a_full_check_does() {
        let m = merchants();
        let secret = "s".repeat(40);
        let now = 1_800_000_000;
        let kept = VerifiedTokens::default();
        let good = token(
            json!({"iss": "shop", "sub": "c-1", "iat": now, "exp": now + 3600}),
            &secret,
        );
        for at in [
            now,
            now - 61,
            now - 60,
            now + 3_659,
            now + 3_660,
            now + 1,
            now - 1_000,
        ] {
            assert_eq!(
                kept.verify(Some(&good), &m, at),
                verify_shopper(Some(&good), &m, at),
                "at {at}"
            );
        }
        assert_eq!(
            kept.verify(Some(&good), &m, now + 3_660),
            Err(TokenError::Expired)
        );
        assert_eq!(
            kept.verify(Some(&good), &m, now - 61),
            Err(TokenError::Invalid)
        );
        // The same claims under another signature are a different token.
        let at = good.len() - 5;
        let was = &good[at..=at];
        let tampered = format!(
            "{}{}{}",
            &good[..at],
            if was == "A" { "B" } else { "A" },
            &good[at + 1..]
        );
        assert_eq!(
            kept.verify(Some(&tampered), &m, now),
            Err(TokenError::Invalid)
        );
        assert_eq!(kept.verify(None, &m, now), Err(TokenError::Invalid));
        // Refused tokens are not kept; the list stays within its bound.
        assert_eq!(kept.lock().len(), 1);
        for i in 0..TOKENS_KEPT + 5 {
            let t = token(
                json!({"iss": "shop", "sub": format!("c-{i}"), "iat": now, "exp": now + 60}),
                &secret,
            );
            assert!(kept.verify(Some(&t), &m, now).is_ok());
            assert!(kept.lock().len() <= TOKENS_KEPT);
        }
    }

    #[test]
    fn tokens_are_checked_claim_by_claim() {
        let m = merchants();
        let secret = "s".repeat(40);
        let now = 1_800_000_000;
        let good = token(
            json!({"iss": "shop", "sub": "c-1", "iat": now, "exp": now + 3600}),
            &secret,
        );
        assert_eq!(
            verify_shopper(Some(&good), &m, now).unwrap().customer,
            "c-1"
        );
        let expired = token(
            json!({"iss": "shop", "sub": "c-1", "iat": now - 7200, "exp": now - 3600}),
            &secret,
        );
        assert_eq!(
            verify_shopper(Some(&expired), &m, now),
            Err(TokenError::Expired)
        );
        let in_skew = token(
            json!({"iss": "shop", "sub": "c-1", "iat": now - 7200, "exp": now - 30}),
            &secret,
        );
        assert!(verify_shopper(Some(&in_skew), &m, now).is_ok());
        let forged = token(
            json!({"iss": "shop", "sub": "c-1", "iat": now, "exp": now + 3600}),
            "other-secret",
        );
        assert_eq!(
            verify_shopper(Some(&forged), &m, now),
            Err(TokenError::Invalid)
        );
        let long = token(
            json!({"iss": "shop", "sub": "c-1", "iat": now, "exp": now + 90_000}),
            &secret,
        );
        assert_eq!(
            verify_shopper(Some(&long), &m, now),
            Err(TokenError::Invalid)
        );
        let bad_sub = token(
            json!({"iss": "shop", "sub": "a b", "iat": now, "exp": now + 60}),
            &secret,
        );
        assert_eq!(
            verify_shopper(Some(&bad_sub), &m, now),
            Err(TokenError::Invalid)
        );
        let stranger = token(
            json!({"iss": "other", "sub": "c", "iat": now, "exp": now + 60}),
            &secret,
        );
        assert_eq!(
            verify_shopper(Some(&stranger), &m, now),
            Err(TokenError::Invalid)
        );
        let none = format!(
            "{}.{}.",
            URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#),
            URL_SAFE_NO_PAD.encode(format!(
                r#"{{"iss":"shop","sub":"c","iat":{now},"exp":{}}}"#,
                now + 60
            ))
        );
        assert_eq!(
            verify_shopper(Some(&none), &m, now),
            Err(TokenError::Invalid)
        );
        assert_eq!(verify_shopper(None, &m, now), Err(TokenError::Invalid));
        let hs512 = encode(
            &Header::new(Algorithm::HS512),
            &json!({"iss": "shop", "sub": "c", "iat": now, "exp": now + 60}),
            &EncodingKey::from_secret(secret.as_bytes()),
        );
        assert!(hs512.is_err(), "only HS256 can even be signed here");
        let forged_header = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(br#"{"alg":"HS512","typ":"JWT"}"#),
            good.split_once('.').unwrap().1
        );
        assert_eq!(
            verify_shopper(Some(&forged_header), &m, now),
            Err(TokenError::Invalid)
        );
        // A token meant for an audience is someone else's.
        let for_audience = token(
            json!({"iss": "shop", "sub": "c", "iat": now, "exp": now + 60, "aud": "app"}),
            &secret,
        );
        assert_eq!(
            verify_shopper(Some(&for_audience), &m, now),
            Err(TokenError::Invalid)
        );
        // Claims left out, a part too many, a header without an algorithm.
        for claims in [
            json!({"sub": "c", "iat": now, "exp": now + 60}),
            json!({"iss": "shop", "iat": now, "exp": now + 60}),
            json!({"iss": "shop", "sub": "c", "exp": now + 60}),
            json!({"iss": "shop", "sub": "c", "iat": now}),
            json!({"iss": "shop", "sub": "c", "iat": "now", "exp": now + 60}),
        ] {
            let t = token(claims.clone(), &secret);
            assert_eq!(
                verify_shopper(Some(&t), &m, now),
                Err(TokenError::Invalid),
                "{claims}"
            );
        }
        assert_eq!(
            verify_shopper(Some(&format!("{good}.")), &m, now),
            Err(TokenError::Invalid)
        );
        let (_, rest) = good.split_once('.').unwrap();
        let no_alg = format!("{}.{rest}", URL_SAFE_NO_PAD.encode(br#"{"typ":"JWT"}"#));
        assert_eq!(
            verify_shopper(Some(&no_alg), &m, now),
            Err(TokenError::Invalid)
        );
        // Other header fields are the signer's affair.
        let (payload, _) = rest.split_once('.').unwrap();
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT","kid":"k1"}"#);
        let message = format!("{header}.{payload}");
        let signature = jsonwebtoken::crypto::sign(
            message.as_bytes(),
            &EncodingKey::from_secret(secret.as_bytes()),
            Algorithm::HS256,
        )
        .unwrap();
        assert!(verify_shopper(Some(&format!("{message}.{signature}")), &m, now).is_ok());
    }

    #[test]
    fn api_keys_pick_their_merchant() {
        let m = merchants();
        assert_eq!(
            verify_merchant(Some(&"k".repeat(32)), &m).map(|m| m.id.as_str()),
            Some("shop")
        );
        assert!(verify_merchant(Some("kkk"), &m).is_none());
        assert!(verify_merchant(None, &m).is_none());
    }
}
