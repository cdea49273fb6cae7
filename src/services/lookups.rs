//! Look-ups not followed by a sale: each session's latest eligibility check waits for its sale,
//! and is audited as `lookup_without_sale` when the session moves on without one.

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::{DateTime, Duration, Utc};

/// How long a look-up waits for its sale; a buyer at the counter takes a minute or two.
const SALE_WITHIN: Duration = Duration::minutes(10);

/// How often waiting look-ups are swept for ones that waited too long.
const SWEEP_EVERY: Duration = Duration::minutes(1);

/// An eligibility check waiting for its sale. The buyer's keyed fingerprint is kept (in
/// memory only) to recognise the sale; what is audited is the birth year and the outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lookup {
    pub user_id: i64,
    pub site_id: i64,
    pub buyer: String,
    /// The quota holder's, as the clerk saw it.
    pub birth_year: u16,
    pub proxy: bool,
    /// `eligible`, or the refusal's code.
    pub outcome: &'static str,
    pub at: DateTime<Utc>,
}

/// A look-up that no sale followed, and the session that made it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unmatched {
    pub session_id: String,
    pub lookup: Lookup,
}

/// The latest look-up of each session, until its sale.
#[derive(Debug, Default)]
pub struct Lookups {
    waiting: Mutex<Waiting>,
}

#[derive(Debug, Default)]
struct Waiting {
    by_session: HashMap<String, Lookup>,
    swept_at: Option<DateTime<Utc>>,
}

impl Lookups {
    /// Records the session's look-up; returns the look-ups it leaves without a sale: the
    /// session's previous one when it was for another buyer (a second check of the same buyer,
    /// say with a proxy target added, only replaces it), and every session's that has waited
    /// longer than [`SALE_WITHIN`] (a session that signed out or went idle after a look-up).
    pub fn checked(&self, session_id: &str, lookup: Lookup) -> Vec<Unmatched> {
        let now = lookup.at;
        let mut waiting = self.waiting.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let buyer = lookup.buyer.clone();
        let mut unmatched: Vec<Unmatched> = waiting
            .by_session
            .insert(session_id.to_owned(), lookup)
            .filter(|previous| previous.buyer != buyer)
            .map(|lookup| Unmatched { session_id: session_id.to_owned(), lookup })
            .into_iter()
            .collect();
        if waiting.swept_at.is_none_or(|swept| now - swept >= SWEEP_EVERY) {
            waiting.swept_at = Some(now);
            let stale: Vec<String> = waiting
                .by_session
                .iter()
                .filter(|(_, lookup)| now - lookup.at >= SALE_WITHIN)
                .map(|(session, _)| session.clone())
                .collect();
            for session_id in stale {
                if let Some(lookup) = waiting.by_session.remove(&session_id) {
                    unmatched.push(Unmatched { session_id, lookup });
                }
            }
        }
        unmatched
    }

    /// A sale by the session to `buyer` (a fingerprint) matches its waiting look-up.
    pub fn sold(&self, session_id: &str, buyer: &str) {
        let mut waiting = self.waiting.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if waiting.by_session.get(session_id).is_some_and(|lookup| lookup.buyer == buyer) {
            waiting.by_session.remove(session_id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(minutes: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_583_888_400, 0).unwrap() + Duration::minutes(minutes)
    }

    fn lookup(buyer: &str, minute: i64) -> Lookup {
        Lookup {
            user_id: 1,
            site_id: 1,
            buyer: buyer.to_owned(),
            birth_year: 1983,
            proxy: false,
            outcome: "eligible",
            at: at(minute),
        }
    }

    fn unmatched(session_id: &str, lookup: Lookup) -> Unmatched {
        Unmatched { session_id: session_id.to_owned(), lookup }
    }

    #[test]
    fn a_look_up_followed_by_its_sale_is_never_reported() {
        let lookups = Lookups::default();
        assert_eq!(lookups.checked("s", lookup("a", 0)), []);
        lookups.sold("s", "a");
        assert_eq!(lookups.checked("s", lookup("b", 1)), []);
        assert_eq!(lookups.checked("s", lookup("b", 2)), [], "the same buyer checked again");
    }

    #[test]
    fn the_next_buyers_look_up_reports_the_last_one_left_without_a_sale() {
        let lookups = Lookups::default();
        lookups.checked("s", lookup("a", 0));
        lookups.sold("s", "someone else");
        lookups.sold("t", "a");
        assert_eq!(lookups.checked("s", lookup("b", 1)), [unmatched("s", lookup("a", 0))]);
    }

    #[test]
    fn a_look_up_that_waited_ten_minutes_is_reported_at_any_sessions_next_look_up() {
        let lookups = Lookups::default();
        lookups.checked("s", lookup("a", 0));
        assert_eq!(lookups.checked("t", lookup("b", 9)), []);
        assert_eq!(lookups.checked("t", lookup("b", 10)), [unmatched("s", lookup("a", 0))]);
    }
}
