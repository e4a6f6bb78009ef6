//! The shopper's endpoints, `/v1/me*` (SPEC 3.3): the customer is always
//! the one the verified token names.

use http::header::{ETAG, IF_MATCH, IF_NONE_MATCH};
use retention_core::api::RedemptionRequest;
use retention_core::ledger::ActivityCursor;
use retention_core::preferences::{ConsentSource, require_birthday_field};
use retention_core::{Preferences, Program};

use crate::auth::{Shopper, TokenError};
use crate::body::{self, Misfit};
use crate::limits::RateOf;
use crate::order_table::Wanted;
use crate::routes::Route;
use crate::state::{etag, valid_idempotency_key};
use crate::txn::{self, Caller, Idempotency};
use crate::{Clock, CustomerKey, Entropy, Handler, Request, Response, Store, reply, unavailable};

impl<S: Store, C: Clock, E: Entropy> Handler<S, C, E> {
    /// Answers a shopper request whose token check gave `verified`.
    pub(crate) async fn shopper(
        &self,
        route: Route,
        verified: Result<Shopper, TokenError>,
        request: Request,
    ) -> Response {
        let shopper = match verified {
            Ok(shopper) => shopper,
            Err(TokenError::Expired) => {
                return reply::error(
                    401,
                    "token_expired",
                    "The sign-in token has expired; get a fresh one.",
                );
            }
            Err(TokenError::Invalid) => {
                return reply::error(
                    401,
                    "invalid_token",
                    "The sign-in token is missing or not valid.",
                );
            }
        };
        let key = CustomerKey {
            merchant: shopper.merchant,
            customer: shopper.customer,
        };
        // The token's signature names the token (a page script reusing the
        // shopper's token shares its bucket); the customer's bucket holds
        // every token of the customer together.
        let signature = crate::auth::bearer(request.headers())
            .and_then(|t| t.rsplit('.').next())
            .unwrap_or_default();
        let shopper_rate: RateOf = |l| l.shopper;
        let customer_rate: RateOf = |l| l.customer;
        let buckets = [
            (format!("t:{}:{signature}", key.merchant), shopper_rate),
            (
                format!("c:{}:{}", key.merchant, key.customer),
                customer_rate,
            ),
        ];
        if let Err(response) = self.within_limits(&key.merchant, &buckets) {
            return response;
        }
        // `GET /v1/me` reads its customer with the program's version.
        let (program, first) = if route == Route::Me {
            match self.store.load_customer_and_program_version(&key).await {
                Ok((customer, version)) => (
                    self.program_at(&key.merchant, version).await,
                    Some(customer),
                ),
                Err(e) => return unavailable(&e),
            }
        } else {
            (self.program(&key.merchant).await, None)
        };
        let program = match program {
            Ok(program) => program,
            Err(e) => return unavailable(&e),
        };
        let result = match route {
            Route::Me => self.me(&key, &program, &request, first).await,
            Route::Activity => self.activity(&key, &program, &request).await,
            Route::MyPreferences => self.preferences(&key, &program).await,
            Route::SaveMyPreferences => {
                self.save_preferences(&key, &program, &request, ConsentSource::Shopper)
                    .await
            }
            Route::Redeem => self.redeem(&key, &program, &request).await,
            Route::SubscriptionAction(id) => {
                self.subscription_action(&key, &program, &request, &id)
                    .await
            }
            _ => Ok(reply::not_found()),
        };
        result.unwrap_or_else(|e| unavailable(&e))
    }

    async fn me(
        &self,
        key: &CustomerKey,
        program: &Program,
        request: &Request,
        first: Option<Option<(crate::Version, String)>>,
    ) -> Result<Response, crate::StoreError> {
        let now = self.clock.now();
        let doc = txn::load_from(self, key, program, now, first).await?;
        let view = doc.customer.view(&key.customer, program, now);
        let Some(written) = self.views.write(key, view) else {
            return Ok(reply::error(
                500,
                "internal_error",
                "The answer could not be written.",
            ));
        };
        let tag = written.etag.as_str();
        if header(request, IF_NONE_MATCH).is_some_and(|v| v.split(',').any(|t| t.trim() == tag)) {
            return Ok(reply::with_header(reply::empty(304), ETAG, tag));
        }
        let response = reply::raw(200, "application/json", written.body.clone());
        Ok(reply::with_header(response, ETAG, tag))
    }

    async fn activity(
        &self,
        key: &CustomerKey,
        program: &Program,
        request: &Request,
    ) -> Result<Response, crate::StoreError> {
        let mut limit = 20usize;
        let mut cursor = None;
        for (name, value) in query(request) {
            match name.as_str() {
                "limit" => match value.parse::<usize>() {
                    Ok(n) if (1..=100).contains(&n) => limit = n,
                    _ => {
                        return Ok(reply::invalid(
                            "limit",
                            "The limit is a number from 1 to 100.",
                        ));
                    }
                },
                "cursor" => match value.parse::<ActivityCursor>() {
                    Ok(c) => cursor = Some(c),
                    Err(e) => return Ok(reply::invalid("cursor", e.to_string())),
                },
                _ => {}
            }
        }
        let now = self.clock.now();
        let (loaded, logged) =
            crate::ledger_log::for_page(self, key, program, now, limit, cursor).await?;
        let page = loaded
            .doc
            .customer
            .activity(program, now, limit, cursor, logged);
        Ok(reply::json(200, &page))
    }

    pub(crate) async fn preferences(
        &self,
        key: &CustomerKey,
        program: &Program,
    ) -> Result<Response, crate::StoreError> {
        let doc = txn::load(self, key).await?;
        Ok(preferences_response(doc.customer.preferences(program)))
    }

    /// `PUT …/preferences` for the shopper or the merchant: the whole
    /// document, `If-Match` honoured (412 before 422).
    pub(crate) async fn save_preferences(
        &self,
        key: &CustomerKey,
        program: &Program,
        request: &Request,
        source: ConsentSource,
    ) -> Result<Response, crate::StoreError> {
        let value = match body::json_value(request.headers(), request.body()) {
            Ok(value) => value,
            Err(response) => return Ok(response),
        };
        // A body without `birthday` is refused like any other missing
        // field (SPEC 2.7), after the typed parse so that an unknown field
        // is still a 400, and like every 422 only once `If-Match` held.
        let required = require_birthday_field(&value);
        let parsed = match body::typed::<Preferences>(value) {
            Err(Misfit::Unknown(response)) => return Ok(response),
            Err(Misfit::Invalid(error)) => Err(error),
            Ok(prefs) => required.map(|()| prefs),
        };
        let if_match = header(request, IF_MATCH).map(str::to_owned);
        txn::write(
            self,
            key,
            program,
            Wanted::NONE,
            None,
            None,
            |customer, now| {
                let current =
                    etag(&serde_json::to_vec(customer.preferences(program)).unwrap_or_default());
                if let Some(expected) = &if_match
                    && expected.trim() != "*"
                    && !expected.split(',').any(|t| t.trim() == current)
                {
                    return Err(reply::error(
                        412,
                        "precondition_failed",
                        "The preferences changed since they were read; reload them and try again.",
                    ));
                }
                let prefs = parsed.clone().map_err(|e| reply::domain(&e))?;
                customer
                    .save_preferences(program, prefs, source, now)
                    .map_err(|e| reply::domain(&e))?;
                Ok(preferences_response(customer.preferences(program)))
            },
        )
        .await
    }

    async fn redeem(
        &self,
        key: &CustomerKey,
        program: &Program,
        request: &Request,
    ) -> Result<Response, crate::StoreError> {
        self.idempotent_write(
            Caller::Shopper,
            key,
            program,
            request,
            |customer, value, now| {
                let ask: RedemptionRequest =
                    body::typed(value.clone()).map_err(Misfit::into_response)?;
                let mut random = |buf: &mut [u8]| self.entropy.fill(buf);
                customer
                    .redeem(program, &ask.reward_id, &mut random, now)
                    .map(|r| reply::json(201, &r))
                    .map_err(|e| reply::domain(&e))
            },
        )
        .await
    }

    async fn subscription_action(
        &self,
        key: &CustomerKey,
        program: &Program,
        request: &Request,
        id: &str,
    ) -> Result<Response, crate::StoreError> {
        self.idempotent_write(
            Caller::Shopper,
            key,
            program,
            request,
            |customer, value, now| {
                customer
                    .perform_action(program, id, value, now)
                    .map(|s| reply::json(200, &s))
                    .map_err(|e| reply::domain(&e))
            },
        )
        .await
    }

    /// A state-changing POST: checks the idempotency key (400), the body
    /// (413, 415, 400), then runs `op` inside the customer's write.
    pub(crate) async fn idempotent_write<F>(
        &self,
        caller: Caller,
        key: &CustomerKey,
        program: &Program,
        request: &Request,
        op: F,
    ) -> Result<Response, crate::StoreError>
    where
        F: Fn(
            &mut retention_core::Customer,
            &serde_json::Value,
            retention_core::Instant,
        ) -> Result<Response, Response>,
    {
        let idem_key = match idempotency_key(request) {
            Ok(k) => k,
            Err(response) => return Ok(response),
        };
        let value = match body::json_value(request.headers(), request.body()) {
            Ok(value) => value,
            Err(response) => return Ok(response),
        };
        let idem = Idempotency::new(
            caller,
            &idem_key,
            request.method().as_str(),
            request.uri().path(),
            &value,
        );
        // A merchant's event names the order it needs; other bodies none.
        let wanted = Wanted::for_body(&value);
        txn::write(
            self,
            key,
            program,
            wanted,
            Some(&idem),
            None,
            |customer, now| op(customer, &value, now),
        )
        .await
    }
}

/// The preferences with their ETag.
fn preferences_response(prefs: &Preferences) -> Response {
    let response = reply::json(200, prefs);
    let tag = etag(response.body());
    reply::with_header(response, ETAG, &tag)
}

/// The `Idempotency-Key` header: required (400) and well-formed (400).
pub(crate) fn idempotency_key(request: &Request) -> Result<String, Response> {
    let Some(value) = request.headers().get("idempotency-key") else {
        return Err(reply::error(
            400,
            "idempotency_key_required",
            "This request changes state and needs an Idempotency-Key header.",
        ));
    };
    match value.to_str() {
        Ok(key) if valid_idempotency_key(key) => Ok(key.to_owned()),
        _ => Err(reply::error(
            400,
            "idempotency_key_invalid",
            "An Idempotency-Key is 1 to 255 visible ASCII characters.",
        )),
    }
}

fn header(request: &Request, name: http::header::HeaderName) -> Option<&str> {
    request.headers().get(name)?.to_str().ok()
}

/// The query string's `name=value` pairs (values percent-decoded).
pub(crate) fn query(request: &Request) -> Vec<(String, String)> {
    request
        .uri()
        .query()
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (
                name.to_owned(),
                value.replace("%2E", ".").replace("%2e", "."),
            )
        })
        .collect()
}
