//! The sale at the counter: the eligibility pre-check (and the audit of look-ups no sale
//! followed), the sale itself (rules, quota, stock, ledger in one transaction), voids, and the
//! day's list.

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::db::audit::{self, AuditEntry};
use crate::db::conflicts::{self as conflict_rows, NewConflict};
use crate::db::connection::write_transaction;
use crate::db::sales::{self as sale_rows, NewSale, SaleRow, VoidRow};
use crate::db::stock::{self as stock_rows, LedgerEntry};
use crate::db::{self, quota as quota_rows, DbConnection};
use crate::domain::calendar::{kst_date, kst_day_bounds, week_start};
use crate::domain::client_key::ClientKey;
use crate::domain::offline_conflict::OfflineConflict;
use crate::domain::policy::{Policy, ProxyCategory};
use crate::domain::quantity::Quantity;
use crate::domain::quota::{self, Allowance, ProxyTarget, Refusal};
use crate::domain::resident_id::{BirthYear, Fingerprint, IdKey, Person, ResidentId};
use crate::domain::rotation;
use crate::domain::site::Note;

use super::counter::{Actor, Counter};
use super::idempotency::{self, Answered, Idempotent};
use super::lookups::{Lookup, Unmatched};
use super::stock::{ledger_entry, record_change};
use super::{ConflictCode, ServiceError};

/// Whose resident number a request names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Party {
    Buyer,
    ProxyTarget,
}

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
    /// When the masks left the counter; `None` for now.
    pub sold_at: Option<DateTime<Utc>>,
    /// The masks already left the counter (sold offline, or on paper): a rule the sale breaks
    /// as of `sold_at` flags it instead of refusing it.
    pub offline: bool,
}

/// The answer to a sale, replayed as is for a retry.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SaleReceipt {
    pub sale_id: i64,
    pub quantity: u32,
    pub on_hand: i64,
    /// What the quota holder may still buy this week; `None` when unlimited.
    pub remaining_quota: Option<u32>,
    /// Absent from answers stored before sales carried their own time.
    #[serde(default)]
    pub sold_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub recorded_at: Option<DateTime<Utc>>,
    /// The rules an offline sale broke; empty for every live sale.
    #[serde(default, with = "conflict_codes")]
    pub conflicts: Vec<OfflineConflict>,
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
    pub reason: Note,
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

/// A sale being recorded: who sells to whom, when, and how many; `record` is its transaction.
struct PendingSale {
    writer: Actor,
    parties: Parties,
    category: Option<ProxyCategory>,
    quantity: Quantity,
    client_key: String,
    offline: bool,
    /// When it is recorded.
    at: NaiveDateTime,
    /// When the masks left the counter; the rules, the quota week and the day's list follow it.
    sold_at: NaiveDateTime,
    /// `sold_at`'s KST day.
    day: NaiveDate,
    week: NaiveDate,
}

impl PendingSale {
    fn new(writer: Actor, request: &SaleRequest, key: &IdKey, now: DateTime<Utc>, day: NaiveDate) -> Self {
        Self {
            writer,
            parties: Parties::of(&request.buyer, request.proxy_for.as_ref(), key),
            category: request.proxy_for.as_ref().and_then(|p| p.category),
            quantity: request.quantity,
            client_key: request.client_key.to_string(),
            offline: request.offline,
            at: now.naive_utc(),
            sold_at: request.sold_at.unwrap_or(now).naive_utc(),
            day,
            week: week_start(day),
        }
    }

    /// The same sale (same people, category and quantity) under the same key replays. When
    /// and how it was sent are not part of it: a live attempt whose answer was lost, queued
    /// again offline with its `sold_at`, is the same masks and gets the first answer.
    fn idempotency_scope(&self, client_key: ClientKey) -> Idempotent {
        Idempotent::new(
            self.writer.site_id,
            client_key,
            &[
                "sale",
                &self.parties.buyer_fingerprint.to_hex(),
                &self.parties.target_fingerprint.map(|f| f.to_hex()).unwrap_or_default(),
                self.category.map_or("", proxy_category_name),
                &self.quantity.to_string(),
            ],
        )
    }

    fn record(&self, conn: &mut DbConnection, policy: &Policy) -> Result<SaleReceipt, ServiceError> {
        let holder = self.parties.holder().1.to_hex();
        let Counted { quota, bought_after, on_hand, shortfall, conflicts } = if self.offline {
            self.count_offline(conn, &holder, policy)?
        } else {
            self.count_live(conn, &holder, policy)?
        };
        let sale_id = self.insert(conn, &holder)?;
        let taken = -i64::from(self.quantity_i32());
        if shortfall > 0 {
            // Before the sale's own entry, so that no balance in the ledger goes below 0.
            stock_rows::append(conn, &self.ledger_entry("shortfall", shortfall, on_hand - taken, sale_id))?;
        }
        stock_rows::append(conn, &self.ledger_entry("sale", taken, on_hand, sale_id))?;
        for conflict in &conflicts {
            conflict_rows::insert(
                conn,
                &NewConflict {
                    site_id: self.writer.site_id,
                    sale_id,
                    code: conflict.code(),
                    sold_at: self.sold_at,
                    recorded_at: self.at,
                },
            )?;
        }
        let codes: Vec<_> = conflicts.iter().map(|c| c.code()).collect();
        let detail = json!({
            "sale_id": sale_id,
            "quantity": self.quantity_i32(),
            "sold_at": self.sold_at.and_utc(),
            "offline": self.offline,
            "conflicts": codes,
        });
        record_change(conn, &self.writer, self.at, "sale_recorded", detail)?;
        Ok(SaleReceipt {
            sale_id,
            quantity: self.quantity.get(),
            on_hand,
            remaining_quota: quota.map(|quota| quota.saturating_sub(bought_after)),
            sold_at: Some(self.sold_at.and_utc()),
            recorded_at: Some(self.at.and_utc()),
            conflicts,
        })
    }

    /// A live sale is refused by any rule it breaks, by the quota and by the stock on hand.
    fn count_live(
        &self,
        conn: &mut DbConnection,
        holder: &str,
        policy: &Policy,
    ) -> Result<Counted, ServiceError> {
        self.ensure_selling(conn)?;
        let allowance = self.judge(conn, holder, policy)?;
        let bought_after = self.count_against_quota(conn, holder, &allowance)?;
        let on_hand = self.take_from_stock(conn)?;
        Ok(Counted { quota: allowance.quota, bought_after, on_hand, shortfall: 0, conflicts: Vec::new() })
    }

    /// An offline sale counts whatever it breaks, and says what: the rotation day and a halt
    /// as of now, the quota by the atomic total it brings the holder's week to (so of two
    /// racing sales for one person, the one that passes the quota is the one flagged), and
    /// masks sold beyond those on hand.
    fn count_offline(
        &self,
        conn: &mut DbConnection,
        holder: &str,
        policy: &Policy,
    ) -> Result<Counted, ServiceError> {
        let parties = &self.parties;
        let verdict = quota::judge_offline(&parties.buyer, parties.target.as_ref(), self.day, policy)?;
        let mut conflicts = Vec::new();
        if stock_rows::find(conn, self.writer.site_id)?.sales_halted {
            conflicts.push(OfflineConflict::SalesHalted);
        }
        if verdict.off_rotation_day {
            conflicts.push(OfflineConflict::NotRotationDay);
        }
        let bought_after = quota_rows::add_regardless(conn, holder, self.week, self.quantity_i32(), self.at)?;
        let bought_after = u32::try_from(bought_after).unwrap_or(0);
        if verdict.quota.is_some_and(|quota| bought_after > quota) {
            conflicts.push(OfflineConflict::OverQuota);
        }
        let (on_hand, shortfall) =
            stock_rows::take_up_to(conn, self.writer.site_id, i64::from(self.quantity_i32()), self.at)?;
        if shortfall > 0 {
            conflicts.push(OfflineConflict::StockShort);
        }
        Ok(Counted { quota: verdict.quota, bought_after, on_hand, shortfall, conflicts })
    }

    /// A ledger entry of this sale: dated when the masks left the counter, recorded now.
    fn ledger_entry<'a>(
        &'a self,
        entry: &'a str,
        delta: i64,
        on_hand_after: i64,
        sale_id: i64,
    ) -> LedgerEntry<'a> {
        LedgerEntry {
            occurred_at: self.sold_at,
            ..ledger_entry(&self.writer, entry, delta, on_hand_after, Some(sale_id), self.at)
        }
    }

    fn ensure_selling(&self, conn: &mut DbConnection) -> Result<(), ServiceError> {
        if stock_rows::find(conn, self.writer.site_id)?.sales_halted {
            return Err(halted());
        }
        Ok(())
    }

    /// The rationing rules, on what the quota holder has bought this week so far.
    fn judge(
        &self,
        conn: &mut DbConnection,
        holder: &str,
        policy: &Policy,
    ) -> Result<Allowance, ServiceError> {
        let bought = bought(conn, holder, self.week)?;
        let parties = &self.parties;
        Ok(quota::may_buy(&parties.buyer, parties.target.as_ref(), self.day, bought, self.quantity, policy)?)
    }

    /// Adds the sale to the holder's week, unless that would pass the quota; returns the new
    /// total. The update is conditional, so concurrent sales at other sites cannot pass it either.
    fn count_against_quota(
        &self,
        conn: &mut DbConnection,
        holder: &str,
        allowance: &Allowance,
    ) -> Result<u32, ServiceError> {
        let limit = allowance.quota.map(|q| i32::try_from(q).unwrap_or(i32::MAX));
        match quota_rows::add(conn, holder, self.week, self.quantity_i32(), limit, self.at)? {
            Some(bought_after) => Ok(u32::try_from(bought_after).unwrap_or(0)),
            // A concurrent sale for the same person, at any site, got there first.
            None => Err(Refusal::WeeklyQuotaExceeded {
                bought: bought(conn, holder, self.week)?,
                quota: allowance.quota.unwrap_or(0),
            }
            .into()),
        }
    }

    /// Takes the masks off the shelf, unless fewer are on hand (or sales halted meanwhile).
    fn take_from_stock(&self, conn: &mut DbConnection) -> Result<i64, ServiceError> {
        let site_id = self.writer.site_id;
        if let Some(on_hand) = stock_rows::take(conn, site_id, i64::from(self.quantity_i32()), self.at)? {
            return Ok(on_hand);
        }
        let stock = stock_rows::find(conn, site_id)?;
        Err(if stock.sales_halted {
            halted()
        } else {
            ServiceError::conflict(
                ConflictCode::InsufficientStock,
                format!("only {} mask(s) on hand", stock.on_hand),
            )
        })
    }

    fn insert(&self, conn: &mut DbConnection, holder: &str) -> Result<i64, ServiceError> {
        let (person, _) = self.parties.holder();
        Ok(sale_rows::insert(
            conn,
            &NewSale {
                site_id: self.writer.site_id,
                client_key: &self.client_key,
                quota_fingerprint: holder,
                buyer_fingerprint: &self.parties.buyer_fingerprint.to_hex(),
                birth_year: i32::from(person.birth_year().get()),
                week_start: self.week,
                quantity: self.quantity_i32(),
                proxy: self.parties.target.is_some(),
                proxy_category: self.category.map(proxy_category_name),
                sold_at: self.sold_at,
                recorded_at: self.at,
                user_id: self.writer.user_id,
                session_id: &self.writer.session_id,
                device_id: &self.writer.device_id,
                offline: self.offline,
            },
        )?)
    }

    fn quantity_i32(&self) -> i32 {
        i32::try_from(self.quantity.get()).unwrap_or(i32::MAX)
    }
}

/// A sale counted against its holder's week and taken from stock: the quota, the new total,
/// the on-hand after it, the masks it took beyond those on hand, and what it broke.
struct Counted {
    quota: Option<u32>,
    bought_after: u32,
    on_hand: i64,
    shortfall: i64,
    conflicts: Vec<OfflineConflict>,
}

/// What the quota holder has bought in the week starting `week`.
fn bought(conn: &mut DbConnection, holder: &str, week: NaiveDate) -> Result<u32, ServiceError> {
    Ok(u32::try_from(quota_rows::bought(conn, holder, week)?).unwrap_or(0))
}

fn halted() -> ServiceError {
    ServiceError::conflict(ConflictCode::SalesHalted, "this site has halted sales")
}

impl Counter {
    /// Refuses a number that cannot belong to someone at the counter `today`: born after it,
    /// or in the 1800s unless the policy accepts them. Buyer first, then the proxy target.
    fn check_births(
        &self,
        buyer: &ResidentId,
        proxy_for: Option<&ProxyFor>,
        today: NaiveDate,
    ) -> Result<(), ServiceError> {
        let accept_1800s = self.policy.accept_1800s();
        let target = proxy_for.map(|p| (Party::ProxyTarget, &p.target));
        for (party, id) in std::iter::once((Party::Buyer, buyer)).chain(target) {
            id.check_birth(today, accept_1800s).map_err(|error| ServiceError::ResidentId { party, error })?;
        }
        Ok(())
    }

    /// Whether the buyer may buy now, and how much remains, without selling anything. The
    /// look-up waits for its sale; the session's look-ups that no sale followed are audited.
    pub async fn eligibility(
        &self,
        actor: &Actor,
        buyer: &ResidentId,
        proxy_for: Option<&ProxyFor>,
    ) -> Result<Eligibility, ServiceError> {
        let now = self.clock.now();
        let today = kst_date(now);
        self.check_births(buyer, proxy_for, today)?;
        let parties = Parties::of(buyer, proxy_for, &self.id_key);
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
        let lookup = Lookup {
            user_id: actor.user_id,
            site_id: actor.site_id,
            buyer: parties.buyer_fingerprint.to_hex(),
            birth_year: holder.birth_year().get(),
            proxy: parties.target.is_some(),
            outcome: outcome.as_ref().err().map_or("eligible", Refusal::code),
            at: now,
        };
        let unmatched = self.lookups.checked(&actor.session_id, lookup);
        if !unmatched.is_empty() {
            db::run(&self.pool, move |conn| {
                write_transaction(conn, |conn| audit_unmatched(conn, &unmatched, now.naive_utc()))
            })
            .await?;
        }
        Ok(Eligibility {
            birth_year: holder.birth_year(),
            bought_this_week: bought,
            quota: weekly_quota(&self.policy, today, &holder),
            next_allowed_day,
            outcome,
        })
    }

    /// Records a sale: the rotation rule, a conditional quota update, a conditional stock
    /// decrement, the sale, its ledger entry and audit row, all in one transaction. An offline
    /// sale is judged as of its `sold_at`, and what it breaks is flagged instead of refused.
    pub async fn sell(
        &self,
        actor: &Actor,
        request: SaleRequest,
    ) -> Result<Answered<SaleReceipt>, ServiceError> {
        let now = self.clock.now();
        if let Some(sold_at) = request.sold_at {
            self.backdate_window.admits(sold_at, now)?;
        }
        let day = kst_date(request.sold_at.unwrap_or(now));
        self.check_births(&request.buyer, request.proxy_for.as_ref(), day)?;
        let sale = PendingSale::new(actor.clone(), &request, &self.id_key, now, day);
        let scope = sale.idempotency_scope(request.client_key);
        let policy = self.policy.clone();
        let buyer = sale.parties.buyer_fingerprint.to_hex();
        let answered = db::run(&self.pool, move |conn| {
            idempotency::once(conn, &scope, sale.at, |conn| sale.record(conn, &policy))
        })
        .await?;
        self.lookups.sold(&actor.session_id, &buyer);
        if !answered.replayed {
            self.events.publish(actor.site_id);
        }
        Ok(answered)
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
            idempotency::once(conn, &scope, at, |conn| {
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
                        ConflictCode::VoidWindowPassed,
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
            .map(|answered| answered.value)
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

/// Audits look-ups that no sale followed: who looked, when, the birth year and the outcome,
/// never a number or fingerprint.
fn audit_unmatched(
    conn: &mut DbConnection,
    unmatched: &[Unmatched],
    at: NaiveDateTime,
) -> Result<(), ServiceError> {
    for Unmatched { session_id, lookup } in unmatched {
        let detail = json!({
            "checked_at": lookup.at,
            "birth_year": lookup.birth_year,
            "proxy": lookup.proxy,
            "outcome": lookup.outcome,
        });
        audit::record(
            conn,
            &AuditEntry {
                at,
                action: "lookup_without_sale",
                actor_user_id: Some(lookup.user_id),
                site_id: Some(lookup.site_id),
                session_id: Some(session_id),
                detail,
            },
        )?;
    }
    Ok(())
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

/// Conflicts by their codes in stored answers.
mod conflict_codes {
    use serde::{Deserialize, Deserializer, Serializer};

    use crate::domain::offline_conflict::OfflineConflict;

    pub fn serialize<S: Serializer>(conflicts: &[OfflineConflict], serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(conflicts.iter().map(|c| c.code()))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<OfflineConflict>, D::Error> {
        Vec::<String>::deserialize(deserializer)?
            .iter()
            .map(|code| {
                OfflineConflict::from_code(code)
                    .ok_or_else(|| serde::de::Error::custom(format!("unknown conflict {code}")))
            })
            .collect()
    }
}
