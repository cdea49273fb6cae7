//! The HTTP edge against careless and hostile clients: metrics that cannot be grown or read by
//! anyone, slow bodies and greedy addresses, garbage bytes, the docs page's protections, HEAD
//! wherever GET, and a stop that open event streams do not hold up.

use std::time::Duration;

use maskportal::domain::clock::Clock;
use reqwest::Method;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::{error_of, eventually, Reply, ServedBinary, TestApp, TestDatabase};

const METRICS_TOKEN: &str = "a metrics token only the scraper knows";

/// The hang guard for what must end promptly: generous, and never a measurement.
const PROMPTLY: Duration = Duration::from_secs(10);

async fn spawn(settings: &[(&str, &str)]) -> TestApp {
    TestApp::spawn_with(TestDatabase::sqlite(), Clock::system(), settings).await
}

/// `host:port` of an `http://host:port` address.
fn host_of(address: &str) -> String {
    address.trim_start_matches("http://").to_owned()
}

#[tokio::test]
async fn invented_methods_and_paths_leave_the_request_counter_with_a_bounded_set_of_labels() {
    let db = TestDatabase::sqlite();
    let served = ServedBinary::start(&db, &[("MASKPORTAL_METRICS_TOKEN", METRICS_TOKEN)]).await;
    let client = reqwest::Client::new();
    for i in 0..300 {
        let invented = Method::from_bytes(format!("INVENTED{i}").as_bytes()).unwrap();
        let reply = client.request(invented, format!("{}/healthz", served.address)).send().await.unwrap();
        assert_eq!(reply.status(), 405);
        let reply = client.get(format!("{}/no/such/page/{i}", served.address)).send().await.unwrap();
        assert_eq!(reply.status(), 404);
    }
    let metrics = client.get(format!("{}/metrics", served.address)).bearer_auth(METRICS_TOKEN).send();
    let text = metrics.await.unwrap().text().await.unwrap();
    let label_sets: Vec<&str> =
        text.lines().filter(|line| line.starts_with("maskportal_http_requests_total{")).collect();
    assert!(label_sets.len() <= 10, "{} label sets:\n{}", label_sets.len(), label_sets.join("\n"));
    for expected in [
        "maskportal_http_requests_total{method=\"other\",route=\"/healthz\",status=\"405\"} 300",
        "maskportal_http_requests_total{method=\"GET\",route=\"unmatched\",status=\"404\"} 300",
    ] {
        assert!(label_sets.contains(&expected), "{expected} missing from:\n{}", label_sets.join("\n"));
    }
    served.stop("TERM").await;
}

#[tokio::test]
async fn metrics_are_served_to_no_one_by_default_and_on_the_main_port_only_with_the_token() {
    let closed = spawn(&[]).await;
    assert_eq!(error_of(closed.get("/metrics").await, 404)["code"], "not_found");

    let guarded =
        spawn(&[("MASKPORTAL_METRICS_TOKEN", METRICS_TOKEN), ("MASKPORTAL_PUBLIC_BIND", "127.0.0.1:0")])
            .await;
    assert_eq!(error_of(guarded.get("/metrics").await, 401)["code"], "not_signed_in");
    let wrong = guarded.call(Method::GET, "/metrics", Some("not the token the scraper knows"), None).await;
    assert_eq!(error_of(wrong, 401)["code"], "invalid_token");
    let scraped = guarded.call(Method::GET, "/metrics", Some(METRICS_TOKEN), None).await;
    assert_eq!(scraped.status, 200);
    assert!(scraped.body.as_str().unwrap().contains("maskportal_board_stores"));
    // The open API's own listener never serves metrics, whatever the caller holds.
    let public = guarded.public_address.clone().unwrap();
    let reply = guarded.client.get(format!("{public}/metrics")).bearer_auth(METRICS_TOKEN).send();
    assert_eq!(reply.await.unwrap().status(), 404);
}

#[tokio::test]
async fn the_metrics_listener_serves_metrics_alone_and_the_main_port_none() {
    let app = spawn(&[("MASKPORTAL_METRICS_BIND", "127.0.0.1:0")]).await;
    let listener = app.metrics_address.clone().expect("a metrics listener");
    let scraped = app.client.get(format!("{listener}/metrics")).send().await.unwrap();
    assert_eq!(scraped.status(), 200);
    assert!(scraped.text().await.unwrap().contains("maskportal_board_stores"));
    for path in ["/healthz", "/v2/stores", "/portal/v1/stock"] {
        let reply = app.client.get(format!("{listener}{path}")).send().await.unwrap();
        assert_eq!(reply.status(), 404, "{path} on the metrics listener");
    }
    assert_eq!(app.get("/metrics").await.status, 404);

    let guarded =
        spawn(&[("MASKPORTAL_METRICS_BIND", "127.0.0.1:0"), ("MASKPORTAL_METRICS_TOKEN", METRICS_TOKEN)])
            .await;
    let listener = guarded.metrics_address.clone().unwrap();
    let refused = guarded.client.get(format!("{listener}/metrics")).send().await.unwrap();
    assert_eq!(refused.status(), 401, "with a token set, the metrics listener asks for it too");
    let scraped = guarded.client.get(format!("{listener}/metrics")).bearer_auth(METRICS_TOKEN).send();
    assert_eq!(scraped.await.unwrap().status(), 200);
}

#[tokio::test]
async fn a_body_sent_too_slowly_is_cut_off_with_408_and_its_connection_closed() {
    let app = spawn(&[("MASKPORTAL_BODY_TIMEOUT_MS", "300")]).await;
    for framing in ["content-length: 1000", "transfer-encoding: chunked"] {
        let stream = TcpStream::connect(host_of(&app.address)).await.unwrap();
        let (mut read, mut write) = stream.into_split();
        let head = format!(
            "POST /portal/v1/sessions HTTP/1.1\r\nhost: test\r\ncontent-type: application/json\r\n{framing}\r\n\r\n"
        );
        write.write_all(head.as_bytes()).await.unwrap();
        let chunked = framing.starts_with("transfer-encoding");
        // One byte of body every 100 ms: the whole body would take 100 s.
        let drip = tokio::spawn(async move {
            for _ in 0..1000 {
                let byte: &[u8] = if chunked { b"1\r\n \r\n" } else { b" " };
                if write.write_all(byte).await.is_err() {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        });
        let mut answer = Vec::new();
        let closed = tokio::time::timeout(PROMPTLY, read.read_to_end(&mut answer)).await;
        drip.abort();
        assert!(closed.is_ok(), "{framing}: the connection was still open after {PROMPTLY:?}");
        let answer = String::from_utf8_lossy(&answer);
        assert!(answer.starts_with("HTTP/1.1 408"), "{framing}: {answer}");
        assert!(answer.contains("\"request_timeout\""), "{framing}: {answer}");
    }
    assert_eq!(app.get("/healthz").await.status, 200, "the service is unharmed");
}

/// Sends a request on a new connection and returns the answer's first bytes, or nothing when
/// the server closes the connection without a word.
async fn answer_on_a_new_connection(host: &str) -> String {
    let mut stream = TcpStream::connect(host).await.unwrap();
    let _ = stream.write_all(b"GET /healthz HTTP/1.1\r\nhost: test\r\n\r\n").await;
    let mut buffer = vec![0; 4096];
    let read = tokio::time::timeout(PROMPTLY, stream.read(&mut buffer)).await;
    match read.expect("an answer or a close, promptly") {
        Ok(n) => String::from_utf8_lossy(&buffer[..n]).into_owned(),
        Err(_) => String::new(),
    }
}

#[tokio::test]
async fn connections_over_the_per_address_cap_are_refused_until_one_closes() {
    let app = spawn(&[
        ("MASKPORTAL_MAX_CONNECTIONS_PER_IP", "3"),
        ("MASKPORTAL_KEEP_ALIVE_MS", "60000"),
        ("MASKPORTAL_HEAD_TIMEOUT_MS", "60000"),
    ])
    .await;
    let host = host_of(&app.address);
    let mut held = Vec::new();
    for _ in 0..3 {
        // Each answered once and kept open, so each surely holds its place.
        let mut stream = TcpStream::connect(&host).await.unwrap();
        stream.write_all(b"GET /healthz HTTP/1.1\r\nhost: test\r\n\r\n").await.unwrap();
        let mut buffer = vec![0; 4096];
        let n = tokio::time::timeout(PROMPTLY, stream.read(&mut buffer)).await.unwrap().unwrap();
        assert!(buffer[..n].starts_with(b"HTTP/1.1 200"));
        held.push(stream);
    }
    for _ in 0..5 {
        assert_eq!(answer_on_a_new_connection(&host).await, "", "a fourth connection is refused");
    }
    drop(held.pop());
    eventually(PROMPTLY, || async { answer_on_a_new_connection(&host).await.starts_with("HTTP/1.1 200") })
        .await;
}

#[tokio::test]
async fn garbage_bytes_are_logged_as_a_clients_fault_and_never_as_errors() {
    let db = TestDatabase::sqlite();
    let served = ServedBinary::start(&db, &[("RUST_LOG", "info")]).await;
    let host = host_of(&served.address);
    for _ in 0..50 {
        let mut stream = TcpStream::connect(&host).await.unwrap();
        stream.write_all(b"\x16\x03\x01\x02\x00 not HTTP at all\r\n\r\n").await.unwrap();
        let mut answer = Vec::new();
        let read = tokio::time::timeout(PROMPTLY, stream.read_to_end(&mut answer)).await;
        read.expect("closed promptly").unwrap();
        assert!(answer.starts_with(b"HTTP/1.1 400"), "{}", String::from_utf8_lossy(&answer));
    }
    let (status, logs) = served.stop("TERM").await;
    assert!(status.success(), "exit {status}");
    let errors: Vec<&str> = logs.lines().filter(|line| line.contains("ERROR")).collect();
    assert!(errors.is_empty(), "{} error lines:\n{}", errors.len(), errors.join("\n"));
    // One warning counts them; more come at most once a minute.
    let warnings = logs.lines().filter(|line| line.contains("malformed requests")).count();
    assert!((1..=2).contains(&warnings), "{warnings} warnings:\n{logs}");
}

/// The `href`/`src` of every `<link>` and `<script>` in a page, and its `<base href>`.
fn links_of(html: &str) -> (Option<&str>, Vec<&str>) {
    fn attribute<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
        let start = tag.find(&format!("{name}=\""))? + name.len() + 2;
        tag[start..].find('"').map(|end| &tag[start..start + end])
    }
    let mut base = None;
    let mut links = Vec::new();
    for tag in html.split('<') {
        if tag.starts_with("base ") {
            base = attribute(tag, "href");
        } else if tag.starts_with("link ") {
            links.extend(attribute(tag, "href"));
        } else if tag.starts_with("script ") {
            links.extend(attribute(tag, "src"));
        }
    }
    (base, links)
}

fn assert_protected(headers: &reqwest::header::HeaderMap, what: &str) {
    let csp = headers.get("content-security-policy").and_then(|v| v.to_str().ok()).unwrap_or_default();
    assert!(csp.contains("frame-ancestors 'none'"), "{what}: CSP {csp:?}");
    assert!(csp.contains("script-src 'self'"), "{what}: CSP {csp:?}");
    assert_eq!(headers.get("x-frame-options").map(|v| v.to_str().unwrap()), Some("DENY"), "{what}");
    assert_eq!(headers.get("x-content-type-options").map(|v| v.to_str().unwrap()), Some("nosniff"), "{what}");
}

#[tokio::test]
async fn every_asset_the_docs_page_links_is_served_with_the_pages_protections() {
    let app = spawn(&[]).await;
    let page = app.get("/docs").await;
    assert_eq!(page.status, 200);
    assert_protected(&page.headers, "/docs");
    let (base, links) = links_of(page.body.as_str().unwrap());
    // As a browser resolves them: against `<base href>` if the page has one, else its own URL.
    let page_url = reqwest::Url::parse(&app.url("/docs")).unwrap();
    let base = base.map_or_else(|| page_url.clone(), |href| page_url.join(href).unwrap());
    assert!(links.len() >= 5, "{links:?}");
    for link in links {
        let url = base.join(link).unwrap();
        let asset = app.client.get(url.clone()).send().await.unwrap();
        assert_eq!(asset.status(), 200, "{link} resolves to {url}");
        assert_protected(asset.headers(), url.as_str());
    }
}

#[tokio::test]
async fn every_get_route_answers_head_with_its_status_and_headers_and_no_body() {
    let app = spawn(&[("MASKPORTAL_PUBLIC_BIND", "127.0.0.1:0")]).await;
    for path in [
        "/healthz",
        "/readyz",
        "/",
        "/counter",
        "/openapi.yaml",
        "/docs",
        "/v2/stores",
        "/v2/stores/99999999",
        "/corona19-masks/v1/stores/json",
        "/portal/v1/stock",
    ] {
        let get = app.get(path).await;
        // `call` checks HEAD against the GET it stands for, and that it has no body.
        let head = app.call(Method::HEAD, path, None, None).await;
        assert_eq!(head.status, get.status, "HEAD {path}");
        for name in ["content-type", "content-length", "cache-control", "etag", "content-security-policy"] {
            assert_eq!(head.header(name), get.header(name), "HEAD {path}: {name}");
        }
    }
    let stream = app.call(Method::HEAD, "/v2/stream", None, None).await;
    assert_eq!(stream.status, 200);
    assert_eq!(stream.header("content-type"), Some("text/event-stream"));

    let public = app.public_address.clone().unwrap();
    for path in ["/healthz", "/v2/stores", "/corona19-masks/v1/storesByGeo/json?lat=37.5&lng=127.03&m=500"] {
        let head = app.client.head(format!("{public}{path}")).send().await.unwrap();
        assert_eq!(head.status(), 200, "HEAD {path} on the public listener");
        assert!(head.bytes().await.unwrap().is_empty());
    }

    for (method, path, allow) in
        [(Method::DELETE, "/healthz", "GET, HEAD"), (Method::PUT, "/portal/v1/sales", "GET, HEAD, POST")]
    {
        // Not through `call`: the contract documents what a path answers, not every method it refuses.
        let refused = Reply::read(app.client.request(method, app.url(path)).send().await.unwrap()).await;
        assert_eq!(refused.header("allow"), Some(allow), "{path}");
        assert_eq!(error_of(refused, 405)["code"], "method_not_allowed");
    }
}

#[tokio::test]
async fn sigterm_ends_open_event_streams_cleanly_and_the_service_exits_at_once() {
    let db = TestDatabase::sqlite();
    let served = ServedBinary::start(&db, &[]).await;
    let mut stream = reqwest::get(format!("{}/v2/stream", served.address)).await.unwrap();
    assert_eq!(stream.status(), 200);
    let first = stream.chunk().await.unwrap().expect("the stream's first chunk");
    assert!(first.starts_with(b"retry:"), "{first:?}");

    let stopped = tokio::time::timeout(PROMPTLY, served.stop("TERM")).await;
    let (status, logs) = stopped.expect("the service exits promptly with a stream open");
    assert!(status.success(), "exit {status}:\n{logs}");
    // The stream ended as a stream ends (its last chunk), not as a broken connection.
    let rest = tokio::time::timeout(PROMPTLY, async {
        while stream.chunk().await?.is_some() {}
        Ok::<_, reqwest::Error>(())
    })
    .await;
    assert!(matches!(rest, Ok(Ok(()))), "{rest:?}");
}

/// Reads one answer (head and `content-length` body) from a keep-alive connection.
async fn one_answer(stream: &mut TcpStream) -> String {
    let mut answer = Vec::new();
    let mut buffer = [0u8; 8192];
    loop {
        let n = tokio::time::timeout(PROMPTLY, stream.read(&mut buffer)).await.expect("an answer").unwrap();
        assert!(n > 0, "the connection closed mid-answer: {}", String::from_utf8_lossy(&answer));
        answer.extend_from_slice(&buffer[..n]);
        let text = String::from_utf8_lossy(&answer).into_owned();
        let Some(end) = text.find("\r\n\r\n") else { continue };
        let length = text[..end]
            .lines()
            .find_map(|line| line.to_ascii_lowercase().strip_prefix("content-length: ").map(str::to_owned))
            .and_then(|value| value.trim().parse::<usize>().ok())
            .unwrap_or(0);
        if answer.len() >= end + 4 + length {
            return text;
        }
    }
}

#[tokio::test]
async fn one_connection_may_mix_map_app_reads_and_counter_requests_whichever_comes_first() {
    let app = spawn(&[]).await;
    let read = "GET /v2/stores HTTP/1.1\r\nhost: test\r\n\r\n";
    let portal = "GET /portal/v1/stock HTTP/1.1\r\nhost: test\r\n\r\n";
    // Steered by its first request to the map apps' workers, or to the counter's threads.
    for order in [[read, portal, read], [portal, read, portal]] {
        let mut stream = TcpStream::connect(host_of(&app.address)).await.unwrap();
        for request in order {
            stream.write_all(request.as_bytes()).await.unwrap();
            let answer = one_answer(&mut stream).await;
            let expected = if request == read { "HTTP/1.1 200" } else { "HTTP/1.1 401" };
            assert!(answer.starts_with(expected), "{request:?} answered {answer}");
        }
    }
}
