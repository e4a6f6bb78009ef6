//! The parts of Shopify's webhook payloads the handler reads, and what
//! each topic means as the API's own events (SPEC 3.7). Shopify sends far
//! more fields than these; the others are ignored.

use retention_core::events::MerchantEvent;
use retention_core::{DomainError, Instant};
use serde::Deserialize;
use serde_json::Value;

use super::money::{MoneyError, minor_units};

/// A Shopify id: a JSON number (sometimes beyond 2^53) or a string of one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShopifyId(pub String);

impl<'de> Deserialize<'de> for ShopifyId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match Value::deserialize(d)? {
            Value::Number(n) if n.is_u64() => Ok(ShopifyId(n.to_string())),
            Value::String(s) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => {
                Ok(ShopifyId(s))
            }
            other => Err(serde::de::Error::custom(format!(
                "a Shopify id is a whole number, not {other}"
            ))),
        }
    }
}

#[derive(Deserialize)]
struct CustomerRef {
    id: ShopifyId,
}

/// `orders/paid`: an order.
#[derive(Deserialize)]
pub struct Order {
    id: ShopifyId,
    currency: String,
    current_total_price: String,
    #[serde(default)]
    processed_at: Option<String>,
    #[serde(default)]
    customer: Option<CustomerRef>,
}

/// `refunds/create`: a refund of an order.
#[derive(Deserialize)]
pub struct Refund {
    order_id: ShopifyId,
    #[serde(default)]
    transactions: Vec<Transaction>,
}

#[derive(Deserialize)]
struct Transaction {
    kind: String,
    status: String,
    amount: String,
    currency: String,
}

/// `customers/redact` (`{"customer": {"id"}}`) or `customers/delete` (the
/// customer itself, `{"id"}`).
#[derive(Deserialize)]
pub struct ErasedCustomer {
    #[serde(default)]
    customer: Option<CustomerRef>,
    #[serde(default)]
    id: Option<ShopifyId>,
}

impl ErasedCustomer {
    /// The customer to erase.
    pub fn customer_id(&self) -> Option<String> {
        self.customer
            .as_ref()
            .map(|c| c.id.0.clone())
            .or_else(|| self.id.as_ref().map(|id| id.0.clone()))
    }
}

fn money(field: &str, error: MoneyError) -> DomainError {
    DomainError::invalid(field, format!("The amount cannot be taken: {error}."))
}

impl Order {
    /// The order as `order_paid` for a Shopify customer id; `None` when
    /// there is nothing to credit (no customer, or a total of 0).
    pub fn as_event(&self) -> Result<Option<(String, MerchantEvent)>, DomainError> {
        let amount_minor = minor_units(&self.current_total_price, &self.currency)
            .map_err(|e| money("current_total_price", e))?;
        let Some(customer) = &self.customer else {
            return Ok(None);
        };
        if amount_minor == 0 {
            return Ok(None);
        }
        let paid_at = match &self.processed_at {
            Some(text) => Some(parse_instant(text).ok_or_else(|| {
                DomainError::invalid("processed_at", "processed_at is not an RFC 3339 time.")
            })?),
            None => None,
        };
        let event = MerchantEvent::OrderPaid {
            order_id: self.id.0.clone(),
            amount_minor,
            currency: self.currency.clone(),
            paid_at,
        };
        Ok(Some((customer.id.0.clone(), event)))
    }
}

impl Refund {
    /// The order refunded.
    pub fn order_id(&self) -> &str {
        &self.order_id.0
    }

    /// The successful refund transactions' sum in `program_currency`'s
    /// minor units (another currency is refused).
    pub fn amount_minor(&self, program_currency: &str) -> Result<i64, DomainError> {
        let mut sum: i64 = 0;
        for t in &self.transactions {
            if t.kind != "refund" || t.status != "success" {
                continue;
            }
            if t.currency != program_currency {
                return Err(DomainError::invalid(
                    "transactions.currency",
                    format!("Refunds are taken in the program's currency, {program_currency}."),
                ));
            }
            let amount =
                minor_units(&t.amount, &t.currency).map_err(|e| money("transactions.amount", e))?;
            sum = sum.checked_add(amount).ok_or_else(|| {
                DomainError::invalid("transactions.amount", "The refund is too large.")
            })?;
        }
        Ok(sum)
    }
}

/// An RFC 3339 time with any offset (Shopify sends the shop's offset).
fn parse_instant(text: &str) -> Option<Instant> {
    text.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_beyond_two_to_the_53_keep_every_digit() {
        let order: Order = serde_json::from_str(
            r#"{"id": 820982911946154508, "currency": "USD", "current_total_price": "1.00",
                "customer": {"id": "115310627314723954"}}"#,
        )
        .unwrap();
        let Some((customer, MerchantEvent::OrderPaid { order_id, .. })) = order.as_event().unwrap()
        else {
            panic!("an order_paid");
        };
        assert_eq!(
            (customer.as_str(), order_id.as_str()),
            ("115310627314723954", "820982911946154508")
        );
        for bad in [
            r#"{"id": -1}"#,
            r#"{"id": 1.5}"#,
            r#"{"id": "12a"}"#,
            r#"{"id": ""}"#,
        ] {
            assert!(
                serde_json::from_str::<ErasedCustomer>(bad).is_err(),
                "{bad}"
            );
        }
    }
}
