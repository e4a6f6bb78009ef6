//! The HTTP surface: `/v1/*` and `/healthz` go to the API handler, every
//! other path to the static files; one log line per request.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use axum::{Extension, Router};
use http_body_util::BodyExt;
use retention_api::body_limit;
use tower_http::services::ServeDir;

use crate::NativeHandler;

/// How long a request's body may take to arrive.
#[derive(Clone, Copy, Debug)]
struct BodyTimeout(Duration);

/// The whole application: API routes over `handler`, the demo shop from
/// `static_dir` at `/` and the built widget from `widget_dir` at `/widget/`.
/// Missing folders answer 404. A request body that takes longer than
/// `body_timeout` to arrive is answered 408.
pub fn app(
    handler: Arc<NativeHandler>,
    static_dir: &Path,
    widget_dir: &Path,
    body_timeout: Duration,
) -> Router {
    let files = Router::new()
        .nest_service("/widget", ServeDir::new(widget_dir))
        .fallback_service(ServeDir::new(static_dir))
        .layer(middleware::from_fn(cache_headers));
    let api_routes = Router::new()
        .route("/healthz", any(api))
        .route("/v1", any(api))
        .route("/v1/", any(api))
        .route("/v1/{*rest}", any(api));
    #[cfg(feature = "test-clock")]
    let api_routes = api_routes.route("/__test/clock", any(test_clock));
    api_routes
        .with_state(handler)
        .layer(Extension(BodyTimeout(body_timeout)))
        .fallback_service(files)
        .layer(middleware::from_fn(log_request))
}

/// Hands one request to the API handler and its answer back to axum.
async fn api(
    State(handler): State<Arc<NativeHandler>>,
    Extension(BodyTimeout(body_timeout)): Extension<BodyTimeout>,
    request: Request,
) -> Response {
    let Ok(read) = tokio::time::timeout(body_timeout, to_api_request(request)).await else {
        return refused(
            StatusCode::REQUEST_TIMEOUT,
            "request_timeout",
            "The request's body did not arrive in time.",
        );
    };
    match read {
        Ok(request) => {
            // Past the cap the rest of the body was never read, so the
            // connection cannot carry another request: say so.
            let unread_body = request.body().len() > body_limit(request.uri().path());
            let mut response = handler.handle(request).await.map(Body::from);
            if unread_body {
                close_connection(&mut response);
            }
            response
        }
        Err(_) => refused(
            StatusCode::BAD_REQUEST,
            "invalid_json",
            "The body ended before the length the request announced.",
        ),
    }
}

/// A problem+json answer on a connection that cannot carry another
/// request (its body was not read to the end).
fn refused(status: StatusCode, code: &str, detail: &str) -> Response {
    let problem = retention_core::Problem::new(status.as_u16(), code, detail);
    let mut response = (
        status,
        [(header::CONTENT_TYPE, "application/problem+json")],
        serde_json::to_vec(&problem).unwrap_or_default(),
    )
        .into_response();
    close_connection(&mut response);
    response
}

/// Test builds only: `GET /__test/clock` tells the server's now (unix
/// seconds), `POST /__test/clock?advance=SECONDS` moves it forward.
#[cfg(feature = "test-clock")]
async fn test_clock(State(handler): State<Arc<NativeHandler>>, request: Request) -> Response {
    use retention_api::Clock;
    use std::sync::atomic::Ordering;
    if request.method() == axum::http::Method::POST {
        let advance = request
            .uri()
            .query()
            .and_then(|q| q.strip_prefix("advance="))
            .and_then(|n| n.parse::<i64>().ok())
            .filter(|n| *n >= 0);
        let Some(advance) = advance else {
            return (StatusCode::BAD_REQUEST, "advance=SECONDS (0 or more)").into_response();
        };
        crate::platform::TEST_CLOCK_OFFSET.fetch_add(advance, Ordering::Relaxed);
    }
    let now = handler.clock().now().unix();
    (
        [(header::CONTENT_TYPE, "application/json")],
        format!("{{\"now\":{now}}}"),
    )
        .into_response()
}

/// Asks the client (and hyper) to end the connection after this response.
fn close_connection(response: &mut Response) {
    response
        .headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
}

/// The request as the API handler takes it: method, path and query,
/// headers, and at most [`body_limit`] + 1 bytes of body, so the
/// handler itself tells a too-large body (413, in the API's error format).
pub async fn to_api_request(request: Request) -> Result<retention_api::Request, axum::Error> {
    let (mut parts, body) = request.into_parts();
    // An absolute-form target ("GET http://host/v1/me") keeps only its path.
    if let Some(path_and_query) = parts.uri.path_and_query().cloned() {
        parts.uri = path_and_query.into();
    }
    // axum's own extensions mean nothing to the platform-free handler.
    parts.extensions = http::Extensions::new();
    let body = read_capped(body, body_limit(parts.uri.path()) + 1).await?;
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
/// deploy reaches shoppers at once; the content-hashed files behind the
/// loader never change under their name, so browsers keep them for a year.
/// The widget's files are fetched by shop pages of other origins (module
/// scripts and the wasm fetch are CORS requests), so they are open to all.
/// JSON from the demo shop's folder is its shopper-token stand-in: a
/// credential that changes, never stored.
async fn cache_headers(request: Request, next: Next) -> Response {
    let path = request.uri().path();
    let widget_file = path.strip_prefix("/widget/").map(|name| {
        if name == "loader.js" {
            WidgetFile::Loader
        } else {
            WidgetFile::Hashed
        }
    });
    let is_loader = path.ends_with("/loader.js");
    let mut response = next.run(request).await;
    let status = response.status();
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    let is_html = content_type.starts_with("text/html");
    let is_json = content_type.starts_with("application/json");
    let headers = response.headers_mut();
    if let Some(file) = widget_file {
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_ORIGIN,
            HeaderValue::from_static("*"),
        );
        headers.insert(
            header::HeaderName::from_static("cross-origin-resource-policy"),
            HeaderValue::from_static("cross-origin"),
        );
        // Only a file that was found may be kept: a 404 for a name that a
        // deploy is about to upload must not stick.
        let found = status.is_success() || status == StatusCode::NOT_MODIFIED;
        if file == WidgetFile::Hashed && found {
            headers.insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=31536000, immutable"),
            );
        }
    }
    if is_html || is_loader {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    } else if is_json && widget_file.is_none() {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// What a file under `/widget/` is to a cache.
#[derive(Clone, Copy, PartialEq, Eq)]
enum WidgetFile {
    /// `loader.js`: the stable name merchants embed.
    Loader,
    /// Everything else: named by a hash of its content.
    Hashed,
}

/// One stderr line per request: method, path (no query), status, time.
/// Headers and bodies carry tokens and keys, so they are never logged.
async fn log_request(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let path = short(request.uri().path());
    let response = next.run(request).await;
    let millis = started.elapsed().as_secs_f64() * 1000.0;
    let cause = response
        .extensions()
        .get::<retention_api::Failure>()
        .map(|f| format!(" ({})", f.0))
        .unwrap_or_default();
    eprintln!(
        "{method} {path} {} {millis:.1}ms{cause}",
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
