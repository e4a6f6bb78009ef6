//! The retention widget's HTTP API as a WebAssembly Fetch handler for
//! edge runtimes. Everything the API does is in `retention-api`; this
//! crate only converts Fetch `Request`/`Response` objects and forwards the
//! store port to a JavaScript object each platform provides (Durable
//! Object storage on Cloudflare, Deno KV on Deno).
#![warn(missing_docs)]

mod fetch;
mod platform;
mod sender;
mod store;
mod zones;

use std::rc::Rc;

use retention_api::{CustomerKey, Handler, MerchantConfig, Target};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

use platform::{JsClock, WebEntropy};
use store::JsStore;

type EdgeApi = Handler<JsStore, JsClock, WebEntropy>;

/// Events attempted per webhook round at most (one per customer).
const DELIVERY_BATCH: usize = 100;

/// Runs when the module is instantiated, before any export is called:
/// time zones come from the runtime's `Intl` from the start.
#[wasm_bindgen(start)]
pub fn start() {
    zones::install();
}

/// Test builds only: runs the store port's contract against `store` (a
/// platform's store object) under merchants named `prefix`…; resolves to
/// `[{name, failure: string | null}]`.
#[cfg(feature = "conformance")]
#[wasm_bindgen(js_name = runStoreConformance)]
pub async fn run_store_conformance(store: JsValue, prefix: String) -> Result<JsValue, JsError> {
    let store = JsStore::new(store).map_err(|e| JsError::new(&e))?;
    let outcomes = retention_api::conformance::run(&store, &prefix).await;
    // The zone checks ride along: the same runners, the platform's `Intl`.
    let zone_outcomes = retention_core::zone::conformance::run(&zones::IntlZones)
        .into_iter()
        .map(|o| retention_api::conformance::Outcome {
            name: o.name,
            failure: o.failure,
        });
    let list = js_sys::Array::new();
    for outcome in outcomes.into_iter().chain(zone_outcomes) {
        let item = js_sys::Object::new();
        js_sys::Reflect::set(&item, &"name".into(), &outcome.name.into())
            .map_err(|_| JsError::new("cannot build the report"))?;
        let failure = outcome.failure.map_or(JsValue::NULL, JsValue::from);
        js_sys::Reflect::set(&item, &"failure".into(), &failure)
            .map_err(|_| JsError::new("cannot build the report"))?;
        list.push(&item);
    }
    Ok(list.into())
}

/// Milliseconds to wait after `failures` failures in a row of a timer's
/// work (an object's alarm, a wake): the same backoff everywhere.
#[wasm_bindgen(js_name = retryDelayMs)]
pub fn retry_delay_ms(failures: u32) -> f64 {
    (retention_api::backoff::wait_seconds(failures) * 1_000) as f64
}

/// The glue's timers in milliseconds (see `retention_api::timers`):
/// `{indexRetryMs, housekeepingMs, stuckWakeRetryMs, deliverySweepMs,
/// roundRetryMs}`.
#[wasm_bindgen]
pub fn timers() -> js_sys::Object {
    use retention_api::timers::*;
    let object = js_sys::Object::new();
    for (name, seconds) in [
        ("indexRetryMs", INDEX_RETRY_SECONDS),
        ("housekeepingMs", HOUSEKEEPING_SECONDS),
        ("stuckWakeRetryMs", STUCK_WAKE_RETRY_SECONDS),
        ("deliverySweepMs", DELIVERY_SWEEP_SECONDS),
        ("roundRetryMs", ROUND_RETRY_SECONDS),
    ] {
        // Setting a plain property on a new object cannot fail.
        let _ = js_sys::Reflect::set(
            &object,
            &name.into(),
            &JsValue::from_f64((seconds * 1_000) as f64),
        );
    }
    object
}

/// The API, bound to the merchants it serves and a platform's store.
#[wasm_bindgen]
pub struct EdgeHandler {
    inner: Rc<EdgeApi>,
}

#[wasm_bindgen]
impl EdgeHandler {
    /// A handler for the merchants in `merchants_json` (a JSON array of
    /// `{id, api_key, token_secret, allowed_origins}`) over `store` (an
    /// object with the store methods; see `store.rs`).
    #[wasm_bindgen(constructor)]
    pub fn new(merchants_json: &str, store: JsValue) -> Result<EdgeHandler, JsError> {
        let merchants: Vec<MerchantConfig> = serde_json::from_str(merchants_json).map_err(|e| {
            JsError::new(&format!(
                "RETENTION_MERCHANTS is not a JSON array of merchants: {e}."
            ))
        })?;
        let config = retention_api::Config {
            merchant: merchants,
        };
        config
            .validate()
            .map_err(|e| JsError::new(&e.to_string()))?;
        let store = JsStore::new(store).map_err(|e| JsError::new(&e))?;
        Ok(EdgeHandler {
            inner: Rc::new(Handler::new(config.merchant, store, JsClock, WebEntropy)),
        })
    }

    /// Answers a Fetch `Request` with a `Promise<Response>`.
    pub fn handle(&self, request: web_sys::Request) -> js_sys::Promise {
        let inner = Rc::clone(&self.inner);
        future_to_promise(async move {
            let response = match fetch::read_request(&request).await {
                Ok(request) => inner.handle(request).await,
                // The client broke the body off before its announced length.
                Err(_) => fetch::unreadable_body(),
            };
            fetch::write_response(response).map(JsValue::from)
        })
    }

    /// Runs the reminder planner for one customer (the alarm hook).
    pub fn wake(&self, merchant: String, customer: String) -> js_sys::Promise {
        let inner = Rc::clone(&self.inner);
        future_to_promise(async move {
            let key = CustomerKey { merchant, customer };
            inner
                .wake(&key)
                .await
                .map(|()| JsValue::UNDEFINED)
                .map_err(|e| JsValue::from(JsError::new(&e.to_string())))
        })
    }

    /// One webhook round for `merchant` (the timer hook of the place that
    /// keeps its event log): every due event attempted at once with the
    /// host's `fetch`. Resolves to the unix seconds of the next attempt
    /// due, or null when none is pending.
    #[wasm_bindgen(js_name = deliverDue)]
    pub fn deliver_due(&self, merchant: String) -> js_sys::Promise {
        let inner = Rc::clone(&self.inner);
        future_to_promise(async move {
            inner
                .deliver_due_of(&merchant, DELIVERY_BATCH, &sender::FetchSender)
                .await
                .map(|next| next.map_or(JsValue::NULL, |at| JsValue::from_f64(at.unix() as f64)))
                .map_err(|e| JsValue::from(JsError::new(&e.to_string())))
        })
    }

    /// The ids of the merchants served (a platform's timers sweep them).
    #[wasm_bindgen(js_name = merchantIds)]
    pub fn merchant_ids(&self) -> Vec<String> {
        self.inner.merchant_ids()
    }

    /// Drops every merchant's events past the feed's retention (for
    /// platforms whose timers do not run per merchant; Deno's loop calls
    /// it now and then).
    #[wasm_bindgen(js_name = pruneEvents)]
    pub fn prune_events(&self) -> js_sys::Promise {
        let inner = Rc::clone(&self.inner);
        future_to_promise(async move {
            inner
                .prune_all()
                .await
                .map(|()| JsValue::UNDEFINED)
                .map_err(|e| JsValue::from(JsError::new(&e.to_string())))
        })
    }

    /// The largest body taken on `path` (the Workers glue reads one byte
    /// more before the request reaches an object).
    #[wasm_bindgen(js_name = bodyLimit)]
    pub fn body_limit(&self, path: &str) -> usize {
        retention_api::body_limit(path)
    }

    /// Whose state the request concerns, from its method, path and
    /// credentials: `{kind: "customer", merchant, customer}`,
    /// `{kind: "merchant", merchant}`, or `undefined` when the request
    /// touches no state (answer it with `handle` anywhere).
    pub fn target(&self, request: &web_sys::Request) -> Result<JsValue, JsValue> {
        let head = fetch::read_head(request)?;
        let object = js_sys::Object::new();
        let set =
            |name: &str, value: &str| js_sys::Reflect::set(&object, &name.into(), &value.into());
        match self.inner.target(&head) {
            Some(Target::Customer(key)) => {
                set("kind", "customer")?;
                set("merchant", &key.merchant)?;
                set("customer", &key.customer)?;
            }
            Some(Target::Merchant(merchant)) => {
                set("kind", "merchant")?;
                set("merchant", &merchant)?;
            }
            None => return Ok(JsValue::UNDEFINED),
        }
        Ok(object.into())
    }
}
