//! One-time add-ons (SPEC 2.7): variants the program offers beside a
//! product, which a shopper adds to the next delivery only. The charge
//! that ships them empties the list.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::action::ActionName;
use super::record::SubscriptionRecord;
use super::rules::quantity_error;
use crate::error::{Checks, DomainError};
use crate::program::{SubscriptionSettings, SwapVariant};
use crate::time::Instant;

/// A one-time item of the next delivery.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OnetimeItem {
    /// The variant added.
    pub variant_id: String,
    /// Title shown to the shopper.
    pub title: String,
    /// Price per unit in minor units.
    pub price_minor: i64,
    /// Units, at least 1.
    pub quantity: u32,
}

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
            Some(item) => item.quantity = quantity,
            None => s.onetime_items.push(OnetimeItem {
                variant_id: offer.variant_id.clone(),
                title: offer.title.clone(),
                price_minor: offer.price_minor,
                quantity,
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
            item.quantity >= 1,
            field("quantity"),
            "The quantity must be at least 1.",
        );
    }
}

/// The entries of a product → variants map for the products in
/// `products`: what `/v1/me` shows of `swap_options` and `addons`.
pub fn for_products<'a>(
    map: &BTreeMap<String, Vec<SwapVariant>>,
    products: impl Iterator<Item = &'a str> + Clone,
) -> BTreeMap<String, Vec<SwapVariant>> {
    map.iter()
        .filter(|(product, _)| products.clone().any(|p| p == product.as_str()))
        .map(|(product, variants)| (product.clone(), variants.clone()))
        .collect()
}
