//! The real binary over real HTTP on loopback: start-up line, API and
//! static routing, content types, the widget's cross-origin and cache
//! headers, the body limit, logs, start-up errors,
//! durability through `kill -9`, and a graceful stop on SIGTERM.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_retention-server");
const API_KEY: &str = "e2e-api-key-0123456789abcdef0123456789";

fn write_config(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("retention.toml");
    let text = format!(
        "[[merchant]]\nid = \"demo\"\napi_key = \"{API_KEY}\"\n\
         token_secret = \"e2e-token-secret-0123456789abcdef0123\"\n\
         allowed_origins = [\"http://127.0.0.1:8080\"]\n"
    );
    std::fs::write(&path, text).unwrap();
    path
}

/// Kills the server if a test fails before stopping it.
struct Server {
    child: Child,
    address: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(dir: &Path) -> Server {
    start_with(dir, &[])
}

/// [`start`] with more command-line arguments.
fn start_with(dir: &Path, extra: &[&str]) -> Server {
    let static_dir = dir.join("www");
    let widget_dir = dir.join("widget");
    std::fs::create_dir_all(&static_dir).unwrap();
    std::fs::create_dir_all(&widget_dir).unwrap();
    std::fs::write(
        static_dir.join("index.html"),
        "<!doctype html><title>shop</title>",
    )
    .unwrap();
    std::fs::write(static_dir.join("app.wasm"), b"\0asm\x01\0\0\0").unwrap();
    std::fs::write(widget_dir.join("loader.js"), "export {};").unwrap();
    let mut child = Command::new(BIN)
        .arg("--config")
        .arg(write_config(dir))
        .arg("--db")
        .arg(dir.join("retention.db"))
        .args(["--listen", "127.0.0.1:0", "--wake-interval-ms", "50"])
        .arg("--static")
        .arg(&static_dir)
        .arg("--widget")
        .arg(&widget_dir)
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let address = line
        .trim()
        .strip_prefix("listening on http://")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_owned();
    Server { child, address }
}

struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A minimal HTTP/1.1 exchange: one request, `Connection: close`, the
/// whole answer read to the end (bodies here are never chunked).
fn exchange(
    address: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Reply {
    let mut stream = TcpStream::connect(address).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    stream.write_all(head.as_bytes()).unwrap();
    // The server may answer (413) and stop reading before the body ends.
    let _ = stream.write_all(body);
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("no end of headers");
    let head = String::from_utf8(raw[..split].to_vec()).unwrap();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
        .collect();
    Reply {
        status,
        headers,
        body: raw[split + 4..].to_vec(),
    }
}

fn get(address: &str, path: &str) -> Reply {
    exchange(address, "GET", path, &[], b"")
}

/// Sends SIGTERM and waits for the exit, at most `limit`.
fn terminate(server: &mut Server, limit: Duration) -> Output {
    let status = Command::new("kill")
        .args(["-TERM", &server.child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let started = Instant::now();
    while server.child.try_wait().unwrap().is_none() {
        assert!(
            started.elapsed() < limit,
            "the server did not stop within {limit:?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let mut stderr = String::new();
    server
        .child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    Output {
        status: server.child.wait().unwrap(),
        stdout: vec![],
        stderr: stderr.into_bytes(),
    }
}

#[test]
fn serves_api_and_files_keeps_writes_through_kill_9_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = start(dir.path());
    let address = server.address.clone();

    let health = get(&address, "/healthz");
    assert_eq!(health.status, 200);
    assert_eq!(health.body, br#"{"status":"ok"}"#);

    // Unknown API paths get the API's 404, not the static layer's.
    let unknown = get(&address, "/v1/nothing-here");
    assert_eq!(unknown.status, 404);
    assert!(
        unknown
            .header("content-type")
            .unwrap()
            .starts_with("application/problem+json")
    );

    let page = get(&address, "/");
    assert_eq!(page.status, 200);
    assert!(
        page.header("content-type")
            .unwrap()
            .starts_with("text/html")
    );
    assert_eq!(page.header("cache-control"), Some("no-cache"));
    assert!(String::from_utf8_lossy(&page.body).contains("shop"));

    let wasm = get(&address, "/app.wasm");
    assert_eq!(wasm.status, 200);
    assert_eq!(wasm.header("content-type"), Some("application/wasm"));
    assert_eq!(wasm.header("cache-control"), None);

    let loader = get(&address, "/widget/loader.js");
    assert_eq!(loader.status, 200);
    assert!(
        loader
            .header("content-type")
            .unwrap()
            .contains("javascript")
    );
    assert_eq!(loader.header("cache-control"), Some("no-cache"));

    assert_eq!(get(&address, "/missing.txt").status, 404);

    // Over 64 KiB: the API answers 413 in its own format (axum's limit
    // must not answer first).
    let auth = format!("Bearer {API_KEY}");
    let headers = [
        ("Authorization", auth.as_str()),
        ("Idempotency-Key", "k1"),
        ("Content-Type", "application/json"),
    ];
    let big = exchange(
        &address,
        "POST",
        "/v1/admin/customers/c1/events?secret=q",
        &headers,
        &vec![b' '; 100_000],
    );
    assert_eq!(big.status, 413);
    assert!(String::from_utf8_lossy(&big.body).contains("payload_too_large"));

    // A write is acknowledged, and the data is in the file.
    let event = br#"{"type":"points_adjusted","points":25,"reason":"welcome"}"#;
    let headers = [
        ("Authorization", auth.as_str()),
        ("Idempotency-Key", "k2"),
        ("Content-Type", "application/json"),
    ];
    assert_eq!(
        exchange(
            &address,
            "POST",
            "/v1/admin/customers/c1/events",
            &headers,
            event
        )
        .status,
        200
    );

    // kill -9 right after the acknowledged write: it must be in the file.
    server.child.kill().unwrap();
    server.child.wait().unwrap();
    let mut log = String::new();
    server
        .child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut log)
        .unwrap();
    assert!(log.contains("GET /healthz 200 "), "{log}");
    assert!(
        log.contains("POST /v1/admin/customers/c1/events 413 "),
        "{log}"
    );
    assert!(!log.contains(API_KEY) && !log.contains("secret=q"), "{log}");

    let mut again = start(dir.path());
    let headers = [("Authorization", auth.as_str())];
    let customer = exchange(
        &again.address,
        "GET",
        "/v1/admin/customers/c1",
        &headers,
        b"",
    );
    assert_eq!(customer.status, 200);
    assert!(String::from_utf8_lossy(&customer.body).contains("\"balance\":25"));

    let output = terminate(&mut again, Duration::from_secs(15));
    assert!(output.status.success(), "exit status {:?}", output.status);
    let log = String::from_utf8(output.stderr).unwrap();
    assert!(log.contains("GET /v1/admin/customers/c1 200 "), "{log}");
    assert!(
        log.trim_end().ends_with("retention-server: stopped"),
        "{log}"
    );
}

#[test]
fn widget_files_are_open_to_shop_pages_of_any_origin_and_hashed_ones_are_kept() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path());
    let address = server.address.clone();
    let widget = dir.path().join("widget");
    std::fs::write(widget.join("retention_widget-4f2a9c1e.js"), "export {};").unwrap();
    std::fs::write(
        widget.join("retention_widget-4f2a9c1e_bg.wasm"),
        b"\0asm\x01\0\0\0",
    )
    .unwrap();
    std::fs::write(dir.path().join("www/demo-token.json"), r#"{"token":"t"}"#).unwrap();
    // What a shop page on another origin sends for a module script.
    let cross_origin = |path: &str| {
        exchange(
            &address,
            "GET",
            path,
            &[("Origin", "https://shop.example")],
            b"",
        )
    };

    let loader = cross_origin("/widget/loader.js");
    assert_eq!(loader.status, 200);
    assert_eq!(loader.header("content-type"), Some("text/javascript"));
    assert_eq!(loader.header("access-control-allow-origin"), Some("*"));
    assert_eq!(
        loader.header("cross-origin-resource-policy"),
        Some("cross-origin")
    );
    assert_eq!(loader.header("cache-control"), Some("no-cache"));

    let immutable = Some("public, max-age=31536000, immutable");
    let glue = cross_origin("/widget/retention_widget-4f2a9c1e.js");
    assert_eq!(glue.status, 200);
    assert_eq!(glue.header("content-type"), Some("text/javascript"));
    assert_eq!(glue.header("access-control-allow-origin"), Some("*"));
    assert_eq!(glue.header("cache-control"), immutable);

    let wasm = cross_origin("/widget/retention_widget-4f2a9c1e_bg.wasm");
    assert_eq!(wasm.status, 200);
    assert_eq!(wasm.header("content-type"), Some("application/wasm"));
    assert_eq!(wasm.header("access-control-allow-origin"), Some("*"));
    assert_eq!(
        wasm.header("cross-origin-resource-policy"),
        Some("cross-origin")
    );
    assert_eq!(wasm.header("cache-control"), immutable);
    assert_eq!(wasm.body, b"\0asm\x01\0\0\0");

    // A name not uploaded yet must not be cached for a year.
    let missing = cross_origin("/widget/retention_widget-00000000.js");
    assert_eq!(missing.status, 404);
    assert_eq!(missing.header("cache-control"), None);

    // The shop's own files are not opened to other origins.
    let page = cross_origin("/");
    assert_eq!(page.header("access-control-allow-origin"), None);
    assert_eq!(page.header("cross-origin-resource-policy"), None);

    // The demo shop's token file is a credential that changes: never stored.
    let token = get(&address, "/demo-token.json");
    assert_eq!(token.status, 200);
    assert_eq!(token.header("cache-control"), Some("no-store"));
}

fn run_to_failure(args: &[&str], dir: &Path) -> String {
    let output = Command::new(BIN)
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "one line expected: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    stderr
}

#[test]
fn start_up_problems_are_one_line_naming_the_culprit() {
    let dir = tempfile::tempdir().unwrap();
    let missing = run_to_failure(&["--config", "absent.toml"], dir.path());
    assert!(missing.contains("absent.toml"), "{missing}");

    std::fs::write(
        dir.path().join("partial.toml"),
        "[[merchant]]\nid = \"demo\"\napi_key = \"0123456789abcdef0123456789abcdef0\"\n",
    )
    .unwrap();
    let partial = run_to_failure(&["--config", "partial.toml"], dir.path());
    assert!(partial.contains("token_secret"), "{partial}");

    let weak = "[[merchant]]\nid = \"demo\"\napi_key = \"short\"\ntoken_secret = \"0123456789abcdef0123456789abcdef\"\n";
    std::fs::write(dir.path().join("weak.toml"), weak).unwrap();
    let weak = run_to_failure(&["--config", "weak.toml"], dir.path());
    assert!(weak.contains("api_key"), "{weak}");

    // Webhooks: a URL without a valid whsec_ secret, or plain http to
    // another host, names the merchant and the field.
    let base = "[[merchant]]\nid = \"hooked\"\napi_key = \"0123456789abcdef0123456789abcdef0\"\ntoken_secret = \"0123456789abcdef0123456789abcdef\"\n";
    let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    for (name, extra, field) in [
        (
            "no-secret",
            "webhook_url = \"https://shop.example/hooks\"\n".to_owned(),
            "webhook_secret",
        ),
        (
            "bad-secret",
            "webhook_url = \"https://shop.example/hooks\"\nwebhook_secret = \"sk_live_123\"\n"
                .to_owned(),
            "webhook_secret",
        ),
        (
            "plain-http",
            format!("webhook_url = \"http://shop.example/hooks\"\nwebhook_secret = \"{secret}\"\n"),
            "webhook_url",
        ),
    ] {
        let file = format!("{name}.toml");
        std::fs::write(dir.path().join(&file), format!("{base}{extra}")).unwrap();
        // An unusable database stops a server that wrongly took the file.
        let refused = run_to_failure(&["--config", &file, "--db", "no/such/dir/x.db"], dir.path());
        assert!(
            refused.contains("hooked") && refused.contains(field),
            "{name}: {refused}"
        );
    }

    let config = write_config(dir.path());
    let config = config.to_str().unwrap();
    let db = run_to_failure(
        &["--config", config, "--db", "no/such/dir/x.db"],
        dir.path(),
    );
    assert!(db.contains("no/such/dir/x.db"), "{db}");

    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = taken.local_addr().unwrap().to_string();
    let in_use = run_to_failure(&["--config", config, "--listen", &address], dir.path());
    assert!(in_use.contains("already in use"), "{in_use}");
}

#[test]
fn slow_headers_and_slow_bodies_are_cut_off_while_others_are_served() {
    use std::net::TcpStream;
    let dir = tempfile::tempdir().unwrap();
    let server = start_with(
        dir.path(),
        &["--header-timeout-ms", "300", "--body-timeout-ms", "300"],
    );
    // Headers that never end: the connection is closed.
    let mut slow = TcpStream::connect(&server.address).unwrap();
    slow.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .unwrap();
    let started = Instant::now();
    assert_eq!(
        get(&server.address, "/healthz").status,
        200,
        "others are served meanwhile"
    );
    let mut answer = Vec::new();
    let _ = slow.read_to_end(&mut answer);
    let waited = started.elapsed();
    assert!(waited < Duration::from_secs(4), "closed after {waited:?}");
    assert!(
        answer.is_empty() || String::from_utf8_lossy(&answer).starts_with("HTTP/1.1 408"),
        "{}",
        String::from_utf8_lossy(&answer)
    );
    // A body that stops coming: 408 problem+json, and the connection ends.
    let mut stalled = TcpStream::connect(&server.address).unwrap();
    stalled
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    stalled
        .write_all(
            format!(
                "POST /v1/admin/customers/c-1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {API_KEY}\r\n\
                 Idempotency-Key: k\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"type\":"
            )
            .as_bytes(),
        )
        .unwrap();
    let mut answer = Vec::new();
    let _ = stalled.read_to_end(&mut answer);
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("\"code\":\"request_timeout\""), "{answer}");
}
