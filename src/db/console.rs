//! What the operator's console reads: the directory with its stock, a site's ledger, the audit
//! log by filter, sessions with their accounts, and the national figures.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{
    audit_log, sale_conflicts, sale_voids, sales, sessions, site_stock, sites, stock_ledger, users,
};
use super::sessions::SessionRow;
use super::sites::SiteRow;
use super::stock::StockRow;
use super::users::UserRow;
use super::DbConnection;

/// Every site with its stock row, by code.
pub fn sites_with_stock(conn: &mut DbConnection) -> QueryResult<Vec<(SiteRow, StockRow)>> {
    sites::table
        .inner_join(site_stock::table)
        .order(sites::code)
        .select((SiteRow::as_select(), StockRow::as_select()))
        .load(conn)
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = stock_ledger)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct LedgerRow {
    pub id: i64,
    pub entry: String,
    pub delta: i64,
    pub on_hand_after: i64,
    pub reference: Option<String>,
    pub device_id: Option<String>,
    pub occurred_at: NaiveDateTime,
}

/// A site's latest ledger entries, newest first.
pub fn recent_ledger(conn: &mut DbConnection, site_id: i64, limit: i64) -> QueryResult<Vec<LedgerRow>> {
    stock_ledger::table
        .filter(stock_ledger::site_id.eq(site_id))
        .order(stock_ledger::id.desc())
        .limit(limit)
        .select(LedgerRow::as_select())
        .load(conn)
}

/// Accounts of one site (or every account), by username, with their site's code.
pub fn users_of(
    conn: &mut DbConnection,
    site_id: Option<i64>,
) -> QueryResult<Vec<(UserRow, Option<String>)>> {
    let mut query = users::table
        .left_join(sites::table)
        .order(users::username)
        .select((UserRow::as_select(), sites::code.nullable()))
        .into_boxed();
    if let Some(site_id) = site_id {
        query = query.filter(users::site_id.eq(site_id));
    }
    query.load(conn)
}

/// A session with its account's username and its site's code.
pub type SessionLine = (SessionRow, String, Option<String>);

/// Live sessions (not revoked, not expired), optionally of one site.
pub fn live_sessions(
    conn: &mut DbConnection,
    site_id: Option<i64>,
    now: NaiveDateTime,
) -> QueryResult<Vec<SessionLine>> {
    let mut query = sessions::table
        .inner_join(users::table)
        .left_join(sites::table.on(sessions::site_id.eq(sites::id.nullable())))
        .filter(sessions::revoked_at.is_null())
        .filter(sessions::expires_at.gt(now))
        .order(sessions::last_seen_at.desc())
        .select((SessionRow::as_select(), users::username, sites::code.nullable()))
        .into_boxed();
    if let Some(site_id) = site_id {
        query = query.filter(sessions::site_id.eq(site_id));
    }
    query.load(conn)
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = audit_log)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct AuditRow {
    pub id: i64,
    pub at: NaiveDateTime,
    pub action: String,
    pub session_id: Option<String>,
    pub detail: String,
}

/// Which audit entries to read: every filter optional; `before` is the cursor (an entry id).
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub site_id: Option<i64>,
    pub user_id: Option<i64>,
    pub action: Option<String>,
    pub from: Option<NaiveDateTime>,
    pub to: Option<NaiveDateTime>,
    pub before: Option<i64>,
    pub limit: i64,
}

/// An audit entry with its actor's username and its site's code.
pub type AuditLine = (AuditRow, Option<String>, Option<String>);

/// Audit entries newest first.
pub fn audit(conn: &mut DbConnection, filter: &AuditFilter) -> QueryResult<Vec<AuditLine>> {
    let mut query = audit_log::table
        .left_join(users::table.on(audit_log::actor_user_id.eq(users::id.nullable())))
        .left_join(sites::table.on(audit_log::site_id.eq(sites::id.nullable())))
        .order(audit_log::id.desc())
        .limit(filter.limit)
        .select((AuditRow::as_select(), users::username.nullable(), sites::code.nullable()))
        .into_boxed();
    if let Some(site_id) = filter.site_id {
        query = query.filter(audit_log::site_id.eq(site_id));
    }
    if let Some(user_id) = filter.user_id {
        query = query.filter(audit_log::actor_user_id.eq(user_id));
    }
    if let Some(action) = &filter.action {
        query = query.filter(audit_log::action.eq(action.clone()));
    }
    if let Some(from) = filter.from {
        query = query.filter(audit_log::at.ge(from));
    }
    if let Some(to) = filter.to {
        query = query.filter(audit_log::at.lt(to));
    }
    if let Some(before) = filter.before {
        query = query.filter(audit_log::id.lt(before));
    }
    query.load(conn)
}

/// Masks sold nationally in `[from, to)` (UTC), not counting voided sales.
pub fn sold_between(conn: &mut DbConnection, from: NaiveDateTime, to: NaiveDateTime) -> QueryResult<i64> {
    let total: Option<i64> = sales::table
        .left_join(sale_voids::table)
        .filter(sales::sold_at.ge(from).and(sales::sold_at.lt(to)))
        .filter(sale_voids::sale_id.is_null())
        .select(diesel::dsl::sum(sales::quantity))
        .first(conn)?;
    Ok(total.unwrap_or(0))
}

/// The public status counts and the national on-hand, in one pass over the stock rows.
#[derive(Debug, Clone, Copy, QueryableByName)]
pub struct StatusCounts {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub on_hand: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub plenty: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub some: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub few: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub empty: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub halted: i64,
}

/// The bands are those of `RemainStat::of` (100+, 30–99, 2–29, 0–1; halted is `break`).
pub fn status_counts(conn: &mut DbConnection) -> QueryResult<StatusCounts> {
    diesel::sql_query(
        "SELECT CAST(COALESCE(SUM(on_hand), 0) AS BIGINT) AS on_hand, \
         CAST(COALESCE(SUM(CASE WHEN NOT sales_halted AND on_hand >= 100 THEN 1 ELSE 0 END), 0) AS BIGINT) AS plenty, \
         CAST(COALESCE(SUM(CASE WHEN NOT sales_halted AND on_hand BETWEEN 30 AND 99 THEN 1 ELSE 0 END), 0) AS BIGINT) AS some, \
         CAST(COALESCE(SUM(CASE WHEN NOT sales_halted AND on_hand BETWEEN 2 AND 29 THEN 1 ELSE 0 END), 0) AS BIGINT) AS few, \
         CAST(COALESCE(SUM(CASE WHEN NOT sales_halted AND on_hand < 2 THEN 1 ELSE 0 END), 0) AS BIGINT) AS empty, \
         CAST(COALESCE(SUM(CASE WHEN sales_halted THEN 1 ELSE 0 END), 0) AS BIGINT) AS halted \
         FROM site_stock",
    )
    .get_result(conn)
}

/// Selling sites holding stock whose stock has not changed since `before`, stalest first.
pub fn stale_sites(
    conn: &mut DbConnection,
    before: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<(SiteRow, StockRow)>> {
    sites::table
        .inner_join(site_stock::table)
        .filter(site_stock::on_hand.gt(0_i64))
        .filter(site_stock::sales_halted.eq(false))
        .filter(site_stock::updated_at.lt(before))
        .order(site_stock::updated_at.asc())
        .limit(limit)
        .select((SiteRow::as_select(), StockRow::as_select()))
        .load(conn)
}

/// How many selling sites holding stock have not changed since `before`.
pub fn count_stale(conn: &mut DbConnection, before: NaiveDateTime) -> QueryResult<i64> {
    site_stock::table
        .filter(site_stock::on_hand.gt(0_i64))
        .filter(site_stock::sales_halted.eq(false))
        .filter(site_stock::updated_at.lt(before))
        .count()
        .get_result(conn)
}

pub fn count_open_conflicts(conn: &mut DbConnection) -> QueryResult<i64> {
    sale_conflicts::table.filter(sale_conflicts::resolved_at.is_null()).count().get_result(conn)
}

/// Address, on-hand and halted of every site: the console groups them by 시/도.
pub fn stock_by_address(conn: &mut DbConnection) -> QueryResult<Vec<(String, i64, bool)>> {
    sites::table
        .inner_join(site_stock::table)
        .select((sites::addr, site_stock::on_hand, site_stock::sales_halted))
        .load(conn)
}
