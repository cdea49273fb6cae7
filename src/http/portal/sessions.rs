//! `POST /portal/v1/sessions`, `DELETE /portal/v1/sessions/current`, `GET /portal/v1/sessions`.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};

use crate::app::AppState;
use crate::domain::account::{Password, Username};
use crate::domain::device::{DeviceId, DeviceName};
use crate::http::auth::Clerk;
use crate::http::error::ApiError;
use crate::services::sessions::{ActiveDevice, SessionContext, SignIn, SiteContext};

use super::kst_rfc3339;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignInBody {
    username: String,
    password: String,
    device_id: String,
    device_name: Option<String>,
    #[serde(default)]
    takeover: bool,
}

#[derive(Debug, Serialize)]
struct SignedInView {
    token: String,
    session_id: String,
    expires_at: String,
    site: Option<SiteView>,
    max_devices: Option<i32>,
}

#[derive(Debug, Serialize)]
struct SiteView {
    code: String,
    name: String,
    #[serde(rename = "type")]
    kind: String,
}

impl From<&SiteContext> for SiteView {
    fn from(site: &SiteContext) -> Self {
        Self { code: site.code.clone(), name: site.name.clone(), kind: site.kind.clone() }
    }
}

pub async fn create(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Json<SignInBody>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let password = Password::attempt(body.password)
        .map_err(|e| ApiError::invalid("password", "invalid_password", e.to_string()))?;
    let device_id = DeviceId::parse(&body.device_id)
        .map_err(|e| ApiError::invalid("device_id", "invalid_device_id", e.to_string()))?;
    let device_name = body
        .device_name
        .as_deref()
        .map(DeviceName::parse)
        .transpose()
        .map_err(|e| ApiError::invalid("device_name", "invalid_device_name", e.to_string()))?;
    let client_ip = req
        .peer_addr()
        .map(|addr| addr.ip())
        .unwrap_or(std::net::IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED));
    let signed_in = state
        .sessions
        .sign_in(SignIn {
            username: Username::parse(&body.username).map_err(|_| body.username),
            password,
            device_id,
            device_name,
            takeover: body.takeover,
            client_ip,
        })
        .await?;
    Ok(HttpResponse::Created().json(SignedInView {
        token: signed_in.token,
        session_id: signed_in.session_id,
        expires_at: kst_rfc3339(signed_in.expires_at),
        max_devices: signed_in.site.as_ref().map(|s| s.max_devices),
        site: signed_in.site.as_ref().map(SiteView::from),
    }))
}

pub async fn delete_current(
    state: web::Data<AppState>,
    who: SessionContext,
) -> Result<HttpResponse, ApiError> {
    state.sessions.sign_out(&who).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Serialize)]
struct DevicesView {
    max_devices: i32,
    sessions: Vec<DeviceView>,
}

#[derive(Debug, Serialize)]
pub struct DeviceView {
    session_id: String,
    device_name: Option<String>,
    signed_in_at: String,
    last_seen_at: String,
    current: bool,
}

impl DeviceView {
    pub fn new(device: &ActiveDevice, current_session: Option<&str>) -> Self {
        Self {
            current: current_session == Some(device.session_id.as_str()),
            session_id: device.session_id.clone(),
            device_name: device.device_name.clone(),
            signed_in_at: kst_rfc3339(device.signed_in_at),
            last_seen_at: kst_rfc3339(device.last_seen_at),
        }
    }
}

pub async fn list(state: web::Data<AppState>, clerk: Clerk) -> Result<HttpResponse, ApiError> {
    let devices = state.sessions.devices(clerk.site.id).await?;
    Ok(HttpResponse::Ok().json(DevicesView {
        max_devices: clerk.site.max_devices,
        sessions: devices.iter().map(|d| DeviceView::new(d, Some(&clerk.session.session_id))).collect(),
    }))
}
