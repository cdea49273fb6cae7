//! What the public board reads: the ordered change log and the public face of each site.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{change_log, site_stock, sites};
use super::DbConnection;

/// A site as the open API shows it, read in one join of `sites` and `site_stock`.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = sites)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct PublicRow {
    #[diesel(column_name = id)]
    pub site_id: i64,
    pub code: String,
    pub name: String,
    pub kind: String,
    pub addr: String,
    pub lat: f64,
    pub lng: f64,
    #[diesel(select_expression = site_stock::on_hand)]
    pub on_hand: i64,
    #[diesel(select_expression = site_stock::stock_at)]
    pub stock_at: Option<NaiveDateTime>,
    #[diesel(select_expression = site_stock::sales_halted)]
    pub sales_halted: bool,
    #[diesel(select_expression = site_stock::updated_at)]
    pub updated_at: NaiveDateTime,
}

/// Every site, for the board's first load.
pub fn all_public(conn: &mut DbConnection) -> QueryResult<Vec<PublicRow>> {
    sites::table.inner_join(site_stock::table).select(PublicRow::as_select()).load(conn)
}

/// The given sites, after they changed.
pub fn public_rows(conn: &mut DbConnection, site_ids: &[i64]) -> QueryResult<Vec<PublicRow>> {
    sites::table
        .inner_join(site_stock::table)
        .filter(sites::id.eq_any(site_ids))
        .select(PublicRow::as_select())
        .load(conn)
}

/// Change-log entries (sequence, site, when) after `after`, in order, at most `limit`.
pub fn after(conn: &mut DbConnection, after: i64, limit: i64) -> QueryResult<Vec<(i64, i64, NaiveDateTime)>> {
    change_log::table
        .filter(change_log::seq.gt(after))
        .order(change_log::seq.asc())
        .limit(limit)
        .select((change_log::seq, change_log::site_id, change_log::changed_at))
        .load(conn)
}

/// The newest sequence number (0 for an empty log).
pub fn latest(conn: &mut DbConnection) -> QueryResult<i64> {
    change_log::table
        .select(diesel::dsl::max(change_log::seq))
        .first::<Option<i64>>(conn)
        .map(Option::unwrap_or_default)
}
