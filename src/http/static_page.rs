//! A page compiled into the binary with its assets: each asset's URL pinned to its content
//! version, so assets are cached for a year and a new build is still fetched at once; the page
//! revalidated on every load (a 304 by its ETag). Nothing is read from disk at run time, so no
//! request path can reach a file that is not listed.

use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse};
use sha2::{Digest, Sha256};

use super::error::ApiError;

/// What an asset answers with when the request names its current version.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// The page itself (and an unversioned asset request) is revalidated on every load.
pub const REVALIDATE: &str = "no-cache";

/// One file of a page, as compiled in.
pub struct Asset {
    pub name: &'static str,
    pub content_type: &'static str,
    pub body: &'static [u8],
}

/// A compiled-in body with its content version (the start of its SHA-256).
pub struct Versioned {
    pub body: Bytes,
    pub version: String,
}

impl Versioned {
    pub fn new(body: impl Into<Bytes>) -> Self {
        let body = body.into();
        let version = hex::encode(&Sha256::digest(&body)[..8]);
        Self { body, version }
    }
}

/// A page and its assets, served under `prefix` (`/assets/counter.js?v=…`).
pub struct StaticPage {
    assets: &'static [Asset],
    versions: Vec<Versioned>,
    prefix: &'static str,
    pub page: Versioned,
}

impl StaticPage {
    /// `html` with every `"{prefix}{name}"` of `assets` pinned to that asset's version.
    pub fn new(html: &str, assets: &'static [Asset], prefix: &'static str) -> Self {
        let versions: Vec<Versioned> =
            assets.iter().map(|asset| Versioned::new(Bytes::from_static(asset.body))).collect();
        let mut html = html.to_owned();
        for (asset, versioned) in assets.iter().zip(&versions) {
            let url = format!("{prefix}{}", asset.name);
            html = html.replace(&format!("\"{url}\""), &format!("\"{url}?v={}\"", versioned.version));
        }
        Self { assets, versions, prefix, page: Versioned::new(html) }
    }

    /// Every asset's versioned URL, in the order listed.
    pub fn asset_urls(&self) -> Vec<String> {
        self.assets
            .iter()
            .zip(&self.versions)
            .map(|(asset, versioned)| format!("{}{}?v={}", self.prefix, asset.name, versioned.version))
            .collect()
    }

    /// The page, under `content_security_policy`, never framed, sending no referrer.
    pub fn serve_page(&self, req: &HttpRequest, content_security_policy: &'static str) -> HttpResponse {
        let mut response = respond(req, &self.page, "text/html; charset=utf-8", REVALIDATE);
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            header::HeaderValue::from_static(content_security_policy),
        );
        headers.insert(header::REFERRER_POLICY, header::HeaderValue::from_static("no-referrer"));
        headers.insert(header::X_FRAME_OPTIONS, header::HeaderValue::from_static("DENY"));
        response
    }

    /// One of the compiled-in files; anything else is a JSON 404. Only a URL naming the current
    /// version may be cached for good; other parameters are ignored.
    pub fn serve_asset(&self, req: &HttpRequest, name: &str) -> Result<HttpResponse, ApiError> {
        let (asset, versioned) = self
            .assets
            .iter()
            .zip(&self.versions)
            .find(|(asset, _)| asset.name == name)
            .ok_or_else(|| ApiError::not_found("asset"))?;
        let current = format!("v={}", versioned.version);
        let cache =
            if req.query_string().split('&').any(|pair| pair == current) { IMMUTABLE } else { REVALIDATE };
        Ok(respond(req, versioned, asset.content_type, cache))
    }
}

/// 200 with the body, or 304 when the client already holds this version.
pub fn respond(
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
