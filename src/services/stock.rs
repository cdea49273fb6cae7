//! Deliveries (stock-in), halting sales, and the site's stock as the clerk sees it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::db::audit::{self, AuditEntry};
use crate::db::connection::write_transaction;
use crate::db::stock::{self as stock_rows, LedgerEntry, StockRow};
use crate::db::{self, sites, DbConnection};
use crate::domain::calendar::{kst_date, kst_day_bounds};
use crate::domain::client_key::ClientKey;
use crate::domain::quantity::Quantity;
use crate::domain::site::Note;
use crate::domain::stock_status::RemainStat;

use super::counter::{Actor, Counter};
use super::idempotency::{self, Idempotent};
use super::ServiceError;

/// A delivery as the clerk enters it.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub quantity: Quantity,
    pub reference: Option<Note>,
    pub client_key: ClientKey,
}

/// The answer to a delivery, replayed as is for a retry.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Received {
    pub on_hand: i64,
    pub stock_at: DateTime<Utc>,
}

/// A site's stock as its clerks see it.
#[derive(Debug, Clone)]
pub struct StockView {
    pub on_hand: i64,
    pub stock_at: Option<DateTime<Utc>>,
    pub remain_stat: RemainStat,
    pub sales_halted: bool,
    pub sold_today: i64,
}

impl Counter {
    /// Records a delivery: stock up, `stock_at` set, one ledger entry.
    pub async fn stock_in(&self, actor: &Actor, delivery: Delivery) -> Result<Received, ServiceError> {
        let now = self.clock.now();
        let at = now.naive_utc();
        let quantity = i64::from(delivery.quantity.get());
        let reference = delivery.reference.map(|r| r.as_str().to_owned());
        let scope = Idempotent::new(
            actor.site_id,
            delivery.client_key,
            &["stock_in", &quantity.to_string(), reference.as_deref().unwrap_or("")],
        );
        let writer = actor.clone();
        let received = db::run(&self.pool, move |conn| {
            idempotency::once(conn, &scope, at, |conn| {
                let on_hand = stock_rows::receive(conn, writer.site_id, quantity, at)?;
                stock_rows::append(
                    conn,
                    &LedgerEntry {
                        reference: reference.as_deref(),
                        ..ledger_entry(&writer, "stock_in", quantity, on_hand, None, at)
                    },
                )?;
                record_change(
                    conn,
                    &writer,
                    at,
                    "stock_in",
                    json!({ "quantity": quantity, "on_hand": on_hand }),
                )?;
                Ok(Received { on_hand, stock_at: now })
            })
            .map(|answered| answered.value)
        })
        .await?;
        self.events.publish(actor.site_id);
        Ok(received)
    }

    /// Halts or resumes sales; a halted site shows `break` to the public.
    pub async fn set_sales_halted(&self, actor: &Actor, halted: bool) -> Result<StockView, ServiceError> {
        let now = self.clock.now();
        let writer = actor.clone();
        let view = db::run(&self.pool, move |conn| {
            write_transaction(conn, |conn| {
                let at = now.naive_utc();
                let row = stock_rows::set_halted(conn, writer.site_id, halted, at)?;
                let action = if halted { "sales_halted" } else { "sales_resumed" };
                record_change(conn, &writer, at, action, json!({}))?;
                view_of(conn, row, now)
            })
        })
        .await?;
        self.events.publish(actor.site_id);
        Ok(view)
    }

    /// The site's stock and today's sales, read on one connection.
    pub async fn stock(&self, site_id: i64) -> Result<StockView, ServiceError> {
        let now = self.clock.now();
        db::run(&self.pool, move |conn| {
            let row = stock_rows::find(conn, site_id)?;
            view_of(conn, row, now)
        })
        .await
    }
}

/// What the clerk sees of a stock row: its public status and what was sold today (KST).
fn view_of(conn: &mut DbConnection, row: StockRow, now: DateTime<Utc>) -> Result<StockView, ServiceError> {
    let (from, to) = kst_day_bounds(kst_date(now));
    let sold_today = stock_rows::sold_between(conn, row.site_id, from.naive_utc(), to.naive_utc())?;
    Ok(StockView {
        on_hand: row.on_hand,
        stock_at: row.stock_at.map(|t| t.and_utc()),
        remain_stat: RemainStat::of(row.on_hand, row.sales_halted),
        sales_halted: row.sales_halted,
        sold_today,
    })
}

/// A ledger entry made by `actor` now; callers fill in what differs.
pub(super) fn ledger_entry<'a>(
    actor: &'a Actor,
    entry: &'a str,
    delta: i64,
    on_hand_after: i64,
    sale_id: Option<i64>,
    at: chrono::NaiveDateTime,
) -> LedgerEntry<'a> {
    LedgerEntry {
        site_id: actor.site_id,
        entry,
        delta,
        on_hand_after,
        sale_id,
        reference: None,
        user_id: Some(actor.user_id),
        session_id: Some(&actor.session_id),
        device_id: Some(&actor.device_id),
        occurred_at: at,
        recorded_at: at,
    }
}

/// Audits a write and appends the site to the public change log, in the write's transaction.
pub(super) fn record_change(
    conn: &mut DbConnection,
    actor: &Actor,
    at: chrono::NaiveDateTime,
    action: &str,
    detail: serde_json::Value,
) -> Result<(), ServiceError> {
    audit::record(
        conn,
        &AuditEntry {
            at,
            action,
            actor_user_id: Some(actor.user_id),
            site_id: Some(actor.site_id),
            session_id: Some(&actor.session_id),
            detail,
        },
    )?;
    sites::log_change(conn, actor.site_id, at)?;
    Ok(())
}
