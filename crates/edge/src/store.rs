//! The store port over a JavaScript object each platform provides. Every
//! method is async on the JavaScript side and takes and returns plain
//! values:
//!
//! ```text
//! loadCustomer(merchant, customer)                    -> null | {version, state}
//! saveCustomer(merchant, customer, expected, write)   -> boolean  (false: version conflict)
//!     write = {version, state, nextWake: number|null, outbox: [entry],
//!              lookups: [{key, held: boolean}], idempotency: null | record,
//!              events: [event], consents: [string],
//!              rows: [{table, key, value: string|null}]}  (rows in order; null deletes)
//!     lookups: the keys the customer comes to hold or lets go; keys not
//!              named stay as they are
//!     record = {key, record, expiresAt, scope, keep}: of the customer's records
//!              in `scope`, only the newest `keep` are kept (by expiresAt, then
//!              the latest written)
//! saveIdempotency(merchant, customer, expected, record) -> boolean  (false: version conflict)
//!     the record alone, if the customer's version is still `expected`
//! consents(merchant, customer)                        -> [string]  (the consent log, oldest first)
//! rows(merchant, customer, table, newestFirst, beyond|null, limit) -> [[key, value]]
//!     the table's rows in key order (code units; keys are ASCII), descending
//!     when newestFirst, only keys strictly past `beyond` that way
//! eraseCustomer(merchant, customer, erased)           -> void   (erased: null | event)
//! lastSequence(merchant, customer)                    -> number
//! events(merchant, after, limit, kind|null)           -> {items: [stored], prunedThrough, newest}
//! event(merchant, id)                                 -> null | stored
//! setDelivery(merchant, id, {state, nextAttemptAt, delivery}) -> boolean
//! dueDeliveries(merchant, now, limit)                 -> [stored]
//!     the earliest pending event of each customer, if due, by nextAttemptAt
//! pruneEvents(merchant, before)                       -> void   (events created before)
//! loadIdempotency(merchant, customer, key, now)       -> null | string  (live at now)
//! loadProgram(merchant)                               -> null | {version, program}
//! saveProgram(merchant, expected, version, program)   -> boolean
//! dueOutbox(merchant, now, limit)                     -> "JSON array of items"
//! outboxOwner(merchant, id)                           -> null | string
//! ownerOf(merchant, lookup)                           -> null | string  (codes, order:ID)
//! ```
//! Versions and positions are numbers (versions are minted by the handler
//! and stored as given); instants are unix seconds. An outbox entry is
//! `{id, sendAt, item: "JSON", digest}` (`digest` tells a changed item
//! apart), so no store parses an item. An event
//! is `{id, customer, sequence, kind, createdAt, state, nextAttemptAt,
//! event: "JSON", delivery: "JSON"}`: the fields a store indexes, and two
//! texts it keeps as they are (`event` never changes; `delivery` is
//! replaced by setDelivery). A stored event is `{position, event,
//! delivery}`, the position given by the store when the event became
//! readable, increasing and never reused per merchant.

use js_sys::{Function, Object, Promise, Reflect};
use retention_api::{
    CustomerKey, CustomerWrite, Delivery, DeliveryState, EventPage, EventWrite, IdempotencyWrite,
    RowRange, Store, StoreError, StoredEvent, Version,
};
use retention_core::Instant;
use retention_core::reminders::OutboxItem;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

const METHODS: [&str; 18] = [
    "loadCustomer",
    "saveCustomer",
    "saveIdempotency",
    "consents",
    "rows",
    "eraseCustomer",
    "lastSequence",
    "events",
    "event",
    "setDelivery",
    "dueDeliveries",
    "pruneEvents",
    "loadIdempotency",
    "loadProgram",
    "saveProgram",
    "dueOutbox",
    "outboxOwner",
    "ownerOf",
];

/// A platform's store object.
pub struct JsStore {
    object: JsValue,
}

impl JsStore {
    /// Wraps `object`, checking that it has every method.
    pub fn new(object: JsValue) -> Result<Self, String> {
        for method in METHODS {
            let found = Reflect::get(&object, &method.into())
                .ok()
                .filter(JsValue::is_function);
            if found.is_none() {
                return Err(format!("the store object has no method {method}"));
            }
        }
        Ok(JsStore { object })
    }

    async fn call(&self, method: &str, args: &[JsValue]) -> Result<JsValue, StoreError> {
        let function: Function = Reflect::get(&self.object, &method.into())
            .map_err(|e| failure(method, &e))?
            .unchecked_into();
        let args: js_sys::Array = args.iter().collect();
        let returned = function
            .apply(&self.object, &args)
            .map_err(|e| failure(method, &e))?;
        JsFuture::from(Promise::resolve(&returned))
            .await
            .map_err(|e| failure(method, &e))
    }
}

fn failure(method: &str, error: &JsValue) -> StoreError {
    let message = error
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| error.as_string())
        .unwrap_or_else(|| "unknown error".to_owned());
    StoreError(format!("{method}: {message}"))
}

fn field(object: &JsValue, name: &str) -> JsValue {
    Reflect::get(object, &name.into()).unwrap_or(JsValue::UNDEFINED)
}

/// `{version, <text_field>}` or null → the pair.
fn versioned(value: JsValue, text_field: &str) -> Result<Option<(Version, String)>, StoreError> {
    if value.is_null() || value.is_undefined() {
        return Ok(None);
    }
    let version = field(&value, "version").as_f64();
    let text = field(&value, text_field).as_string();
    match (version, text) {
        (Some(version), Some(text)) if version >= 0.0 => Ok(Some((version as Version, text))),
        _ => Err(StoreError(format!(
            "the store returned no version or {text_field}"
        ))),
    }
}

/// `{key, record, expiresAt, scope, keep}`.
fn record_object(idem: IdempotencyWrite, method: &str) -> Result<JsValue, StoreError> {
    let record = Object::new();
    let set = |name: &str, value: JsValue| {
        Reflect::set(&record, &name.into(), &value).map_err(|e| failure(method, &e))
    };
    set("key", idem.key.into())?;
    set("record", idem.record.into())?;
    set(
        "expiresAt",
        JsValue::from_f64(idem.expires_at.unix() as f64),
    )?;
    set("scope", idem.scope.into())?;
    set("keep", JsValue::from_f64(f64::from(idem.keep)))?;
    Ok(record.into())
}

fn version_arg(expected: Option<Version>) -> JsValue {
    expected.map_or(JsValue::NULL, |v| JsValue::from_f64(v as f64))
}

fn boolean(value: JsValue, method: &str) -> Result<bool, StoreError> {
    value
        .as_bool()
        .ok_or_else(|| StoreError(format!("{method} must return true or false")))
}

fn text_or_null(value: JsValue, method: &str) -> Result<Option<String>, StoreError> {
    if value.is_null() || value.is_undefined() {
        return Ok(None);
    }
    value
        .as_string()
        .map(Some)
        .ok_or_else(|| StoreError(format!("{method} must return a string or null")))
}

impl Store for JsStore {
    async fn load_customer(
        &self,
        key: &CustomerKey,
    ) -> Result<Option<(Version, String)>, StoreError> {
        let value = self
            .call(
                "loadCustomer",
                &[key.merchant.as_str().into(), key.customer.as_str().into()],
            )
            .await?;
        versioned(value, "state")
    }

    async fn save_customer(
        &self,
        key: &CustomerKey,
        expected: Option<Version>,
        write: CustomerWrite,
    ) -> Result<bool, StoreError> {
        let object = Object::new();
        let set = |name: &str, value: JsValue| {
            Reflect::set(&object, &name.into(), &value).map_err(|e| failure("saveCustomer", &e))
        };
        set("version", JsValue::from_f64(write.version as f64))?;
        set("state", write.state.into())?;
        set(
            "nextWake",
            write
                .next_wake
                .map_or(JsValue::NULL, |at| JsValue::from_f64(at.unix() as f64)),
        )?;
        let outbox: js_sys::Array = write
            .outbox
            .iter()
            .map(outbox_entry)
            .collect::<Result<_, _>>()?;
        set("outbox", outbox.into())?;
        let lookups: js_sys::Array = write
            .lookups
            .iter()
            .map(|change| {
                let object = Object::new();
                Reflect::set(&object, &"key".into(), &change.key.as_str().into())?;
                Reflect::set(&object, &"held".into(), &change.held.into())?;
                Ok(JsValue::from(object))
            })
            .collect::<Result<_, JsValue>>()
            .map_err(|e| failure("saveCustomer", &e))?;
        set("lookups", lookups.into())?;
        let idempotency = match write.idempotency {
            Some(idem) => record_object(idem, "saveCustomer")?,
            None => JsValue::NULL,
        };
        set("idempotency", idempotency)?;
        let consents: js_sys::Array = write
            .consents
            .iter()
            .map(|c| JsValue::from_str(c))
            .collect();
        set("consents", consents.into())?;
        let rows: js_sys::Array = write
            .rows
            .iter()
            .map(|row| {
                let object = Object::new();
                let value = row
                    .value
                    .as_deref()
                    .map_or(JsValue::NULL, JsValue::from_str);
                for (name, value) in [
                    ("table", JsValue::from_str(&row.table)),
                    ("key", JsValue::from_str(&row.key)),
                    ("value", value),
                ] {
                    Reflect::set(&object, &name.into(), &value)
                        .map_err(|e| failure("saveCustomer", &e))?;
                }
                Ok(JsValue::from(object))
            })
            .collect::<Result<_, StoreError>>()?;
        set("rows", rows.into())?;
        let events: js_sys::Array = write
            .events
            .iter()
            .map(event_object)
            .collect::<Result<_, _>>()?;
        set("events", events.into())?;
        let value = self
            .call(
                "saveCustomer",
                &[
                    key.merchant.as_str().into(),
                    key.customer.as_str().into(),
                    version_arg(expected),
                    object.into(),
                ],
            )
            .await?;
        boolean(value, "saveCustomer")
    }

    async fn save_idempotency(
        &self,
        key: &CustomerKey,
        expected: Option<Version>,
        write: IdempotencyWrite,
    ) -> Result<bool, StoreError> {
        let value = self
            .call(
                "saveIdempotency",
                &[
                    key.merchant.as_str().into(),
                    key.customer.as_str().into(),
                    version_arg(expected),
                    record_object(write, "saveIdempotency")?,
                ],
            )
            .await?;
        boolean(value, "saveIdempotency")
    }

    async fn consents(&self, key: &CustomerKey) -> Result<Vec<String>, StoreError> {
        let value = self
            .call(
                "consents",
                &[key.merchant.as_str().into(), key.customer.as_str().into()],
            )
            .await?;
        if !js_sys::Array::is_array(&value) {
            return Err(StoreError("consents must return an array".to_owned()));
        }
        js_sys::Array::from(&value)
            .iter()
            .map(|v| {
                v.as_string()
                    .ok_or_else(|| StoreError("consents must return strings".to_owned()))
            })
            .collect()
    }

    async fn rows(
        &self,
        key: &CustomerKey,
        range: &RowRange,
    ) -> Result<Vec<(String, String)>, StoreError> {
        let value = self
            .call(
                "rows",
                &[
                    key.merchant.as_str().into(),
                    key.customer.as_str().into(),
                    range.table.as_str().into(),
                    range.newest_first.into(),
                    range
                        .beyond
                        .as_deref()
                        .map_or(JsValue::NULL, JsValue::from_str),
                    JsValue::from_f64(range.limit.min(1 << 30) as f64),
                ],
            )
            .await?;
        let bad = || StoreError("rows must return [[key, value]] of strings".to_owned());
        if !js_sys::Array::is_array(&value) {
            return Err(bad());
        }
        js_sys::Array::from(&value)
            .iter()
            .map(|pair| {
                let pair = js_sys::Array::from(&pair);
                Ok((
                    pair.get(0).as_string().ok_or_else(bad)?,
                    pair.get(1).as_string().ok_or_else(bad)?,
                ))
            })
            .collect()
    }

    async fn erase_customer(
        &self,
        key: &CustomerKey,
        erased: Option<EventWrite>,
    ) -> Result<(), StoreError> {
        let erased = match &erased {
            Some(event) => event_object(event)?,
            None => JsValue::NULL,
        };
        self.call(
            "eraseCustomer",
            &[
                key.merchant.as_str().into(),
                key.customer.as_str().into(),
                erased,
            ],
        )
        .await
        .map(|_| ())
    }

    async fn last_sequence(&self, key: &CustomerKey) -> Result<u64, StoreError> {
        let value = self
            .call(
                "lastSequence",
                &[key.merchant.as_str().into(), key.customer.as_str().into()],
            )
            .await?;
        number(&value, "lastSequence")
    }

    async fn events(
        &self,
        merchant: &str,
        after: u64,
        limit: usize,
        kind: Option<&str>,
    ) -> Result<EventPage, StoreError> {
        let value = self
            .call(
                "events",
                &[
                    merchant.into(),
                    JsValue::from_f64(after as f64),
                    JsValue::from_f64(limit as f64),
                    kind.map_or(JsValue::NULL, JsValue::from_str),
                ],
            )
            .await?;
        Ok(EventPage {
            items: stored_list(&field(&value, "items"), "events")?,
            pruned_through: number(&field(&value, "prunedThrough"), "events")?,
            newest: number(&field(&value, "newest"), "events")?,
        })
    }

    async fn event(&self, merchant: &str, id: &str) -> Result<Option<StoredEvent>, StoreError> {
        let value = self.call("event", &[merchant.into(), id.into()]).await?;
        if value.is_null() || value.is_undefined() {
            return Ok(None);
        }
        stored(&value, "event").map(Some)
    }

    async fn set_delivery(
        &self,
        merchant: &str,
        id: &str,
        delivery: Delivery,
    ) -> Result<bool, StoreError> {
        let object = Object::new();
        set_fields(&object, &delivery_fields(&delivery)?, "setDelivery")?;
        let value = self
            .call("setDelivery", &[merchant.into(), id.into(), object.into()])
            .await?;
        boolean(value, "setDelivery")
    }

    async fn due_deliveries(
        &self,
        merchant: &str,
        now: Instant,
        limit: usize,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        let value = self
            .call(
                "dueDeliveries",
                &[
                    merchant.into(),
                    JsValue::from_f64(now.unix() as f64),
                    JsValue::from_f64(limit as f64),
                ],
            )
            .await?;
        stored_list(&value, "dueDeliveries")
    }

    async fn prune_events(&self, merchant: &str, before: Instant) -> Result<(), StoreError> {
        self.call(
            "pruneEvents",
            &[merchant.into(), JsValue::from_f64(before.unix() as f64)],
        )
        .await
        .map(|_| ())
    }

    async fn load_idempotency(
        &self,
        key: &CustomerKey,
        idempotency_key: &str,
        now: Instant,
    ) -> Result<Option<String>, StoreError> {
        let value = self
            .call(
                "loadIdempotency",
                &[
                    key.merchant.as_str().into(),
                    key.customer.as_str().into(),
                    idempotency_key.into(),
                    JsValue::from_f64(now.unix() as f64),
                ],
            )
            .await?;
        text_or_null(value, "loadIdempotency")
    }

    async fn load_program(&self, merchant: &str) -> Result<Option<(Version, String)>, StoreError> {
        let value = self.call("loadProgram", &[merchant.into()]).await?;
        versioned(value, "program")
    }

    async fn save_program(
        &self,
        merchant: &str,
        expected: Option<Version>,
        version: Version,
        program: &str,
    ) -> Result<bool, StoreError> {
        let value = self
            .call(
                "saveProgram",
                &[
                    merchant.into(),
                    version_arg(expected),
                    JsValue::from_f64(version as f64),
                    program.into(),
                ],
            )
            .await?;
        boolean(value, "saveProgram")
    }

    async fn due_outbox(
        &self,
        merchant: &str,
        now: Instant,
        limit: usize,
    ) -> Result<Vec<OutboxItem>, StoreError> {
        let value = self
            .call(
                "dueOutbox",
                &[
                    merchant.into(),
                    JsValue::from_f64(now.unix() as f64),
                    JsValue::from_f64(limit as f64),
                ],
            )
            .await?;
        let text = value
            .as_string()
            .ok_or_else(|| StoreError("dueOutbox must return a JSON string".to_owned()))?;
        serde_json::from_str(&text)
            .map_err(|e| StoreError(format!("dueOutbox returned bad items: {e}")))
    }

    async fn outbox_owner(&self, merchant: &str, id: &str) -> Result<Option<String>, StoreError> {
        let value = self
            .call("outboxOwner", &[merchant.into(), id.into()])
            .await?;
        text_or_null(value, "outboxOwner")
    }

    async fn owner_of(&self, merchant: &str, lookup: &str) -> Result<Option<String>, StoreError> {
        let value = self
            .call("ownerOf", &[merchant.into(), lookup.into()])
            .await?;
        text_or_null(value, "ownerOf")
    }
}

/// The immutable part of an event, as the `event` text a store keeps.
#[derive(Serialize, Deserialize)]
struct EventText {
    id: String,
    customer: String,
    sequence: u64,
    kind: String,
    created_at: Instant,
    body: String,
}

/// An event's delivery, as the `delivery` text a store keeps.
#[derive(Serialize, Deserialize)]
struct DeliveryText {
    state: String,
    attempts: u32,
    failures: u32,
    last_status: Option<u16>,
    next_attempt_at: Option<Instant>,
}

fn json_error(e: serde_json::Error) -> StoreError {
    StoreError(format!("an event cannot be written as JSON: {e}"))
}

/// `state`, `nextAttemptAt` and the `delivery` text.
fn delivery_fields(d: &Delivery) -> Result<Vec<(&'static str, JsValue)>, StoreError> {
    let text = serde_json::to_string(&DeliveryText {
        state: d.state.as_str().to_owned(),
        attempts: d.attempts,
        failures: d.failures,
        last_status: d.last_status,
        next_attempt_at: d.next_attempt_at,
    })
    .map_err(json_error)?;
    Ok(vec![
        ("state", d.state.as_str().into()),
        (
            "nextAttemptAt",
            d.next_attempt_at
                .map_or(JsValue::NULL, |at| JsValue::from_f64(at.unix() as f64)),
        ),
        ("delivery", text.into()),
    ])
}

fn set_fields(object: &Object, fields: &[(&str, JsValue)], method: &str) -> Result<(), StoreError> {
    for (name, value) in fields {
        Reflect::set(object, &(*name).into(), value).map_err(|e| failure(method, &e))?;
    }
    Ok(())
}

/// The JavaScript object of an event to write (see the module's doc).
fn event_object(event: &EventWrite) -> Result<JsValue, StoreError> {
    let text = serde_json::to_string(&EventText {
        id: event.id.clone(),
        customer: event.customer.clone(),
        sequence: event.sequence,
        kind: event.kind.clone(),
        created_at: event.created_at,
        body: event.body.clone(),
    })
    .map_err(json_error)?;
    let object = Object::new();
    let mut fields: Vec<(&str, JsValue)> = vec![
        ("id", event.id.as_str().into()),
        ("customer", event.customer.as_str().into()),
        ("sequence", JsValue::from_f64(event.sequence as f64)),
        ("kind", event.kind.as_str().into()),
        (
            "createdAt",
            JsValue::from_f64(event.created_at.unix() as f64),
        ),
        ("event", text.into()),
    ];
    fields.extend(delivery_fields(&event.delivery)?);
    set_fields(&object, &fields, "saveCustomer")?;
    Ok(object.into())
}

fn number(value: &JsValue, method: &str) -> Result<u64, StoreError> {
    match value.as_f64() {
        Some(n) if n >= 0.0 && n.fract() == 0.0 => Ok(n as u64),
        _ => Err(StoreError(format!("{method} must return whole numbers"))),
    }
}

/// `{position, event, delivery}` → the stored event.
fn stored(value: &JsValue, method: &str) -> Result<StoredEvent, StoreError> {
    let bad = |what: &str| StoreError(format!("{method} returned an event with bad {what}"));
    let position = number(&field(value, "position"), method)?;
    let event: EventText = field(value, "event")
        .as_string()
        .and_then(|t| serde_json::from_str(&t).ok())
        .ok_or_else(|| bad("event text"))?;
    let delivery: DeliveryText = field(value, "delivery")
        .as_string()
        .and_then(|t| serde_json::from_str(&t).ok())
        .ok_or_else(|| bad("delivery text"))?;
    Ok(StoredEvent {
        position,
        event: EventWrite {
            id: event.id,
            customer: event.customer,
            sequence: event.sequence,
            kind: event.kind,
            created_at: event.created_at,
            body: event.body,
            delivery: Delivery {
                state: DeliveryState::parse(&delivery.state).ok_or_else(|| bad("state"))?,
                attempts: delivery.attempts,
                failures: delivery.failures,
                last_status: delivery.last_status,
                next_attempt_at: delivery.next_attempt_at,
            },
        },
    })
}

fn stored_list(value: &JsValue, method: &str) -> Result<Vec<StoredEvent>, StoreError> {
    if !js_sys::Array::is_array(value) {
        return Err(StoreError(format!("{method} must return an array")));
    }
    js_sys::Array::from(value)
        .iter()
        .map(|item| stored(&item, method))
        .collect()
}

/// `{id, sendAt, item, digest}` of an outbox item.
fn outbox_entry(item: &OutboxItem) -> Result<JsValue, StoreError> {
    let text = serde_json::to_string(item).map_err(json_error)?;
    let digest = Sha256::digest(text.as_bytes())
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect::<String>();
    let object = Object::new();
    set_fields(
        &object,
        &[
            ("id", item.id.as_str().into()),
            ("sendAt", JsValue::from_f64(item.send_at.unix() as f64)),
            ("item", text.into()),
            ("digest", digest.into()),
        ],
        "saveCustomer",
    )?;
    Ok(object.into())
}
