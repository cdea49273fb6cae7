//! The HTTP surface: one route table, thin handlers, one error type.

pub mod admin;
pub mod auth;
pub mod client_address;
pub mod console_page;
pub mod counter_first;
pub mod counter_page;
pub mod docs;
pub mod error;
pub mod health;
pub mod open_api;
pub mod portal;
pub mod rate_limit;
pub mod server;
pub mod slow_clients;
pub mod state;
pub mod static_page;
pub mod steering;
pub mod telemetry;
pub mod views;

use actix_web::http::header;
use actix_web::{guard, middleware, web};

use self::error::{extractors, ApiError};
use crate::config::Role;

/// Request bodies on the portal are small JSON documents.
pub const MAX_BODY_BYTES: usize = 16 * 1024;

/// A GET route that answers HEAD too (the same status and headers, no body): load balancers
/// probe with HEAD.
fn get() -> actix_web::Route {
    web::route().guard(guard::Any(guard::Get()).or(guard::Head()))
}

/// Every route the service answers, in one place: a node of role `all`.
pub fn routes(cfg: &mut web::ServiceConfig) {
    counter_routes(cfg);
    open_api(cfg);
}

/// The routes a node of `role` serves, built from the parts of [`routes`].
pub fn routes_of(role: Role) -> fn(&mut web::ServiceConfig) {
    match role {
        Role::All => routes,
        Role::Counter => counter_routes,
        Role::Public => public_node_routes,
    }
}

/// A counter node: the portal, the counter page, the contract, metrics and the probes.
fn counter_routes(cfg: &mut web::ServiceConfig) {
    common(cfg);
    operator(cfg);
    cfg.route("/", get().to(counter_page::page))
        .route("/counter", get().to(counter_page::page))
        .route("/assets/{name}", get().to(counter_page::asset))
        .route("/sw.js", get().to(counter_page::service_worker))
        .route("/console", get().to(console_page::page))
        .route("/console/assets/{name}", get().to(console_page::asset))
        .service(
            web::scope("/portal/v1")
                // Nothing a clerk sees may be kept by a cache.
                .wrap(middleware::DefaultHeaders::new().add((header::CACHE_CONTROL, "no-store")))
                .wrap(middleware::from_fn(counter_first::counter_work))
                .route("/sessions", web::post().to(portal::sessions::create))
                .route("/sessions", get().to(portal::sessions::list))
                .route("/sessions/current", web::delete().to(portal::sessions::delete_current))
                .route("/stock-in", web::post().to(portal::stock::stock_in))
                .route("/stock", get().to(portal::stock::show))
                .route("/status", web::put().to(portal::stock::set_status))
                .route("/eligibility", web::post().to(portal::sales::eligibility))
                .route("/sales", web::post().to(portal::sales::create))
                .route("/sales", get().to(portal::sales::list))
                .service(
                    web::resource("/sales/batch")
                        .app_data(extractors::json_config(portal::sales::MAX_BATCH_BODY_BYTES))
                        .route(web::post().to(portal::sales::batch)),
                )
                .route("/sales/{id}/void", web::post().to(portal::sales::void))
                .route("/conflicts", get().to(portal::conflicts::list))
                .route("/conflicts/{id}/resolve", web::post().to(portal::conflicts::resolve))
                .route("/policy", get().to(portal::policy::policy))
                .route("/seal-key", get().to(portal::policy::seal_key)),
        );
    admin_routes(cfg);
}

/// The operator's API: admins only, answered by counter nodes (which hold the accounts).
fn admin_routes(cfg: &mut web::ServiceConfig) {
    use admin::{accounts, records, sites};
    cfg.service(
        web::scope("/admin/v1")
            .wrap(middleware::from_fn(admin::admins_only))
            .wrap(middleware::DefaultHeaders::new().add((header::CACHE_CONTROL, "no-store")))
            .route("/dashboard", get().to(records::dashboard))
            .route("/sites", get().to(sites::list))
            .route("/sites", web::post().to(sites::add))
            // A resource of its own, so `/sites/import` with another method is a 405, not
            // `/sites/{code}` for a site coded "import".
            .service(web::resource("/sites/import").route(web::post().to(sites::import)))
            .route("/sites/{code}", get().to(sites::show))
            .route("/sites/{code}", web::patch().to(sites::edit))
            .route("/sites/{code}/status", web::put().to(sites::set_status))
            .route("/users", get().to(accounts::users))
            .route("/users", web::post().to(accounts::add_user))
            .route("/users/{username}/disable", web::post().to(accounts::disable_user))
            .route("/users/{username}/unlock", web::post().to(accounts::unlock_user))
            .route("/users/{username}/password", web::post().to(accounts::reset_password))
            .route("/api-keys", get().to(accounts::keys))
            .route("/api-keys", web::post().to(accounts::issue_key))
            .route("/api-keys/{id}", web::delete().to(accounts::revoke_key))
            .route("/sessions", get().to(accounts::sessions))
            .route("/sessions/{id}", web::delete().to(accounts::revoke_session))
            .route("/audit", get().to(records::audit))
            .route("/conflicts", get().to(records::conflicts))
            .route("/conflicts/{id}/resolve", web::post().to(records::resolve))
            .route("/policy", get().to(records::policy)),
    );
}

/// A public node: the open API from its own board, the contract, metrics and the probes.
fn public_node_routes(cfg: &mut web::ServiceConfig) {
    public_routes(cfg);
    operator(cfg);
}

/// The routes of the dedicated public listener (`MASKPORTAL_PUBLIC_BIND`): the open API and
/// the probes, on worker threads of their own, so a flood of map-app reads cannot hold up
/// the counter.
pub fn public_routes(cfg: &mut web::ServiceConfig) {
    common(cfg);
    open_api(cfg);
}

/// The contract, its docs and the metrics, which every node role serves.
fn operator(cfg: &mut web::ServiceConfig) {
    cfg.route("/openapi.yaml", get().to(docs::openapi_yaml))
        .route("/metrics", get().to(telemetry::metrics))
        .route("/docs", get().to(docs::swagger_ui))
        .route("/docs/{tail:.*}", get().to(docs::swagger_ui));
}

/// The routes of the metrics listener (`MASKPORTAL_METRICS_BIND`): `/metrics` alone.
pub fn metrics_routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/metrics", get().to(telemetry::metrics_listener)).default_service(web::to(not_found));
}

fn common(cfg: &mut web::ServiceConfig) {
    cfg.app_data(extractors::json_config(MAX_BODY_BYTES))
        .app_data(extractors::query_config())
        .app_data(extractors::path_config())
        .route("/healthz", get().to(health::healthz))
        .route("/readyz", get().to(health::readyz))
        .default_service(web::to(not_found));
}

fn open_api(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/corona19-masks/v1")
            .wrap(middleware::from_fn(counter_first::public_read))
            .wrap(middleware::from_fn(rate_limit::limit))
            .wrap(public_cors())
            .route("/stores/json", get().to(open_api::v1::stores))
            .route("/sales/json", get().to(open_api::v1::sales))
            .route("/storesByGeo/json", get().to(open_api::v1::stores_by_geo))
            .route("/storesByAddr/json", get().to(open_api::v1::stores_by_addr)),
    )
    .service(
        web::scope("/v2")
            .wrap(middleware::from_fn(counter_first::public_read))
            .wrap(middleware::from_fn(rate_limit::limit))
            .wrap(public_cors())
            .route("/stores", get().to(open_api::v2::stores))
            .route("/stores/{code}", get().to(open_api::v2::store))
            .route("/changes", get().to(open_api::v2::changes))
            .route("/stream", get().to(open_api::stream::stream)),
    );
}

/// Any web page may read the open API (GET and HEAD only); the preflight is answered here.
fn public_cors() -> actix_cors::Cors {
    actix_cors::Cors::default()
        .allow_any_origin()
        .send_wildcard()
        .allowed_methods(["GET", "HEAD"])
        .allow_any_header()
        .expose_headers(["ETag", "Retry-After", "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"])
        .max_age(86_400)
}

/// 405 with `Allow` for a known path asked with another method; 404 for anything else.
async fn not_found(
    state: web::Data<state::AppState>,
    req: actix_web::HttpRequest,
) -> Result<actix_web::HttpResponse, ApiError> {
    match req.match_pattern().as_deref().and_then(|pattern| state.allowed_methods.of(pattern)) {
        Some(allow) => Err(ApiError::method_not_allowed(allow)),
        None => Err(ApiError::not_found("route")),
    }
}
