//! Per-API-key and per-client-IP rate limits for the open API (GCRA, via `governor`), with
//! `RateLimit-*` headers on every reply and 429 + `Retry-After` over the limit; and the limit on
//! eligibility look-ups per signed-in session.

use std::collections::HashMap;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{web, ResponseError};
use arc_swap::ArcSwap;
use governor::clock::{Clock, DefaultClock};
use governor::middleware::StateInformationMiddleware;
use governor::{DefaultDirectRateLimiter, DefaultKeyedRateLimiter, Quota};

pub use crate::config::Rate;
use crate::http::state::AppState;
use crate::services::api_keys::{hash_key, KeyLimits};

use super::error::{ApiError, ErrorCode};

type KeyedLimiter = DefaultKeyedRateLimiter<IpAddr, StateInformationMiddleware>;
type DirectLimiter = DefaultDirectRateLimiter<StateInformationMiddleware>;

fn quota(rate: Rate) -> Quota {
    Quota::per_second(rate.per_second).allow_burst(rate.burst)
}

/// A live key and its own limiter.
struct KeyLimit {
    rate: Rate,
    limiter: DirectLimiter,
    /// When this node last answered the key (Unix seconds; 0 for never).
    last_used: AtomicI64,
}

/// The limits in force: one limiter per client address for anonymous callers, one per key.
pub struct RateLimits {
    anonymous_rate: Rate,
    anonymous: KeyedLimiter,
    /// Live keys by hash, refreshed from the database in the background.
    keys: ArcSwap<HashMap<String, Arc<KeyLimit>>>,
    /// Made once: building a clock probes the CPU, which cost more than the rest of a check.
    clock: DefaultClock,
}

/// How a request was limited, for the headers.
struct Decision {
    limit: u32,
    remaining: u32,
    reset_secs: u64,
    retry_after_secs: Option<u64>,
}

impl RateLimits {
    pub fn new(anonymous_rate: Rate) -> Self {
        Self {
            anonymous: governor::RateLimiter::keyed(quota(anonymous_rate))
                .with_middleware::<StateInformationMiddleware>(),
            anonymous_rate,
            keys: ArcSwap::from_pointee(HashMap::new()),
            clock: DefaultClock::default(),
        }
    }

    /// Takes the live keys; a key whose rate is unchanged keeps its limiter's state.
    pub fn set_keys(&self, live: Vec<KeyLimits>) {
        let current = self.keys.load_full();
        let mut next = HashMap::new();
        for key in live {
            let rate = Rate { per_second: key.per_second, burst: key.burst };
            let limit = match current.get(&key.key_hash) {
                Some(existing) if existing.rate == rate => existing.clone(),
                _ => Arc::new(KeyLimit {
                    rate,
                    limiter: governor::RateLimiter::direct(quota(rate))
                        .with_middleware::<StateInformationMiddleware>(),
                    last_used: AtomicI64::new(0),
                }),
            };
            next.insert(key.key_hash, limit);
        }
        self.keys.store(Arc::new(next));
        // Forget idle addresses so the anonymous table stays small.
        self.anonymous.retain_recent();
    }

    /// When this node last answered a request with the key of this hash.
    pub fn last_used(&self, key_hash: &str) -> Option<chrono::DateTime<chrono::Utc>> {
        let keys = self.keys.load();
        let secs = keys.get(key_hash)?.last_used.load(Ordering::Relaxed);
        (secs > 0).then(|| chrono::DateTime::from_timestamp(secs, 0)).flatten()
    }

    #[expect(clippy::as_conversions, reason = "seconds to wait, rounded up, always small and positive")]
    fn decide(&self, key: Option<&str>, ip: IpAddr) -> Result<Decision, ApiError> {
        let now = self.clock.now();
        let (rate, outcome) = match key {
            Some(key) => {
                let keys = self.keys.load();
                let limit =
                    keys.get(&hash_key(key)).ok_or_else(|| ApiError::from(ErrorCode::InvalidApiKey))?;
                limit.last_used.store(chrono::Utc::now().timestamp(), Ordering::Relaxed);
                (limit.rate, limit.limiter.check())
            }
            None => (self.anonymous_rate, self.anonymous.check_key(&ip)),
        };
        let burst = rate.burst.get();
        let full_in = |remaining: u32| {
            let missing = f64::from(burst.saturating_sub(remaining));
            (missing / f64::from(rate.per_second.get())).ceil() as u64
        };
        Ok(match outcome {
            Ok(state) => {
                let remaining = state.remaining_burst_capacity();
                Decision { limit: burst, remaining, reset_secs: full_in(remaining), retry_after_secs: None }
            }
            Err(not_until) => {
                let wait = not_until.wait_time_from(now).max(Duration::from_millis(1));
                let retry = wait.as_secs_f64().ceil() as u64;
                Decision { limit: burst, remaining: 0, reset_secs: full_in(0), retry_after_secs: Some(retry) }
            }
        })
    }
}

/// Past this many sessions tracked, those whose allowance has refilled are forgotten.
const FORGET_SESSIONS_AT: usize = 10_000;

/// Eligibility look-ups per signed-in session: a minute's worth may come at once (a queue at
/// the counter), then one every `60 / per_minute` seconds, so a session cannot run through
/// resident numbers to learn who bought what.
pub struct LookupLimits {
    sessions: governor::DefaultKeyedRateLimiter<String>,
    clock: DefaultClock,
}

impl LookupLimits {
    pub fn new(per_minute: NonZeroU32) -> Self {
        Self {
            sessions: governor::RateLimiter::keyed(Quota::per_minute(per_minute)),
            clock: DefaultClock::default(),
        }
    }

    /// Counts a look-up by `session_id`; over the limit, 429 `rate_limited` with `Retry-After`.
    #[expect(clippy::as_conversions, reason = "seconds to wait, rounded up, always small and positive")]
    pub fn check(&self, session_id: &str) -> Result<(), ApiError> {
        if self.sessions.len() >= FORGET_SESSIONS_AT {
            self.sessions.retain_recent();
        }
        self.sessions.check_key(&session_id.to_owned()).map_err(|not_until| {
            let wait = not_until.wait_time_from(self.clock.now()).max(Duration::from_millis(1));
            ApiError::new(ErrorCode::RateLimited, "too many look-ups from this session: slow down")
                .retry_after(wait.as_secs_f64().ceil() as u64)
        })
    }
}

/// The key a caller presents: the `X-API-Key` header, or the 2020 API's `serviceKey` parameter.
fn presented_key(req: &ServiceRequest) -> Option<String> {
    if let Some(value) = req.headers().get("x-api-key").and_then(|v| v.to_str().ok()) {
        return Some(value.trim().to_owned());
    }
    url_query_value(req.query_string(), "serviceKey")
}

fn url_query_value(query: &str, name: &str) -> Option<String> {
    // Most map-app reads carry no key: skip decoding their query here (the handler decodes it).
    if !query.contains(name) {
        return None;
    }
    web::Query::<HashMap<String, String>>::from_query(query).ok()?.get(name).map(|v| v.trim().to_owned())
}

/// The middleware: decide, then either answer 429 or pass on, adding the headers either way.
pub async fn limit(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    // Only reads are limited; any other method goes on to be answered 405.
    let is_read = matches!(*req.method(), actix_web::http::Method::GET | actix_web::http::Method::HEAD);
    let state = req.app_data::<web::Data<AppState>>().cloned().filter(|_| is_read);
    let Some(state) = state else {
        return next.call(req).await.map(ServiceResponse::map_into_left_body);
    };
    let limits = &state.rate_limits;
    let ip = state.trusted_proxies.client_of(req.request());
    let decision = match limits.decide(presented_key(&req).as_deref(), ip) {
        Ok(decision) => decision,
        Err(error) => return Ok(req.into_response(error.error_response()).map_into_right_body()),
    };
    let mut response = match decision.retry_after_secs {
        Some(secs) => {
            let error = ApiError::from(ErrorCode::RateLimited).retry_after(secs);
            req.into_response(error.error_response()).map_into_right_body()
        }
        None => next.call(req).await?.map_into_left_body(),
    };
    let headers = response.headers_mut();
    for (name, value) in [
        ("ratelimit-limit", decision.limit.to_string()),
        ("ratelimit-remaining", decision.remaining.to_string()),
        ("ratelimit-reset", decision.reset_secs.to_string()),
    ] {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(HeaderName::from_static(name), value);
        }
    }
    Ok(response)
}

#[cfg(test)]
mod tests {

    use super::*;

    fn rate(per_second: u32, burst: u32) -> Rate {
        Rate { per_second: NonZeroU32::new(per_second).unwrap(), burst: NonZeroU32::new(burst).unwrap() }
    }

    #[test]
    fn an_address_gets_its_burst_then_a_retry_after() {
        let limits = RateLimits::new(rate(1, 3));
        let ip: IpAddr = "203.0.113.9".parse().unwrap();
        let remaining: Vec<u32> = (0..3).map(|_| limits.decide(None, ip).unwrap().remaining).collect();
        assert_eq!(remaining, [2, 1, 0]);
        let refused = limits.decide(None, ip).unwrap();
        assert_eq!(refused.retry_after_secs, Some(1));
        assert_eq!(refused.reset_secs, 3);
        let other: IpAddr = "203.0.113.10".parse().unwrap();
        assert!(
            limits.decide(None, other).unwrap().retry_after_secs.is_none(),
            "addresses are limited apart"
        );
    }

    #[test]
    fn a_session_gets_a_minutes_worth_of_look_ups_at_once_then_a_retry_after() {
        let limits = LookupLimits::new(NonZeroU32::new(3).unwrap());
        for _ in 0..3 {
            assert!(limits.check("session-a").is_ok());
        }
        let refused = limits.check("session-a").unwrap_err();
        assert_eq!(refused.code(), ErrorCode::RateLimited);
        assert!(limits.check("session-b").is_ok(), "sessions are limited apart");
    }

    #[test]
    fn an_unknown_key_is_refused() {
        let limits = RateLimits::new(rate(1, 3));
        let error = limits.decide(Some("mpk_nope"), "203.0.113.9".parse().unwrap()).err().unwrap();
        assert_eq!(error.code(), ErrorCode::InvalidApiKey);
    }
}
