//! The sale at the counter: the eligibility pre-check, the sale itself (rules, quota, stock,
//! ledger in one transaction), voids, and the day's list.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::config::VoidWindow;
use crate::db::sales::{self as sale_rows, NewSale, SaleRow, VoidRow};
use crate::db::stock as stock_rows;
use crate::db::{self, quota as quota_rows};
use crate::domain::calendar::{kst_date, kst_day_bounds, week_start};
use crate::domain::client_key::ClientKey;
use crate::domain::policy::{Policy, ProxyCategory};
use crate::domain::quantity::Quantity;
use crate::domain::quota::{self, Allowance, ProxyTarget, Refusal};
use crate::domain::resident_id::{BirthYear, Fingerprint, IdKey, Person, ResidentId};
use crate::domain::rotation;
use crate::domain::site::DisplayText;

use super::counter::{Actor, Counter};
use super::idempotency::{self, Idempotent};
use super::stock::{ledger_entry, record_change};
use super::ServiceError;

/// The person a buyer is buying for, with the document category the clerk checked.
#[derive(Debug)]
pub struct ProxyFor {
    pub target: ResidentId,
    pub category: Option<ProxyCategory>,
}

/// A sale as the clerk enters it.
#[derive(Debug)]
pub struct SaleRequest {
    pub buyer: ResidentId,
    pub proxy_for: Option<ProxyFor>,
    pub quantity: Quantity,
    pub client_key: ClientKey,
}

/// The answer to a sale, replayed as is for a retry.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SaleReceipt {
    pub sale_id: i64,
    pub quantity: u32,
    pub on_hand: i64,
    /// What the quota holder may still buy this week; `None` when unlimited.
    pub remaining_quota: Option<u32>,
}

/// What the clerk sees before selling.
#[derive(Debug, Clone)]
pub struct Eligibility {
    pub outcome: Result<Allowance, Refusal>,
    /// The quota holder's birth year (the proxy target's, for a proxy purchase).
    pub birth_year: BirthYear,
    pub bought_this_week: u32,
    pub quota: Option<u32>,
    pub next_allowed_day: Option<NaiveDate>,
}

/// The answer to a void, replayed as is for a retry.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Voided {
    pub sale_id: i64,
    pub quantity: u32,
    pub on_hand: i64,
    pub voided_at: DateTime<Utc>,
}

#[derive(Debug)]
pub struct VoidRequest {
    pub sale_id: i64,
    pub reason: DisplayText,
    pub client_key: ClientKey,
}

/// One line of the day's sales list: never an ID number or fingerprint.
#[derive(Debug, Clone)]
pub struct SaleLine {
    pub sale_id: i64,
    pub sold_at: DateTime<Utc>,
    pub quantity: i32,
    pub birth_year: i32,
    pub proxy: bool,
    pub voided: bool,
}

/// A buyer and, for a proxy purchase, the target: what the rules and the quota need of them.
struct Parties {
    buyer: Person,
    buyer_fingerprint: Fingerprint,
    target: Option<ProxyTarget>,
    target_fingerprint: Option<Fingerprint>,
}

impl Parties {
    fn of(buyer: &ResidentId, proxy_for: Option<&ProxyFor>, key: &IdKey) -> Self {
        Self {
            buyer: Person::from(buyer),
            buyer_fingerprint: buyer.fingerprint(key),
            target: proxy_for.map(|p| ProxyTarget { person: Person::from(&p.target), category: p.category }),
            target_fingerprint: proxy_for.map(|p| p.target.fingerprint(key)),
        }
    }

    /// Whose weekly quota the purchase counts against.
    fn holder(&self) -> (&Person, &Fingerprint) {
        match (&self.target, &self.target_fingerprint) {
            (Some(target), Some(fingerprint)) => (&target.person, fingerprint),
            _ => (&self.buyer, &self.buyer_fingerprint),
        }
    }
}

impl Counter {
    /// Whether the buyer may buy now, and how much remains, without selling anything.
    pub async fn eligibility(
        &self,
        buyer: &ResidentId,
        proxy_for: Option<&ProxyFor>,
    ) -> Result<Eligibility, ServiceError> {
        let parties = Parties::of(buyer, proxy_for, &self.id_key);
        let today = kst_date(self.clock.now());
        let week = week_start(today);
        let (holder, fingerprint) = parties.holder();
        let (holder, fingerprint) = (*holder, fingerprint.to_hex());
        let bought = db::run(&self.pool, move |conn| {
            Ok::<_, ServiceError>(quota_rows::bought(conn, &fingerprint, week)?)
        })
        .await?;
        let bought = u32::try_from(bought).unwrap_or(0);
        let outcome =
            quota::eligibility(&parties.buyer, parties.target.as_ref(), today, bought, &self.policy);
        let next_allowed_day = match &outcome {
            Err(Refusal::NotRotationDay { next_day, .. }) => *next_day,
            // Quota is counted per week: the next chance is the holder's first day of next week.
            Err(Refusal::WeeklyQuotaExceeded { .. }) => {
                rotation::next_allowed_day(&self.policy, &holder, week + Duration::days(6))
            }
            _ => None,
        };
        Ok(Eligibility {
            birth_year: holder.birth_year(),
            bought_this_week: bought,
            quota: weekly_quota(&self.policy, today, &holder),
            next_allowed_day,
            outcome,
        })
    }

    /// Records a sale: the rotation rule, a conditional quota update, a conditional stock
    /// decrement, the sale, its ledger entry and audit row, all in one transaction.
    pub async fn sell(&self, actor: &Actor, request: SaleRequest) -> Result<SaleReceipt, ServiceError> {
        let now = self.clock.now();
        let at = now.naive_utc();
        let today = kst_date(now);
        let week = week_start(today);
        let parties = Parties::of(&request.buyer, request.proxy_for.as_ref(), &self.id_key);
        let quantity = request.quantity;
        let category = request.proxy_for.as_ref().and_then(|p| p.category);
        let scope = Idempotent::new(
            actor.site_id,
            request.client_key,
            &[
                "sale",
                &parties.buyer_fingerprint.to_hex(),
                &parties.target_fingerprint.map(|f| f.to_hex()).unwrap_or_default(),
                category.map_or("", proxy_category_name),
                &quantity.to_string(),
            ],
        );
        let (policy, writer, client_key) =
            (self.policy.clone(), actor.clone(), request.client_key.to_string());
        let receipt = db::run(&self.pool, move |conn| {
            idempotency::once(conn, &scope, 201, at, |conn| {
                let (holder, holder_fingerprint) = parties.holder();
                let holder_fingerprint = holder_fingerprint.to_hex();
                let stock = stock_rows::find(conn, writer.site_id)?;
                if stock.sales_halted {
                    return Err(ServiceError::conflict("sales_halted", "this site has halted sales"));
                }
                let bought = u32::try_from(quota_rows::bought(conn, &holder_fingerprint, week)?).unwrap_or(0);
                let allowance = quota::may_buy(
                    &parties.buyer,
                    parties.target.as_ref(),
                    today,
                    bought,
                    quantity,
                    &policy,
                )?;
                let qty = i32::try_from(quantity.get()).unwrap_or(i32::MAX);
                let limit = allowance.quota.map(|q| i32::try_from(q).unwrap_or(i32::MAX));
                let Some(bought_after) = quota_rows::add(conn, &holder_fingerprint, week, qty, limit, at)?
                else {
                    // A concurrent sale for the same person, at any site, got there first.
                    let bought =
                        u32::try_from(quota_rows::bought(conn, &holder_fingerprint, week)?).unwrap_or(0);
                    return Err(
                        Refusal::WeeklyQuotaExceeded { bought, quota: allowance.quota.unwrap_or(0) }.into()
                    );
                };
                let Some(on_hand) = stock_rows::take(conn, writer.site_id, i64::from(qty), at)? else {
                    let stock = stock_rows::find(conn, writer.site_id)?;
                    return Err(if stock.sales_halted {
                        ServiceError::conflict("sales_halted", "this site has halted sales")
                    } else {
                        ServiceError::conflict(
                            "insufficient_stock",
                            format!("only {} mask(s) on hand", stock.on_hand),
                        )
                    });
                };
                let sale_id = sale_rows::insert(
                    conn,
                    &NewSale {
                        site_id: writer.site_id,
                        client_key: &client_key,
                        quota_fingerprint: &holder_fingerprint,
                        buyer_fingerprint: &parties.buyer_fingerprint.to_hex(),
                        birth_year: i32::from(holder.birth_year().get()),
                        week_start: week,
                        quantity: qty,
                        proxy: parties.target.is_some(),
                        proxy_category: category.map(proxy_category_name),
                        sold_at: at,
                        recorded_at: at,
                        user_id: writer.user_id,
                        session_id: &writer.session_id,
                        device_id: &writer.device_id,
                    },
                )?;
                stock_rows::append(
                    conn,
                    &ledger_entry(&writer, "sale", -i64::from(qty), on_hand, Some(sale_id), at),
                )?;
                record_change(
                    conn,
                    &writer,
                    at,
                    "sale_recorded",
                    json!({ "sale_id": sale_id, "quantity": qty }),
                )?;
                let remaining_quota = limit.map(|limit| u32::try_from(limit - bought_after).unwrap_or(0));
                Ok(SaleReceipt { sale_id, quantity: quantity.get(), on_hand, remaining_quota })
            })
        })
        .await?;
        self.events.publish(actor.site_id);
        Ok(receipt)
    }

    /// Voids a sale of the caller's site: masks back to stock and quota back to the person, as
    /// new entries. Voiding a voided sale answers as the first void did.
    pub async fn void(&self, actor: &Actor, request: VoidRequest) -> Result<Voided, ServiceError> {
        let now = self.clock.now();
        let at = now.naive_utc();
        let scope = Idempotent::new(
            actor.site_id,
            request.client_key,
            &["void", &request.sale_id.to_string(), request.reason.as_str()],
        );
        let (writer, window, client_key) = (actor.clone(), self.void_window, request.client_key.to_string());
        let voided = db::run(&self.pool, move |conn| {
            idempotency::once(conn, &scope, 200, at, |conn| {
                let (sale, void) =
                    sale_rows::find(conn, request.sale_id)?.ok_or(ServiceError::NotFound { what: "sale" })?;
                if sale.site_id != writer.site_id {
                    return Err(ServiceError::Forbidden {
                        message: "this sale belongs to another site".into(),
                    });
                }
                if let Some(void) = void {
                    let on_hand = stock_rows::find(conn, writer.site_id)?.on_hand;
                    return Ok(voided_answer(&sale, on_hand, &void));
                }
                if !window.allows(sale.sold_at.and_utc(), now) {
                    return Err(ServiceError::conflict(
                        "void_window_passed",
                        "this sale can no longer be voided (only sales of today can be)",
                    ));
                }
                let void = VoidRow {
                    sale_id: sale.id,
                    reason: request.reason.as_str().to_owned(),
                    client_key: client_key.clone(),
                    voided_at: at,
                    user_id: writer.user_id,
                    session_id: writer.session_id.clone(),
                    device_id: writer.device_id.clone(),
                };
                sale_rows::insert_void(conn, &void)?;
                quota_rows::subtract(conn, &sale.quota_fingerprint, sale.week_start, sale.quantity, at)?;
                let on_hand = stock_rows::give_back(conn, writer.site_id, i64::from(sale.quantity), at)?;
                stock_rows::append(
                    conn,
                    &ledger_entry(&writer, "void", i64::from(sale.quantity), on_hand, Some(sale.id), at),
                )?;
                record_change(
                    conn,
                    &writer,
                    at,
                    "sale_voided",
                    json!({ "sale_id": sale.id, "reason": void.reason }),
                )?;
                Ok(voided_answer(&sale, on_hand, &void))
            })
        })
        .await?;
        self.events.publish(actor.site_id);
        Ok(voided)
    }

    /// The site's sales on a KST calendar day, oldest first.
    pub async fn sales_on(&self, site_id: i64, date: NaiveDate) -> Result<Vec<SaleLine>, ServiceError> {
        let (from, to) = kst_day_bounds(date);
        let rows = db::run(&self.pool, move |conn| {
            Ok::<_, ServiceError>(sale_rows::list_between(conn, site_id, from.naive_utc(), to.naive_utc())?)
        })
        .await?;
        Ok(rows
            .into_iter()
            .map(|(sale, void)| SaleLine {
                sale_id: sale.id,
                sold_at: sale.sold_at.and_utc(),
                quantity: sale.quantity,
                birth_year: sale.birth_year,
                proxy: sale.proxy,
                voided: void.is_some(),
            })
            .collect())
    }

    /// Today's date in Korea, by the service clock.
    pub fn today(&self) -> NaiveDate {
        kst_date(self.clock.now())
    }
}

impl VoidWindow {
    fn allows(self, sold_at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
        match self {
            VoidWindow::SameDay => kst_date(sold_at) == kst_date(now),
            VoidWindow::Hours(hours) => now - sold_at <= Duration::hours(i64::from(hours)),
        }
    }
}

fn voided_answer(sale: &SaleRow, on_hand: i64, void: &VoidRow) -> Voided {
    Voided {
        sale_id: sale.id,
        quantity: u32::try_from(sale.quantity).unwrap_or(0),
        on_hand,
        voided_at: void.voided_at.and_utc(),
    }
}

fn weekly_quota(policy: &Policy, date: NaiveDate, holder: &Person) -> Option<u32> {
    policy.period_on(date).and_then(|period| period.weekly_quota(holder.birth_year()).limit())
}

fn proxy_category_name(category: ProxyCategory) -> &'static str {
    match category {
        ProxyCategory::CareRecipient => "care_recipient",
        ProxyCategory::Disabled => "disabled",
    }
}
