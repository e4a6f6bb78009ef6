//! Which endpoint a method and path name (SPEC 3.3, 3.4).

use http::Method;

/// An endpoint of the API, with the ids its path carries.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Route {
    /// `GET /healthz`.
    Health,
    /// `GET /v1/me`.
    Me,
    /// `GET /v1/me/activity`.
    Activity,
    /// `POST /v1/me/redemptions`.
    Redeem,
    /// `POST /v1/me/subscriptions/{id}/actions`.
    SubscriptionAction(String),
    /// `GET /v1/me/preferences`.
    MyPreferences,
    /// `PUT /v1/me/preferences`.
    SaveMyPreferences,
    /// `GET /v1/admin/program`.
    Program,
    /// `PUT /v1/admin/program`.
    SaveProgram,
    /// `POST /v1/admin/customers/{id}/events`.
    Event(String),
    /// `GET /v1/admin/customers/{id}`.
    Customer(String),
    /// `DELETE /v1/admin/customers/{id}`.
    DeleteCustomer(String),
    /// `PUT /v1/admin/customers/{id}/preferences`.
    SaveCustomerPreferences(String),
    /// `POST /v1/admin/customers/{id}/messages`.
    Message(String),
    /// `GET /v1/admin/outbox`.
    Outbox,
    /// `POST /v1/admin/outbox/{id}/ack`.
    Ack(String),
    /// `GET /v1/admin/redemptions/{code}`.
    Redemption(String),
    /// `POST /v1/admin/redemptions/{code}/use`.
    UseCode(String),
    /// `GET /v1/admin/events`.
    Events,
    /// `GET /v1/admin/events/{id}`.
    EventById(String),
    /// `POST /v1/admin/events/{id}/redeliver`.
    Redeliver(String),
    /// `POST /v1/session`.
    Session,
    /// `POST /v1/hooks/shopify/{merchant_id}`.
    ShopifyHook(String),
}

/// Why no route matched.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum NoRoute {
    /// No such path: 404 `not_found`.
    NotFound,
    /// The path exists for these methods only: 405 `method_not_allowed`.
    MethodNotAllowed(&'static str),
}

/// Matches a method and a (percent-encoded) path.
pub fn route(method: &Method, path: &str) -> Result<Route, NoRoute> {
    let segments: Vec<String> = match path.strip_prefix('/') {
        Some(rest) => rest
            .split('/')
            .map(percent_decode)
            .collect::<Option<_>>()
            .ok_or(NoRoute::NotFound)?,
        None => return Err(NoRoute::NotFound),
    };
    let s: Vec<&str> = segments.iter().map(String::as_str).collect();
    let m = method.as_str();
    let pick = |allowed: &'static str, route: Option<Route>| match route {
        Some(route) => Ok(route),
        None => Err(NoRoute::MethodNotAllowed(allowed)),
    };
    match s.as_slice() {
        ["healthz"] => pick("GET", (m == "GET").then_some(Route::Health)),
        ["v1", "me"] => pick("GET", (m == "GET").then_some(Route::Me)),
        ["v1", "me", "activity"] => pick("GET", (m == "GET").then_some(Route::Activity)),
        ["v1", "me", "redemptions"] => pick("POST", (m == "POST").then_some(Route::Redeem)),
        ["v1", "me", "subscriptions", id, "actions"] if !id.is_empty() => pick(
            "POST",
            (m == "POST").then(|| Route::SubscriptionAction((*id).to_owned())),
        ),
        ["v1", "me", "preferences"] => pick(
            "GET, PUT",
            match m {
                "GET" => Some(Route::MyPreferences),
                "PUT" => Some(Route::SaveMyPreferences),
                _ => None,
            },
        ),
        ["v1", "admin", "program"] => pick(
            "GET, PUT",
            match m {
                "GET" => Some(Route::Program),
                "PUT" => Some(Route::SaveProgram),
                _ => None,
            },
        ),
        ["v1", "admin", "customers", id] => pick(
            "GET, DELETE",
            match m {
                "GET" => Some(Route::Customer((*id).to_owned())),
                "DELETE" => Some(Route::DeleteCustomer((*id).to_owned())),
                _ => None,
            },
        ),
        ["v1", "admin", "customers", id, "events"] => pick(
            "POST",
            (m == "POST").then(|| Route::Event((*id).to_owned())),
        ),
        ["v1", "admin", "customers", id, "preferences"] => pick(
            "PUT",
            (m == "PUT").then(|| Route::SaveCustomerPreferences((*id).to_owned())),
        ),
        ["v1", "admin", "customers", id, "messages"] => pick(
            "POST",
            (m == "POST").then(|| Route::Message((*id).to_owned())),
        ),
        ["v1", "admin", "outbox"] => pick("GET", (m == "GET").then_some(Route::Outbox)),
        ["v1", "admin", "outbox", id, "ack"] if !id.is_empty() => {
            pick("POST", (m == "POST").then(|| Route::Ack((*id).to_owned())))
        }
        ["v1", "admin", "redemptions", code] if !code.is_empty() => pick(
            "GET",
            (m == "GET").then(|| Route::Redemption((*code).to_owned())),
        ),
        ["v1", "admin", "redemptions", code, "use"] if !code.is_empty() => pick(
            "POST",
            (m == "POST").then(|| Route::UseCode((*code).to_owned())),
        ),
        ["v1", "admin", "events"] => pick("GET", (m == "GET").then_some(Route::Events)),
        ["v1", "session"] => pick("POST", (m == "POST").then_some(Route::Session)),
        ["v1", "hooks", "shopify", merchant] if !merchant.is_empty() => pick(
            "POST",
            (m == "POST").then(|| Route::ShopifyHook((*merchant).to_owned())),
        ),
        ["v1", "admin", "events", id] if !id.is_empty() => pick(
            "GET",
            (m == "GET").then(|| Route::EventById((*id).to_owned())),
        ),
        ["v1", "admin", "events", id, "redeliver"] if !id.is_empty() => pick(
            "POST",
            (m == "POST").then(|| Route::Redeliver((*id).to_owned())),
        ),
        _ => Err(NoRoute::NotFound),
    }
}

/// Decodes `%XX` escapes; `None` for a malformed escape or non-UTF-8.
fn percent_decode(segment: &str) -> Option<String> {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Whether `path` is under `/v1/me` (where CORS applies).
pub fn is_shopper_path(path: &str) -> bool {
    path == "/v1/me" || path.starts_with("/v1/me/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_map_to_routes_with_decoded_ids() {
        assert_eq!(route(&Method::GET, "/v1/me"), Ok(Route::Me));
        assert_eq!(
            route(&Method::POST, "/v1/admin/customers/a%40b.c/events"),
            Ok(Route::Event("a@b.c".into()))
        );
        assert_eq!(
            route(&Method::DELETE, "/v1/me"),
            Err(NoRoute::MethodNotAllowed("GET"))
        );
        assert_eq!(route(&Method::GET, "/v1/you"), Err(NoRoute::NotFound));
        assert_eq!(
            route(&Method::GET, "/v1/admin/customers/%zz"),
            Err(NoRoute::NotFound)
        );
        assert!(is_shopper_path("/v1/me/preferences") && !is_shopper_path("/v1/merchant"));
    }
}
