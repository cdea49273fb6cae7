//! Conflicts flagged on offline sales: added with the sale, later resolved with a note.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{sale_conflicts, sites};
use super::DbConnection;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = sale_conflicts)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct ConflictRow {
    pub id: i64,
    pub site_id: i64,
    pub sale_id: i64,
    pub code: String,
    pub sold_at: NaiveDateTime,
    pub recorded_at: NaiveDateTime,
    pub resolved_at: Option<NaiveDateTime>,
    pub resolved_by: Option<i64>,
    pub note: Option<String>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = sale_conflicts)]
pub struct NewConflict<'a> {
    pub site_id: i64,
    pub sale_id: i64,
    pub code: &'a str,
    pub sold_at: NaiveDateTime,
    pub recorded_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConnection, conflict: &NewConflict<'_>) -> QueryResult<()> {
    diesel::insert_into(sale_conflicts::table).values(conflict).execute(conn).map(drop)
}

/// Conflicts open (`resolved` false) or resolved, of one site or of every site, oldest first,
/// each with its site's code.
pub fn list(
    conn: &mut DbConnection,
    site_id: Option<i64>,
    resolved: bool,
    limit: i64,
) -> QueryResult<Vec<(ConflictRow, String)>> {
    let mut query = sale_conflicts::table
        .inner_join(sites::table)
        .select((ConflictRow::as_select(), sites::code))
        .order(sale_conflicts::id.asc())
        .limit(limit)
        .into_boxed();
    if let Some(site_id) = site_id {
        query = query.filter(sale_conflicts::site_id.eq(site_id));
    }
    query = if resolved {
        query.filter(sale_conflicts::resolved_at.is_not_null())
    } else {
        query.filter(sale_conflicts::resolved_at.is_null())
    };
    query.load(conn)
}

pub fn find(conn: &mut DbConnection, id: i64) -> QueryResult<Option<ConflictRow>> {
    sale_conflicts::table.find(id).select(ConflictRow::as_select()).first(conn).optional()
}

/// Resolves an open conflict; `None` if it was resolved already (or meanwhile).
pub fn resolve(
    conn: &mut DbConnection,
    id: i64,
    user_id: i64,
    note: &str,
    at: NaiveDateTime,
) -> QueryResult<Option<ConflictRow>> {
    diesel::update(sale_conflicts::table.find(id).filter(sale_conflicts::resolved_at.is_null()))
        .set((
            sale_conflicts::resolved_at.eq(at),
            sale_conflicts::resolved_by.eq(user_id),
            sale_conflicts::note.eq(note),
        ))
        .returning(sale_conflicts::all_columns)
        .get_result::<ConflictRow>(conn)
        .optional()
}
