//! Merchants as the operator configures them (SPEC section 4): from a
//! TOML file on the native server, from secrets at the edge.

use serde::Deserialize;

/// One merchant's credentials and settings.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MerchantConfig {
    /// The merchant's id (the `iss` of its shopper tokens).
    pub id: String,
    /// Bearer key for `/v1/admin/*`.
    pub api_key: String,
    /// HS256 secret the merchant's backend signs shopper tokens with.
    pub token_secret: String,
    /// Origins of the shop pages allowed to call `/v1/me*` from a browser.
    #[serde(default)]
    pub allowed_origins: Vec<String>,
    /// Where events are delivered, if anywhere (`https://`, or `http://`
    /// to a loopback address).
    #[serde(default)]
    pub webhook_url: Option<String>,
    /// Standard Webhooks signing secret: `whsec_` + base64 of 24–64 bytes.
    #[serde(default)]
    pub webhook_secret: Option<String>,
    /// The secret Shopify signs this shop's webhooks with
    /// (`/v1/hooks/shopify/{id}` answers 404 without it).
    #[serde(default)]
    pub shopify_webhook_secret: Option<String>,
    /// Requests allowed per shopper token, customer and API key.
    #[serde(default)]
    pub rate_limits: crate::limits::RateLimits,
}

impl std::fmt::Debug for MerchantConfig {
    // Secrets never reach logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MerchantConfig")
            .field("id", &self.id)
            .field("allowed_origins", &self.allowed_origins)
            .field("webhook_url", &self.webhook_url)
            .finish_non_exhaustive()
    }
}

/// The configuration file: `[[merchant]]` tables.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Every merchant served.
    #[serde(default)]
    pub merchant: Vec<MerchantConfig>,
}

/// Why a configuration cannot be used.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// Two merchants share an id.
    #[error("Merchant id {0:?} is configured twice.")]
    DuplicateId(String),
    /// A field is empty or too weak.
    #[error("Merchant {merchant:?}: {problem}")]
    Invalid {
        /// The merchant.
        merchant: String,
        /// What is wrong, as a sentence.
        problem: String,
    },
}

impl Config {
    /// Checks every merchant: unique ids, secrets long enough to be safe.
    pub fn validate(&self) -> Result<(), ConfigError> {
        for (i, m) in self.merchant.iter().enumerate() {
            let invalid = |problem: &str| ConfigError::Invalid {
                merchant: m.id.clone(),
                problem: problem.to_owned(),
            };
            if self.merchant[..i].iter().any(|other| other.id == m.id) {
                return Err(ConfigError::DuplicateId(m.id.clone()));
            }
            if m.id.is_empty() || m.id.len() > 128 || !m.id.bytes().all(|b| b.is_ascii_graphic()) {
                return Err(invalid("the id must be 1 to 128 visible ASCII characters."));
            }
            if m.api_key.len() < 32 {
                return Err(invalid("the api_key must be at least 32 characters."));
            }
            if m.token_secret.len() < 32 {
                return Err(invalid("the token_secret must be at least 32 characters."));
            }
            // A shared secret would let one merchant act as the other.
            if let Some(other) = self.merchant[..i].iter().find(|o| o.api_key == m.api_key) {
                return Err(invalid(&format!(
                    "the api_key is the same as merchant {:?}'s; each merchant needs its own.",
                    other.id
                )));
            }
            if let Some(other) = self.merchant[..i]
                .iter()
                .find(|o| o.token_secret == m.token_secret)
            {
                return Err(invalid(&format!(
                    "the token_secret is the same as merchant {:?}'s; each merchant needs its own.",
                    other.id
                )));
            }
            if m.shopify_webhook_secret
                .as_ref()
                .is_some_and(|s| s.len() < 32 || s.trim() != s)
            {
                return Err(invalid(
                    "the shopify_webhook_secret must be at least 32 characters, without spaces around it.",
                ));
            }
            match (&m.webhook_url, &m.webhook_secret) {
                (None, None) => {}
                (Some(_), None) => {
                    return Err(invalid(
                        "the webhook_url needs a webhook_secret (whsec_ + base64) to sign with.",
                    ));
                }
                (None, Some(_)) => {
                    return Err(invalid(
                        "the webhook_secret is set but there is no webhook_url.",
                    ));
                }
                (Some(url), Some(secret)) => {
                    crate::webhook::check_url(url).map_err(|p| invalid(&format!("{p}.")))?;
                    crate::webhook::WebhookSecret::parse(secret)
                        .map_err(|p| invalid(&format!("{p}.")))?;
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn merchant(id: &str, api_key: &str, token_secret: &str) -> MerchantConfig {
        MerchantConfig {
            id: id.to_owned(),
            api_key: api_key.to_owned(),
            token_secret: token_secret.to_owned(),
            allowed_origins: vec![],
            webhook_url: None,
            webhook_secret: None,
            shopify_webhook_secret: None,
            rate_limits: Default::default(),
        }
    }

    fn problem(merchants: Vec<MerchantConfig>) -> String {
        Config {
            merchant: merchants,
        }
        .validate()
        .map_or_else(|e| e.to_string(), |()| "valid".to_owned())
    }

    #[test]
    fn secrets_are_32_characters_and_no_two_merchants_share_one() {
        let key = |c: char| c.to_string().repeat(32);
        assert_eq!(problem(vec![merchant("a", &key('k'), &key('s'))]), "valid");
        let short = problem(vec![merchant("a", &"k".repeat(31), &key('s'))]);
        assert!(
            short.contains("\"a\"") && short.contains("api_key"),
            "{short}"
        );
        let short = problem(vec![merchant("a", &key('k'), &"s".repeat(31))]);
        assert!(short.contains("token_secret"), "{short}");
        let shared = problem(vec![
            merchant("a", &key('k'), &key('s')),
            merchant("b", &key('k'), &key('t')),
        ]);
        assert!(
            shared.contains("\"b\"") && shared.contains("api_key") && shared.contains("\"a\""),
            "{shared}"
        );
        let shared = problem(vec![
            merchant("a", &key('k'), &key('s')),
            merchant("b", &key('l'), &key('s')),
        ]);
        assert!(
            shared.contains("token_secret") && shared.contains("\"a\""),
            "{shared}"
        );
        let mut shop = merchant("a", &key('k'), &key('s'));
        shop.shopify_webhook_secret = Some("x".repeat(31));
        assert!(problem(vec![shop]).contains("shopify_webhook_secret"));
    }
}
