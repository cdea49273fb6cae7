//! What operators see: a request id on every reply, one log line per request (route pattern,
//! never the raw URL with its keys), Prometheus metrics over bounded labels, and `/metrics`.

use std::sync::OnceLock;
use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::{web, HttpRequest, HttpResponse};
use metrics::{counter, gauge, histogram};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use sha2::{Digest, Sha256};
use tracing::Instrument;

use crate::http::auth::bearer_token;
use crate::http::state::AppState;
use crate::process::ClientFault;

use super::error::{ApiError, ErrorCode};

/// What actix logs as an error though a client caused it: its HTTP/1 dispatcher's `stream
/// error`, written for every malformed request (bad bytes, an oversized head) and broken
/// connection. (Its rare internal fault behind a `stream error` has an error line of its own,
/// which stays.)
pub const CLIENT_FAULTS: &[ClientFault] =
    &[ClientFault { target: "actix_http::h1::dispatcher", message_prefix: "stream error" }];

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The process-wide Prometheus recorder (several in-process servers, as in tests, share it).
pub fn prometheus() -> Option<&'static PrometheusHandle> {
    static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let buckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0];
            PrometheusBuilder::new().set_buckets(&buckets).ok()?.install_recorder().ok()
        })
        .as_ref()
}

/// A caller's request id is kept when it is a plain token; otherwise a new one is made.
fn request_id(req: &ServiceRequest) -> String {
    req.headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| (1..=64).contains(&v.len()) && v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
        .map_or_else(|| uuid::Uuid::new_v4().to_string(), str::to_owned)
}

/// The middleware: time, count and log each request under its route pattern.
pub async fn observe(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let id = request_id(&req);
    let method = method_label(req.method());
    // Patterns come from the route table, so they are a fixed set; any unknown path is one label.
    let route = req.match_pattern().unwrap_or_else(|| "unmatched".to_owned());
    let span = tracing::info_span!("request", %id, %method, %route);
    let started = Instant::now();
    let result = next.call(req).instrument(span.clone()).await;
    let elapsed = started.elapsed();
    let status = match &result {
        Ok(response) => response.status().as_u16(),
        Err(error) => error.as_response_error().status_code().as_u16(),
    };
    counter!("maskportal_http_requests_total", "method" => method, "route" => route.clone(), "status" => status.to_string())
        .increment(1);
    histogram!("maskportal_http_request_duration_seconds", "method" => method, "route" => route.clone())
        .record(elapsed.as_secs_f64());
    let ms = elapsed.as_secs_f64() * 1000.0;
    span.in_scope(|| {
        // Map apps read thousands of times a second: their lines are debug, the counter's info.
        if route.starts_with("/portal") {
            tracing::info!(status, ms, "handled");
        } else {
            tracing::debug!(status, ms, "handled");
        }
    });
    result.map(|mut response| {
        if let Ok(value) = HeaderValue::from_str(&id) {
            response.headers_mut().insert(REQUEST_ID, value);
        }
        response
    })
}

/// A method's metrics label: the standard ones by name, any other string as `other`, so a
/// client inventing methods cannot grow the label set (each label set lives as long as the
/// process).
fn method_label(method: &Method) -> &'static str {
    const KNOWN: [Method; 7] = [
        Method::GET,
        Method::HEAD,
        Method::POST,
        Method::PUT,
        Method::DELETE,
        Method::PATCH,
        Method::OPTIONS,
    ];
    KNOWN.iter().find(|known| *known == method).map_or("other", Method::as_str)
}

/// The bearer token that opens `/metrics`, kept as its SHA-256: guesses are compared digest to
/// digest, so how long a comparison takes tells nothing about the token.
#[derive(Clone)]
pub struct MetricsToken([u8; 32]);

impl MetricsToken {
    pub fn new(token: &str) -> Self {
        Self(Sha256::digest(token.as_bytes()).into())
    }

    fn admits(&self, req: &HttpRequest) -> Result<(), ApiError> {
        let presented = bearer_token(req).ok_or_else(|| {
            ApiError::new(ErrorCode::NotSignedIn, "send Authorization: Bearer <the metrics token>")
        })?;
        if <[u8; 32]>::from(Sha256::digest(presented.as_bytes())) == self.0 {
            Ok(())
        } else {
            Err(ApiError::new(ErrorCode::InvalidToken, "this is not the metrics token"))
        }
    }
}

/// `GET /metrics` on the main port: only with the metrics token; without one configured, the
/// path answers 404 like any unknown one.
pub async fn metrics(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let token = state.metrics_token.as_ref().ok_or_else(|| ApiError::not_found("route"))?;
    token.admits(&req)?;
    render(state).await
}

/// `GET /metrics` on the metrics listener (`MASKPORTAL_METRICS_BIND`), which the network
/// guards: open, unless a metrics token is configured.
pub async fn metrics_listener(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    if let Some(token) = &state.metrics_token {
        token.admits(&req)?;
    }
    render(state).await
}

/// Prometheus text, with gauges read at scrape time, rendered on a blocking thread: a large
/// exposition takes long enough to hold up every request queued on an async worker.
#[expect(clippy::as_conversions, reason = "gauges are floats; counts this size are exact in f64")]
async fn render(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let pool = state.operations.pool_use();
    gauge!("maskportal_db_pool_connections").set(f64::from(pool.connections));
    gauge!("maskportal_db_pool_idle_connections").set(f64::from(pool.idle));
    let board = state.board.snapshot();
    gauge!("maskportal_board_stores").set(board.len() as f64);
    gauge!("maskportal_board_cursor").set(state.board.cursor() as f64);
    let sessions = state.operations.live_sessions().await?;
    gauge!("maskportal_active_sessions").set(sessions as f64);
    let body = web::block(|| prometheus().map(PrometheusHandle::render).unwrap_or_default()).await.map_err(
        |error| {
            tracing::error!(%error, "rendering metrics");
            ApiError::from(ErrorCode::Internal)
        },
    )?;
    Ok(HttpResponse::Ok().content_type("text/plain; version=0.0.4; charset=utf-8").body(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_invented_method_is_counted_as_other() {
        assert_eq!(method_label(&Method::GET), "GET");
        assert_eq!(method_label(&Method::OPTIONS), "OPTIONS");
        assert_eq!(method_label(&Method::from_bytes(b"BREW").unwrap()), "other");
        assert_eq!(method_label(&Method::TRACE), "other");
    }
}
