//! Reading request bodies in the SPEC's order of checks: size (413) →
//! content type (415) → JSON (400 `invalid_json`) → unknown fields (400
//! `unknown_field`) → the document's own rules (422).

use http::HeaderMap;
use retention_core::{DomainError, FieldError};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::{MAX_BODY_BYTES, Response, reply};

/// Parses the body as JSON after the size and content-type checks.
pub fn json_value(headers: &HeaderMap, body: &[u8]) -> Result<Value, Response> {
    if body.len() > MAX_BODY_BYTES {
        return Err(reply::error(
            413,
            "payload_too_large",
            format!("The body is larger than {MAX_BODY_BYTES} bytes."),
        ));
    }
    if !body.is_empty() && !is_json(headers) {
        return Err(reply::error(
            415,
            "unsupported_media_type",
            "The body must be sent as application/json.",
        ));
    }
    crate::strict_json::from_slice(body).map_err(|e| {
        reply::error(
            400,
            "invalid_json",
            format!("The body is not valid JSON: {e}."),
        )
    })
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|mime| mime.trim().eq_ignore_ascii_case("application/json"))
}

/// Why a JSON document does not fit its type.
pub enum Misfit {
    /// A field the document does not take: 400 `unknown_field`.
    Unknown(Response),
    /// A missing field or a value of the wrong kind: 422.
    Invalid(DomainError),
}

impl Misfit {
    /// The response for this misfit.
    pub fn into_response(self) -> Response {
        match self {
            Misfit::Unknown(response) => response,
            Misfit::Invalid(error) => reply::domain(&error),
        }
    }
}

/// Reads a typed document, telling unknown fields (400) from broken ones
/// (422) and naming the field either way.
pub fn typed<T: DeserializeOwned>(value: Value) -> Result<T, Misfit> {
    serde_path_to_error::deserialize::<_, T>(value).map_err(|e| {
        let path = e.path().to_string();
        let message = e.inner().to_string();
        classify(&path, &message)
    })
}

/// Turns a serde message at `path` into the SPEC's error.
pub fn classify(path: &str, message: &str) -> Misfit {
    let join = |name: &str| {
        if path.is_empty() || path == "." {
            name.to_owned()
        } else {
            format!("{path}.{name}")
        }
    };
    if let Some(name) = backticked(message, "unknown field `") {
        let field = join(name);
        return Misfit::Unknown(reply::error(
            400,
            "unknown_field",
            format!("The field `{field}` is not accepted here."),
        ));
    }
    if let Some(name) = backticked(message, "missing field `") {
        return Misfit::Invalid(DomainError::Validation(vec![FieldError::new(
            join(name),
            "This field is required.",
        )]));
    }
    let field = if path.is_empty() || path == "." {
        "body".to_owned()
    } else {
        path.to_owned()
    };
    // serde's messages name the expected kind ("invalid type: string
    // \"x\", expected u32"); made into a sentence.
    let mut text = message.to_owned();
    if let Some(first) = text.get(..1) {
        text.replace_range(..1, &first.to_uppercase());
    }
    if !text.ends_with('.') {
        text.push('.');
    }
    Misfit::Invalid(DomainError::Validation(vec![FieldError::new(field, text)]))
}

fn backticked<'a>(message: &'a str, prefix: &str) -> Option<&'a str> {
    let rest = message.strip_prefix(prefix)?;
    rest.split('`').next()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use serde_json::json;

    #[allow(dead_code)]
    #[derive(Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    struct Inner {
        count: u32,
    }

    #[allow(dead_code)]
    #[derive(Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    struct Outer {
        name: String,
        inner: Inner,
    }

    fn status(m: Misfit) -> (u16, String) {
        let r = m.into_response();
        let body: Value = serde_json::from_slice(r.body()).unwrap();
        (r.status().as_u16(), body.to_string())
    }

    #[test]
    fn unknown_fields_are_400_and_broken_ones_422_with_their_path() {
        let (code, body) = status(
            typed::<Outer>(json!({"name": "a", "inner": {"count": 1, "x": 2}})).unwrap_err(),
        );
        assert_eq!(code, 400);
        assert!(body.contains("inner.x"), "{body}");
        let (code, body) = status(typed::<Outer>(json!({"name": "a", "inner": {}})).unwrap_err());
        assert_eq!(code, 422);
        assert!(body.contains("\"field\":\"inner.count\""), "{body}");
        let (code, body) =
            status(typed::<Outer>(json!({"name": "a", "inner": {"count": -1}})).unwrap_err());
        assert_eq!(code, 422);
        assert!(body.contains("\"field\":\"inner.count\""), "{body}");
    }

    #[test]
    fn bodies_are_checked_in_order() {
        let mut headers = HeaderMap::new();
        let big = vec![b' '; MAX_BODY_BYTES + 1];
        assert_eq!(json_value(&headers, &big).unwrap_err().status(), 413);
        assert_eq!(json_value(&headers, b"{}").unwrap_err().status(), 415);
        headers.insert(
            http::header::CONTENT_TYPE,
            "application/json; charset=utf-8".parse().unwrap(),
        );
        assert_eq!(json_value(&headers, b"{").unwrap_err().status(), 400);
        assert_eq!(json_value(&headers, b"{}").unwrap(), json!({}));
    }
}
