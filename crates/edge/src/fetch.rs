//! Fetch `Request`/`Response` objects to and from the `http` types the
//! API takes.

use js_sys::{Array, Uint8Array};
use retention_api::{Request, Response, body_limit};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

/// Method, path and query, and headers of a Fetch request (no body).
pub fn read_head(request: &web_sys::Request) -> Result<http::Request<()>, JsValue> {
    let mut builder = http::Request::builder()
        .method(request.method().as_str())
        .uri(path_and_query(&request.url()));
    let entries =
        js_sys::try_iter(&request.headers())?.ok_or("the request headers cannot be read")?;
    for entry in entries {
        let pair: Array = entry?.into();
        if let (Some(name), Some(value)) = (pair.get(0).as_string(), pair.get(1).as_string()) {
            builder = builder.header(name, value);
        }
    }
    builder
        .body(())
        .map_err(|e| JsValue::from_str(&format!("the request cannot be read: {e}")))
}

/// The whole request; at most [`body_limit`] + 1 bytes of body are
/// read (the rest is never pulled from the stream), so the API still tells
/// a body that is too large and a huge upload never sits in memory.
pub async fn read_request(request: &web_sys::Request) -> Result<Request, JsValue> {
    let head = read_head(request)?;
    let body = match request.body() {
        Some(stream) => read_capped(&stream, body_limit(head.uri().path()) + 1).await?,
        None => Vec::new(),
    };
    let (parts, ()) = head.into_parts();
    Ok(http::Request::from_parts(parts, body))
}

async fn read_capped(stream: &web_sys::ReadableStream, cap: usize) -> Result<Vec<u8>, JsValue> {
    let reader: web_sys::ReadableStreamDefaultReader = stream.get_reader().unchecked_into();
    let mut body = Vec::new();
    loop {
        let chunk = JsFuture::from(reader.read()).await?;
        if js_sys::Reflect::get(&chunk, &"done".into())?
            .as_bool()
            .unwrap_or(true)
        {
            break;
        }
        let bytes: Uint8Array = js_sys::Reflect::get(&chunk, &"value".into())?.unchecked_into();
        let room = cap - body.len();
        let take = bytes.length().min(u32::try_from(room).unwrap_or(u32::MAX));
        body.extend(bytes.subarray(0, take).to_vec());
        if body.len() >= cap {
            // Tell the sender we are done; whether it listens is its affair.
            let _ = reader.cancel();
            break;
        }
    }
    Ok(body)
}

/// The answer to a request whose body could not be read to its end: a
/// problem+json 400, as the native server gives.
pub fn unreadable_body() -> Response {
    let problem = retention_core::Problem::new(
        400,
        "invalid_json",
        "The body ended before the length the request announced.",
    );
    let mut response = http::Response::new(serde_json::to_vec(&problem).unwrap_or_default());
    *response.status_mut() = http::StatusCode::BAD_REQUEST;
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/problem+json"),
    );
    response
}

/// A Fetch `Response` for the API's answer.
pub fn write_response(response: Response) -> Result<web_sys::Response, JsValue> {
    let (parts, mut body) = response.into_parts();
    if let Some(failure) = parts.extensions.get::<retention_api::Failure>() {
        // The cause of a 503 goes to the platform's log, not to the caller.
        web_sys::console::error_1(&format!("retention: the store failed: {}", failure.0).into());
    }
    let headers = web_sys::Headers::new()?;
    for (name, value) in &parts.headers {
        if let Ok(value) = value.to_str() {
            headers.append(name.as_str(), value)?;
        }
    }
    let init = web_sys::ResponseInit::new();
    init.set_status(parts.status.as_u16());
    init.set_headers(&headers);
    // 204 and 304 must not carry a body, not even an empty one.
    let body = if body.is_empty() {
        None
    } else {
        Some(body.as_mut_slice())
    };
    web_sys::Response::new_with_opt_u8_array_and_init(body, &init)
}

/// The path and query of an absolute URL (`https://host/p?q` → `/p?q`).
fn path_and_query(url: &str) -> &str {
    let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    after_scheme.find('/').map_or("/", |i| &after_scheme[i..])
}

#[cfg(test)]
mod tests {
    #[test]
    fn urls_keep_their_path_and_query() {
        assert_eq!(
            super::path_and_query("https://a.example/v1/me?x=1"),
            "/v1/me?x=1"
        );
        assert_eq!(super::path_and_query("http://127.0.0.1:8787"), "/");
    }
}
