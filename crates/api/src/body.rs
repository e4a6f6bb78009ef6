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
    // Read from text, not from the value: a text error says how far it got,
    // which names the field (see `json_path`).
    let text = value.to_string();
    serde_json::from_str::<T>(&text).map_err(|e| {
        let found = match e.line() {
            1 => crate::json_path::locate(&text, e.column(), e.is_syntax()),
            _ => None,
        };
        let mut message = e.to_string();
        // The message without serde_json's " at line 1 column N".
        if let Some(cut) = message.rfind(" at line ").filter(|_| e.line() > 0) {
            message.truncate(cut);
        }
        let (path, value) = found.unwrap_or_default();
        if e.is_syntax() {
            // The text is valid JSON: the only syntax error left is a
            // choice (an enum) given neither a name nor an object.
            message = not_a_choice(value);
        }
        classify(&path, &message)
    })
}

/// What serde says of a value that cannot name a choice, as reading it
/// from a `Value` says it: "invalid type: integer `-1`, expected string or
/// map".
fn not_a_choice(token: &str) -> String {
    use serde::de::{Error, Unexpected};
    let value: Value = serde_json::from_str(token).unwrap_or(Value::Null);
    let unexpected = match &value {
        Value::Null => Unexpected::Unit,
        Value::Bool(b) => Unexpected::Bool(*b),
        Value::Number(n) => match (n.as_u64(), n.as_i64(), n.as_f64()) {
            (Some(u), _, _) => Unexpected::Unsigned(u),
            (_, Some(i), _) => Unexpected::Signed(i),
            (_, _, f) => Unexpected::Float(f.unwrap_or(0.0)),
        },
        Value::String(s) => Unexpected::Str(s),
        Value::Array(_) => Unexpected::Seq,
        // An object names its choice by its one key.
        Value::Object(_) => {
            return serde_json::Error::invalid_value(Unexpected::Map, &"map with a single key")
                .to_string();
        }
    };
    serde_json::Error::invalid_type(unexpected, &"string or map").to_string()
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
    // \"x\", expected u32"); made into a sentence. They start in ASCII,
    // and ASCII case keeps Unicode's case tables out of the edge module.
    let mut text = message.to_owned();
    if let Some(first) = text.get_mut(..1) {
        first.make_ascii_uppercase();
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
        assert!(
            body.contains("The field `inner.x` is not accepted here."),
            "{body}"
        );
        let (code, body) = status(typed::<Outer>(json!({"name": "a", "inner": {}})).unwrap_err());
        assert_eq!(code, 422);
        assert!(body.contains("\"field\":\"inner.count\""), "{body}");
        let (code, body) =
            status(typed::<Outer>(json!({"name": "a", "inner": {"count": -1}})).unwrap_err());
        assert_eq!(code, 422);
        assert!(body.contains("\"field\":\"inner.count\""), "{body}");
    }

    /// The path tracker this module used before: it compiled a second
    /// parser per document type. Every answer must stay the same.
    /// Its one slip is mended here: for an unknown field its path already
    /// ended with the field, which `classify` then named twice (`a.x.x`).
    fn tracked<T: DeserializeOwned>(value: Value) -> Result<T, Misfit> {
        serde_path_to_error::deserialize::<_, T>(value).map_err(|e| {
            let mut path = e.path().to_string();
            let message = e.inner().to_string();
            if let Some(name) = backticked(&message, "unknown field `")
                && let Some(parent) = path.strip_suffix(name)
            {
                path = parent.trim_end_matches('.').to_owned();
            }
            classify(&path, &message)
        })
    }

    fn pointers(value: &Value, at: String, out: &mut Vec<String>) {
        match value {
            Value::Object(map) => {
                for (key, child) in map {
                    let escaped = key.replace('~', "~0").replace('/', "~1");
                    pointers(child, format!("{at}/{escaped}"), out);
                }
            }
            Value::Array(items) => {
                for (i, child) in items.iter().enumerate() {
                    pointers(child, format!("{at}/{i}"), out);
                }
            }
            _ => {}
        }
        out.push(at);
    }

    /// `doc` broken every way at every depth: each value replaced by one
    /// of each kind, each object given an unknown field and losing each of
    /// its own.
    fn broken(doc: &Value) -> Vec<Value> {
        let mut at = Vec::new();
        pointers(doc, String::new(), &mut at);
        let mut out = Vec::new();
        for pointer in &at {
            for bad in [
                json!("x"),
                json!(-1),
                json!(4_294_967_296u64),
                json!(1.5),
                json!(null),
                json!(true),
                json!([]),
                json!([1]),
                json!({}),
                json!({"a": 1}),
            ] {
                let mut v = doc.clone();
                *v.pointer_mut(pointer).unwrap() = bad;
                out.push(v);
            }
            if let Some(object) = doc.pointer(pointer).and_then(Value::as_object) {
                let mut v = doc.clone();
                v.pointer_mut(pointer)
                    .and_then(Value::as_object_mut)
                    .unwrap()
                    .insert("zz_unknown".into(), json!(1));
                out.push(v);
                for key in object.keys() {
                    let mut v = doc.clone();
                    v.pointer_mut(pointer)
                        .and_then(Value::as_object_mut)
                        .unwrap()
                        .remove(key);
                    out.push(v);
                }
            }
        }
        out
    }

    fn answer<T>(result: Result<T, Misfit>) -> Option<(u16, String)> {
        result.err().map(status)
    }

    fn same_answers<T: DeserializeOwned>(doc: Value) -> usize {
        let cases = broken(&doc);
        for case in &cases {
            assert_eq!(
                answer(typed::<T>(case.clone())),
                answer(tracked::<T>(case.clone())),
                "{case}"
            );
        }
        cases.len()
    }

    #[test]
    fn every_broken_document_names_the_field_the_path_tracker_named() {
        use retention_core::api::{RedemptionRequest, UseCodeRequest};
        use retention_core::{MerchantEvent, MessageRequest, Preferences, Program};
        let mut program = serde_json::to_value(Program::default()).unwrap();
        program["rewards"] = json!([
            {"id": "r1", "name": "500 off", "cost": 300, "kind": "fixed_discount", "value": 50000},
            {"id": "r2", "name": "Gift", "cost": 100, "kind": "free_shipping", "value": 0},
        ]);
        program["subscriptions"]["swap_options"] = json!({"coffee": [
            {"variant_id": "v2", "title": "Decaf", "price_minor": 900},
        ]});
        program["subscriptions"]["cancel_reasons"] = json!([
            {"id": "price", "label": "Too dear", "offer": {"kind": "discount", "percent": 10}},
            {"id": "busy", "label": "Too much", "offer": {"kind": "pause", "days": 30}},
            {"id": "other", "label": "Other", "offer": null},
        ]);
        let preferences = serde_json::to_value(Preferences::default()).unwrap();
        let mut cases = same_answers::<Program>(program);
        cases += same_answers::<Preferences>(preferences);
        for event in [
            json!({"type": "order_paid", "order_id": "o", "amount_minor": 5, "currency": "RUB",
                "paid_at": "2027-01-01T00:00:00Z"}),
            json!({"type": "points_adjusted", "points": 5, "reason": "goodwill"}),
            json!({"type": "review_submitted", "product_id": "p", "rating": 5}),
            json!({"type": "subscription_upserted", "subscription": {"id": "s",
                "product_id": "coffee", "variant_id": "v", "title": "Coffee", "quantity": 1,
                "price_minor": 89000, "currency": "RUB", "interval": {"unit": "month", "count": 1},
                "status": "active", "next_charge_on": "2027-03-31"}}),
        ] {
            cases += same_answers::<MerchantEvent>(event);
        }
        cases += same_answers::<MessageRequest>(
            json!({"topic": "promotions", "importance": "marketing", "product_ids": ["p"], "urgent": false}),
        );
        cases += same_answers::<RedemptionRequest>(json!({"reward_id": "r"}));
        cases += same_answers::<UseCodeRequest>(json!({"order_id": "o"}));
        assert!(cases > 1_000, "{cases} cases");
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
