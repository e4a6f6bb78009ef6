//! The merchant's endpoints, `/v1/admin/*` (SPEC 3.4): every id is read
//! inside the merchant named by the API key, so no request reaches
//! another merchant's data.

use retention_core::api::{EventResponse, UseCodeRequest};
use retention_core::events::is_valid_customer_id;
use retention_core::preferences::ConsentSource;
use retention_core::serde_util::merge_defaults;
use retention_core::{DomainError, MerchantEvent, MessageRequest, Program};
use serde_json::{Value, json};

use crate::body::{self, Misfit};
use crate::order_table::Wanted;
use crate::routes::Route;
use crate::shopper::query;
use crate::txn::{self, Caller, Idempotency};
use crate::{
    Clock, CustomerKey, Entropy, Handler, Request, Response, Store, StoreError, auth, reply,
    unavailable,
};

/// Largest outbox page.
const MAX_OUTBOX_PAGE: usize = 500;

impl<S: Store, C: Clock, E: Entropy> Handler<S, C, E> {
    /// Answers a merchant request.
    pub(crate) async fn admin(&self, route: Route, request: Request) -> Response {
        let Some(merchant) =
            auth::verify_merchant(auth::bearer(request.headers()), &self.merchants)
        else {
            return reply::error(
                401,
                "invalid_api_key",
                "The API key is missing or not valid.",
            );
        };
        let merchant = merchant.id.clone();
        if let Err(response) =
            self.within_limits(&merchant, &[(format!("m:{merchant}"), |l| l.merchant)])
        {
            return response;
        }
        let result = match route {
            Route::Program => self.get_program(&merchant).await,
            Route::SaveProgram => self.save_program(&merchant, &request).await,
            Route::Outbox => self.outbox(&merchant, &request).await,
            Route::Ack(id) => self.ack(&merchant, &id).await,
            Route::Redemption(code) => self.redemption(&merchant, &code).await,
            Route::UseCode(code) => self.use_code(&merchant, &code, &request).await,
            Route::Events => self.events(&merchant, &request).await,
            Route::EventById(id) => self.event(&merchant, &id).await,
            Route::Redeliver(id) => self.redeliver(&merchant, &id, &request).await,
            Route::Event(customer) => {
                self.admin_customer(CustomerOp::Event, merchant, customer, &request)
                    .await
            }
            Route::Customer(customer) => {
                self.admin_customer(CustomerOp::Get, merchant, customer, &request)
                    .await
            }
            Route::DeleteCustomer(customer) => {
                self.admin_customer(CustomerOp::Delete, merchant, customer, &request)
                    .await
            }
            Route::SaveCustomerPreferences(customer) => {
                self.admin_customer(CustomerOp::Preferences, merchant, customer, &request)
                    .await
            }
            Route::Message(customer) => {
                self.admin_customer(CustomerOp::Message, merchant, customer, &request)
                    .await
            }
            _ => Ok(reply::not_found()),
        };
        result.unwrap_or_else(|e| unavailable(&e))
    }

    async fn admin_customer(
        &self,
        kind: CustomerOp,
        merchant: String,
        customer: String,
        request: &Request,
    ) -> Result<Response, StoreError> {
        let key = CustomerKey { merchant, customer };
        // State-changing POSTs check the key and body before the id rule
        // (SPEC 3.1 order); reads and deletes check the id at once.
        if matches!(kind, CustomerOp::Event | CustomerOp::Message) {
            if let Err(response) = crate::shopper::idempotency_key(request) {
                return Ok(response);
            }
            if let Err(response) = body::json_value(request.headers(), request.body()) {
                return Ok(response);
            }
        }
        if !is_valid_customer_id(&key.customer) {
            return Ok(reply::invalid(
                "customer_id",
                "A customer id is 1 to 128 characters of A-Z, a-z, 0-9 and . _ : @ -.",
            ));
        }
        let program = self.program(&key.merchant).await?;
        match kind {
            CustomerOp::Get => {
                let now = self.clock.now();
                let (doc, logged, entries) =
                    txn::load_consistent(self, &key, &program, now, true, None).await?;
                Ok(reply::json(
                    200,
                    &doc.customer
                        .admin_view(&key.customer, &program, logged, entries, now),
                ))
            }
            CustomerOp::Delete => {
                txn::erase(self, &key).await?;
                Ok(reply::empty(204))
            }
            CustomerOp::Preferences => {
                self.save_preferences(&key, &program, request, ConsentSource::Merchant)
                    .await
            }
            CustomerOp::Event => {
                self.idempotent_write(
                    Caller::Merchant,
                    &key,
                    &program,
                    request,
                    |customer, value, now| {
                        let event: MerchantEvent =
                            body::typed(value.clone()).map_err(Misfit::into_response)?;
                        customer
                            .apply_event(&program, event, now)
                            .map_err(|e| reply::domain(&e))?;
                        let view = customer.view(&key.customer, &program, now);
                        Ok(reply::json(200, &EventResponse { customer: view }))
                    },
                )
                .await
            }
            CustomerOp::Message => {
                self.idempotent_write(
                    Caller::Merchant,
                    &key,
                    &program,
                    request,
                    |customer, value, now| {
                        let ask: MessageRequest =
                            body::typed(value.clone()).map_err(Misfit::into_response)?;
                        customer
                            .decide_message(&program, &ask, now)
                            .map(|d| reply::json(200, &d))
                            .map_err(|e| reply::domain(&e))
                    },
                )
                .await
            }
        }
    }

    async fn get_program(&self, merchant: &str) -> Result<Response, StoreError> {
        Ok(reply::json(200, &*self.program(merchant).await?))
    }

    async fn save_program(
        &self,
        merchant: &str,
        request: &Request,
    ) -> Result<Response, StoreError> {
        let given = match body::json_value(request.headers(), request.body()) {
            Ok(value) => value,
            Err(response) => return Ok(response),
        };
        if !given.is_object() {
            return Ok(reply::invalid("body", "The program is a JSON object."));
        }
        let defaults = serde_json::to_value(Program::default()).unwrap_or(Value::Null);
        let program: Program = match body::typed(merge_defaults(&defaults, &given)) {
            Ok(program) => program,
            Err(misfit) => return Ok(misfit.into_response()),
        };
        if let Err(e) = program.validate() {
            return Ok(reply::domain(&e));
        }
        let text = serde_json::to_string(&program).map_err(|e| StoreError(e.to_string()))?;
        loop {
            let version = self.store.load_program(merchant).await?.map(|(v, _)| v);
            let new = crate::versions::mint(&self.entropy);
            if self
                .store
                .save_program(merchant, version, new, &text)
                .await?
            {
                return Ok(reply::json(200, &program));
            }
        }
    }

    async fn outbox(&self, merchant: &str, request: &Request) -> Result<Response, StoreError> {
        let mut limit = 100;
        for (name, value) in query(request) {
            if name == "limit" {
                match value.parse::<usize>() {
                    Ok(n) if (1..=MAX_OUTBOX_PAGE).contains(&n) => limit = n,
                    _ => {
                        return Ok(reply::invalid(
                            "limit",
                            format!("The limit is a number from 1 to {MAX_OUTBOX_PAGE}."),
                        ));
                    }
                }
            }
        }
        let items = self
            .store
            .due_outbox(merchant, self.clock.now(), limit)
            .await?;
        Ok(reply::json(200, &json!({ "items": items })))
    }

    async fn ack(&self, merchant: &str, id: &str) -> Result<Response, StoreError> {
        let not_found = || reply::error(404, "not_found", format!("There is no outbox item {id}."));
        let Some(customer) = self.store.outbox_owner(merchant, id).await? else {
            return Ok(not_found());
        };
        let key = CustomerKey {
            merchant: merchant.to_owned(),
            customer,
        };
        let program = self.program(merchant).await?;
        txn::write(self, &key, &program, Wanted::NONE, None, None, |c, _| {
            if c.ack(id) {
                Ok(reply::empty(204))
            } else {
                Err(not_found())
            }
        })
        .await
    }
}

impl<S: Store, C: Clock, E: Entropy> Handler<S, C, E> {
    /// The customer holding `code`, by the store's index.
    async fn code_owner(
        &self,
        merchant: &str,
        code: &str,
    ) -> Result<Option<CustomerKey>, StoreError> {
        Ok(self
            .store
            .owner_of(merchant, code)
            .await?
            .map(|customer| CustomerKey {
                merchant: merchant.to_owned(),
                customer,
            }))
    }

    /// `GET /v1/admin/redemptions/{code}`.
    async fn redemption(&self, merchant: &str, code: &str) -> Result<Response, StoreError> {
        let code = code.to_ascii_uppercase();
        let Some(key) = self.code_owner(merchant, &code).await? else {
            return Ok(code_not_found(&code));
        };
        let doc = txn::load(self, &key).await?;
        Ok(match doc.customer.code_view(&key.customer, &code) {
            Some(view) => reply::json(200, &view),
            None => code_not_found(&code),
        })
    }

    /// `POST /v1/admin/redemptions/{code}/use` (idempotent, the key scoped
    /// to the code's customer).
    async fn use_code(
        &self,
        merchant: &str,
        code: &str,
        request: &Request,
    ) -> Result<Response, StoreError> {
        let code = code.to_ascii_uppercase();
        let idem_key = match crate::shopper::idempotency_key(request) {
            Ok(k) => k,
            Err(response) => return Ok(response),
        };
        let value = match body::json_value(request.headers(), request.body()) {
            Ok(value) => value,
            Err(response) => return Ok(response),
        };
        let ask = match body::typed::<UseCodeRequest>(value.clone()) {
            Err(Misfit::Unknown(response)) => return Ok(response),
            Err(Misfit::Invalid(error)) => Err(error),
            Ok(ask) => Ok(ask),
        };
        let Some(key) = self.code_owner(merchant, &code).await? else {
            return Ok(code_not_found(&code));
        };
        let program = self.program(merchant).await?;
        let idem = Idempotency::new(
            Caller::Merchant,
            &idem_key,
            request.method().as_str(),
            request.uri().path(),
            &value,
        );
        let customer_id = key.customer.clone();
        txn::write(
            self,
            &key,
            &program,
            Wanted::NONE,
            Some(&idem),
            Some(code_not_found(&code)),
            |customer, now| {
                let ask = ask.clone().map_err(|e| reply::domain(&e))?;
                customer
                    .use_code(&customer_id, &code, &ask.order_id, now)
                    .map(|view| reply::json(200, &view))
                    .map_err(|e| reply::domain(&e))
            },
        )
        .await
    }
}

fn code_not_found(code: &str) -> Response {
    reply::domain(&DomainError::CodeNotFound(code.to_owned()))
}

/// What an admin request does to a customer.
#[derive(Clone, Copy)]
enum CustomerOp {
    Get,
    Delete,
    Preferences,
    Event,
    Message,
}
