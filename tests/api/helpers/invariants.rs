//! What must hold after any test: quotas equal the sales, ledgers equal on-hand. Test-only
//! queries live here, not in the library.

use diesel::RunQueryDsl;
use maskportal::db::DbConnection;

/// Every weekly-quota row equals the sum of that person's non-voided sales that week.
pub fn assert_quotas_match_sales(conn: &mut DbConnection) {
    #[derive(diesel::QueryableByName)]
    struct Mismatch {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        mismatches: i64,
    }
    let check: Mismatch = diesel::sql_query(
        "SELECT COUNT(*) AS mismatches FROM weekly_quota q WHERE q.bought <> COALESCE((\
           SELECT SUM(s.quantity) FROM sales s LEFT JOIN sale_voids v ON v.sale_id = s.id \
           WHERE s.quota_fingerprint = q.fingerprint AND s.week_start = q.week_start AND v.sale_id IS NULL), 0)",
    )
    .get_result(conn)
    .expect("quota check runs");
    assert_eq!(check.mismatches, 0, "weekly quota rows disagree with the sales");
}

/// Every site's ledger sums to its on-hand count, which is never negative.
pub fn assert_ledgers_match_stock(conn: &mut DbConnection) {
    #[derive(diesel::QueryableByName)]
    struct Mismatch {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        mismatches: i64,
    }
    let check: Mismatch = diesel::sql_query(
        "SELECT COUNT(*) AS mismatches FROM site_stock st WHERE st.on_hand < 0 OR st.on_hand <> COALESCE((\
           SELECT SUM(l.delta) FROM stock_ledger l WHERE l.site_id = st.site_id), 0)",
    )
    .get_result(conn)
    .expect("ledger check runs");
    assert_eq!(check.mismatches, 0, "a site's ledger disagrees with its on-hand count");
}

#[derive(diesel::QueryableByName)]
struct Action {
    #[diesel(sql_type = diesel::sql_types::Text)]
    action: String,
}

/// Every audited action, oldest first.
pub fn audit_actions(conn: &mut DbConnection) -> Vec<String> {
    diesel::sql_query("SELECT action FROM audit_log ORDER BY id")
        .load::<Action>(conn)
        .expect("audit actions")
        .into_iter()
        .map(|row| row.action)
        .collect()
}

#[derive(diesel::QueryableByName)]
struct Entry {
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    session_id: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Text)]
    detail: String,
}

/// The session and detail of every audit entry of `action`, oldest first.
pub fn audit_entries(conn: &mut DbConnection, action: &str) -> Vec<(Option<String>, serde_json::Value)> {
    diesel::sql_query("SELECT session_id, detail FROM audit_log WHERE action = $1 ORDER BY id")
        .bind::<diesel::sql_types::Text, _>(action)
        .load::<Entry>(conn)
        .expect("audit entries")
        .into_iter()
        .map(|row| (row.session_id, serde_json::from_str(&row.detail).expect("detail is JSON")))
        .collect()
}
