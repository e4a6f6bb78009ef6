//! One-time add-ons (SPEC 2.7): variants the program offers beside a
//! product, which a shopper adds to the next delivery only. The charge
//! that ships them empties the list.

use std::collections::BTreeMap;

use super::action::ActionName;
use super::document::Subscription;
use super::record::SubscriptionRecord;
use super::rules::quantity_error;
use crate::error::{Checks, DomainError};
use crate::program::{SubscriptionSettings, SwapVariant};
use crate::time::Instant;

/// A one-time item of the next delivery: `{variant_id, title,
/// price_minor, quantity}`, its `quantity` always set (at least 1).
pub type OnetimeItem = SwapVariant;

impl SubscriptionRecord {
    /// `add_onetime {variant_id, quantity}`: adds a variant the program
    /// offers for the product to the next delivery, or sets its quantity
    /// when it is there already. Needs `active`, outside the cutoff.
    pub fn add_onetime(
        &mut self,
        variant_id: &str,
        quantity: i64,
        settings: &SubscriptionSettings,
        now: Instant,
    ) -> Result<(), DomainError> {
        self.begin(ActionName::AddOnetime, settings, now)?;
        let s = &mut self.subscription;
        let offer = settings
            .addons
            .get(&s.product_id)
            .and_then(|variants| variants.iter().find(|v| v.variant_id == variant_id))
            .ok_or_else(|| {
                DomainError::invalid("variant_id", "This add-on is not offered for the product.")
            })?;
        let quantity = u32::try_from(quantity)
            .ok()
            .filter(|q| (1..=settings.max_quantity).contains(q))
            .ok_or_else(|| quantity_error(settings))?;
        match s
            .onetime_items
            .iter_mut()
            .find(|i| i.variant_id == variant_id)
        {
            Some(item) => item.quantity = Some(quantity),
            None => s.onetime_items.push(OnetimeItem {
                quantity: Some(quantity),
                ..offer.clone()
            }),
        }
        Ok(())
    }

    /// `remove_onetime {variant_id}`: takes the variant off the next
    /// delivery; 404 `addon_not_found` when it is not there.
    pub fn remove_onetime(
        &mut self,
        variant_id: &str,
        settings: &SubscriptionSettings,
        now: Instant,
    ) -> Result<(), DomainError> {
        self.begin(ActionName::RemoveOnetime, settings, now)?;
        let items = &mut self.subscription.onetime_items;
        let index = items
            .iter()
            .position(|i| i.variant_id == variant_id)
            .ok_or_else(|| DomainError::AddonNotFound(variant_id.to_owned()))?;
        items.remove(index);
        Ok(())
    }
}

/// Checks the `onetime_items` of a `subscription_upserted`: each variant
/// once, with an id, a title, a price of at least 0 and a quantity of at
/// least 1. Errors name `onetime_items[i].<field>`.
pub fn check_items(c: &mut Checks, items: &[OnetimeItem]) {
    for (i, item) in items.iter().enumerate() {
        let field = |name: &str| format!("onetime_items[{i}].{name}");
        c.require(
            (1..=128).contains(&item.variant_id.len())
                && item.variant_id.bytes().all(|b| b.is_ascii_graphic()),
            field("variant_id"),
            "An id is 1 to 128 visible ASCII characters.",
        );
        c.require(
            items[..i].iter().all(|o| o.variant_id != item.variant_id),
            field("variant_id"),
            "Each variant is listed once.",
        );
        c.require(
            !item.title.trim().is_empty() && item.title.chars().count() <= 200,
            field("title"),
            "A title is 1 to 200 characters.",
        );
        c.require(
            item.price_minor >= 0,
            field("price_minor"),
            "A price cannot be negative.",
        );
        c.require(
            item.quantity.is_some_and(|q| q >= 1),
            field("quantity"),
            "The quantity must be at least 1.",
        );
    }
}

/// The entries of a product → variants map for the products of
/// `subscriptions`: what `/v1/me` shows of `swap_options` and `addons`.
pub fn for_products(
    map: &BTreeMap<String, Vec<SwapVariant>>,
    subscriptions: &[Subscription],
) -> BTreeMap<String, Vec<SwapVariant>> {
    map.iter()
        .filter(|(product, _)| subscriptions.iter().any(|s| &s.product_id == *product))
        .map(|(product, variants)| (product.clone(), variants.clone()))
        .collect()
}
