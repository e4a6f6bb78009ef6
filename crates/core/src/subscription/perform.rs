//! The whole of `POST /v1/me/subscriptions/{id}/actions` after JSON parsing,
//! in the SPEC 2.5 order of errors: 404 `subscription_not_found` → 400
//! `unknown_field` → 422 missing or unknown `action` → 409 `invalid_state`
//! → 409 `subscription_locked` → 422 (the action's rules, including a
//! field that is missing or of the wrong type).

use serde_json::{Map, Value};

use super::action::{ActionName, SubscriptionAction, is_action_field};
use super::document::Subscription;
use super::record::SubscriptionRecord;
use super::rules::quantity_error;
use crate::calendar::parse_iso_date;
use crate::error::DomainError;
use crate::program::{Interval, Program};
use crate::time::{Date, Instant};

/// Fields an `interval` object takes.
const INTERVAL_FIELDS: [&str; 2] = ["unit", "count"];

/// Performs the action in `body` on the subscription `id` (`record` is
/// `None` when the customer has no such subscription) and returns the
/// updated document as of `now`. The record changes only on success.
pub fn perform(
    record: Option<&mut SubscriptionRecord>,
    id: &str,
    body: &Value,
    program: &Program,
    now: Instant,
) -> Result<Subscription, DomainError> {
    let record = record.ok_or_else(|| DomainError::SubscriptionNotFound(id.to_owned()))?;
    let fields = body.as_object().ok_or_else(|| {
        DomainError::invalid(
            "action",
            "The body must be a JSON object that names an action.",
        )
    })?;
    let named = fields
        .get("action")
        .and_then(Value::as_str)
        .and_then(ActionName::parse);
    check_fields(named, fields)?;
    let name = named.ok_or_else(|| action_error(fields.get("action")))?;

    let mut next = record.clone();
    next.settle(now);
    next.check_allowed(name, &program.subscriptions, now)?;
    let action = read_action(name, fields, program)?;
    next.apply(&action, program, now)?;
    *record = next;
    Ok(record.subscription.clone())
}

/// Reads the fields of the action `name` from a body whose field names
/// are already known to be right.
pub fn read_action(
    name: ActionName,
    fields: &Map<String, Value>,
    program: &Program,
) -> Result<SubscriptionAction, DomainError> {
    Ok(match name {
        ActionName::SkipNext => SubscriptionAction::SkipNext,
        ActionName::Pause => SubscriptionAction::Pause {
            resume_on: date_field(fields, "resume_on")?,
        },
        ActionName::Resume => SubscriptionAction::Resume,
        ActionName::ChangeInterval => SubscriptionAction::ChangeInterval {
            interval: interval_field(fields)?,
        },
        ActionName::Reschedule => SubscriptionAction::Reschedule {
            next_charge_on: date_field(fields, "next_charge_on")?,
        },
        ActionName::Swap => SubscriptionAction::Swap {
            variant_id: text_field(fields, "variant_id")?,
        },
        ActionName::SetQuantity => SubscriptionAction::SetQuantity {
            quantity: quantity_field(fields, program)?,
        },
        ActionName::Cancel => SubscriptionAction::Cancel {
            reason: text_field(fields, "reason")?,
            comment: match fields.get("comment") {
                None | Some(Value::Null) => None,
                Some(Value::String(text)) => Some(text.clone()),
                Some(_) => {
                    return Err(DomainError::invalid("comment", "The comment must be text."));
                }
            },
        },
        ActionName::AcceptOffer => SubscriptionAction::AcceptOffer {
            reason: text_field(fields, "reason")?,
        },
        ActionName::Reactivate => SubscriptionAction::Reactivate,
        ActionName::AddOnetime => SubscriptionAction::AddOnetime {
            variant_id: text_field(fields, "variant_id")?,
            quantity: quantity_field(fields, program)?,
        },
        ActionName::RemoveOnetime => SubscriptionAction::RemoveOnetime {
            variant_id: text_field(fields, "variant_id")?,
        },
    })
}

/// 400 `unknown_field` for the first field the action does not take; with
/// no known action, for a field no action takes. Keys of `interval` are
/// checked too, named `interval.<key>`.
fn check_fields(
    action: Option<ActionName>,
    fields: &Map<String, Value>,
) -> Result<(), DomainError> {
    for key in fields.keys() {
        let known = match action {
            Some(action) => key == "action" || action.fields().contains(&key.as_str()),
            None => is_action_field(key),
        };
        if !known {
            return Err(DomainError::UnknownField(key.clone()));
        }
    }
    if let Some(Value::Object(interval)) = fields.get("interval")
        && let Some(key) = interval
            .keys()
            .find(|k| !INTERVAL_FIELDS.contains(&k.as_str()))
    {
        return Err(DomainError::UnknownField(format!("interval.{key}")));
    }
    Ok(())
}

fn action_error(action: Option<&Value>) -> DomainError {
    let message = match action {
        None | Some(Value::Null) => "Say which action to take.".to_owned(),
        Some(Value::String(name)) => format!(
            "{name:?} is not an action; use one of {}.",
            ActionName::ALL.map(ActionName::as_str).join(", ")
        ),
        Some(_) => "The action must be a name such as \"skip_next\".".to_owned(),
    };
    DomainError::invalid("action", message)
}

fn required<'a>(fields: &'a Map<String, Value>, field: &str) -> Result<&'a Value, DomainError> {
    match fields.get(field) {
        None | Some(Value::Null) => Err(DomainError::invalid(
            field,
            format!("The field {field} is required."),
        )),
        Some(value) => Ok(value),
    }
}

fn date_field(fields: &Map<String, Value>, field: &str) -> Result<Date, DomainError> {
    required(fields, field)?
        .as_str()
        .and_then(parse_iso_date)
        .ok_or_else(|| DomainError::invalid(field, "The date must be written YYYY-MM-DD."))
}

fn text_field(fields: &Map<String, Value>, field: &str) -> Result<String, DomainError> {
    required(fields, field)?
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| DomainError::invalid(field, format!("The field {field} must be text.")))
}

fn quantity_field(fields: &Map<String, Value>, program: &Program) -> Result<i64, DomainError> {
    required(fields, "quantity")?
        .as_i64()
        .ok_or_else(|| quantity_error(&program.subscriptions))
}

fn interval_field(fields: &Map<String, Value>) -> Result<Interval, DomainError> {
    serde_json::from_value(required(fields, "interval")?.clone()).map_err(|_| {
        DomainError::invalid(
            "interval",
            "The interval must be a unit (day, week or month) and a count of at least 1.",
        )
    })
}
