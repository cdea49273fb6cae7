//! The counter page: a fixed set of files compiled into the binary, served with their types,
//! cache rules and a strict Content-Security-Policy. Nothing is read from disk at run time, so
//! no request path can reach a file that is not in [`ASSETS`].

use std::sync::LazyLock;

use actix_web::http::header;
use actix_web::web;
use actix_web::{HttpRequest, HttpResponse};

use super::error::ApiError;
use super::static_page::{respond, Asset, StaticPage, Versioned, REVALIDATE};

/// The page runs only its own script, style and service worker and talks only to this origin.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
     connect-src 'self'; img-src 'self' data:; worker-src 'self'; base-uri 'none'; \
     form-action 'none'; frame-ancestors 'none'";
/// The service worker only fetches the page and its assets from this origin.
const WORKER_CONTENT_SECURITY_POLICY: &str = "default-src 'none'; connect-src 'self'";

const SCRIPT: &str = "text/javascript; charset=utf-8";

const ASSETS: [Asset; 6] = [
    Asset {
        name: "counter.css",
        content_type: "text/css; charset=utf-8",
        body: include_bytes!("counter_page/counter.css"),
    },
    Asset { name: "strings.js", content_type: SCRIPT, body: include_bytes!("counter_page/strings.js") },
    Asset {
        name: "offline-rules.js",
        content_type: SCRIPT,
        body: include_bytes!("counter_page/offline-rules.js"),
    },
    Asset { name: "seal.js", content_type: SCRIPT, body: include_bytes!("counter_page/seal.js") },
    Asset {
        name: "offline-queue.js",
        content_type: SCRIPT,
        body: include_bytes!("counter_page/offline-queue.js"),
    },
    Asset { name: "counter.js", content_type: SCRIPT, body: include_bytes!("counter_page/counter.js") },
];

/// The page, its assets pinned to their versions (`/assets/counter.js?v=…`).
static PAGE: LazyLock<StaticPage> =
    LazyLock::new(|| StaticPage::new(include_str!("counter_page/index.html"), &ASSETS, "/assets/"));

/// The service worker, told the page's version (its cache's name) and the versioned asset
/// URLs to keep, so a page loaded once still loads while the server is down.
static SERVICE_WORKER: LazyLock<Versioned> = LazyLock::new(|| {
    let assets: Vec<String> = PAGE.asset_urls().iter().map(|url| format!("\"{url}\"")).collect();
    let script = include_str!("counter_page/sw.js")
        .replace("\"__PAGE_VERSION__\"", &format!("\"{}\"", PAGE.page.version))
        .replace("[/* __ASSETS__ */]", &format!("[{}]", assets.join(", ")));
    Versioned::new(script)
});

/// `GET /` and `GET /counter`: the counter page.
pub async fn page(req: HttpRequest) -> HttpResponse {
    PAGE.serve_page(&req, CONTENT_SECURITY_POLICY)
}

/// `GET /sw.js`: the page's service worker, at the root so that its scope covers `/` and
/// `/counter`. Revalidated on every check, so a new build replaces it at once.
pub async fn service_worker(req: HttpRequest) -> HttpResponse {
    let mut response = respond(&req, &SERVICE_WORKER, SCRIPT, REVALIDATE);
    response.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        header::HeaderValue::from_static(WORKER_CONTENT_SECURITY_POLICY),
    );
    response
}

/// `GET /assets/{name}`: one of the page's compiled-in files; anything else is a JSON 404.
pub async fn asset(req: HttpRequest, name: web::Path<String>) -> Result<HttpResponse, ApiError> {
    PAGE.serve_asset(&req, &name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_links_every_asset_at_its_current_version() {
        let html = std::str::from_utf8(&PAGE.page.body).unwrap();
        for url in PAGE.asset_urls() {
            assert!(html.contains(&format!("\"{url}\"")), "index.html does not link {url}");
        }
    }

    #[test]
    fn the_service_worker_keeps_the_page_s_current_version_and_every_asset() {
        let script = std::str::from_utf8(&SERVICE_WORKER.body).unwrap();
        assert!(script.contains(&format!("\"{}\"", PAGE.page.version)), "{script}");
        assert!(!script.contains("__PAGE_VERSION__") && !script.contains("__ASSETS__"), "{script}");
        for url in PAGE.asset_urls() {
            assert!(script.contains(&format!("\"{url}\"")), "sw.js does not keep {url}");
        }
    }
}
