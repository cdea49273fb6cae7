//! Sites and their stock rows.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{change_log, site_stock, sites};
use super::DbConnection;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = sites)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct SiteRow {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub kind: String,
    pub addr: String,
    pub lat: f64,
    pub lng: f64,
    pub max_devices: i32,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = sites)]
pub struct NewSite<'a> {
    pub code: &'a str,
    pub name: &'a str,
    pub kind: &'a str,
    pub addr: &'a str,
    pub lat: f64,
    pub lng: f64,
    pub max_devices: i32,
    pub created_at: NaiveDateTime,
}

/// Inserts a site with an empty stock row, and logs it so the public board picks it up.
pub fn insert(conn: &mut DbConnection, site: &NewSite<'_>) -> QueryResult<SiteRow> {
    let row: SiteRow =
        diesel::insert_into(sites::table).values(site).returning(sites::all_columns).get_result(conn)?;
    diesel::insert_into(site_stock::table)
        .values((
            site_stock::site_id.eq(row.id),
            site_stock::on_hand.eq(0_i64),
            site_stock::sales_halted.eq(false),
            site_stock::updated_at.eq(site.created_at),
        ))
        .execute(conn)?;
    log_change(conn, row.id, site.created_at)?;
    Ok(row)
}

/// Runs one multi-row statement on the concrete connection: diesel's multi-backend connection
/// has no multi-row `INSERT`.
macro_rules! on_backend {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            DbConnection::Sqlite($c) => $body,
            DbConnection::Postgresql($c) => $body,
        }
    };
}

/// Inserts many sites with empty stock rows in multi-row statements, and logs them all (one
/// notification), as [`insert`] does one by one.
pub fn insert_many(
    conn: &mut DbConnection,
    new: &[NewSite<'_>],
    at: NaiveDateTime,
) -> QueryResult<Vec<SiteRow>> {
    // 8 columns a row: well under SQLite's 32,766 bound parameters a statement.
    const CHUNK: usize = 1000;
    let mut rows = Vec::with_capacity(new.len());
    for chunk in new.chunks(CHUNK) {
        let inserted: Vec<SiteRow> = on_backend!(&mut *conn, |c| diesel::insert_into(sites::table)
            .values(chunk)
            .returning(SiteRow::as_returning())
            .get_results(c))?;
        let stock: Vec<_> = inserted
            .iter()
            .map(|row| {
                (
                    site_stock::site_id.eq(row.id),
                    site_stock::on_hand.eq(0_i64),
                    site_stock::sales_halted.eq(false),
                    site_stock::updated_at.eq(at),
                )
            })
            .collect();
        on_backend!(&mut *conn, |c| diesel::insert_into(site_stock::table).values(&stock).execute(c))?;
        log_changes(conn, &inserted.iter().map(|row| row.id).collect::<Vec<_>>(), at)?;
        rows.extend(inserted);
    }
    Ok(rows)
}

/// Appends many sites to the change log in multi-row statements, with one notification.
pub fn log_changes(conn: &mut DbConnection, site_ids: &[i64], at: NaiveDateTime) -> QueryResult<()> {
    if site_ids.is_empty() {
        return Ok(());
    }
    for chunk in site_ids.chunks(5000) {
        let entries: Vec<_> =
            chunk.iter().map(|id| (change_log::site_id.eq(*id), change_log::changed_at.eq(at))).collect();
        on_backend!(&mut *conn, |c| diesel::insert_into(change_log::table).values(&entries).execute(c))?;
    }
    super::notifications::notify(conn)
}

/// Appends to the ordered change log inside the caller's transaction.
pub fn log_change(conn: &mut DbConnection, site_id: i64, at: NaiveDateTime) -> QueryResult<()> {
    diesel::insert_into(change_log::table)
        .values((change_log::site_id.eq(site_id), change_log::changed_at.eq(at)))
        .execute(conn)?;
    // Every node's board hears of it at commit, not at its next look at the log.
    super::notifications::notify(conn)
}

pub fn list(conn: &mut DbConnection) -> QueryResult<Vec<SiteRow>> {
    sites::table.order(sites::code).select(SiteRow::as_select()).load(conn)
}

pub fn find_by_code(conn: &mut DbConnection, code: &str) -> QueryResult<Option<SiteRow>> {
    sites::table.filter(sites::code.eq(code)).select(SiteRow::as_select()).first(conn).optional()
}

pub fn find(conn: &mut DbConnection, id: i64) -> QueryResult<SiteRow> {
    sites::table.find(id).select(SiteRow::as_select()).first(conn)
}

pub fn count(conn: &mut DbConnection) -> QueryResult<i64> {
    sites::table.count().get_result(conn)
}

pub fn set_max_devices(conn: &mut DbConnection, id: i64, max_devices: i32) -> QueryResult<usize> {
    diesel::update(sites::table.find(id)).set(sites::max_devices.eq(max_devices)).execute(conn)
}

/// What an edit or an import may change of a site.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SiteFields<'a> {
    pub name: &'a str,
    pub kind: &'a str,
    pub addr: &'a str,
    pub lat: f64,
    pub lng: f64,
}

impl<'a> SiteFields<'a> {
    pub fn of(row: &'a SiteRow) -> Self {
        Self { name: &row.name, kind: &row.kind, addr: &row.addr, lat: row.lat, lng: row.lng }
    }
}

pub fn update(conn: &mut DbConnection, id: i64, fields: &SiteFields<'_>) -> QueryResult<usize> {
    diesel::update(sites::table.find(id))
        .set((
            sites::name.eq(fields.name),
            sites::kind.eq(fields.kind),
            sites::addr.eq(fields.addr),
            sites::lat.eq(fields.lat),
            sites::lng.eq(fields.lng),
        ))
        .execute(conn)
}
