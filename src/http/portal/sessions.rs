//! `POST /portal/v1/sessions`, `DELETE /portal/v1/sessions/current`, `GET /portal/v1/sessions`.

use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};

use crate::domain::account::{Password, Username};
use crate::domain::device::{DeviceId, DeviceName};
use crate::http::auth::Clerk;
use crate::http::client_address::ClientAddress;
use crate::http::error::{ApiError, ErrorCode};
use crate::http::state::AppState;
use crate::services::sessions::{SessionContext, SignIn, SiteContext};

use crate::http::views::{kst_rfc3339, DeviceView};

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
    ClientAddress(client): ClientAddress,
    body: web::Json<SignInBody>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let password = Password::attempt(body.password)
        .map_err(|e| ApiError::invalid("password", ErrorCode::InvalidPassword, e.to_string()))?;
    let device_id = DeviceId::parse(&body.device_id)
        .map_err(|e| ApiError::invalid("device_id", ErrorCode::InvalidDeviceId, e.to_string()))?;
    let device_name = body
        .device_name
        .as_deref()
        .map(DeviceName::parse)
        .transpose()
        .map_err(|e| ApiError::invalid("device_name", ErrorCode::InvalidDeviceName, e.to_string()))?;
    let signed_in = state
        .sessions
        .sign_in(SignIn {
            username: Username::parse(&body.username).map_err(|_| body.username),
            password,
            device_id,
            device_name,
            takeover: body.takeover,
            client_ip: client,
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

pub async fn list(state: web::Data<AppState>, clerk: Clerk) -> Result<HttpResponse, ApiError> {
    let devices = state.sessions.devices(clerk.site.id).await?;
    Ok(HttpResponse::Ok().json(DevicesView {
        max_devices: clerk.site.max_devices,
        sessions: devices.iter().map(|d| DeviceView::new(d, Some(&clerk.session.session_id))).collect(),
    }))
}
