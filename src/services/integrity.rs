//! The invariants that must hold after any load: stock equals its ledger and is never negative,
//! no person-week is over the quota, and every sale acknowledged is recorded (the caller knows
//! what was acknowledged; the audit counts what was recorded).

use crate::db::{quota, sales, stock, DbConnection};

use super::ServiceError;

/// What the database shows; all clean when the counts match what was acknowledged and the
/// rest are 0.
#[derive(Debug, Default, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Findings {
    /// Sales rows in the database, to compare with the sales acknowledged to their callers.
    pub recorded_sales: i64,
    /// Person-weeks that bought more than the weekly quota.
    pub over_quota: i64,
    /// Of the sites audited, those whose stock is negative or differs from the sum of their
    /// ledger.
    pub stock_mismatches: usize,
}

/// Audits the stock of `site_ids` and the quotas of everyone against `weekly_quota`.
pub fn audit(conn: &mut DbConnection, site_ids: &[i64], weekly_quota: i32) -> Result<Findings, ServiceError> {
    let mut stock_mismatches = 0;
    for &site_id in site_ids {
        let on_hand = stock::find(conn, site_id)?.on_hand;
        if on_hand < 0 || on_hand != stock::ledger_total(conn, site_id)? {
            stock_mismatches += 1;
        }
    }
    Ok(Findings {
        recorded_sales: sales::count(conn)?,
        over_quota: quota::over_limit(conn, weekly_quota)?,
        stock_mismatches,
    })
}
