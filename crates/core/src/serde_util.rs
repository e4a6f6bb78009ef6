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
