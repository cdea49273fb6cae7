//! Sales and their voids: rows that are only ever added.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::{sale_voids, sales};
use super::DbConnection;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = sales)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct SaleRow {
    pub id: i64,
    pub site_id: i64,
    pub client_key: String,
    pub quota_fingerprint: String,
    pub buyer_fingerprint: String,
    pub birth_year: i32,
    pub week_start: NaiveDate,
    pub quantity: i32,
    pub proxy: bool,
    pub proxy_category: Option<String>,
    pub sold_at: NaiveDateTime,
    pub recorded_at: NaiveDateTime,
    pub user_id: i64,
    pub session_id: String,
    pub device_id: String,
    pub offline: bool,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = sales)]
pub struct NewSale<'a> {
    pub site_id: i64,
    pub client_key: &'a str,
    pub quota_fingerprint: &'a str,
    pub buyer_fingerprint: &'a str,
    pub birth_year: i32,
    pub week_start: NaiveDate,
    pub quantity: i32,
    pub proxy: bool,
    pub proxy_category: Option<&'a str>,
    pub sold_at: NaiveDateTime,
    pub recorded_at: NaiveDateTime,
    pub user_id: i64,
    pub session_id: &'a str,
    pub device_id: &'a str,
    pub offline: bool,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = sale_voids)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct VoidRow {
    pub sale_id: i64,
    pub reason: String,
    pub client_key: String,
    pub voided_at: NaiveDateTime,
    pub user_id: i64,
    pub session_id: String,
    pub device_id: String,
}

pub fn insert(conn: &mut DbConnection, sale: &NewSale<'_>) -> QueryResult<i64> {
    diesel::insert_into(sales::table).values(sale).returning(sales::id).get_result(conn)
}

/// A sale and its void, if it has one.
pub fn find(conn: &mut DbConnection, id: i64) -> QueryResult<Option<(SaleRow, Option<VoidRow>)>> {
    sales::table
        .left_join(sale_voids::table)
        .filter(sales::id.eq(id))
        .select((SaleRow::as_select(), Option::<VoidRow>::as_select()))
        .first(conn)
        .optional()
}

pub fn insert_void(conn: &mut DbConnection, void: &VoidRow) -> QueryResult<()> {
    diesel::insert_into(sale_voids::table).values(void).execute(conn).map(drop)
}

/// A site's sales sold in `[from, to)` (UTC), oldest first, each with its void if any.
pub fn list_between(
    conn: &mut DbConnection,
    site_id: i64,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> QueryResult<Vec<(SaleRow, Option<VoidRow>)>> {
    sales::table
        .left_join(sale_voids::table)
        .filter(sales::site_id.eq(site_id))
        .filter(sales::sold_at.ge(from).and(sales::sold_at.lt(to)))
        .order((sales::sold_at.asc(), sales::id.asc()))
        .select((SaleRow::as_select(), Option::<VoidRow>::as_select()))
        .load(conn)
}

/// How many sales were ever recorded (audits compare it with the receipts handed out).
pub fn count(conn: &mut DbConnection) -> QueryResult<i64> {
    sales::table.count().get_result(conn)
}
