//! Reading and writing the API's JSON as JS values, field by field. Small
//! on purpose: every document the widget touches is a handful of fields.

use js_sys::{Array, Object, Reflect};
use wasm_bindgen::JsValue;

/// A document read from a parsed JSON value; `None` when it does not fit.
pub trait FromJs: Sized {
    /// Reads `value`.
    fn from_js(value: &JsValue) -> Option<Self>;
}

/// A document written as a JSON-ready JS value.
pub trait Write {
    /// The JS value.
    fn to_js(&self) -> JsValue;
}

/// Typed field access on a parsed JSON object.
pub trait Read {
    /// The raw field (undefined when missing).
    fn get(&self, key: &str) -> JsValue;

    /// A string field.
    fn text(&self, key: &str) -> Option<String> {
        self.get(key).as_string()
    }

    /// A string or null field.
    fn opt_text(&self, key: &str) -> Option<Option<String>> {
        let value = self.get(key);
        if value.is_null() || value.is_undefined() {
            return Some(None);
        }
        value.as_string().map(Some)
    }

    /// An integer field.
    fn int(&self, key: &str) -> Option<i64> {
        as_int(&self.get(key))
    }

    /// An integer or null field.
    fn opt_int(&self, key: &str) -> Option<Option<i64>> {
        let value = self.get(key);
        if value.is_null() || value.is_undefined() {
            return Some(None);
        }
        as_int(&value).map(Some)
    }

    /// A boolean field.
    fn flag(&self, key: &str) -> Option<bool> {
        self.get(key).as_bool()
    }

    /// An object field.
    fn doc<T: FromJs>(&self, key: &str) -> Option<T> {
        T::from_js(&self.get(key))
    }

    /// An object or null field.
    fn opt_doc<T: FromJs>(&self, key: &str) -> Option<Option<T>> {
        let value = self.get(key);
        if value.is_null() || value.is_undefined() {
            return Some(None);
        }
        T::from_js(&value).map(Some)
    }

    /// An array field of documents.
    fn list<T: FromJs>(&self, key: &str) -> Option<Vec<T>> {
        let value = self.get(key);
        if !Array::is_array(&value) {
            return None;
        }
        Array::from(&value)
            .iter()
            .map(|item| T::from_js(&item))
            .collect()
    }
}

impl Read for JsValue {
    fn get(&self, key: &str) -> JsValue {
        if !self.is_object() {
            return JsValue::UNDEFINED;
        }
        Reflect::get(self, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
    }
}

impl FromJs for String {
    fn from_js(value: &JsValue) -> Option<Self> {
        value.as_string()
    }
}

impl FromJs for i64 {
    fn from_js(value: &JsValue) -> Option<Self> {
        as_int(value)
    }
}

fn as_int(value: &JsValue) -> Option<i64> {
    let n = value.as_f64()?;
    (n.fract() == 0.0 && n.abs() <= 9_007_199_254_740_991.0).then_some(n as i64)
}

/// A JS object of `fields`.
pub fn object(fields: &[(&str, JsValue)]) -> JsValue {
    let object = Object::new();
    for (key, value) in fields {
        let _ = Reflect::set(&object, &JsValue::from_str(key), value);
    }
    object.into()
}

/// A JS array of `items`.
pub fn array(items: impl IntoIterator<Item = JsValue>) -> JsValue {
    items.into_iter().collect::<Array>().into()
}

/// `Some(x)` as `x`, `None` as null.
pub fn or_null(value: Option<JsValue>) -> JsValue {
    value.unwrap_or(JsValue::NULL)
}
