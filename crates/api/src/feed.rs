//! The merchant's event feed (SPEC 3.6): paging the log with cursors that
//! never skip or repeat, one event with its delivery, and redelivery.

use retention_core::events_out::EventKind;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::body::{self, Misfit};
use crate::events::{self, RETENTION_DAYS};
use crate::order_table::Wanted;
use crate::shopper::query;
use crate::txn::{self, Caller, Idempotency};
use crate::{
    Clock, CustomerKey, Delivery, DeliveryState, Entropy, Handler, Request, Response, Store,
    StoreError, reply,
};

/// Largest feed page, and the default one.
const MAX_PAGE: usize = 1_000;
const DEFAULT_PAGE: usize = 100;

/// `POST …/redeliver` takes no fields.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NoFields {}

impl<S: Store, C: Clock, E: Entropy> Handler<S, C, E> {
    /// `GET /v1/admin/events?after=&limit=&type=`.
    pub(crate) async fn events(
        &self,
        merchant: &str,
        request: &Request,
    ) -> Result<Response, StoreError> {
        let mut after = None;
        let mut limit = DEFAULT_PAGE;
        let mut kind = None;
        for (name, value) in query(request) {
            match name.as_str() {
                "after" => match events::parse_cursor(merchant, &value) {
                    Some(position) => after = Some((position, value)),
                    None => return Ok(invalid_cursor()),
                },
                "limit" => match value.parse::<usize>() {
                    Ok(n) if (1..=MAX_PAGE).contains(&n) => limit = n,
                    _ => {
                        return Ok(reply::invalid(
                            "limit",
                            format!("The limit is a number from 1 to {MAX_PAGE}."),
                        ));
                    }
                },
                "type" => match EventKind::parse(&value) {
                    Some(k) => kind = Some(k),
                    None => {
                        let known: Vec<&str> = EventKind::ALL.iter().map(|k| k.as_str()).collect();
                        return Ok(reply::invalid(
                            "type",
                            format!("The type is one of {}.", known.join(", ")),
                        ));
                    }
                },
                _ => {}
            }
        }
        let from = after.as_ref().map_or(0, |(p, _)| *p);
        let page = self
            .store
            .events(merchant, from, limit, kind.map(EventKind::as_str))
            .await?;
        // A cursor stays valid while its event is kept, erased or not.
        if after.is_some() && (from <= page.pruned_through || from > page.newest) {
            return Ok(invalid_cursor());
        }
        let next_cursor = match page.items.last() {
            Some(last) => Some(events::cursor(merchant, last.position)),
            None => after.map(|(_, given)| given),
        };
        let items: Vec<Value> = page.items.iter().map(events::item).collect();
        Ok(reply::json(
            200,
            &json!({ "items": items, "next_cursor": next_cursor }),
        ))
    }

    /// `GET /v1/admin/events/{id}`.
    pub(crate) async fn event(&self, merchant: &str, id: &str) -> Result<Response, StoreError> {
        Ok(match self.store.event(merchant, id).await? {
            Some(stored) => reply::json(200, &events::item(&stored)),
            None => event_not_found(id),
        })
    }

    /// `POST /v1/admin/events/{id}/redeliver`: one more round with a fresh
    /// schedule. Its idempotency key is scoped to the event's customer.
    pub(crate) async fn redeliver(
        &self,
        merchant: &str,
        id: &str,
        request: &Request,
    ) -> Result<Response, StoreError> {
        let Some(stored) = self.store.event(merchant, id).await? else {
            return Ok(event_not_found(id));
        };
        let idem_key = match crate::shopper::idempotency_key(request) {
            Ok(k) => k,
            Err(response) => return Ok(response),
        };
        let value = if request.body().is_empty() {
            json!({})
        } else {
            match body::json_value(request.headers(), request.body()) {
                Ok(value) => value,
                Err(response) => return Ok(response),
            }
        };
        if let Err(misfit) = body::typed::<NoFields>(value.clone()) {
            return Ok(match misfit {
                Misfit::Unknown(response) => response,
                Misfit::Invalid(_) => reply::invalid("body", "The body is empty or {}."),
            });
        }
        if !self.has_webhook(merchant) {
            return Ok(reply::error(
                409,
                "no_webhook",
                "This merchant has no webhook to deliver to.",
            ));
        }
        let key = CustomerKey {
            merchant: merchant.to_owned(),
            customer: stored.event.customer.clone(),
        };
        let idem = Idempotency::new(
            Caller::Merchant,
            &idem_key,
            request.method().as_str(),
            request.uri().path(),
            &value,
        );
        if let Some(replay) = txn::replayed(self, &key, &idem).await? {
            return Ok(replay);
        }
        let now = self.clock.now();
        let delivery = Delivery {
            state: DeliveryState::Pending,
            failures: 0,
            next_attempt_at: Some(now),
            ..stored.event.delivery
        };
        if !self.store.set_delivery(merchant, id, delivery).await? {
            return Ok(event_not_found(id));
        }
        let accepted = || reply::json(202, &json!({ "id": id, "delivery": "pending" }));
        // The key is remembered with the customer; an erased customer has
        // no record to keep it in, and its one event may go round again.
        let program = self.program(merchant).await?;
        txn::write(
            self,
            &key,
            &program,
            Wanted::NONE,
            Some(&idem),
            Some(accepted()),
            |_, _| Ok(accepted()),
        )
        .await
    }

    /// Drops what is past the feed's retention.
    pub(crate) async fn prune(&self, merchant: &str) -> Result<(), StoreError> {
        let before = self.clock.now().plus_days(-RETENTION_DAYS);
        self.store.prune_events(merchant, before).await
    }
}

fn event_not_found(id: &str) -> Response {
    reply::error(404, "not_found", format!("There is no event {id}."))
}

fn invalid_cursor() -> Response {
    reply::error(
        400,
        "invalid_cursor",
        "The cursor is malformed, of another merchant, or its event is no longer kept.",
    )
}
