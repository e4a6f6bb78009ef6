//! The store port over a JavaScript object each platform provides. Every
//! method is async on the JavaScript side and takes and returns plain
//! values:
//!
//! ```text
//! loadCustomer(merchant, customer)                    -> null | {version, state}
//! saveCustomer(merchant, customer, expected, write)   -> boolean  (false: version conflict)
//!     write = {state, nextWake: number|null, outbox: "JSON array", codes: [string],
//!              idempotency: null | {key, record, expiresAt}}
//! deleteCustomer(merchant, customer)                  -> void
//! loadIdempotency(merchant, customer, key)            -> null | string
//! loadProgram(merchant)                               -> null | {version, program}
//! saveProgram(merchant, expected, program)            -> boolean
//! dueOutbox(merchant, now, limit)                     -> "JSON array of items"
//! outboxOwner(merchant, id)                           -> null | string
//! codeOwner(merchant, code)                           -> null | string
//! ```
//! Versions are numbers; instants are unix seconds.

use js_sys::{Function, Object, Promise, Reflect};
use retention_api::{CustomerKey, CustomerWrite, Store, StoreError, Version};
use retention_core::Instant;
use retention_core::reminders::OutboxItem;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

const METHODS: [&str; 9] = [
    "loadCustomer",
    "saveCustomer",
    "deleteCustomer",
    "loadIdempotency",
    "loadProgram",
    "saveProgram",
    "dueOutbox",
    "outboxOwner",
    "codeOwner",
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
        set("state", write.state.into())?;
        set(
            "nextWake",
            write
                .next_wake
                .map_or(JsValue::NULL, |at| JsValue::from_f64(at.unix() as f64)),
        )?;
        let outbox = serde_json::to_string(&write.outbox).map_err(|e| StoreError(e.to_string()))?;
        set("outbox", outbox.into())?;
        let codes: js_sys::Array = write.codes.iter().map(|c| JsValue::from_str(c)).collect();
        set("codes", codes.into())?;
        let idempotency = match write.idempotency {
            Some(idem) => {
                let record = Object::new();
                Reflect::set(&record, &"key".into(), &idem.key.into())
                    .map_err(|e| failure("saveCustomer", &e))?;
                Reflect::set(&record, &"record".into(), &idem.record.into())
                    .map_err(|e| failure("saveCustomer", &e))?;
                Reflect::set(
                    &record,
                    &"expiresAt".into(),
                    &JsValue::from_f64(idem.expires_at.unix() as f64),
                )
                .map_err(|e| failure("saveCustomer", &e))?;
                record.into()
            }
            None => JsValue::NULL,
        };
        set("idempotency", idempotency)?;
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

    async fn delete_customer(&self, key: &CustomerKey) -> Result<(), StoreError> {
        self.call(
            "deleteCustomer",
            &[key.merchant.as_str().into(), key.customer.as_str().into()],
        )
        .await
        .map(|_| ())
    }

    async fn load_idempotency(
        &self,
        key: &CustomerKey,
        idempotency_key: &str,
    ) -> Result<Option<String>, StoreError> {
        let value = self
            .call(
                "loadIdempotency",
                &[
                    key.merchant.as_str().into(),
                    key.customer.as_str().into(),
                    idempotency_key.into(),
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
        program: &str,
    ) -> Result<bool, StoreError> {
        let value = self
            .call(
                "saveProgram",
                &[merchant.into(), version_arg(expected), program.into()],
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

    async fn code_owner(&self, merchant: &str, code: &str) -> Result<Option<String>, StoreError> {
        let value = self
            .call("codeOwner", &[merchant.into(), code.into()])
            .await?;
        text_or_null(value, "codeOwner")
    }
}
