//! Building responses: JSON bodies and `application/problem+json` errors.

use http::{HeaderValue, StatusCode, header};
use retention_core::{DomainError, FieldError, Problem};
use serde::Serialize;

use crate::Response;

/// A response with a JSON body.
pub fn json<T: Serialize>(status: u16, body: &T) -> Response {
    // Room for a customer view at once: growing from serde_json's default
    // copied the body five times over.
    let mut bytes = Vec::with_capacity(4_096);
    match serde_json::to_writer(&mut bytes, body) {
        Ok(()) => raw(status, "application/json", bytes),
        Err(e) => problem(&Problem::new(
            500,
            "internal_error",
            format!("The answer could not be written: {e}."),
        )),
    }
}

/// A response with a body of the given content type.
pub fn raw(status: u16, content_type: &'static str, body: Vec<u8>) -> Response {
    let mut response = Response::new(body);
    *response.status_mut() =
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

/// A response without a body.
pub fn empty(status: u16) -> Response {
    let mut response = Response::new(Vec::new());
    *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::NO_CONTENT);
    response
}

/// A problem response.
pub fn problem(problem: &Problem) -> Response {
    let body = serde_json::to_vec(problem).unwrap_or_default();
    raw(problem.status, "application/problem+json", body)
}

/// A problem response from its parts.
pub fn error(status: u16, code: &str, detail: impl Into<String>) -> Response {
    problem(&Problem::new(status, code, detail))
}

/// 404 `not_found` for a path the API does not have.
pub fn not_found() -> Response {
    error(404, "not_found", "There is nothing at this path.")
}

/// The problem of a refused domain operation.
pub fn domain(error: &DomainError) -> Response {
    problem(&Problem::from_domain(error))
}

/// A 422 naming one field.
pub fn invalid(field: &str, message: impl Into<String>) -> Response {
    domain(&DomainError::Validation(vec![FieldError::new(
        field, message,
    )]))
}

/// Adds a header, ignoring values that cannot be sent (never happens for
/// the ASCII values this crate builds).
pub fn with_header(mut response: Response, name: header::HeaderName, value: &str) -> Response {
    if let Ok(value) = HeaderValue::from_str(value) {
        response.headers_mut().insert(name, value);
    }
    response
}
