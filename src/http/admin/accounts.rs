//! `/admin/v1/users`, `/admin/v1/api-keys`, `/admin/v1/sessions`: accounts with one-time
//! passwords, open-API keys shown once, and the sessions signed in.

use std::num::NonZeroU32;

use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};

use crate::domain::account::Role;
use crate::domain::site::DisplayText;
use crate::http::error::{ApiError, ErrorCode};
use crate::http::state::AppState;
use crate::http::views::kst_rfc3339;
use crate::services::api_keys::live_limits;
use crate::services::console::{SessionRow, UserRow};
use crate::services::users::Membership;

use super::{site_code, username, Admin};

#[derive(Debug, Serialize)]
pub struct UserView {
    username: String,
    role: String,
    site: Option<String>,
    disabled: bool,
    locked_until: Option<String>,
    failed_logins: i32,
    created_at: String,
}

impl UserView {
    fn new(user: UserRow, site: Option<String>, now: chrono::NaiveDateTime) -> Self {
        Self {
            username: user.username,
            role: user.role,
            site,
            disabled: user.disabled,
            locked_until: user.locked_until.filter(|until| *until > now).map(|t| kst_rfc3339(t.and_utc())),
            failed_logins: user.failed_logins,
            created_at: kst_rfc3339(user.created_at.and_utc()),
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct UsersQuery {
    site: Option<String>,
}

pub async fn users(
    state: web::Data<AppState>,
    _: Admin,
    query: web::Query<UsersQuery>,
) -> Result<HttpResponse, ApiError> {
    let site = query.site.as_deref().map(|raw| site_code(raw, "site")).transpose()?;
    let now = state.clock.now().naive_utc();
    let users: Vec<UserView> = state
        .console
        .users(site)
        .await?
        .into_iter()
        .map(|(user, site)| UserView::new(user, site, now))
        .collect();
    Ok(HttpResponse::Ok().json(serde_json::json!({ "users": users })))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AddUserBody {
    username: String,
    role: String,
    site: Option<String>,
}

pub async fn add_user(
    state: web::Data<AppState>,
    admin: Admin,
    body: web::Json<AddUserBody>,
) -> Result<HttpResponse, ApiError> {
    let name = username(&body.username, "username")?;
    let role: Role = body
        .role
        .parse()
        .map_err(|_| ApiError::invalid("role", ErrorCode::InvalidBody, "role must be clerk or admin"))?;
    let membership = match (role, body.site.as_deref()) {
        (Role::Clerk, Some(site)) => Membership::Clerk(site_code(site, "site")?),
        (Role::Clerk, None) => {
            return Err(ApiError::invalid("site", ErrorCode::InvalidSite, "a clerk needs the code of a site"))
        }
        (Role::Admin, None) => Membership::Admin,
        (Role::Admin, Some(_)) => {
            return Err(ApiError::invalid("site", ErrorCode::InvalidSite, "an admin belongs to no site"))
        }
    };
    let (user, site, password) = state.console.add_user(&admin.operator(), name, membership).await?;
    let now = state.clock.now().naive_utc();
    Ok(HttpResponse::Created().json(serde_json::json!({
        "user": UserView::new(user, site, now),
        "password": password.expose(),
    })))
}

async fn user_view(state: &AppState, name: crate::domain::account::Username) -> Result<UserView, ApiError> {
    let (user, site) = state.console.user(name).await?;
    Ok(UserView::new(user, site, state.clock.now().naive_utc()))
}

pub async fn disable_user(
    state: web::Data<AppState>,
    admin: Admin,
    name: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let name = username(&name, "username")?;
    state.console.disable_user(&admin.operator(), name.clone()).await?;
    Ok(HttpResponse::Ok().json(user_view(&state, name).await?))
}

pub async fn unlock_user(
    state: web::Data<AppState>,
    admin: Admin,
    name: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let name = username(&name, "username")?;
    state.console.unlock_user(&admin.operator(), name.clone()).await?;
    Ok(HttpResponse::Ok().json(user_view(&state, name).await?))
}

pub async fn reset_password(
    state: web::Data<AppState>,
    admin: Admin,
    name: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let name = username(&name, "username")?;
    let password = state.console.reset_password(&admin.operator(), name.clone()).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "user": user_view(&state, name).await?,
        "password": password.expose(),
    })))
}

#[derive(Debug, Serialize)]
struct KeyView {
    id: i64,
    name: String,
    per_second: i32,
    burst: i32,
    created_at: String,
    revoked_at: Option<String>,
    last_used_at: Option<String>,
}

pub async fn keys(state: web::Data<AppState>, _: Admin) -> Result<HttpResponse, ApiError> {
    let keys: Vec<KeyView> = state
        .console
        .keys()
        .await?
        .into_iter()
        .map(|key| KeyView {
            last_used_at: state.rate_limits.last_used(&key.key_hash).map(kst_rfc3339),
            id: key.id,
            name: key.name,
            per_second: key.per_second,
            burst: key.burst,
            created_at: kst_rfc3339(key.created_at.and_utc()),
            revoked_at: key.revoked_at.map(|t| kst_rfc3339(t.and_utc())),
        })
        .collect();
    Ok(HttpResponse::Ok().json(serde_json::json!({ "api_keys": keys })))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IssueBody {
    name: String,
    #[serde(deserialize_with = "crate::http::portal::whole_number")]
    per_second: i64,
    #[serde(default, deserialize_with = "super::optional_whole")]
    burst: Option<i64>,
}

fn rate(raw: i64, field: &str) -> Result<NonZeroU32, ApiError> {
    u32::try_from(raw).ok().filter(|n| *n <= 1_000_000).and_then(NonZeroU32::new).ok_or_else(|| {
        ApiError::invalid(field, ErrorCode::InvalidBody, format!("{field} must be 1 to 1000000"))
    })
}

pub async fn issue_key(
    state: web::Data<AppState>,
    admin: Admin,
    body: web::Json<IssueBody>,
) -> Result<HttpResponse, ApiError> {
    let name = DisplayText::parse(&body.name)
        .map_err(|e| ApiError::invalid("name", ErrorCode::InvalidBody, format!("name {e}")))?;
    let per_second = rate(body.per_second, "per_second")?;
    let burst = match body.burst {
        Some(raw) => rate(raw, "burst")?,
        None => per_second.saturating_mul(NonZeroU32::MIN.saturating_add(4)),
    };
    let issued = state.console.issue_key(&admin.operator(), name, per_second, burst).await?;
    refresh_keys(&state).await;
    Ok(HttpResponse::Created().json(serde_json::json!({
        "api_key": KeyView {
            id: issued.row.id,
            name: issued.row.name,
            per_second: issued.row.per_second,
            burst: issued.row.burst,
            created_at: kst_rfc3339(issued.row.created_at.and_utc()),
            revoked_at: None,
            last_used_at: None,
        },
        "key": issued.key,
    })))
}

/// This node's key table follows at once (other nodes within their refresh interval).
async fn refresh_keys(state: &AppState) {
    match live_limits(state.console.pool()).await {
        Ok(live) => state.rate_limits.set_keys(live),
        Err(error) => tracing::warn!(%error, "could not refresh API keys"),
    }
}

pub async fn revoke_key(
    state: web::Data<AppState>,
    admin: Admin,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    state.console.revoke_key(&admin.operator(), id.into_inner()).await?;
    refresh_keys(&state).await;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Serialize)]
pub struct SessionView {
    session_id: String,
    username: String,
    site: Option<String>,
    device_id: String,
    device_name: Option<String>,
    signed_in_at: String,
    last_seen_at: String,
    expires_at: String,
}

impl From<(SessionRow, String, Option<String>)> for SessionView {
    fn from((session, username, site): (SessionRow, String, Option<String>)) -> Self {
        Self {
            session_id: session.id,
            username,
            site,
            device_id: session.device_id,
            device_name: session.device_name,
            signed_in_at: kst_rfc3339(session.created_at.and_utc()),
            last_seen_at: kst_rfc3339(session.last_seen_at.and_utc()),
            expires_at: kst_rfc3339(session.expires_at.and_utc()),
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct SessionsQuery {
    site: Option<String>,
}

pub async fn sessions(
    state: web::Data<AppState>,
    _: Admin,
    query: web::Query<SessionsQuery>,
) -> Result<HttpResponse, ApiError> {
    let site = query.site.as_deref().map(|raw| site_code(raw, "site")).transpose()?;
    let sessions: Vec<SessionView> =
        state.console.sessions(site).await?.into_iter().map(SessionView::from).collect();
    Ok(HttpResponse::Ok().json(serde_json::json!({ "sessions": sessions })))
}

pub async fn revoke_session(
    state: web::Data<AppState>,
    admin: Admin,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    state.console.revoke_session(&admin.operator(), id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}
