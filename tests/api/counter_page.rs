//! The counter page: served from the binary with its types, cache rules and CSP; nothing else.

use maskportal::db::Backend;

use crate::helpers::{Reply, TestApp};

/// The asset URLs the page links, e.g. `/assets/counter.js?v=0123456789abcdef`.
fn linked_assets(html: &str) -> Vec<String> {
    html.split('"').filter(|part| part.starts_with("/assets/")).map(str::to_owned).collect()
}

#[tokio::test]
async fn the_counter_page_is_served_as_html_with_a_strict_content_security_policy() {
    let app = TestApp::spawn(Backend::Sqlite).await;

    for path in ["/", "/counter"] {
        let reply = app.get(path).await;

        assert_eq!(reply.status, 200);
        assert_eq!(reply.header("content-type"), Some("text/html; charset=utf-8"));
        assert_eq!(reply.header("cache-control"), Some("no-cache"));
        let csp = reply.header("content-security-policy").expect("a CSP");
        assert!(csp.contains("default-src 'none'") && csp.contains("script-src 'self'"), "{csp}");
        assert!(csp.contains("worker-src 'self'"), "the service worker may run: {csp}");
        assert_eq!(reply.header("x-content-type-options"), Some("nosniff"));
        let html = reply.body.as_str().unwrap();
        assert!(html.starts_with("<!doctype html>"), "{html}");
        assert_eq!(linked_assets(html).len(), 6, "{html}");
    }
}

#[tokio::test]
async fn the_page_s_assets_are_served_with_their_types_and_cached_for_good_by_version() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let page = app.get("/").await;

    for url in linked_assets(page.body.as_str().unwrap()) {
        let reply = app.get(&url).await;

        assert_eq!(reply.status, 200, "{url}");
        let expected_type =
            if url.contains(".css") { "text/css; charset=utf-8" } else { "text/javascript; charset=utf-8" };
        assert_eq!(reply.header("content-type"), Some(expected_type), "{url}");
        assert_eq!(reply.header("cache-control"), Some("public, max-age=31536000, immutable"), "{url}");
        let unversioned = app.get(url.split('?').next().unwrap()).await;
        assert_eq!(unversioned.header("cache-control"), Some("no-cache"), "{url}");
    }
}

#[tokio::test]
async fn a_client_holding_the_current_version_gets_304() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let etag = app.get("/").await.header("etag").expect("an ETag").to_owned();

    let reply = Reply::read(
        app.client.get(app.url("/")).header("if-none-match", &etag).send().await.expect("request sent"),
    )
    .await;
    crate::contract::assert_reply_documented("GET", "/", &reply);

    assert_eq!(reply.status, 304);
    assert_eq!(reply.header("etag"), Some(etag.as_str()));
}

#[tokio::test]
async fn an_unknown_asset_is_a_json_404_and_never_a_file_read() {
    let app = TestApp::spawn(Backend::Sqlite).await;

    for path in [
        "/assets/index.html",
        "/assets/Cargo.toml",
        "/assets/..%2FCargo.toml",
        "/assets/%2e%2e%2f%2e%2e%2fCargo.toml",
        "/assets/counter.js%00.css",
        "/assets/../../Cargo.toml",
        "/assets/",
    ] {
        let reply = app.get(path).await;

        assert_eq!(reply.status, 404, "{path}");
        assert_eq!(reply.header("content-type"), Some("application/json; charset=utf-8"), "{path}");
        assert_eq!(reply.body["error"]["code"], "not_found", "{path}");
    }
}

#[tokio::test]
async fn the_service_worker_is_served_from_the_root_and_keeps_this_build_s_page_and_assets() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let page = app.get("/").await;

    let reply = app.get("/sw.js").await;
    crate::contract::assert_reply_documented("GET", "/sw.js", &reply);

    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("content-type"), Some("text/javascript; charset=utf-8"));
    assert_eq!(reply.header("cache-control"), Some("no-cache"));
    let csp = reply.header("content-security-policy").expect("a CSP of its own");
    assert!(csp.contains("default-src 'none'") && csp.contains("connect-src 'self'"), "{csp}");
    let script = reply.body.as_str().unwrap();
    for url in linked_assets(page.body.as_str().unwrap()) {
        assert!(script.contains(&format!("\"{url}\"")), "sw.js does not keep {url}");
    }
    let etag = reply.header("etag").expect("an ETag").to_owned();
    let again = Reply::read(
        app.client.get(app.url("/sw.js")).header("if-none-match", &etag).send().await.expect("request sent"),
    )
    .await;
    assert_eq!(again.status, 304);
}
