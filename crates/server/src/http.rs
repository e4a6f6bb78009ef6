//! The HTTP surface: `/v1/*` and `/healthz` go to the API handler, every
//! other path to the static files; one log line per request.

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use http_body_util::BodyExt;
use retention_api::MAX_BODY_BYTES;
use tower_http::services::ServeDir;

use crate::NativeHandler;

/// The whole application: API routes over `handler`, the demo shop from
/// `static_dir` at `/` and the built widget from `widget_dir` at `/widget/`.
/// Missing folders answer 404.
pub fn app(handler: Arc<NativeHandler>, static_dir: &Path, widget_dir: &Path) -> Router {
    let files = Router::new()
        .nest_service("/widget", ServeDir::new(widget_dir))
        .fallback_service(ServeDir::new(static_dir))
        .layer(middleware::from_fn(cache_headers));
    Router::new()
        .route("/healthz", any(api))
        .route("/v1", any(api))
        .route("/v1/", any(api))
        .route("/v1/{*rest}", any(api))
        .with_state(handler)
        .fallback_service(files)
        .layer(middleware::from_fn(log_request))
}

/// Hands one request to the API handler and its answer back to axum.
async fn api(State(handler): State<Arc<NativeHandler>>, request: Request) -> Response {
    match to_api_request(request).await {
        Ok(request) => {
            // Past the cap the rest of the body was never read, so the
            // connection cannot carry another request: say so.
            let unread_body = request.body().len() > MAX_BODY_BYTES;
            let mut response = handler.handle(request).await.map(Body::from);
            if unread_body {
                close_connection(&mut response);
            }
            response
        }
        Err(_) => {
            let problem = retention_core::Problem::new(
                400,
                "invalid_json",
                "The body ended before the length the request announced.",
            );
            let mut response = (
                StatusCode::BAD_REQUEST,
                [(header::CONTENT_TYPE, "application/problem+json")],
                serde_json::to_vec(&problem).unwrap_or_default(),
            )
                .into_response();
            close_connection(&mut response);
            response
        }
    }
}

/// Asks the client (and hyper) to end the connection after this response.
fn close_connection(response: &mut Response) {
    response
        .headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
}

/// The request as the API handler takes it: method, path and query,
/// headers, and at most [`MAX_BODY_BYTES`] + 1 bytes of body, so the
/// handler itself tells a too-large body (413, in the API's error format).
pub async fn to_api_request(request: Request) -> Result<retention_api::Request, axum::Error> {
    let (mut parts, body) = request.into_parts();
    // An absolute-form target ("GET http://host/v1/me") keeps only its path.
    if let Some(path_and_query) = parts.uri.path_and_query().cloned() {
        parts.uri = path_and_query.into();
    }
    // axum's own extensions mean nothing to the platform-free handler.
    parts.extensions = http::Extensions::new();
    let body = read_capped(body, MAX_BODY_BYTES + 1).await?;
    Ok(http::Request::from_parts(parts, body))
}

/// The first `cap` bytes of `body`; the rest is never read (no
/// `DefaultBodyLimit` applies here, so axum cannot answer first).
async fn read_capped(mut body: Body, cap: usize) -> Result<Vec<u8>, axum::Error> {
    let mut bytes = Vec::new();
    while bytes.len() < cap {
        let Some(frame) = body.frame().await else {
            break;
        };
        if let Ok(data) = frame?.into_data() {
            let room = cap - bytes.len();
            bytes.extend_from_slice(&data[..data.len().min(room)]);
        }
    }
    Ok(bytes)
}

/// Pages and the widget's `loader.js` are revalidated on every load, so a
/// deploy reaches shoppers at once; the hashed files behind them may be
/// cached as the browser likes.
async fn cache_headers(request: Request, next: Next) -> Response {
    let is_loader = request.uri().path().ends_with("/loader.js");
    let mut response = next.run(request).await;
    let is_html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("text/html"));
    if is_html || is_loader {
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    }
    response
}

/// One stderr line per request: method, path (no query), status, time.
/// Headers and bodies carry tokens and keys, so they are never logged.
async fn log_request(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let path = short(request.uri().path());
    let response = next.run(request).await;
    let millis = started.elapsed().as_secs_f64() * 1000.0;
    eprintln!(
        "{method} {path} {} {millis:.1}ms",
        response.status().as_u16()
    );
    response
}

/// `path` cut to a readable length for the log.
fn short(path: &str) -> String {
    const MAX: usize = 200;
    match path.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…", &path[..cut]),
        None => path.to_owned(),
    }
}
