//! The true stock of each simulated site, from the counter's own receipts, and the judge of
//! whether a public answer's status was stale.
//!
//! Each site has one terminal and its clerk works one request at a time, so its writes are
//! acknowledged in order. A write committed somewhere between being sent and being
//! acknowledged; a public answer was made somewhere between its request and its reply. So two
//! rates bound the truth:
//! - strict: the answer claimed plenty/some/few although a write acknowledged before the read
//!   was even sent had left 0–1, and no delivery could have committed meanwhile;
//! - upper: the answer claimed plenty/some/few and the stock was 0–1 by the writes
//!   acknowledged before the answer arrived.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

/// One acknowledged change of a site's stock.
#[derive(Debug, Clone, Copy)]
struct Write {
    sent: Instant,
    acked: Instant,
    on_hand: i64,
    delivery: bool,
}

#[derive(Debug, Default)]
struct Site {
    writes: Vec<Write>,
    /// A delivery sent and not yet acknowledged.
    delivery_in_flight: Option<Instant>,
}

/// The true stock of every tracked site.
#[derive(Debug)]
pub struct Truth {
    index: HashMap<String, usize>,
    sites: Vec<Mutex<Site>>,
}

/// What one answer's claims about tracked stores came to.
#[derive(Debug, Default, Clone, Copy)]
pub struct Verdicts {
    /// Claims of plenty/some/few about tracked stores.
    pub claims: u64,
    pub stale_strict: u64,
    pub stale_upper: u64,
}

impl Verdicts {
    pub fn add(&mut self, other: Verdicts) {
        self.claims += other.claims;
        self.stale_strict += other.stale_strict;
        self.stale_upper += other.stale_upper;
    }
}

impl Truth {
    pub fn new(codes: impl IntoIterator<Item = String>) -> Self {
        let index: HashMap<String, usize> = codes.into_iter().enumerate().map(|(i, c)| (c, i)).collect();
        let sites = (0..index.len()).map(|_| Mutex::new(Site::default())).collect();
        Self { index, sites }
    }

    pub fn tracks(&self, code: &str) -> bool {
        self.index.contains_key(code)
    }

    fn site(&self, code: &str) -> Option<std::sync::MutexGuard<'_, Site>> {
        let i = *self.index.get(code)?;
        Some(self.sites[i].lock().unwrap_or_else(|p| p.into_inner()))
    }

    /// A delivery is on its way to the server.
    pub fn delivery_sent(&self, code: &str, sent: Instant) {
        if let Some(mut site) = self.site(code) {
            site.delivery_in_flight = Some(sent);
        }
    }

    /// A write was acknowledged with the stock it left.
    pub fn acknowledged(&self, code: &str, sent: Instant, acked: Instant, on_hand: i64, delivery: bool) {
        if let Some(mut site) = self.site(code) {
            if delivery {
                site.delivery_in_flight = None;
            }
            site.writes.push(Write { sent, acked, on_hand, delivery });
        }
    }

    /// A delivery failed: it changed nothing.
    pub fn delivery_failed(&self, code: &str) {
        if let Some(mut site) = self.site(code) {
            site.delivery_in_flight = None;
        }
    }

    /// Judges a claim of `remain_stat` about `code` in an answer requested at `sent` and
    /// received at `received`. Only plenty/some/few claims about tracked stores count.
    pub fn judge(&self, code: &str, remain_stat: Option<&str>, sent: Instant, received: Instant) -> Verdicts {
        if !matches!(remain_stat, Some("plenty" | "some" | "few")) {
            return Verdicts::default();
        }
        let Some(site) = self.site(code) else { return Verdicts::default() };
        let known_at = |t: Instant| {
            let n = site.writes.partition_point(|w| w.acked <= t);
            n.checked_sub(1).map_or(0, |i| site.writes[i].on_hand)
        };
        // A delivery that overlaps the read may have committed before the answer was made.
        let delivery_overlaps = site.delivery_in_flight.is_some_and(|since| since < received)
            || site
                .writes
                .iter()
                .rev()
                .take_while(|w| w.acked > sent)
                .any(|w| w.delivery && w.sent < received);
        Verdicts {
            claims: 1,
            stale_strict: u64::from(known_at(sent) <= 1 && !delivery_overlaps),
            stale_upper: u64::from(known_at(received) <= 1),
        }
    }

    /// Each tracked site's last acknowledged stock.
    pub fn last_known(&self) -> Vec<(String, Option<i64>)> {
        self.index
            .iter()
            .map(|(code, &i)| {
                let site = self.sites[i].lock().unwrap_or_else(|p| p.into_inner());
                (code.clone(), site.writes.last().map(|w| w.on_hand))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn at(base: Instant, ms: u64) -> Instant {
        base + Duration::from_millis(ms)
    }

    #[test]
    fn a_claim_after_a_sell_out_was_acknowledged_is_stale() {
        let t = Instant::now();
        let truth = Truth::new(["A".to_owned()]);
        truth.acknowledged("A", at(t, 0), at(t, 1), 50, true);
        truth.acknowledged("A", at(t, 10), at(t, 12), 1, false);
        // Read sent before the sale was acknowledged: at most an upper-bound staleness.
        let racing = truth.judge("A", Some("some"), at(t, 11), at(t, 13));
        assert_eq!((racing.stale_strict, racing.stale_upper), (0, 1));
        // Read sent after: stale for certain.
        let late = truth.judge("A", Some("few"), at(t, 20), at(t, 21));
        assert_eq!((late.claims, late.stale_strict, late.stale_upper), (1, 1, 1));
        // "empty" is the truth, and untracked stores are not judged.
        assert_eq!(truth.judge("A", Some("empty"), at(t, 20), at(t, 21)).claims, 0);
        assert_eq!(truth.judge("B", Some("plenty"), at(t, 20), at(t, 21)).claims, 0);
    }

    #[test]
    fn a_delivery_overlapping_the_read_clears_a_strict_verdict() {
        let t = Instant::now();
        let truth = Truth::new(["A".to_owned()]);
        truth.acknowledged("A", at(t, 0), at(t, 1), 0, true);
        truth.delivery_sent("A", at(t, 30));
        assert_eq!(truth.judge("A", Some("plenty"), at(t, 31), at(t, 32)).stale_strict, 0);
        truth.acknowledged("A", at(t, 30), at(t, 33), 100, true);
        let after = truth.judge("A", Some("plenty"), at(t, 31), at(t, 40));
        assert_eq!((after.stale_strict, after.stale_upper), (0, 0));
        assert_eq!(truth.judge("A", Some("plenty"), at(t, 50), at(t, 51)).stale_strict, 0);
    }
}
