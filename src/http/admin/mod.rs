//! The operator's API under `/admin/v1`: for accounts of role `admin`, signed in through
//! `POST /portal/v1/sessions` like clerks. Every route answers 401 without a session and 403 to
//! a clerk, before any body or parameter is read.

pub mod accounts;
pub mod records;
pub mod sites;

use std::future::{ready, Ready};
use std::net::IpAddr;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest, ResponseError};

use crate::domain::account::{Role, Username};
use crate::domain::site::SiteCode;
use crate::http::error::{ApiError, ErrorCode};
use crate::http::state::AppState;
use crate::services::sessions::{AuthError, SessionContext};
use crate::services::Operator;

/// A signed-in operator and the address the request came from.
#[derive(Debug, Clone)]
pub struct Admin {
    pub session: SessionContext,
    pub address: IpAddr,
}

impl Admin {
    /// The admin as the audited author of an action.
    pub fn operator(&self) -> Operator {
        Operator::Admin {
            user_id: self.session.user_id,
            session_id: self.session.session_id.clone(),
            address: self.address,
        }
    }
}

/// Lets only admins through; the [`Admin`] it establishes is what handlers extract.
pub async fn admins_only(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    match admin_of(req.request()).await {
        Ok(admin) => {
            req.extensions_mut().insert(admin);
            next.call(req).await.map(ServiceResponse::map_into_left_body)
        }
        Err(error) => Ok(req.into_response(error.error_response()).map_into_right_body()),
    }
}

async fn admin_of(req: &HttpRequest) -> Result<Admin, ApiError> {
    // The same session check as every portal route.
    let session = SessionContext::extract(req).await?;
    if session.role != Role::Admin {
        return Err(ApiError::forbidden("this needs an operator (admin) signed in"));
    }
    let state = req.app_data::<web::Data<AppState>>().ok_or(AuthError::NotSignedIn)?;
    Ok(Admin { session, address: state.trusted_proxies.client_of(req) })
}

impl FromRequest for Admin {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        ready(req.extensions().get::<Admin>().cloned().ok_or_else(|| AuthError::NotSignedIn.into()))
    }
}

/// Parses a site code from a path or query.
pub fn site_code(raw: &str, field: &str) -> Result<SiteCode, ApiError> {
    SiteCode::parse(raw).map_err(|e| ApiError::invalid(field, ErrorCode::InvalidSite, e.to_string()))
}

/// Parses a username from a path, body or query.
pub fn username(raw: &str, field: &str) -> Result<Username, ApiError> {
    Username::parse(raw).map_err(|e| ApiError::invalid(field, ErrorCode::InvalidUsername, e.to_string()))
}

/// An optional JSON whole number (also written `5.0`); null is absent.
pub fn optional_whole<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<i64>, D::Error> {
    #[derive(serde::Deserialize)]
    struct Whole(#[serde(deserialize_with = "crate::http::portal::whole_number")] i64);
    Ok(<Option<Whole> as serde::Deserialize>::deserialize(deserializer)?.map(|whole| whole.0))
}

/// A page size: 1 to `max`, `default` when absent.
pub fn limit(raw: Option<i64>, default: i64, max: i64) -> Result<i64, ApiError> {
    match raw {
        None => Ok(default),
        Some(n) if (1..=max).contains(&n) => Ok(n),
        Some(_) => Err(ApiError::invalid_query("limit", format!("limit must be 1 to {max}"))),
    }
}
