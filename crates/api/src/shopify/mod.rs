//! Shopify webhooks in (SPEC 3.7): `POST /v1/hooks/shopify/{merchant_id}`,
//! signed by Shopify with the merchant's `shopify_webhook_secret`,
//! deduplicated by `X-Shopify-Webhook-Id`, and turned into the API's own
//! events: a paid order credits points, a refund reverses them, a
//! customer's redaction or deletion erases them.

mod money;
mod payload;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use retention_core::DomainError;
use retention_core::customer::order_lookup;
use retention_core::events::{MerchantEvent, is_valid_customer_id};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use sha2::Sha256;

use crate::order_table::Wanted;
use crate::txn::{self, Caller, Idempotency};
use crate::{Clock, CustomerKey, Entropy, Handler, Request, Response, Store, StoreError, reply};
use payload::{ErasedCustomer, Order, Refund};

/// Largest body taken here: Shopify's orders outgrow the API's 64 KiB.
pub const MAX_HOOK_BODY_BYTES: usize = 1024 * 1024;

/// The path prefix of Shopify webhooks.
pub const HOOK_PATH: &str = "/v1/hooks/shopify/";

impl<S: Store, C: Clock, E: Entropy> Handler<S, C, E> {
    /// `POST /v1/hooks/shopify/{merchant_id}`.
    pub(crate) async fn shopify_hook(&self, merchant: &str, request: &Request) -> Response {
        let Some(secret) = self
            .merchants
            .iter()
            .find(|m| m.id == merchant)
            .and_then(|m| m.shopify_webhook_secret.as_deref())
        else {
            return reply::not_found();
        };
        if request.body().len() > MAX_HOOK_BODY_BYTES {
            return reply::error(
                413,
                "payload_too_large",
                format!("The body is larger than {MAX_HOOK_BODY_BYTES} bytes."),
            );
        }
        if !signed_by(secret, request) {
            return reply::error(
                401,
                "invalid_signature",
                "X-Shopify-Hmac-Sha256 is missing or does not match the body.",
            );
        }
        let topic = header(request, "x-shopify-topic").unwrap_or_default();
        self.shopify_topic(merchant, topic, request)
            .await
            .unwrap_or_else(|e| crate::unavailable(&e))
    }

    async fn shopify_topic(
        &self,
        merchant: &str,
        topic: &str,
        request: &Request,
    ) -> Result<Response, StoreError> {
        match topic {
            "orders/paid" => {
                let order: Order = match parse(request) {
                    Ok(order) => order,
                    Err(response) => return Ok(response),
                };
                match order.as_event() {
                    Err(e) => Ok(reply::domain(&e)),
                    Ok(None) => Ok(done("ignored")),
                    Ok(Some((customer, event))) => {
                        self.shopify_event(merchant, &customer, event, request)
                            .await
                    }
                }
            }
            "refunds/create" => {
                let refund: Refund = match parse(request) {
                    Ok(refund) => refund,
                    Err(response) => return Ok(response),
                };
                let program = self.program(merchant).await?;
                let amount_minor = match refund.amount_minor(&program.currency) {
                    Ok(amount) => amount,
                    Err(e) => return Ok(reply::domain(&e)),
                };
                let owner = self
                    .store
                    .owner_of(merchant, &order_lookup(refund.order_id()))
                    .await?;
                match owner {
                    // Never seen, or past history_days: nothing to reverse.
                    None => Ok(done("ignored")),
                    Some(_) if amount_minor == 0 => Ok(done("ignored")),
                    Some(customer) => {
                        let event = MerchantEvent::OrderRefunded {
                            order_id: refund.order_id().to_owned(),
                            amount_minor,
                        };
                        self.shopify_event(merchant, &customer, event, request)
                            .await
                    }
                }
            }
            "customers/redact" | "customers/delete" => {
                let erased: ErasedCustomer = match parse(request) {
                    Ok(erased) => erased,
                    Err(response) => return Ok(response),
                };
                let Some(customer) = erased.customer_id().filter(|c| is_valid_customer_id(c))
                else {
                    return Ok(reply::invalid("customer.id", "The customer has no id."));
                };
                let key = CustomerKey {
                    merchant: merchant.to_owned(),
                    customer,
                };
                txn::erase(self, &key).await?;
                Ok(done("erased"))
            }
            _ => Ok(done("ignored")),
        }
    }

    /// Applies `event` to the customer, once per `X-Shopify-Webhook-Id`
    /// (kept only when it succeeded: a failed delivery Shopify retries is
    /// processed again). An order already recorded changes nothing.
    async fn shopify_event(
        &self,
        merchant: &str,
        customer: &str,
        event: MerchantEvent,
        request: &Request,
    ) -> Result<Response, StoreError> {
        let program = self.program(merchant).await?;
        if let Err(e) = event.validate(&program, self.clock.now()) {
            return Ok(reply::domain(&e));
        }
        let key = CustomerKey {
            merchant: merchant.to_owned(),
            customer: customer.to_owned(),
        };
        let body: Value = serde_json::from_slice(request.body()).unwrap_or(Value::Null);
        let idem = header(request, "x-shopify-webhook-id")
            .filter(|id| crate::state::valid_idempotency_key(id))
            .map(|id| {
                Idempotency::new(
                    Caller::Shopify,
                    id,
                    request.method().as_str(),
                    request.uri().path(),
                    &body,
                )
            });
        txn::write(
            self,
            &key,
            &program,
            Wanted::for_event(&event),
            idem.as_ref(),
            None,
            |c, now| match c.apply_event(&program, event.clone(), now) {
                Ok(()) => Ok(done("processed")),
                Err(DomainError::OrderAlreadyRecorded(_) | DomainError::OrderNotFound(_)) => {
                    Ok(done("ignored"))
                }
                Err(e) => Err(reply::domain(&e)),
            },
        )
        .await
    }
}

/// Whether `X-Shopify-Hmac-Sha256` is the base64 HMAC-SHA256 of the raw
/// body under `secret` (compared in constant time).
fn signed_by(secret: &str, request: &Request) -> bool {
    let Some(given) =
        header(request, "x-shopify-hmac-sha256").and_then(|h| STANDARD.decode(h.trim()).ok())
    else {
        return false;
    };
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else {
        return false;
    };
    mac.update(request.body());
    mac.verify_slice(&given).is_ok()
}

fn header<'a>(request: &'a Request, name: &str) -> Option<&'a str> {
    request.headers().get(name)?.to_str().ok()
}

/// The payload as `T`; a malformed one is a 422 (Shopify retries it, and
/// the merchant sees it failing in the Shopify admin).
fn parse<T: DeserializeOwned>(request: &Request) -> Result<T, Response> {
    serde_json::from_slice(request.body())
        .map_err(|e| reply::invalid("body", format!("The Shopify payload cannot be read: {e}.")))
}

fn done(outcome: &str) -> Response {
    reply::json(200, &json!({ "status": outcome }))
}
