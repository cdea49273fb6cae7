//! Sign-in, sign-out and the per-site device limit; every request's session check.

use std::net::IpAddr;

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use serde::Serialize;

use crate::config::SessionSettings;
use crate::db::audit::{self, AuditEntry};
use crate::db::connection::write_transaction;
use crate::db::sessions::{self as session_rows, NewSession, SessionRow};
use crate::db::sites::{self as site_rows, SiteRow};
use crate::db::users::{self as user_rows, UserRow};
use crate::db::{self, DbConnection, Pool};
use crate::domain::account::{AfterFailure, FailedSignIns, Password, Role, Username};
use crate::domain::clock::Clock;
use crate::domain::device::{DeviceId, DeviceName};
use crate::secrets::JwtSecret;

use super::login_throttle::{LoginThrottle, ThrottleKey};
use super::passwords::VerifierPool;
use super::tokens::{Claims, TokenError, TokenKeys};
use super::ServiceError;

/// Why a session ended; sent to the client whose token stopped working.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EndReason {
    /// Another device took this site's slot with `takeover`.
    SignedInElsewhere,
    /// The same device signed in again, replacing this session.
    SignedInAgain,
    LoggedOut,
    IdleTimeout,
    RevokedByAdmin,
    TokenExpired,
}

impl EndReason {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SignedInElsewhere => "signed_in_elsewhere",
            Self::SignedInAgain => "signed_in_again",
            Self::LoggedOut => "logged_out",
            Self::IdleTimeout => "idle_timeout",
            Self::RevokedByAdmin => "revoked_by_admin",
            Self::TokenExpired => "token_expired",
        }
    }

    fn parse(stored: Option<&str>) -> Self {
        [Self::SignedInElsewhere, Self::SignedInAgain, Self::LoggedOut, Self::IdleTimeout, Self::TokenExpired]
            .into_iter()
            .find(|r| Some(r.as_str()) == stored)
            .unwrap_or(Self::RevokedByAdmin)
    }
}

/// Why a request is not signed in.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    #[error("sign in first: send Authorization: Bearer <token>")]
    NotSignedIn,
    #[error("the token is malformed, altered, or signed with another key")]
    InvalidToken,
    #[error("the session has expired; sign in again")]
    TokenExpired,
    #[error("the session has ended ({})", .0.as_str())]
    SessionRevoked(EndReason),
    #[error("wrong username or password")]
    InvalidCredentials,
    #[error("this account is disabled")]
    AccountDisabled,
    #[error("too many failed sign-ins; try again in {retry_after_secs} s")]
    Locked { retry_after_secs: u64 },
}

/// A device holding one of a site's slots, as shown to the clerks of that site.
#[derive(Debug, Clone)]
pub struct ActiveDevice {
    pub session_id: String,
    pub device_name: Option<String>,
    pub signed_in_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
}

/// The site a signed-in clerk acts for.
#[derive(Debug, Clone)]
pub struct SiteContext {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub kind: String,
    pub max_devices: i32,
}

/// Who is making a request, established from a live session.
#[derive(Debug, Clone)]
pub struct SessionContext {
    pub session_id: String,
    pub user_id: i64,
    pub username: String,
    pub role: Role,
    pub site: Option<SiteContext>,
    pub device_id: String,
}

/// A sign-in attempt, parsed at the edge. An unparsable username is kept raw: it is answered
/// exactly like an unknown one.
#[derive(Debug)]
pub struct SignIn {
    pub username: Result<Username, String>,
    pub password: Password,
    pub device_id: DeviceId,
    pub device_name: Option<DeviceName>,
    pub takeover: bool,
    pub client_ip: IpAddr,
}

#[derive(Debug)]
pub struct SignedIn {
    pub token: String,
    pub session_id: String,
    pub expires_at: DateTime<Utc>,
    pub site: Option<SiteContext>,
}

/// Sign-in and session checks, with what they need.
pub struct Sessions {
    pool: Pool,
    clock: Clock,
    settings: SessionSettings,
    keys: TokenKeys,
    verifier: VerifierPool,
    throttle: LoginThrottle,
}

impl Sessions {
    pub fn new(pool: Pool, clock: Clock, settings: SessionSettings, secret: &JwtSecret) -> Self {
        Self {
            keys: TokenKeys::new(secret),
            verifier: VerifierPool::new(settings.hashing),
            throttle: LoginThrottle::new(settings.lockout),
            pool,
            clock,
            settings,
        }
    }

    pub async fn sign_in(&self, attempt: SignIn) -> Result<SignedIn, ServiceError> {
        let now = self.clock.now();
        let ip_key = ThrottleKey::Ip(attempt.client_ip);
        let client_ip = attempt.client_ip;
        let name_key = ThrottleKey::Username(match &attempt.username {
            Ok(name) => name.as_str().to_owned(),
            Err(raw) => raw.to_lowercase(),
        });
        let user = match &attempt.username {
            Ok(name) => {
                let name = name.as_str().to_owned();
                db::run(&self.pool, move |conn| {
                    user_rows::find_by_username(conn, &name).map_err(ServiceError::from)
                })
                .await?
            }
            Err(_) => None,
        };
        let locked_until = [
            self.throttle.locked_until(&ip_key, now),
            match &user {
                Some(user) => user.locked_until.map(|t| t.and_utc()).filter(|t| *t > now),
                None => self.throttle.locked_until(&name_key, now),
            },
        ]
        .into_iter()
        .flatten()
        .max();
        if let Some(until) = locked_until {
            return Err(locked(until, now));
        }

        let stored = user.as_ref().map(|u| u.password_hash.clone());
        if !self.verifier.verify(attempt.password, stored).await {
            return Err(self.record_failure(user, name_key, client_ip, now).await);
        }
        let Some(user) = user else { return Err(AuthError::InvalidCredentials.into()) };
        if user.disabled {
            return Err(AuthError::AccountDisabled.into());
        }

        let session_id = uuid::Uuid::new_v4().to_string();
        let expires_at =
            now + Duration::from_std(self.settings.token_lifetime).unwrap_or(Duration::hours(12));
        let idle = self.idle();
        let sid = session_id.clone();
        let site = db::run(&self.pool, move |conn| {
            let opening = Opening {
                user: &user,
                session_id: &sid,
                device_id: &attempt.device_id,
                device_name: attempt.device_name.as_ref(),
                takeover: attempt.takeover,
                now,
                expires_at,
                idle,
            };
            write_transaction(conn, |conn| open_session(conn, &opening))
        })
        .await?;

        let claims = Claims {
            sub: site.user_id.to_string(),
            sid: session_id.clone(),
            iat: now.timestamp(),
            exp: expires_at.timestamp(),
        };
        let token = self.keys.sign(&claims).map_err(|e| ServiceError::Internal(e.to_string()))?;
        Ok(SignedIn { token, session_id, expires_at, site: site.site })
    }

    /// Counts a failed sign-in against the account (in the database) or the unknown username
    /// (in memory), both by the same windowed rule, and against the client address; every lock
    /// that results is audited.
    async fn record_failure(
        &self,
        user: Option<UserRow>,
        name_key: ThrottleKey,
        client_ip: IpAddr,
        now: DateTime<Utc>,
    ) -> ServiceError {
        let address_locked =
            self.throttle.fail(ThrottleKey::Ip(client_ip), self.settings.max_failed_logins_per_ip, now);
        let unknown_locked = match user {
            None => self.throttle.fail(name_key, self.settings.max_failed_logins, now),
            Some(_) => None,
        };
        let (max, window) = (self.settings.max_failed_logins, self.lockout());
        let at = now.naive_utc();
        let recorded = db::run(&self.pool, move |conn| {
            write_transaction(conn, |conn| {
                let entry = |action, actor_user_id, site_id, detail| AuditEntry {
                    at,
                    action,
                    actor_user_id,
                    site_id,
                    session_id: None,
                    detail,
                };
                if let Some(user) = &user {
                    let (count, since) = user_rows::lock_failed_logins(conn, user.id)?;
                    let counted = since.map(|since| FailedSignIns {
                        count: u32::try_from(count).unwrap_or(0),
                        since: since.and_utc(),
                    });
                    let (action, count) = match FailedSignIns::after(counted, now, window, max) {
                        AfterFailure::Counted(failures) => {
                            let count = i32::try_from(failures.count).unwrap_or(i32::MAX);
                            user_rows::count_failed_logins(conn, user.id, count, failures.since.naive_utc())?;
                            ("sign_in_failed", failures.count)
                        }
                        AfterFailure::Locked { until } => {
                            user_rows::lock(conn, user.id, until.naive_utc())?;
                            ("account_locked", max)
                        }
                    };
                    let detail = serde_json::json!({ "failed_logins": count });
                    audit::record(conn, &entry(action, Some(user.id), user.site_id, detail))?;
                }
                if let Some(until) = unknown_locked {
                    let detail = serde_json::json!({ "account": "unknown", "until": until });
                    audit::record(conn, &entry("account_locked", None, None, detail))?;
                }
                if let Some(until) = address_locked {
                    let detail = serde_json::json!({ "address": client_ip, "until": until });
                    audit::record(conn, &entry("address_locked", None, None, detail))?;
                }
                Ok::<_, ServiceError>(())
            })
        })
        .await;
        match recorded {
            Ok(()) => AuthError::InvalidCredentials.into(),
            Err(error) => error,
        }
    }

    /// Establishes who is calling from a bearer token, ending idle sessions as it goes.
    pub async fn authenticate(&self, token: &str) -> Result<SessionContext, ServiceError> {
        let now = self.clock.now();
        let claims = self.keys.verify(token, now).map_err(|e| match e {
            TokenError::Invalid => AuthError::InvalidToken,
            TokenError::Expired => AuthError::TokenExpired,
        })?;
        let idle = self.idle();
        // Refreshing `last_seen` on every request would make every read a write.
        let touch_after = (idle / 10).min(Duration::seconds(60));
        db::run(&self.pool, move |conn| {
            let Some((session, user, site)) = session_rows::find_with_account(conn, &claims.sid)? else {
                return Err(AuthError::InvalidToken.into());
            };
            if user.id.to_string() != claims.sub {
                return Err(AuthError::InvalidToken.into());
            }
            if session.revoked_at.is_some() {
                return Err(
                    AuthError::SessionRevoked(EndReason::parse(session.revoke_reason.as_deref())).into()
                );
            }
            let naive_now = now.naive_utc();
            let ended = if session.expires_at <= naive_now {
                Some(EndReason::TokenExpired)
            } else if session.last_seen_at <= naive_now - idle {
                Some(EndReason::IdleTimeout)
            } else if user.disabled {
                Some(EndReason::RevokedByAdmin)
            } else {
                None
            };
            if let Some(reason) = ended {
                session_rows::revoke(conn, &session.id, reason.as_str(), naive_now)?;
                return Err(match reason {
                    EndReason::TokenExpired => AuthError::TokenExpired,
                    other => AuthError::SessionRevoked(other),
                }
                .into());
            }
            if naive_now - session.last_seen_at >= touch_after {
                session_rows::touch(conn, &session.id, naive_now)?;
            }
            Ok(SessionContext {
                role: user.role.parse().map_err(|_| {
                    ServiceError::Internal(format!("user {} has role {}", user.id, user.role))
                })?,
                session_id: session.id,
                user_id: user.id,
                username: user.username,
                site: site.map(site_context),
                device_id: session.device_id,
            })
        })
        .await
    }

    /// Ends the caller's own session.
    pub async fn sign_out(&self, who: &SessionContext) -> Result<(), ServiceError> {
        let now = self.clock.now().naive_utc();
        let who = who.clone();
        db::run(&self.pool, move |conn| {
            write_transaction(conn, |conn| {
                session_rows::revoke(conn, &who.session_id, EndReason::LoggedOut.as_str(), now)?;
                audit::record(conn, &session_audit(now, "signed_out", &who, serde_json::json!({})))?;
                Ok(())
            })
        })
        .await
    }

    /// The devices signed in at the caller's site, least recently used first.
    pub async fn devices(&self, site_id: i64) -> Result<Vec<ActiveDevice>, ServiceError> {
        let now = self.clock.now().naive_utc();
        let idle_since = now - self.idle();
        db::run(&self.pool, move |conn| {
            let live = session_rows::live_for_site(conn, site_id)?;
            Ok(live
                .into_iter()
                .filter(|s| s.expires_at > now && s.last_seen_at > idle_since)
                .map(active_device)
                .collect())
        })
        .await
    }

    /// How long failed sign-ins count, and how long a lock lasts.
    fn lockout(&self) -> Duration {
        Duration::from_std(self.settings.lockout).unwrap_or(Duration::minutes(15))
    }

    fn idle(&self) -> Duration {
        Duration::from_std(self.settings.idle_timeout).unwrap_or(Duration::minutes(20))
    }
}

struct Opened {
    user_id: i64,
    site: Option<SiteContext>,
}

/// A session about to be opened, for a user whose password checked out.
struct Opening<'a> {
    user: &'a UserRow,
    session_id: &'a str,
    device_id: &'a DeviceId,
    device_name: Option<&'a DeviceName>,
    /// Take the least recently used slot when the site is full.
    takeover: bool,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
    /// Sessions idle this long no longer hold a slot.
    idle: Duration,
}

/// Inside the sign-in transaction: frees slots held by stale sessions and by this device,
/// enforces the site's device limit (or takes over the least recently used slot), and records
/// the new session.
fn open_session(conn: &mut DbConnection, opening: &Opening<'_>) -> Result<Opened, ServiceError> {
    let Opening { user, session_id, device_id, device_name, now, expires_at, .. } = *opening;
    let at = now.naive_utc();
    let site = match user.site_id {
        Some(site_id) => Some(claim_slot(conn, opening, site_id)?),
        // An operator holds no site's slot; signing in again on a device replaces its session.
        None => {
            session_rows::revoke_device(
                conn,
                user.id,
                device_id.as_str(),
                EndReason::SignedInAgain.as_str(),
                at,
            )?;
            None
        }
    };
    session_rows::insert(
        conn,
        &NewSession {
            id: session_id,
            user_id: user.id,
            site_id: user.site_id,
            device_id: device_id.as_str(),
            device_name: device_name.map(DeviceName::as_str),
            created_at: at,
            last_seen_at: at,
            expires_at: expires_at.naive_utc(),
        },
    )?;
    user_rows::clear_failed_logins(conn, user.id)?;
    audit::record(
        conn,
        &AuditEntry {
            at,
            action: "signed_in",
            actor_user_id: Some(user.id),
            site_id: user.site_id,
            session_id: Some(session_id),
            detail: serde_json::json!({ "device_name": device_name.map(DeviceName::as_str) }),
        },
    )?;
    Ok(Opened { user_id: user.id, site: site.map(site_context) })
}

/// Makes room for the new session at its site: the site row is locked so concurrent sign-ins
/// count one after another; this device's earlier session is replaced; a full site refuses, or
/// with `takeover` gives up its least recently used slots.
fn claim_slot(conn: &mut DbConnection, opening: &Opening<'_>, site_id: i64) -> Result<SiteRow, ServiceError> {
    let Opening { user, session_id, device_id, takeover, now, idle, .. } = *opening;
    let at = now.naive_utc();
    session_rows::lock_site(conn, site_id)?;
    session_rows::close_stale(conn, site_id, at, at - idle)?;
    let site = site_rows::find(conn, site_id)?;
    let live = session_rows::live_for_site(conn, site_id)?;
    let (same_device, others): (Vec<_>, Vec<_>) =
        live.into_iter().partition(|s| s.device_id == device_id.as_str() && s.user_id == user.id);
    for replaced in &same_device {
        session_rows::revoke(conn, &replaced.id, EndReason::SignedInAgain.as_str(), at)?;
    }
    let max = usize::try_from(site.max_devices).unwrap_or(1);
    if others.len() < max {
        return Ok(site);
    }
    if !takeover {
        return Err(ServiceError::DeviceLimitReached {
            max_devices: site.max_devices,
            devices: others.into_iter().map(active_device).collect(),
        });
    }
    // `others` is least recently used first.
    for taken in &others[..others.len() + 1 - max] {
        session_rows::revoke(conn, &taken.id, EndReason::SignedInElsewhere.as_str(), at)?;
        audit::record(
            conn,
            &AuditEntry {
                at,
                action: "session_taken_over",
                actor_user_id: Some(user.id),
                site_id: Some(site_id),
                session_id: Some(&taken.id),
                detail: serde_json::json!({ "by_session": session_id, "device_name": taken.device_name }),
            },
        )?;
    }
    Ok(site)
}

fn site_context(site: SiteRow) -> SiteContext {
    SiteContext {
        id: site.id,
        code: site.code,
        name: site.name,
        kind: site.kind,
        max_devices: site.max_devices,
    }
}

fn active_device(session: SessionRow) -> ActiveDevice {
    ActiveDevice {
        session_id: session.id,
        device_name: session.device_name,
        signed_in_at: session.created_at.and_utc(),
        last_seen_at: session.last_seen_at.and_utc(),
    }
}

fn locked(until: DateTime<Utc>, now: DateTime<Utc>) -> ServiceError {
    let secs = (until - now).num_seconds().max(1);
    AuthError::Locked { retry_after_secs: u64::try_from(secs).unwrap_or(1) }.into()
}

fn session_audit<'a>(
    at: NaiveDateTime,
    action: &'a str,
    who: &'a SessionContext,
    detail: serde_json::Value,
) -> AuditEntry<'a> {
    AuditEntry {
        at,
        action,
        actor_user_id: Some(who.user_id),
        site_id: who.site.as_ref().map(|s| s.id),
        session_id: Some(&who.session_id),
        detail,
    }
}

/// Operator actions on sessions (the admin CLI and the console).
pub mod admin {
    use super::*;
    use crate::services::Operator;

    pub fn list(conn: &mut DbConnection, site_id: Option<i64>) -> Result<Vec<SessionRow>, ServiceError> {
        Ok(session_rows::live(conn, site_id)?)
    }

    pub fn revoke(
        conn: &mut DbConnection,
        clock: &Clock,
        by: &Operator,
        session_id: &str,
    ) -> Result<(), ServiceError> {
        let now = clock.now().naive_utc();
        write_transaction(conn, |conn| {
            let session =
                session_rows::find(conn, session_id)?.ok_or(ServiceError::NotFound { what: "session" })?;
            if !session_rows::revoke(conn, session_id, EndReason::RevokedByAdmin.as_str(), now)? {
                return Err(ServiceError::NotFound { what: "live session" });
            }
            let detail = serde_json::json!({
                "reason": EndReason::RevokedByAdmin.as_str(),
                "revoked_session": session_id,
            });
            audit::record(conn, &by.audit(now, "session_revoked", session.site_id, detail))?;
            Ok(())
        })
    }
}
