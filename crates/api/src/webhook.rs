//! The rules of webhook delivery (SPEC 3.6), in one place for every
//! platform: which URLs and secrets a merchant may configure, the
//! Standard Webhooks signature of an attempt, what an answer means, and
//! when to try again.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The prefix of a Standard Webhooks signing secret.
const SECRET_PREFIX: &str = "whsec_";

/// How long a receiver has to answer one attempt, in seconds.
pub const ATTEMPT_TIMEOUT_SECONDS: u64 = 15;

/// Seconds to wait after each failed attempt before the next one (SPEC
/// 3.6): 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h. After the last, the
/// event is `failed`.
pub const RETRY_DELAYS_SECONDS: [i64; 7] = [5, 300, 1_800, 7_200, 18_000, 36_000, 36_000];

/// A merchant's signing secret: the bytes behind `whsec_` + base64.
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookSecret(Vec<u8>);

impl std::fmt::Debug for WebhookSecret {
    // Secrets never reach logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WebhookSecret(..)")
    }
}

impl WebhookSecret {
    /// Reads `whsec_` + base64 of 24 to 64 bytes; `Err` says what is wrong.
    pub fn parse(text: &str) -> Result<Self, &'static str> {
        let encoded = text
            .strip_prefix(SECRET_PREFIX)
            .ok_or("the webhook_secret must start with whsec_")?;
        let bytes = STANDARD
            .decode(encoded)
            .map_err(|_| "the webhook_secret must be whsec_ followed by base64")?;
        if !(24..=64).contains(&bytes.len()) {
            return Err("the webhook_secret must hold 24 to 64 random bytes");
        }
        Ok(WebhookSecret(bytes))
    }

    /// The `webhook-signature` header of one attempt: `v1,` + base64 of
    /// HMAC-SHA256 over `{id}.{timestamp}.{body}`.
    pub fn sign(&self, id: &str, timestamp: i64, body: &[u8]) -> String {
        // HMAC takes keys of any length.
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC takes any key length");
        mac.update(id.as_bytes());
        mac.update(b".");
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
    }
}

/// Checks a `webhook_url`: `https://`, or `http://` to a loopback address
/// or `localhost` (local development and tests). `Err` says what is wrong.
pub fn check_url(url: &str) -> Result<(), &'static str> {
    let (scheme, rest) = url
        .split_once("://")
        .ok_or("the webhook_url must be an absolute http(s) URL")?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = match host_port.strip_prefix('[') {
        Some(bracketed) => bracketed.split(']').next().unwrap_or(""),
        None => host_port.split(':').next().unwrap_or(""),
    };
    if host.is_empty() || url.chars().any(char::is_whitespace) {
        return Err("the webhook_url must name a host");
    }
    match scheme.to_ascii_lowercase().as_str() {
        "https" => Ok(()),
        "http" if is_loopback(host) => Ok(()),
        "http" => Err(
            "the webhook_url must use https:// (http:// only to localhost or a loopback address)",
        ),
        _ => Err("the webhook_url must be an http(s) URL"),
    }
}

fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// What one delivery attempt came to.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Attempt {
    /// A 2xx within the time limit: delivered.
    Delivered,
    /// `410 Gone`: the receiver wants no more; stop at once.
    Gone,
    /// Anything else (other status, timeout, refused connection): retry.
    Failed,
}

impl Attempt {
    /// The meaning of an answer with `status` (`None`: no answer in time,
    /// or no connection).
    pub fn from_status(status: Option<u16>) -> Self {
        match status {
            Some(200..=299) => Attempt::Delivered,
            Some(410) => Attempt::Gone,
            _ => Attempt::Failed,
        }
    }
}

/// Milliseconds to wait after `failed` failed attempts of the current
/// round (1 after the first), with ±10 % jitter from `jitter` (a number
/// drawn uniformly from 0 to `u32::MAX`), so receivers coming back from an
/// outage are not hit by every retry at once; `None` when the schedule is
/// spent.
pub fn retry_delay_ms(failed: usize, jitter: u32) -> Option<i64> {
    let base = RETRY_DELAYS_SECONDS.get(failed.checked_sub(1)?)? * 1_000;
    // [-10 %, +10 %] of the base, in i128: no overflow, no floats.
    let spread = i128::from(base) / 5;
    let offset = spread * i128::from(jitter) / i128::from(u32::MAX) - spread / 2;
    Some(base + i64::try_from(offset).unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_whsec_and_base64_of_24_to_64_bytes() {
        let of = |n: usize| format!("whsec_{}", STANDARD.encode(vec![7u8; n]));
        assert!(WebhookSecret::parse(&of(24)).is_ok());
        assert!(WebhookSecret::parse(&of(64)).is_ok());
        assert!(WebhookSecret::parse(&of(23)).is_err());
        assert!(WebhookSecret::parse(&of(65)).is_err());
        assert!(WebhookSecret::parse(&of(32)[6..]).is_err(), "no prefix");
        assert!(WebhookSecret::parse("whsec_not base64!").is_err());
        assert_eq!(
            format!("{:?}", WebhookSecret::parse(&of(32)).unwrap()),
            "WebhookSecret(..)"
        );
    }

    #[test]
    fn the_signature_is_standard_webhooks_v1() {
        // The example of the Standard Webhooks specification.
        let secret = WebhookSecret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        let body = br#"{"test": 2432232314}"#;
        assert_eq!(
            secret.sign("msg_p5jXN8AQM9LWM0D4loKWxJek", 1_614_265_330, body),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
    }

    #[test]
    fn urls_are_https_or_http_to_loopback() {
        for ok in [
            "https://shop.example/hooks",
            "http://127.0.0.1:9000/x",
            "http://localhost/x",
            "http://[::1]:8080/",
            "HTTPS://Shop.Example",
        ] {
            assert_eq!(check_url(ok), Ok(()), "{ok}");
        }
        for bad in [
            "http://shop.example/hooks",
            "http://10.0.0.1/",
            "ftp://shop.example",
            "shop.example/hooks",
            "https://",
            "http://localhost.evil.example/",
            "http://127.0.0.1@evil.example/",
        ] {
            assert!(check_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn answers_mean_delivered_gone_or_failed() {
        assert_eq!(Attempt::from_status(Some(200)), Attempt::Delivered);
        assert_eq!(Attempt::from_status(Some(204)), Attempt::Delivered);
        assert_eq!(Attempt::from_status(Some(410)), Attempt::Gone);
        assert_eq!(Attempt::from_status(Some(301)), Attempt::Failed);
        assert_eq!(Attempt::from_status(Some(500)), Attempt::Failed);
        assert_eq!(Attempt::from_status(None), Attempt::Failed);
    }

    #[test]
    fn retries_follow_the_schedule_within_ten_percent() {
        for (i, seconds) in RETRY_DELAYS_SECONDS.iter().enumerate() {
            let base = seconds * 1_000;
            let low = retry_delay_ms(i + 1, 0).unwrap();
            let mid = retry_delay_ms(i + 1, u32::MAX / 2).unwrap();
            let high = retry_delay_ms(i + 1, u32::MAX).unwrap();
            assert_eq!(low, base - base / 10, "{base}");
            assert_eq!(high, base + base / 10, "{base}");
            assert!((mid - base).abs() <= 1, "{mid} vs {base}");
        }
        assert_eq!(retry_delay_ms(1, 0), Some(4_500), "5 s less 10 %");
        assert_eq!(retry_delay_ms(0, 0), None);
        assert_eq!(retry_delay_ms(8, 0), None, "after seven retries: failed");
    }
}
