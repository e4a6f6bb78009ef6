//! HTTP to the handler through `gloo-net` (the browser's `fetch`): the bearer token,
//! one refresh when the API says the token expired (through `token-url`,
//! or by trading the shop's customer signature at `/v1/session`),
//! idempotency keys, and problem+json errors.

use std::cell::RefCell;

pub use gloo_net::http::Method;
use gloo_net::http::{RequestBuilder, Response};
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;
use web_sys::{RequestCredentials, RequestMode};

use crate::json::FromJs;
use crate::model::Problem;

/// Why a call failed.
#[derive(Clone, Debug, PartialEq)]
pub enum ApiError {
    /// No answer: offline, DNS, CORS, or the API is down.
    Network,
    /// The API answered with an error status.
    Problem {
        /// HTTP status.
        status: u16,
        /// The problem body (code empty when it was not problem+json).
        problem: Problem,
    },
    /// The token could not be had or was refused after a refresh.
    Auth,
    /// The answer was not the expected document.
    Decode,
}

impl ApiError {
    /// The problem's stable code, or a name for the other cases.
    pub fn code(&self) -> &str {
        match self {
            ApiError::Network => "network",
            ApiError::Problem { problem, .. } => &problem.code,
            ApiError::Auth => "invalid_token",
            ApiError::Decode => "invalid_response",
        }
    }

    /// HTTP status, 0 when there was none.
    pub fn status(&self) -> u16 {
        match self {
            ApiError::Problem { status, .. } => *status,
            ApiError::Auth => 401,
            _ => 0,
        }
    }
}

/// A successful answer: its status, `ETag` and JSON body (null when empty).
pub struct Reply {
    /// The `ETag` header.
    pub etag: Option<String>,
    /// The parsed body.
    pub body: JsValue,
}

impl Reply {
    /// The body as `T`.
    pub fn parse<T: FromJs>(&self) -> Result<T, ApiError> {
        T::from_js(&self.body).ok_or(ApiError::Decode)
    }
}

/// Where a fresh token comes from.
#[derive(Clone, Debug, PartialEq)]
pub enum TokenSource {
    /// None: the `token` attribute is all there is.
    None,
    /// The shop's `token-url` (same origin, with its cookies).
    Url(String),
    /// The shop's signature of its customer (Shopify's theme), traded at
    /// `POST /v1/session`: `{"merchant","customer","ts","signature"}` as
    /// JSON, the `ts` a number.
    Signed(String),
}

/// One widget's connection to the API.
pub struct Client {
    api: String,
    token: RefCell<Option<String>>,
    source: TokenSource,
    /// Changes sent without an answer yet (on their way, or lost to a
    /// network failure), by path and body, with the idempotency key they
    /// went with: sent again, they go with the same key, so the API does
    /// them at most once.
    unanswered: RefCell<Vec<(String, String)>>,
}

impl Client {
    /// A client for the API at `api` (no trailing slash needed).
    pub fn new(api: String, token: Option<String>, source: TokenSource) -> Self {
        Client {
            api: api.trim_end_matches('/').to_owned(),
            token: RefCell::new(token.filter(|t| !t.is_empty())),
            source,
            unanswered: RefCell::default(),
        }
    }

    /// `GET path`.
    pub async fn get(&self, path: &str) -> Result<Reply, ApiError> {
        self.call(Method::GET, path, None, &[]).await
    }

    /// `method path` with `body` as JSON and the extra `headers`.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        body: &JsValue,
        headers: &[(&str, &str)],
    ) -> Result<Reply, ApiError> {
        let text = js_sys::JSON::stringify(body)
            .ok()
            .and_then(|s| s.as_string())
            .ok_or(ApiError::Decode)?;
        self.call(method, path, Some(text), headers).await
    }

    /// A `POST` that changes state, under an idempotency key: a fresh
    /// one, or the key of the same request (path and body) sent before
    /// without an answer, so a retry after a lost answer never does the
    /// change twice.
    pub async fn post(&self, path: &str, body: &JsValue) -> Result<Reply, ApiError> {
        let request = format!(
            "{path}\n{}",
            js_sys::JSON::stringify(body)
                .ok()
                .and_then(|s| s.as_string())
                .unwrap_or_default()
        );
        let known = self
            .unanswered
            .borrow()
            .iter()
            .find(|(r, _)| *r == request)
            .map(|(_, key)| key.clone());
        let key = match known {
            Some(key) => key,
            None => {
                // Registered before it goes: the same request sent again
                // while this one is on its way shares its key too.
                let key = idempotency_key();
                self.unanswered
                    .borrow_mut()
                    .push((request.clone(), key.clone()));
                key
            }
        };
        let result = self
            .send(Method::POST, path, body, &[("Idempotency-Key", &key)])
            .await;
        if !matches!(result, Err(ApiError::Network)) {
            self.unanswered.borrow_mut().retain(|(r, _)| *r != request);
        }
        result
    }

    async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<String>,
        headers: &[(&str, &str)],
    ) -> Result<Reply, ApiError> {
        let mut refreshed = false;
        if self.token.borrow().is_none() {
            self.refresh().await?;
            refreshed = true;
        }
        loop {
            let token = self.token.borrow().clone().unwrap_or_default();
            let response = self
                .fetch(method.clone(), path, body.as_deref(), headers, &token)
                .await?;
            let status = response.status();
            if status == 401 && !refreshed && self.source != TokenSource::None {
                // An expired (or rotated) token: ask the shop for a fresh
                // one, once, and repeat the request with it.
                self.refresh().await?;
                refreshed = true;
                continue;
            }
            return read(response).await;
        }
    }

    async fn fetch(
        &self,
        method: Method,
        path: &str,
        body: Option<&str>,
        headers: &[(&str, &str)],
        token: &str,
    ) -> Result<Response, ApiError> {
        let mut request = RequestBuilder::new(&format!("{}{}", self.api, path))
            .method(method)
            .header("Authorization", &format!("Bearer {token}"))
            .mode(RequestMode::Cors)
            // The token is the only credential: no cookies of the API's origin.
            .credentials(RequestCredentials::Omit);
        for (name, value) in headers {
            request = request.header(name, value);
        }
        let request = match body {
            Some(body) => request
                .header("Content-Type", "application/json")
                .body(body),
            None => request.build(),
        };
        request
            .map_err(|_| ApiError::Network)?
            .send()
            .await
            .map_err(|_| ApiError::Network)
    }

    /// Fetches a fresh token: from `token-url` (same origin, with the
    /// shop's cookies; JSON `{"token": "..."}` or the bare token), or for
    /// the shop's signature at `/v1/session`.
    async fn refresh(&self) -> Result<(), ApiError> {
        let request = match &self.source {
            TokenSource::None => return Err(ApiError::Auth),
            TokenSource::Url(url) => RequestBuilder::new(url)
                .credentials(RequestCredentials::SameOrigin)
                .build(),
            TokenSource::Signed(body) => RequestBuilder::new(&format!("{}/v1/session", self.api))
                .method(Method::POST)
                .header("Content-Type", "application/json")
                .mode(RequestMode::Cors)
                .credentials(RequestCredentials::Omit)
                .body(body.as_str()),
        };
        let response = request
            .map_err(|_| ApiError::Network)?
            .send()
            .await
            .map_err(|_| ApiError::Network)?;
        if !response.ok() {
            return Err(ApiError::Auth);
        }
        let text = response.text().await.map_err(|_| ApiError::Auth)?;
        let token = parse_token(&text).ok_or(ApiError::Auth)?;
        *self.token.borrow_mut() = Some(token);
        Ok(())
    }
}

/// The token in a `token-url` answer: `{"token": "..."}` or the bare JWT.
pub fn parse_token(text: &str) -> Option<String> {
    let text = text.trim();
    let token = if text.starts_with('{') {
        // A JWT never needs JSON escapes, so the string after "token" is it.
        let after = &text[text.find("\"token\"")? + 7..];
        let value = after.trim_start().strip_prefix(':')?.trim_start();
        let value = value.strip_prefix('"')?;
        &value[..value.find('"')?]
    } else {
        text
    };
    let looks_like_jwt = token.split('.').count() == 3
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b));
    looks_like_jwt.then(|| token.to_owned())
}

async fn read(response: Response) -> Result<Reply, ApiError> {
    let status = response.status();
    let etag = response.headers().get("etag");
    let body = if status == 204 {
        JsValue::NULL
    } else {
        // The body as a JS value, read by `FromJs` (no serde in the widget).
        match web_sys::Response::from(response).json() {
            Ok(promise) => JsFuture::from(promise).await.unwrap_or(JsValue::NULL),
            Err(_) => JsValue::NULL,
        }
    };
    if (200..300).contains(&status) {
        return Ok(Reply { etag, body });
    }
    let problem = Problem::from_js(&body).unwrap_or_default();
    Err(ApiError::Problem { status, problem })
}

/// A fresh random idempotency key: 16 bytes of `crypto.getRandomValues`,
/// which, unlike `crypto.randomUUID`, exists outside secure contexts too
/// (a shop's plain-http staging host).
fn idempotency_key() -> String {
    let mut bytes = [0u8; 16];
    let filled = web_sys::window()
        .and_then(|w| w.crypto().ok())
        .is_some_and(|c| c.get_random_values_with_u8_array(&mut bytes).is_ok());
    if !filled {
        // No Web Crypto at all: still unique enough to tell requests apart.
        for chunk in bytes.chunks_mut(4) {
            let n = (js_sys::Math::random() * f64::from(u32::MAX)) as u32;
            chunk.copy_from_slice(&n.to_le_bytes());
        }
    }
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("rw-{hex}")
}

#[cfg(test)]
mod tests {
    use super::parse_token;

    #[test]
    fn token_url_answers_json_or_bare() {
        assert_eq!(
            parse_token(r#"{"token": "a.b.c"}"#).as_deref(),
            Some("a.b.c")
        );
        assert_eq!(
            parse_token("{\"exp\":1,\"token\":\"x-1.y_2.z\"}\n").as_deref(),
            Some("x-1.y_2.z")
        );
        assert_eq!(parse_token(" a.b.c \n").as_deref(), Some("a.b.c"));
        assert_eq!(parse_token("<html>login</html>"), None);
        assert_eq!(parse_token(r#"{"error": "no session"}"#), None);
        assert_eq!(parse_token(r#"{"token": "a.b"}"#), None);
    }
}
