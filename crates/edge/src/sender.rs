//! Webhook attempts through the host's own `fetch` (Workers and Deno both
//! have it): redirects are not followed (a 3xx is not a delivery), and the
//! attempt is aborted after [`ATTEMPT_TIMEOUT_SECONDS`].

use js_sys::{Function, Object, Promise, Reflect};
use retention_api::delivery::Sender;
use retention_api::webhook::ATTEMPT_TIMEOUT_SECONDS;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

/// The global `fetch`.
pub struct FetchSender;

impl Sender for FetchSender {
    async fn post(
        &self,
        url: &str,
        headers: &[(&'static str, String)],
        body: &[u8],
    ) -> Option<u16> {
        let global = js_sys::global();
        let fetch: Function = Reflect::get(&global, &"fetch".into())
            .ok()?
            .dyn_into()
            .ok()?;
        let abort_signal = Reflect::get(&global, &"AbortSignal".into()).ok()?;
        let timeout: Function = Reflect::get(&abort_signal, &"timeout".into())
            .ok()?
            .dyn_into()
            .ok()?;
        let signal = timeout
            .call1(
                &abort_signal,
                &JsValue::from_f64((ATTEMPT_TIMEOUT_SECONDS * 1_000) as f64),
            )
            .ok()?;
        let header_object = Object::new();
        for (name, value) in headers {
            Reflect::set(&header_object, &(*name).into(), &value.as_str().into()).ok()?;
        }
        let init = Object::new();
        for (name, value) in [
            ("method", JsValue::from_str("POST")),
            ("headers", header_object.into()),
            ("body", String::from_utf8_lossy(body).as_ref().into()),
            ("redirect", JsValue::from_str("manual")),
            ("signal", signal),
        ] {
            Reflect::set(&init, &name.into(), &value).ok()?;
        }
        let promise: Promise = fetch
            .call2(&global, &url.into(), &init)
            .ok()?
            .dyn_into()
            .ok()?;
        let response = JsFuture::from(promise).await.ok()?;
        let status = Reflect::get(&response, &"status".into()).ok()?.as_f64()?;
        // The answer's body is not needed; release it (a failure to is no matter).
        if let Ok(stream) = Reflect::get(&response, &"body".into())
            && !stream.is_null()
            && let Ok(cancel) = Reflect::get(&stream, &"cancel".into())
            && let Ok(cancel) = cancel.dyn_into::<Function>()
            && let Ok(done) = cancel.call0(&stream)
            && let Ok(done) = done.dyn_into::<Promise>()
        {
            let _ = JsFuture::from(done).await;
        }
        Some(status as u16).filter(|s| (100..=599).contains(s))
    }
}
