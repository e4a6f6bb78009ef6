//! CORS for `/v1/me*` only (SPEC 3.1): the widget, on the shop's page,
//! calls the API from the merchant's origins.

use http::HeaderValue;
use http::header::{
    ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS, ACCESS_CONTROL_ALLOW_ORIGIN,
    ACCESS_CONTROL_EXPOSE_HEADERS, ACCESS_CONTROL_MAX_AGE, VARY,
};

use crate::{MerchantConfig, Response, reply};

/// The `Origin` header, if any.
pub fn origin(request: &crate::Request) -> Option<&str> {
    request.headers().get(http::header::ORIGIN)?.to_str().ok()
}

/// Whether `origin` is one of `merchant`'s (or, with no merchant, any's).
pub fn allowed(origin: &str, merchant: Option<&MerchantConfig>, all: &[MerchantConfig]) -> bool {
    match merchant {
        Some(m) => m.allowed_origins.iter().any(|o| o == origin),
        None => all
            .iter()
            .any(|m| m.allowed_origins.iter().any(|o| o == origin)),
    }
}

/// Adds the headers an allowed origin's actual request gets.
pub fn decorate(mut response: Response, origin: &str) -> Response {
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(origin) {
        headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, value);
        headers.append(VARY, HeaderValue::from_static("Origin"));
        headers.insert(
            ACCESS_CONTROL_EXPOSE_HEADERS,
            HeaderValue::from_static("ETag, Idempotent-Replayed, Retry-After"),
        );
    }
    response
}

/// The answer to a preflight: the CORS grant for an allowed origin, a
/// plain 204 (which browsers treat as a refusal) for any other.
pub fn preflight(origin: Option<&str>, all: &[MerchantConfig]) -> Response {
    let mut response = reply::empty(204);
    let Some(origin) = origin.filter(|o| allowed(o, None, all)) else {
        return response;
    };
    response = decorate(response, origin);
    let headers = response.headers_mut();
    headers.insert(
        ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("GET, POST, PUT"),
    );
    headers.insert(
        ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static("Authorization, Content-Type, Idempotency-Key, If-Match"),
    );
    headers.insert(ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("600"));
    response
}
