//! Small serde helpers shared by the documents.

use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// Deserializes an `Option` field that must be present (it may be `null`).
/// Plain `Option` fields would quietly take `None` when left out.
pub fn nullable<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer)
}

/// Deserializes an `Option` field that may be left out (`None`) but not
/// null: a present value is `Some`. Unlike a plain `Option`, reading it
/// shares the reader of `T` instead of adding one for `Option<T>`.
pub fn present<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(deserializer).map(Some)
}

/// Fills every field left out of `given`, at any depth, from `defaults`.
/// Objects merge key by key; any other value (lists included) replaces.
pub fn merge_defaults(defaults: &Value, given: &Value) -> Value {
    match (defaults, given) {
        (Value::Object(d), Value::Object(g)) => {
            let mut merged = d.clone();
            for (key, value) in g {
                let next = match d.get(key) {
                    Some(default) if !value.is_null() => merge_defaults(default, value),
                    _ => value.clone(),
                };
                merged.insert(key.clone(), next);
            }
            Value::Object(merged)
        }
        _ => given.clone(),
    }
}

/// Deserializes a `T` written as a JSON string, through `T::from_str`.
/// The text is parsed inside the string's own read, so a parser that
/// reports positions (serde_json) points its error at this string rather
/// than at the object around it; `retention-api` names fields that way.
pub fn from_text<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: std::str::FromStr,
    T::Err: std::fmt::Display,
{
    deserializer.deserialize_str(TextVisitor(std::marker::PhantomData))
}

struct TextVisitor<T>(std::marker::PhantomData<T>);

impl<T> serde::de::Visitor<'_> for TextVisitor<T>
where
    T: std::str::FromStr,
    T::Err: std::fmt::Display,
{
    type Value = T;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a string")
    }

    fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<T, E> {
        text.parse().map_err(E::custom)
    }
}

/// As [`nullable`], for a `T` that serde reads by buffering it first (an
/// internally tagged enum). Such a `T` fails only after its whole value is
/// read, when a parser that reports positions has already moved past the
/// object around it; reading it whole here makes the failure happen inside
/// the value's own read, so the error points at the value.
pub fn nullable_whole<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: serde::de::DeserializeOwned,
{
    Option::<Whole<T>>::deserialize(deserializer).map(|w| w.map(|w| w.0))
}

struct Whole<T>(T);

impl<'de, T: serde::de::DeserializeOwned> Deserialize<'de> for Whole<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer
            .deserialize_any(WholeVisitor(std::marker::PhantomData))
            .map(Whole)
    }
}

struct WholeVisitor<T>(std::marker::PhantomData<T>);

impl<T: serde::de::DeserializeOwned> WholeVisitor<T> {
    fn read<E: serde::de::Error>(value: Value) -> Result<T, E> {
        T::deserialize(value).map_err(E::custom)
    }
}

impl<'de, T: serde::de::DeserializeOwned> serde::de::Visitor<'de> for WholeVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<T, E> {
        Self::read(Value::Bool(v))
    }

    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<T, E> {
        Self::read(Value::from(v))
    }

    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<T, E> {
        Self::read(Value::from(v))
    }

    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<T, E> {
        Self::read(Value::from(v))
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<T, E> {
        Self::read(Value::from(v))
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<T, E> {
        Self::read(Value::Null)
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<T, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Value>()? {
            items.push(item);
        }
        Self::read(Value::Array(items))
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<T, A::Error> {
        let mut object = serde_json::Map::new();
        while let Some((key, value)) = map.next_entry::<String, Value>()? {
            object.insert(key, value);
        }
        Self::read(Value::Object(object))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn merging_fills_left_out_fields_at_any_depth() {
        let defaults = json!({"a": 1, "b": {"c": 2, "d": 3}, "l": [1, 2]});
        let given = json!({"b": {"d": 4}, "l": [9], "x": null});
        assert_eq!(
            merge_defaults(&defaults, &given),
            json!({"a": 1, "b": {"c": 2, "d": 4}, "l": [9], "x": null})
        );
    }

    #[test]
    fn an_explicit_null_replaces_a_default() {
        let merged = merge_defaults(&json!({"q": {"start": "21:00"}}), &json!({"q": null}));
        assert_eq!(merged, json!({"q": null}));
    }
}
