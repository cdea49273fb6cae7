//! The operator's console page at `/console`: a fixed set of files compiled into the binary
//! (the page, its script and style, and uPlot, vendored at a pinned version with its licence),
//! served with versioned URLs, cache rules and a strict Content-Security-Policy. It talks to
//! the admin API of this origin only.

use std::sync::LazyLock;

use actix_web::web;
use actix_web::{HttpRequest, HttpResponse};

use super::error::ApiError;
use super::static_page::{Asset, StaticPage};

/// Its own scripts and styles only (uPlot sizes its canvas through the CSSOM, which this
/// allows), requests to this origin only, never framed.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
     connect-src 'self'; img-src 'self' data: blob:; base-uri 'none'; form-action 'none'; \
     frame-ancestors 'none'";

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

/// The page, its assets pinned to their versions (`/console/assets/console.js?v=…`).
static PAGE: LazyLock<StaticPage> =
    LazyLock::new(|| StaticPage::new(include_str!("console_page/index.html"), &ASSETS, "/console/assets/"));

/// `GET /console`.
pub async fn page(req: HttpRequest) -> HttpResponse {
    PAGE.serve_page(&req, CONTENT_SECURITY_POLICY)
}

/// `GET /console/assets/{name}`: one of the compiled-in files; anything else is a JSON 404.
pub async fn asset(req: HttpRequest, name: web::Path<String>) -> Result<HttpResponse, ApiError> {
    PAGE.serve_asset(&req, &name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_links_its_scripts_and_styles_at_their_current_versions() {
        let html = std::str::from_utf8(&PAGE.page.body).unwrap();
        for url in PAGE.asset_urls().into_iter().filter(|url| !url.contains("uPlot.LICENSE")) {
            assert!(html.contains(&format!("\"{url}\"")), "index.html does not link {url}");
        }
    }
}
