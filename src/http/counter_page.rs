//! The counter page: a fixed set of files compiled into the binary, served with their types,
//! cache rules and a strict Content-Security-Policy. Nothing is read from disk at run time, so
//! no request path can reach a file that is not in [`ASSETS`].

use std::sync::LazyLock;

use actix_web::http::header;
use actix_web::web::{self, Bytes};
use actix_web::{HttpRequest, HttpResponse};
use sha2::{Digest, Sha256};

use super::error::ApiError;

/// The page runs only its own script, style and service worker and talks only to this origin.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
     connect-src 'self'; img-src 'self' data:; worker-src 'self'; base-uri 'none'; \
     form-action 'none'; frame-ancestors 'none'";
/// The service worker only fetches the page and its assets from this origin.
const WORKER_CONTENT_SECURITY_POLICY: &str = "default-src 'none'; connect-src 'self'";

/// What a stylesheet or script answers with when the request names its current version.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// The page itself (and an unversioned asset request) is revalidated on every load, so a new
/// binary is picked up at once; the ETag makes that a 304.
const REVALIDATE: &str = "no-cache";

/// One file of the page, as compiled in.
struct Asset {
    name: &'static str,
    content_type: &'static str,
    body: &'static [u8],
}

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

/// A compiled-in body with its content version (the start of its SHA-256).
struct Versioned {
    body: Bytes,
    version: String,
}

impl Versioned {
    fn new(body: impl Into<Bytes>) -> Self {
        let body = body.into();
        let version = hex::encode(&Sha256::digest(&body)[..8]);
        Self { body, version }
    }

    fn etag(&self) -> String {
        format!("\"{}\"", self.version)
    }
}

/// The assets with their versions, in the order of [`ASSETS`].
static VERSIONED_ASSETS: LazyLock<Vec<Versioned>> =
    LazyLock::new(|| ASSETS.iter().map(|asset| Versioned::new(Bytes::from_static(asset.body))).collect());

/// index.html with each asset URL pinned to its version (`/assets/counter.js?v=…`), so the
/// assets can be cached for a year and a new build is still fetched at once.
static PAGE: LazyLock<Versioned> = LazyLock::new(|| {
    let mut html = include_str!("counter_page/index.html").to_owned();
    for (asset, versioned) in ASSETS.iter().zip(VERSIONED_ASSETS.iter()) {
        let url = format!("/assets/{}", asset.name);
        html = html.replace(&format!("\"{url}\""), &format!("\"{url}?v={}\"", versioned.version));
    }
    Versioned::new(html)
});

/// The service worker, told the page's version (its cache's name) and the versioned asset
/// URLs to keep, so a page loaded once still loads while the server is down.
static SERVICE_WORKER: LazyLock<Versioned> = LazyLock::new(|| {
    let assets: Vec<String> = ASSETS
        .iter()
        .zip(VERSIONED_ASSETS.iter())
        .map(|(asset, versioned)| format!("\"/assets/{}?v={}\"", asset.name, versioned.version))
        .collect();
    let script = include_str!("counter_page/sw.js")
        .replace("\"__PAGE_VERSION__\"", &format!("\"{}\"", PAGE.version))
        .replace("[/* __ASSETS__ */]", &format!("[{}]", assets.join(", ")));
    Versioned::new(script)
});

/// `GET /` and `GET /counter`: the counter page.
pub async fn page(req: HttpRequest) -> HttpResponse {
    let mut response = respond(&req, &PAGE, "text/html; charset=utf-8", REVALIDATE);
    let headers = response.headers_mut();
    headers
        .insert(header::CONTENT_SECURITY_POLICY, header::HeaderValue::from_static(CONTENT_SECURITY_POLICY));
    headers.insert(header::REFERRER_POLICY, header::HeaderValue::from_static("no-referrer"));
    headers.insert(header::X_FRAME_OPTIONS, header::HeaderValue::from_static("DENY"));
    response
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
    let (asset, versioned) = ASSETS
        .iter()
        .zip(VERSIONED_ASSETS.iter())
        .find(|(asset, _)| asset.name == name.as_str())
        .ok_or_else(|| ApiError::not_found("asset"))?;
    // Only a URL naming the current version may be cached for good; other parameters are ignored.
    let current = format!("v={}", versioned.version);
    let cache =
        if req.query_string().split('&').any(|pair| pair == current) { IMMUTABLE } else { REVALIDATE };
    Ok(respond(&req, versioned, asset.content_type, cache))
}

/// 200 with the body, or 304 when the client already holds this version.
fn respond(
    req: &HttpRequest,
    file: &Versioned,
    content_type: &'static str,
    cache: &'static str,
) -> HttpResponse {
    let etag = file.etag();
    let fresh = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|tags| tags.split(',').any(|tag| tag.trim() == etag || tag.trim() == "*"));
    let mut response = if fresh { HttpResponse::NotModified() } else { HttpResponse::Ok() };
    response
        .insert_header((header::CACHE_CONTROL, cache))
        .insert_header((header::ETAG, etag))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"));
    if fresh {
        response.finish()
    } else {
        response.content_type(content_type).body(file.body.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_links_every_asset_at_its_current_version() {
        let html = std::str::from_utf8(&PAGE.body).unwrap();
        for (asset, versioned) in ASSETS.iter().zip(VERSIONED_ASSETS.iter()) {
            let url = format!("\"/assets/{}?v={}\"", asset.name, versioned.version);
            assert!(html.contains(&url), "index.html does not link {url}");
        }
    }

    #[test]
    fn the_service_worker_keeps_the_page_s_current_version_and_every_asset() {
        let script = std::str::from_utf8(&SERVICE_WORKER.body).unwrap();
        assert!(script.contains(&format!("\"{}\"", PAGE.version)), "{script}");
        assert!(!script.contains("__PAGE_VERSION__") && !script.contains("__ASSETS__"), "{script}");
        for (asset, versioned) in ASSETS.iter().zip(VERSIONED_ASSETS.iter()) {
            let url = format!("\"/assets/{}?v={}\"", asset.name, versioned.version);
            assert!(script.contains(&url), "sw.js does not keep {url}");
        }
    }
}
