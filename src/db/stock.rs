//! Site stock: conditional atomic updates, and the append-only stock ledger.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{sale_voids, sales, site_stock, stock_ledger};
use super::DbConnection;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = site_stock)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct StockRow {
    pub site_id: i64,
    pub on_hand: i64,
    pub stock_at: Option<NaiveDateTime>,
    pub sales_halted: bool,
    pub updated_at: NaiveDateTime,
}

/// One ledger entry: who changed a site's stock, by how much, and what it came to.
#[derive(Debug, Insertable)]
#[diesel(table_name = stock_ledger)]
pub struct LedgerEntry<'a> {
    pub site_id: i64,
    pub entry: &'a str,
    pub delta: i64,
    pub on_hand_after: i64,
    pub sale_id: Option<i64>,
    pub reference: Option<&'a str>,
    pub user_id: Option<i64>,
    pub session_id: Option<&'a str>,
    pub device_id: Option<&'a str>,
    pub occurred_at: NaiveDateTime,
    pub recorded_at: NaiveDateTime,
}

pub fn find(conn: &mut DbConnection, site_id: i64) -> QueryResult<StockRow> {
    site_stock::table.find(site_id).select(StockRow::as_select()).first(conn)
}

/// Adds a delivery; returns the new on-hand count.
pub fn receive(conn: &mut DbConnection, site_id: i64, quantity: i64, at: NaiveDateTime) -> QueryResult<i64> {
    diesel::update(site_stock::table.find(site_id))
        .set((
            site_stock::on_hand.eq(site_stock::on_hand + quantity),
            site_stock::stock_at.eq(at),
            site_stock::updated_at.eq(at),
        ))
        .returning(site_stock::on_hand)
        .get_result(conn)
}

/// Takes `quantity` only if the site is selling and holds that many; `None` otherwise. The
/// condition and the decrement are one statement, so no interleaving can oversell.
pub fn take(
    conn: &mut DbConnection,
    site_id: i64,
    quantity: i64,
    at: NaiveDateTime,
) -> QueryResult<Option<i64>> {
    diesel::update(
        site_stock::table
            .find(site_id)
            .filter(site_stock::on_hand.ge(quantity))
            .filter(site_stock::sales_halted.eq(false)),
    )
    .set((site_stock::on_hand.eq(site_stock::on_hand - quantity), site_stock::updated_at.eq(at)))
    .returning(site_stock::on_hand)
    .get_result(conn)
    .optional()
}

/// Takes `quantity` whatever the site holds or whether it sells (masks that already left the
/// counter): on-hand goes to 0 at the lowest. Returns the new on-hand and the shortfall, the
/// masks sold beyond what was on hand.
pub fn take_up_to(
    conn: &mut DbConnection,
    site_id: i64,
    quantity: i64,
    at: NaiveDateTime,
) -> QueryResult<(i64, i64)> {
    let row = site_stock::table.find(site_id);
    // Touching the row first locks it (PostgreSQL) for the read-then-write below; SQLite's
    // write transaction already excludes other writers.
    let before: i64 = diesel::update(row)
        .set(site_stock::updated_at.eq(at))
        .returning(site_stock::on_hand)
        .get_result(conn)?;
    let after = (before - quantity).max(0);
    diesel::update(row).set(site_stock::on_hand.eq(after)).execute(conn)?;
    Ok((after, (quantity - before).max(0)))
}

/// Puts voided masks back; returns the new on-hand count.
pub fn give_back(
    conn: &mut DbConnection,
    site_id: i64,
    quantity: i64,
    at: NaiveDateTime,
) -> QueryResult<i64> {
    diesel::update(site_stock::table.find(site_id))
        .set((site_stock::on_hand.eq(site_stock::on_hand + quantity), site_stock::updated_at.eq(at)))
        .returning(site_stock::on_hand)
        .get_result(conn)
}

pub fn set_halted(
    conn: &mut DbConnection,
    site_id: i64,
    halted: bool,
    at: NaiveDateTime,
) -> QueryResult<StockRow> {
    diesel::update(site_stock::table.find(site_id))
        .set((site_stock::sales_halted.eq(halted), site_stock::updated_at.eq(at)))
        .returning(site_stock::all_columns)
        .get_result(conn)
}

pub fn append(conn: &mut DbConnection, entry: &LedgerEntry<'_>) -> QueryResult<()> {
    diesel::insert_into(stock_ledger::table).values(entry).execute(conn).map(drop)
}

/// Masks sold at a site in `[from, to)` (UTC), not counting voided sales.
pub fn sold_between(
    conn: &mut DbConnection,
    site_id: i64,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> QueryResult<i64> {
    let total: Option<i64> = sales::table
        .left_join(sale_voids::table)
        .filter(sales::site_id.eq(site_id))
        .filter(sales::sold_at.ge(from).and(sales::sold_at.lt(to)))
        .filter(sale_voids::sale_id.is_null())
        .select(diesel::dsl::sum(sales::quantity))
        .first(conn)?;
    Ok(total.unwrap_or(0))
}

/// The sum of a site's ledger deltas (tests and audits check it equals `on_hand`).
pub fn ledger_total(conn: &mut DbConnection, site_id: i64) -> QueryResult<i64> {
    #[derive(QueryableByName)]
    struct Total {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        total: i64,
    }
    // diesel sums BIGINT as NUMERIC; the cast keeps it an integer on both backends.
    diesel::sql_query(
        "SELECT CAST(COALESCE(SUM(delta), 0) AS BIGINT) AS total FROM stock_ledger WHERE site_id = $1",
    )
    .bind::<diesel::sql_types::BigInt, _>(site_id)
    .get_result::<Total>(conn)
    .map(|row| row.total)
}
