//! The operator's console page at `/console`: a fixed set of files compiled into the binary
//! (the page, its script and style, and uPlot, vendored at a pinned version with its licence),
//! served with versioned URLs, cache rules and a strict Content-Security-Policy. It talks to
//! the admin API of this origin only.

use std::sync::LazyLock;

use actix_web::http::header;
use actix_web::web::{self, Bytes};
use actix_web::{HttpRequest, HttpResponse};
use sha2::{Digest, Sha256};

use super::error::ApiError;

/// Its own scripts and styles only (uPlot sizes its canvas through the CSSOM, which this
/// allows), requests to this origin only, never framed.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
     connect-src 'self'; img-src 'self' data: blob:; base-uri 'none'; form-action 'none'; \
     frame-ancestors 'none'";

const IMMUTABLE: &str = "public, max-age=31536000, immutable";
const REVALIDATE: &str = "no-cache";

struct Asset {
    name: &'static str,
    content_type: &'static str,
    body: &'static [u8],
}

const ASSETS: [Asset; 5] = [
    Asset {
        name: "console.css",
        content_type: "text/css; charset=utf-8",
        body: include_bytes!("console_page/console.css"),
    },
    Asset {
        name: "console.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("console_page/console.js"),
    },
    Asset {
        name: "uPlot.iife.min.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("console_page/vendor/uPlot.iife.min.js"),
    },
    Asset {
        name: "uPlot.min.css",
        content_type: "text/css; charset=utf-8",
        body: include_bytes!("console_page/vendor/uPlot.min.css"),
    },
    Asset {
        name: "uPlot.LICENSE",
        content_type: "text/plain; charset=utf-8",
        body: include_bytes!("console_page/vendor/LICENSE"),
    },
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
}

static VERSIONED_ASSETS: LazyLock<Vec<Versioned>> =
    LazyLock::new(|| ASSETS.iter().map(|asset| Versioned::new(Bytes::from_static(asset.body))).collect());

/// index.html with each asset URL pinned to its version.
static PAGE: LazyLock<Versioned> = LazyLock::new(|| {
    let mut html = include_str!("console_page/index.html").to_owned();
    for (asset, versioned) in ASSETS.iter().zip(VERSIONED_ASSETS.iter()) {
        let url = format!("/console/assets/{}", asset.name);
        html = html.replace(&format!("\"{url}\""), &format!("\"{url}?v={}\"", versioned.version));
    }
    Versioned::new(html)
});

/// `GET /console`.
pub async fn page(req: HttpRequest) -> HttpResponse {
    let mut response = respond(&req, &PAGE, "text/html; charset=utf-8", REVALIDATE);
    let headers = response.headers_mut();
    headers
        .insert(header::CONTENT_SECURITY_POLICY, header::HeaderValue::from_static(CONTENT_SECURITY_POLICY));
    headers.insert(header::REFERRER_POLICY, header::HeaderValue::from_static("no-referrer"));
    headers.insert(header::X_FRAME_OPTIONS, header::HeaderValue::from_static("DENY"));
    response
}

/// `GET /console/assets/{name}`: one of the compiled-in files; anything else is a JSON 404.
pub async fn asset(req: HttpRequest, name: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let (asset, versioned) = ASSETS
        .iter()
        .zip(VERSIONED_ASSETS.iter())
        .find(|(asset, _)| asset.name == name.as_str())
        .ok_or_else(|| ApiError::not_found("asset"))?;
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
    let etag = format!("\"{}\"", file.version);
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
    fn the_page_links_its_scripts_and_styles_at_their_current_versions() {
        let html = std::str::from_utf8(&PAGE.body).unwrap();
        for (asset, versioned) in
            ASSETS.iter().zip(VERSIONED_ASSETS.iter()).filter(|(a, _)| a.name != "uPlot.LICENSE")
        {
            let url = format!("\"/console/assets/{}?v={}\"", asset.name, versioned.version);
            assert!(html.contains(&url), "index.html does not link {url}");
        }
    }
}
