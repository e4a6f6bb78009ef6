//! The retention widget's HTTP API (SPEC section 3) as one platform-free
//! function from an HTTP request to an HTTP response, over ports for the
//! state store, the clock and randomness. The native server and the edge
//! module are thin adapters around [`Handler`].
#![warn(missing_docs)]
// Refusals are whole responses (`Err(Response)`) by design: they are
// built once and returned as they are, so boxing them buys nothing.
#![allow(clippy::result_large_err)]

mod admin;
mod auth;
pub mod backoff;
mod body;
pub mod config;
#[cfg(feature = "conformance")]
pub mod conformance;
mod cors;
pub mod delivery;
pub mod events;
mod feed;
mod json_path;
pub mod jwt;
mod kept;
mod ledger_log;
pub mod limits;
pub mod memory;
pub mod order_table;
mod parsed;
pub mod ports;
mod rendered;
mod reply;
mod routes;
mod session;
mod shopify;
mod shopper;
pub mod state;
mod strict_json;
pub mod timers;
mod txn;
pub mod versions;
pub mod webhook;

use std::sync::Arc;

use http::Method;

pub use config::{Config, MerchantConfig};
pub use ports::{
    Clock, CustomerKey, CustomerWrite, Delivery, DeliveryState, Entropy, EventPage, EventWrite,
    IdempotencyWrite, LookupWrite, RowRange, RowWrite, Store, StoreError, StoredEvent, Version,
};

use retention_core::Program;
use routes::{NoRoute, Route};

/// Requests and responses: bodies are whole byte vectors (at most 64 KiB
/// are read from a request; see [`MAX_BODY_BYTES`]).
pub type Request = http::Request<Vec<u8>>;
/// See [`Request`].
pub type Response = http::Response<Vec<u8>>;

/// Largest request body accepted (SPEC 3.1); adapters read at most one
/// byte more so they can tell.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

pub use shopify::MAX_HOOK_BODY_BYTES;

/// Largest body accepted on `path`: [`MAX_BODY_BYTES`], except Shopify's
/// webhooks ([`MAX_HOOK_BODY_BYTES`]). Adapters read one byte more.
pub fn body_limit(path: &str) -> usize {
    if path.starts_with(shopify::HOOK_PATH) {
        MAX_HOOK_BODY_BYTES
    } else {
        MAX_BODY_BYTES
    }
}

/// Whose state a request concerns, when its credentials are good: edge
/// platforms send it to that customer's (or merchant's) own object.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Target {
    /// One customer's state (shopper requests, admin customer requests).
    Customer(CustomerKey),
    /// The merchant's program and outbox.
    Merchant(String),
}

/// The API over a store `S`, a clock `C` and a randomness source `E`.
pub struct Handler<S, C, E> {
    merchants: Vec<MerchantConfig>,
    store: S,
    clock: C,
    entropy: E,
    buckets: limits::Buckets,
    /// Each merchant's program as last read, by version: a request whose
    /// store gives the same version skips parsing and validating it again.
    programs: std::sync::Mutex<std::collections::HashMap<String, (Version, Arc<Program>)>>,
    /// Customers' documents as last parsed (see [`parsed`]).
    docs: parsed::ParsedDocs,
    /// Shopper tokens whose signatures were checked lately.
    tokens: auth::VerifiedTokens,
    /// Customers' views as last written out (see [`rendered`]).
    views: rendered::RenderedViews,
}

impl<S: Store, C: Clock, E: Entropy> Handler<S, C, E> {
    /// A handler serving `merchants` (validate them with [`Config::validate`]).
    pub fn new(merchants: Vec<MerchantConfig>, store: S, clock: C, entropy: E) -> Self {
        jwt::install();
        Handler {
            merchants,
            store,
            clock,
            entropy,
            buckets: limits::Buckets::default(),
            programs: Default::default(),
            docs: Default::default(),
            tokens: Default::default(),
            views: Default::default(),
        }
    }

    /// The store, for adapters that also run the reminder scheduler.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// Takes a token from each of `buckets` (key and rate) of `merchant`;
    /// the 429 when one is empty.
    fn within_limits(
        &self,
        merchant: &str,
        buckets: &[(String, limits::RateOf)],
    ) -> Result<(), Response> {
        let Some(config) = self.merchants.iter().find(|m| m.id == merchant) else {
            return Ok(());
        };
        let now = self.clock.now();
        for (key, rate) in buckets {
            self.buckets
                .take(key, rate(&config.rate_limits), now)
                .map_err(limits::limited)?;
        }
        Ok(())
    }

    /// The ids of the merchants served.
    pub fn merchant_ids(&self) -> Vec<String> {
        self.merchants.iter().map(|m| m.id.clone()).collect()
    }

    /// Whether `merchant` has a webhook (its events are delivered).
    fn has_webhook(&self, merchant: &str) -> bool {
        self.merchants
            .iter()
            .any(|m| m.id == merchant && m.webhook_url.is_some())
    }

    /// The clock, for adapters and tests that drive time.
    pub fn clock(&self) -> &C {
        &self.clock
    }

    /// Stores `customer` (built with the core's rules, as of the clock's
    /// now) as a new customer of `key.merchant` under its program, as any
    /// write would store it, without events: a bulk import, or a
    /// benchmark's fixture. `false` if the customer exists.
    pub async fn import_customer(
        &self,
        key: &CustomerKey,
        mut customer: retention_core::Customer,
    ) -> Result<bool, StoreError> {
        let program = self.program(&key.merchant).await?;
        customer.take_events();
        txn::import(self, key, &program, customer, self.clock.now()).await
    }

    /// Answers one request. Nothing under `/v1/` may be stored by a
    /// cache on the way (balances, codes and tokens are the shopper's).
    pub async fn handle(&self, request: Request) -> Response {
        let private = request.uri().path().starts_with("/v1/");
        let mut response = self.answer(request).await;
        if private {
            response.headers_mut().insert(
                http::header::CACHE_CONTROL,
                http::HeaderValue::from_static("no-store"),
            );
        }
        response
    }

    async fn answer(&self, request: Request) -> Response {
        let path = request.uri().path().to_owned();
        if routes::is_shopper_path(&path) {
            return self.shopper_with_cors(request).await;
        }
        if path == "/v1/session" {
            return self.session_with_cors(&request);
        }
        match routes::route(request.method(), &path) {
            Ok(Route::Health) => reply::json(
                200,
                &retention_core::api::Health {
                    status: "ok".to_owned(),
                },
            ),
            Ok(Route::ShopifyHook(merchant)) => self.shopify_hook(&merchant, &request).await,
            Ok(route) => self.admin(route, request).await,
            Err(no_route) => no_route_response(no_route),
        }
    }

    /// Whose state `request` concerns, from its method, path and
    /// credentials only (the body is not read). `None` when the request
    /// touches no state or will be refused before it does (bad
    /// credentials, unknown paths, CORS preflights, `/healthz`).
    pub fn target<B>(&self, request: &http::Request<B>) -> Option<Target> {
        if request.method() == Method::OPTIONS {
            return None;
        }
        let token = auth::bearer(request.headers());
        let merchant = || auth::verify_merchant(token, &self.merchants).map(|m| m.id.clone());
        let customer = |customer: String| {
            let valid = retention_core::events::is_valid_customer_id(&customer);
            merchant()
                .filter(|_| valid)
                .map(|merchant| Target::Customer(CustomerKey { merchant, customer }))
        };
        match routes::route(request.method(), request.uri().path()).ok()? {
            Route::Health | Route::Session => None,
            // Signed in the body, and about customers named in it: the
            // merchant's place answers (unconfigured shops are refused
            // anywhere).
            Route::ShopifyHook(merchant) => self
                .merchants
                .iter()
                .any(|m| m.id == merchant && m.shopify_webhook_secret.is_some())
                .then_some(Target::Merchant(merchant)),
            Route::Me
            | Route::Activity
            | Route::Redeem
            | Route::SubscriptionAction(_)
            | Route::MyPreferences
            | Route::SaveMyPreferences => {
                let now = self.clock.now().unix();
                let shopper = self.tokens.verify(token, &self.merchants, now).ok()?;
                Some(Target::Customer(CustomerKey {
                    merchant: shopper.merchant,
                    customer: shopper.customer,
                }))
            }
            Route::Event(id)
            | Route::Customer(id)
            | Route::DeleteCustomer(id)
            | Route::SaveCustomerPreferences(id)
            | Route::Message(id) => customer(id),
            Route::Program
            | Route::SaveProgram
            | Route::Outbox
            | Route::Ack(_)
            | Route::Redemption(_)
            | Route::UseCode(_)
            | Route::Events
            | Route::EventById(_)
            | Route::Redeliver(_) => merchant().map(Target::Merchant),
        }
    }

    /// Runs the reminder planner for one customer whose wake time came
    /// (the native scheduler and the Durable Object alarm call this). A
    /// customer erased meanwhile stays erased: nothing is written.
    pub async fn wake(&self, key: &CustomerKey) -> Result<(), StoreError> {
        let program = self.program(&key.merchant).await?;
        txn::write(
            self,
            key,
            &program,
            order_table::Wanted::NONE,
            None,
            Some(reply::empty(204)),
            |_, _| Ok(reply::empty(204)),
        )
        .await
        .map(|_| ())
    }

    async fn shopper_with_cors(&self, request: Request) -> Response {
        let origin = cors::origin(&request).map(str::to_owned);
        if request.method() == Method::OPTIONS {
            return cors::preflight(origin.as_deref(), &self.merchants);
        }
        let token = auth::bearer(request.headers()).map(str::to_owned);
        let now = self.clock.now().unix();
        let verified = self.tokens.verify(token.as_deref(), &self.merchants, now);
        // For a refused token, the merchant it names decides which origin
        // may read the error; with none, any merchant's origins may.
        let merchant_id = match &verified {
            Ok(shopper) => Some(shopper.merchant.clone()),
            Err(_) => token.as_deref().and_then(auth::claimed_issuer),
        };
        let merchant = merchant_id.and_then(|id| self.merchants.iter().find(|m| m.id == id));
        let response = match routes::route(request.method(), request.uri().path()) {
            Ok(route) => self.shopper(route, verified, request).await,
            Err(no_route) => no_route_response(no_route),
        };
        match origin {
            Some(origin) if cors::allowed(&origin, merchant, &self.merchants) => {
                cors::decorate(response, &origin)
            }
            _ => response,
        }
    }

    /// `/v1/session`, with CORS as for `/v1/me*` (the merchant named in
    /// the body decides which origins may read the answer).
    fn session_with_cors(&self, request: &Request) -> Response {
        let origin = cors::origin(request).map(str::to_owned);
        if request.method() == Method::OPTIONS {
            return cors::preflight(origin.as_deref(), &self.merchants);
        }
        let response = match routes::route(request.method(), request.uri().path()) {
            Ok(_) => session::exchange(request, &self.merchants, self.clock.now()),
            Err(no_route) => no_route_response(no_route),
        };
        let named = serde_json::from_slice::<serde_json::Value>(request.body())
            .ok()
            .and_then(|v| v.get("merchant")?.as_str().map(str::to_owned));
        let merchant = named.and_then(|id| self.merchants.iter().find(|m| m.id == id));
        match origin {
            Some(origin) if cors::allowed(&origin, merchant, &self.merchants) => {
                cors::decorate(response, &origin)
            }
            _ => response,
        }
    }

    /// The merchant's program: the stored one, else the defaults.
    async fn program(&self, merchant: &str) -> Result<Arc<Program>, StoreError> {
        let current = self.store.program_version(merchant).await?;
        self.program_at(merchant, current).await
    }

    /// The merchant's program at version `current` (`None`: the
    /// defaults), from the parsed programs when it is the one kept.
    async fn program_at(
        &self,
        merchant: &str,
        current: Option<Version>,
    ) -> Result<Arc<Program>, StoreError> {
        let cache = || {
            self.programs
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
        };
        // The version alone first: the document is read and parsed only
        // when it changed (reading it was a tenth of `GET /v1/me`).
        let Some(current) = current else {
            return Ok(Arc::default());
        };
        if let Some((seen, program)) = cache().get(merchant)
            && *seen == current
        {
            return Ok(Arc::clone(program));
        }
        let Some((version, text)) = self.store.load_program(merchant).await? else {
            return Ok(Arc::default());
        };
        let program = serde_json::from_str::<serde_json::Value>(&text)
            .ok()
            .and_then(|v| Program::from_json(&v).ok())
            .map(Arc::new)
            .ok_or_else(|| StoreError(format!("the program of {merchant} cannot be read")))?;
        cache().insert(merchant.to_owned(), (version, Arc::clone(&program)));
        Ok(program)
    }
}

fn no_route_response(no_route: NoRoute) -> Response {
    match no_route {
        NoRoute::NotFound => reply::not_found(),
        NoRoute::MethodNotAllowed(allowed) => reply::with_header(
            reply::error(
                405,
                "method_not_allowed",
                format!("This path takes {allowed} only."),
            ),
            http::header::ALLOW,
            allowed,
        ),
    }
}

/// The answer when the store fails: retry later. The cause is the
/// operator's, not the caller's: it rides along as a [`Failure`] extension
/// for the adapter's log, never in the body. Whether something was written
/// is not known on every platform, so the answer only promises what the
/// idempotency key guarantees.
fn unavailable(error: &StoreError) -> Response {
    let mut response = reply::with_header(
        reply::error(
            503,
            "unavailable",
            "The service could not answer just now. Try again; with the same Idempotency-Key a change is made at most once.",
        ),
        http::header::RETRY_AFTER,
        "1",
    );
    response.extensions_mut().insert(Failure(error.0.clone()));
    response
}

/// Why an answer is a 503: for the platform's log only.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure(pub String);
