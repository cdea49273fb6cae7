//! The operator's console: the directory, accounts, keys, sessions, the audit log, conflicts
//! and the national figures, for admins signed in over HTTP. Writes reuse the same use-cases as
//! the admin CLI, with the admin as the audited author.

use std::collections::BTreeMap;
use std::num::{NonZeroU16, NonZeroU32};

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use rand::distr::{Alphanumeric, SampleString};
use serde_json::json;

use crate::config::HashingCost;
use crate::db::api_keys::ApiKeyRow;
use crate::db::audit;
use crate::db::conflicts as conflict_rows;
use crate::db::connection::write_transaction;
use crate::db::console as console_rows;
use crate::db::sites as site_rows;
use crate::db::stock as stock_rows;
use crate::db::{self, Pool};
use crate::domain::account::{Password, Username};
use crate::domain::address::sido_of;
use crate::domain::calendar::{kst_date, kst_day_bounds};
use crate::domain::clock::Clock;
use crate::domain::site::{DisplayText, Note, SiteCode, SiteKind};
use crate::domain::stock_status::RemainStat;

use super::api_keys::{self, IssuedKey};
use super::conflicts::{self, Conflict, ConflictStatus};
use super::publishing::StockEvents;
use super::sessions::admin as session_admin;
use super::site_import::{self, Imported};
use super::sites::{self, SiteEdit, SiteRegistration};
use super::users::{self, Membership};
use super::{passwords, ConflictCode, Operator, ServiceError};

// The rows the console shows, as this service hands them to the HTTP edge.
pub use crate::db::console::{AuditFilter, AuditLine, AuditRow, LedgerRow, SessionLine, StatusCounts};
pub use crate::db::sessions::SessionRow;
pub use crate::db::sites::SiteRow;
pub use crate::db::stock::StockRow;
pub use crate::db::users::UserRow;

/// The longest list one page of the directory or the audit log returns.
pub const MAX_PAGE: i64 = 1000;

/// How many stale sites the dashboard names.
const STALE_LISTED: i64 = 50;

/// The console's dependencies.
pub struct Console {
    pool: Pool,
    clock: Clock,
    events: StockEvents,
    hashing: HashingCost,
}

/// Which sites to list; every filter optional.
#[derive(Debug, Clone, Default)]
pub struct SiteFilter {
    /// Part of the code, name or address.
    pub q: Option<String>,
    /// A 시/도 by its official name.
    pub sido: Option<&'static str>,
    pub kind: Option<SiteKind>,
    pub status: Option<RemainStat>,
    pub limit: usize,
    pub offset: usize,
}

/// One site as the operator opens it.
#[derive(Debug, Clone)]
pub struct SiteDetail {
    pub site: SiteRow,
    pub stock: StockRow,
    pub sold_today: i64,
    pub ledger: Vec<LedgerRow>,
    pub sessions: Vec<SessionLine>,
}

/// A 시/도's line in the national table.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct SidoFigures {
    pub sido: String,
    pub sites: i64,
    pub on_hand: i64,
    /// Sites selling with stock (not halted, at least 2 on hand).
    pub selling: i64,
}

/// The national figures at one instant.
#[derive(Debug, Clone)]
pub struct Dashboard {
    pub now: DateTime<Utc>,
    pub status: StatusCounts,
    pub sold_today: i64,
    /// Masks sold in each hour of today (KST) so far, from 00:00.
    pub sold_by_hour: Vec<i64>,
    pub by_sido: Vec<SidoFigures>,
    pub stale_hours: u32,
    pub stale_count: i64,
    pub stale: Vec<(SiteRow, StockRow)>,
    pub open_conflicts: i64,
}

/// A one-time password for an account: shown once, never stored in the clear.
fn one_time_password() -> Result<Password, ServiceError> {
    Password::new_secret(Alphanumeric.sample_string(&mut rand::rng(), 20))
        .map_err(|e| ServiceError::Internal(e.to_string()))
}

impl Console {
    pub fn new(pool: Pool, clock: Clock, events: StockEvents, hashing: HashingCost) -> Self {
        Self { pool, clock, events, hashing }
    }

    pub fn pool(&self) -> &Pool {
        &self.pool
    }

    async fn hash(&self, password: Password) -> Result<(String, Password), ServiceError> {
        let cost = self.hashing;
        tokio::task::spawn_blocking(move || passwords::hash(&password, &cost).map(|hash| (hash, password)))
            .await
            .map_err(|e| ServiceError::Internal(e.to_string()))?
            .map_err(|e| ServiceError::Internal(e.to_string()))
    }

    /// A page of the directory and how many sites match in all.
    pub async fn sites(&self, filter: SiteFilter) -> Result<(Vec<(SiteRow, StockRow)>, usize), ServiceError> {
        let all =
            db::run(&self.pool, |conn| Ok::<_, ServiceError>(console_rows::sites_with_stock(conn)?)).await?;
        let q = filter.q.as_deref().map(str::to_lowercase);
        let matching: Vec<(SiteRow, StockRow)> = all
            .into_iter()
            .filter(|(site, stock)| {
                q.as_deref().is_none_or(|q| {
                    site.code.contains(q)
                        || site.name.to_lowercase().contains(q)
                        || site.addr.to_lowercase().contains(q)
                }) && filter.sido.is_none_or(|sido| sido_of(&site.addr) == Some(sido))
                    && filter.kind.is_none_or(|kind| kind.as_str() == site.kind)
                    && filter.status.is_none_or(|s| RemainStat::of(stock.on_hand, stock.sales_halted) == s)
            })
            .collect();
        let total = matching.len();
        Ok((matching.into_iter().skip(filter.offset).take(filter.limit).collect(), total))
    }

    pub async fn site(&self, code: SiteCode) -> Result<SiteDetail, ServiceError> {
        let now = self.clock.now();
        db::run(&self.pool, move |conn| {
            let site = sites::find(conn, &code)?;
            let stock = stock_rows::find(conn, site.id)?;
            let (from, to) = kst_day_bounds(kst_date(now));
            let sold_today = stock_rows::sold_between(conn, site.id, from.naive_utc(), to.naive_utc())?;
            let ledger = console_rows::recent_ledger(conn, site.id, 20)?;
            let sessions = console_rows::live_sessions(conn, Some(site.id), now.naive_utc())?;
            Ok(SiteDetail { site, stock, sold_today, ledger, sessions })
        })
        .await
    }

    pub async fn add_site(&self, by: &Operator, site: SiteRegistration) -> Result<SiteRow, ServiceError> {
        let (clock, by) = (self.clock.clone(), by.clone());
        let row = db::run(&self.pool, move |conn| sites::register(conn, &clock, &by, &site)).await?;
        self.events.publish(row.id);
        Ok(row)
    }

    pub async fn edit_site(
        &self,
        by: &Operator,
        code: SiteCode,
        edit: SiteEdit,
    ) -> Result<SiteRow, ServiceError> {
        let (clock, by) = (self.clock.clone(), by.clone());
        let row = db::run(&self.pool, move |conn| sites::edit(conn, &clock, &by, &code, &edit)).await?;
        self.events.publish(row.id);
        Ok(row)
    }

    /// Halts or resumes a site's sales; a halted site shows `break` to the public.
    pub async fn set_halted(
        &self,
        by: &Operator,
        code: SiteCode,
        halted: bool,
    ) -> Result<StockRow, ServiceError> {
        let now = self.clock.now().naive_utc();
        let by = by.clone();
        let stock = db::run(&self.pool, move |conn| {
            write_transaction(conn, |conn| {
                let site = sites::find(conn, &code)?;
                let stock = stock_rows::set_halted(conn, site.id, halted, now)?;
                let action = if halted { "sales_halted" } else { "sales_resumed" };
                audit::record(conn, &by.audit(now, action, Some(site.id), json!({ "code": site.code })))?;
                site_rows::log_change(conn, site.id, now)?;
                Ok::<_, ServiceError>(stock)
            })
        })
        .await?;
        self.events.publish(stock.site_id);
        Ok(stock)
    }

    pub async fn import(&self, by: &Operator, bytes: Vec<u8>) -> Result<Imported, ServiceError> {
        let (clock, by) = (self.clock.clone(), by.clone());
        let (imported, changed) =
            db::run(&self.pool, move |conn| site_import::import(conn, &clock, &by, &bytes)).await?;
        for site_id in changed {
            self.events.publish(site_id);
        }
        Ok(imported)
    }

    pub async fn users(
        &self,
        site: Option<SiteCode>,
    ) -> Result<Vec<(UserRow, Option<String>)>, ServiceError> {
        db::run(&self.pool, move |conn| {
            let site_id = site.map(|code| sites::find(conn, &code).map(|s| s.id)).transpose()?;
            Ok(console_rows::users_of(conn, site_id)?)
        })
        .await
    }

    /// Creates an account with a one-time password, returned once.
    pub async fn add_user(
        &self,
        by: &Operator,
        username: Username,
        membership: Membership,
    ) -> Result<(UserRow, Option<String>, Password), ServiceError> {
        let (hash, password) = self.hash(one_time_password()?).await?;
        let (clock, by) = (self.clock.clone(), by.clone());
        let site = match &membership {
            Membership::Clerk(code) => Some(code.as_str().to_owned()),
            Membership::Admin => None,
        };
        let user =
            db::run(&self.pool, move |conn| users::create(conn, &clock, &by, &username, &membership, &hash))
                .await?;
        Ok((user, site, password))
    }

    pub async fn disable_user(&self, by: &Operator, username: Username) -> Result<(), ServiceError> {
        let (clock, by) = (self.clock.clone(), by.clone());
        db::run(&self.pool, move |conn| users::disable(conn, &clock, &by, &username)).await
    }

    pub async fn unlock_user(&self, by: &Operator, username: Username) -> Result<(), ServiceError> {
        let (clock, by) = (self.clock.clone(), by.clone());
        db::run(&self.pool, move |conn| users::unlock(conn, &clock, &by, &username)).await
    }

    /// Replaces an account's password with a one-time one, returned once.
    pub async fn reset_password(&self, by: &Operator, username: Username) -> Result<Password, ServiceError> {
        let known = username.clone();
        db::run(&self.pool, move |conn| users::find(conn, &known).map(drop)).await?;
        let (hash, password) = self.hash(one_time_password()?).await?;
        let (clock, by) = (self.clock.clone(), by.clone());
        db::run(&self.pool, move |conn| users::set_password_hash(conn, &clock, &by, &username, &hash))
            .await?;
        Ok(password)
    }

    /// One account with its site's code.
    pub async fn user(&self, username: Username) -> Result<(UserRow, Option<String>), ServiceError> {
        db::run(&self.pool, move |conn| {
            let user = users::find(conn, &username)?;
            let site = user.site_id.map(|id| site_rows::find(conn, id).map(|s| s.code)).transpose()?;
            Ok((user, site))
        })
        .await
    }

    pub async fn keys(&self) -> Result<Vec<ApiKeyRow>, ServiceError> {
        db::run(&self.pool, api_keys::list).await
    }

    pub async fn issue_key(
        &self,
        by: &Operator,
        name: DisplayText,
        per_second: NonZeroU32,
        burst: NonZeroU32,
    ) -> Result<IssuedKey, ServiceError> {
        let (clock, by) = (self.clock.clone(), by.clone());
        db::run(&self.pool, move |conn| api_keys::issue(conn, &clock, &by, &name, per_second, burst)).await
    }

    pub async fn revoke_key(&self, by: &Operator, id: i64) -> Result<(), ServiceError> {
        let (clock, by) = (self.clock.clone(), by.clone());
        db::run(&self.pool, move |conn| api_keys::revoke(conn, &clock, &by, id)).await
    }

    pub async fn sessions(&self, site: Option<SiteCode>) -> Result<Vec<SessionLine>, ServiceError> {
        let now = self.clock.now().naive_utc();
        db::run(&self.pool, move |conn| {
            let site_id = site.map(|code| sites::find(conn, &code).map(|s| s.id)).transpose()?;
            Ok(console_rows::live_sessions(conn, site_id, now)?)
        })
        .await
    }

    pub async fn revoke_session(&self, by: &Operator, id: String) -> Result<(), ServiceError> {
        let (clock, by) = (self.clock.clone(), by.clone());
        db::run(&self.pool, move |conn| session_admin::revoke(conn, &clock, &by, &id)).await
    }

    /// Audit entries newest first; a site or user that does not exist matches nothing.
    pub async fn audit(
        &self,
        site: Option<SiteCode>,
        user: Option<Username>,
        mut filter: AuditFilter,
    ) -> Result<Vec<AuditLine>, ServiceError> {
        db::run(&self.pool, move |conn| {
            if let Some(code) = site {
                match site_rows::find_by_code(conn, code.as_str())? {
                    Some(site) => filter.site_id = Some(site.id),
                    None => return Ok(Vec::new()),
                }
            }
            if let Some(name) = user {
                match crate::db::users::find_by_username(conn, name.as_str())? {
                    Some(user) => filter.user_id = Some(user.id),
                    None => return Ok(Vec::new()),
                }
            }
            Ok(console_rows::audit(conn, &filter)?)
        })
        .await
    }

    pub async fn conflicts(
        &self,
        site: Option<SiteCode>,
        status: ConflictStatus,
    ) -> Result<Vec<Conflict>, ServiceError> {
        db::run(&self.pool, move |conn| {
            let site_id = site.map(|code| sites::find(conn, &code).map(|s| s.id)).transpose()?;
            conflicts::list(conn, site_id, status)
        })
        .await
    }

    /// Resolves any site's conflict with the operator's note; the admin is the resolver.
    pub async fn resolve_conflict(
        &self,
        by: &Operator,
        admin_user_id: i64,
        id: i64,
        note: Note,
    ) -> Result<Conflict, ServiceError> {
        let at = self.clock.now().naive_utc();
        let by = by.clone();
        db::run(&self.pool, move |conn| {
            write_transaction(conn, |conn| {
                let conflict =
                    conflict_rows::find(conn, id)?.ok_or(ServiceError::NotFound { what: "conflict" })?;
                let resolved = conflict_rows::resolve(conn, conflict.id, admin_user_id, note.as_str(), at)?
                    .ok_or_else(|| {
                    ServiceError::conflict(ConflictCode::AlreadyResolved, "this conflict is already resolved")
                })?;
                let detail = json!({
                    "conflict_id": resolved.id,
                    "sale_id": resolved.sale_id,
                    "code": resolved.code,
                    "note": note.as_str(),
                });
                audit::record(conn, &by.audit(at, "conflict_resolved", Some(resolved.site_id), detail))?;
                let site_code = site_rows::find(conn, resolved.site_id)?.code;
                Ok(Conflict::of(resolved, site_code))
            })
        })
        .await
    }

    /// The national figures, read on one connection.
    pub async fn dashboard(&self, stale_hours: u32) -> Result<Dashboard, ServiceError> {
        let now = self.clock.now();
        db::run(&self.pool, move |conn| {
            let status = console_rows::status_counts(conn)?;
            let (from, to) = kst_day_bounds(kst_date(now));
            let sold_today = console_rows::sold_between(conn, from.naive_utc(), to.naive_utc())?;
            let hours_so_far = (now - from).num_hours().clamp(0, 23) + 1;
            let sold_by_hour = (0..hours_so_far)
                .map(|h| {
                    let start = from + Duration::hours(h);
                    console_rows::sold_between(
                        conn,
                        start.naive_utc(),
                        (start + Duration::hours(1)).naive_utc(),
                    )
                })
                .collect::<Result<Vec<i64>, _>>()?;
            let mut by_sido: BTreeMap<String, SidoFigures> = BTreeMap::new();
            for (addr, on_hand, halted) in console_rows::stock_by_address(conn)? {
                let sido = sido_of(&addr).unwrap_or("기타");
                let line = by_sido
                    .entry(sido.to_owned())
                    .or_insert_with(|| SidoFigures { sido: sido.to_owned(), ..SidoFigures::default() });
                line.sites += 1;
                line.on_hand += on_hand;
                line.selling += i64::from(!halted && on_hand >= 2);
            }
            let before: NaiveDateTime = (now - Duration::hours(i64::from(stale_hours))).naive_utc();
            Ok(Dashboard {
                now,
                status,
                sold_today,
                sold_by_hour,
                by_sido: by_sido.into_values().collect(),
                stale_hours,
                stale_count: console_rows::count_stale(conn, before)?,
                stale: console_rows::stale_sites(conn, before, STALE_LISTED)?,
                open_conflicts: console_rows::count_open_conflicts(conn)?,
            })
        })
        .await
    }
}

/// Keeps the device limit field typed where the HTTP edge builds an edit.
pub fn device_limit(raw: i64) -> Option<NonZeroU16> {
    u16::try_from(raw).ok().and_then(NonZeroU16::new)
}
