//! Runs a scenario (a program and a list of timed operations on one
//! customer) through the domain core and reports every answer as JSON.
//! The same function is exported from the wasm build and called by the
//! native binary, so their outputs can be compared byte for byte.

use retention_core::customer::Customer;
use retention_core::events::MerchantEvent;
use retention_core::preferences::ConsentSource;
use retention_core::{Instant, MessageRequest, Preferences, Problem, Program};
use serde::Deserialize;
use serde_json::{Value, json};

/// A scenario: the program and the operations, in order.
#[derive(Deserialize)]
struct Scenario {
    program: Value,
    customer_id: String,
    steps: Vec<Step>,
}

/// One operation at one instant.
#[derive(Deserialize)]
struct Step {
    now: Instant,
    op: String,
    #[serde(default)]
    body: Value,
    #[serde(default)]
    id: String,
}

/// Runs the scenario in `input` and returns the answers as JSON text.
pub fn run(input: &str) -> String {
    match run_scenario(input) {
        Ok(answers) => answers.to_string(),
        Err(message) => json!({ "error": message }).to_string(),
    }
}

fn run_scenario(input: &str) -> Result<Value, String> {
    let scenario: Scenario = serde_json::from_str(input).map_err(|e| e.to_string())?;
    let program = Program::from_json(&scenario.program).map_err(|e| e.to_string())?;
    program.validate().map_err(|e| e.to_string())?;
    let mut customer = Customer::default();
    // A fixed byte stream: coupon codes must come out the same on both builds.
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let mut random = move |buf: &mut [u8]| {
        for byte in buf {
            // xorshift64: deterministic and with a long period.
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            *byte = state.to_le_bytes()[0];
        }
    };
    let id = scenario.customer_id.as_str();
    let mut answers = Vec::new();
    for step in scenario.steps {
        let now = step.now;
        let answer = match step.op.as_str() {
            "event" => serde_json::from_value::<MerchantEvent>(step.body)
                .map_err(|e| e.to_string())
                .and_then(|event| {
                    customer
                        .apply_event(&program, event, now)
                        .map_err(|e| problem(&e))
                })
                .map(|()| json!("ok")),
            "redeem" => customer
                .redeem(&program, &step.id, &mut random, now)
                .map(|r| json!(r))
                .map_err(|e| problem(&e)),
            "action" => customer
                .perform_action(&program, &step.id, &step.body, now)
                .map(|s| json!(s))
                .map_err(|e| problem(&e)),
            "preferences" => serde_json::from_value::<Preferences>(step.body)
                .map_err(|e| e.to_string())
                .and_then(|p| {
                    customer
                        .save_preferences(&program, p, ConsentSource::Shopper, now)
                        .map_err(|e| problem(&e))
                })
                .map(|()| json!("ok")),
            "message" => serde_json::from_value::<MessageRequest>(step.body)
                .map_err(|e| e.to_string())
                .and_then(|r| {
                    customer
                        .decide_message(&program, &r, now)
                        .map_err(|e| problem(&e))
                })
                .map(|d| json!(d)),
            "reminders" => Ok(json!(customer.run_reminders(id, &program, now))),
            "view" => Ok(json!(customer.admin_view(
                id,
                &program,
                Vec::new(),
                Vec::new(),
                now
            ))),
            "activity" => Ok(json!(customer.activity(&program, now, 5, None, Vec::new()))),
            other => Err(format!("unknown op {other}")),
        };
        answers.push(match answer {
            Ok(value) => json!({ "ok": value }),
            Err(error) => json!({ "err": error }),
        });
    }
    Ok(Value::Array(answers))
}

fn problem(error: &retention_core::DomainError) -> String {
    let p = Problem::from_domain(error);
    format!("{} {}: {}", p.status, p.code, p.detail)
}

/// The wasm entry points: plain `extern "C"` functions over linear memory,
/// so the module needs no imports at all.
#[cfg(target_arch = "wasm32")]
mod ffi {
    /// Reserves `len` bytes for the caller to write a scenario into.
    #[unsafe(no_mangle)]
    pub extern "C" fn probe_alloc(len: usize) -> *mut u8 {
        let mut buf = Vec::<u8>::with_capacity(len);
        let ptr = buf.as_mut_ptr();
        std::mem::forget(buf);
        ptr
    }

    /// Runs the scenario at `ptr..ptr+len`; returns `ptr << 32 | len` of
    /// the answer, which stays allocated (the probe runs once).
    ///
    /// # Safety
    /// `ptr` must come from `probe_alloc(len)` and hold `len` bytes.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn probe_run(ptr: *mut u8, len: usize) -> u64 {
        let input = unsafe { Vec::from_raw_parts(ptr, len, len) };
        let output = super::run(&String::from_utf8_lossy(&input)).into_bytes();
        let out = output.leak();
        ((out.as_ptr() as u64) << 32) | out.len() as u64
    }
}
