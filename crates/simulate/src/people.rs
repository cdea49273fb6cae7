//! The people who come to the counter: valid resident numbers, each person new unless they
//! come back after using their quota, in a launch-morning mix with some who must be refused.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use chrono::{Datelike, Duration, NaiveDate};
use rand::Rng;

use maskportal::domain::resident_id::valid_rrn;

/// Birth years whose last digit (3 or 8) may buy on a Wednesday: adults of every age.
const WEDNESDAY_YEARS: [i32; 12] = [1943, 1948, 1953, 1958, 1963, 1968, 1973, 1978, 1983, 1988, 1993, 1998];
/// Birth years that may not buy on a Wednesday.
const OTHER_DAY_YEARS: [i32; 8] = [1951, 1962, 1964, 1975, 1979, 1986, 1990, 1997];
/// Children bought for by a parent; their own rotation day (3, 8) is Wednesday.
const CHILD_YEARS: [i32; 2] = [2013, 2018];

/// Who a clerk is facing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Visit {
    /// May buy today: `quantity` of their 2.
    Buyer { resident_id: String, quantity: u32 },
    /// A parent buying a child's masks (on the child's rotation day).
    Proxy { resident_id: String, child: String, quantity: u32 },
    /// Not their rotation day: eligibility refuses.
    WrongDay { resident_id: String },
    /// Bought their 2 already this week (elsewhere, perhaps): eligibility refuses.
    Again { resident_id: String },
    /// The clerk mistyped the number: the check digit catches it (a 400, not a refusal).
    Mistyped { resident_id: String },
}

impl Visit {
    pub fn resident_id(&self) -> &str {
        match self {
            Visit::Buyer { resident_id, .. }
            | Visit::Proxy { resident_id, .. }
            | Visit::WrongDay { resident_id }
            | Visit::Again { resident_id }
            | Visit::Mistyped { resident_id } => resident_id,
        }
    }
}

/// Hands out people; every new person has a number nobody else has.
#[derive(Debug, Default)]
pub struct People {
    next: AtomicU64,
    /// Some of those who used their weekly quota, to come back and be refused.
    spent: Mutex<Vec<String>>,
}

const SPENT_KEPT: usize = 10_000;

impl People {
    /// A launch-morning visitor: mostly buyers, some refused, a few mistyped.
    pub fn visit(&self, rng: &mut impl Rng) -> Visit {
        let roll: f64 = rng.random();
        let quantity = if rng.random_bool(0.8) { 2 } else { 1 };
        if roll < 0.75 {
            Visit::Buyer { resident_id: self.new_buyer(), quantity }
        } else if roll < 0.80 {
            Visit::Proxy { resident_id: self.new_buyer(), child: self.new_child(), quantity }
        } else if roll < 0.90 {
            Visit::WrongDay { resident_id: person(self.serial(), &OTHER_DAY_YEARS, [1, 2]) }
        } else if roll < 0.98 {
            match self.returning(rng) {
                Some(resident_id) => Visit::Again { resident_id },
                None => Visit::Buyer { resident_id: self.new_buyer(), quantity },
            }
        } else {
            Visit::Mistyped { resident_id: mistype(&self.new_buyer()) }
        }
    }

    /// A person who may buy today and has bought nothing this week.
    pub fn new_buyer(&self) -> String {
        person(self.serial(), &WEDNESDAY_YEARS, [1, 2])
    }

    fn new_child(&self) -> String {
        person(self.serial(), &CHILD_YEARS, [3, 4])
    }

    /// Remembers a person whose weekly quota is used up.
    pub fn spent(&self, resident_id: String) {
        let mut spent = self.spent.lock().unwrap_or_else(|p| p.into_inner());
        if spent.len() < SPENT_KEPT {
            spent.push(resident_id);
        }
    }

    fn returning(&self, rng: &mut impl Rng) -> Option<String> {
        let spent = self.spent.lock().unwrap_or_else(|p| p.into_inner());
        (!spent.is_empty()).then(|| spent[rng.random_range(0..spent.len())].clone())
    }

    fn serial(&self) -> u64 {
        self.next.fetch_add(1, Ordering::Relaxed)
    }
}

/// The `n`th person born in one of `years`, with a seventh digit from `g` (which must match
/// the century): distinct `n` give distinct numbers for 876 million people.
fn person(n: u64, years: &[i32], g: [u8; 2]) -> String {
    let count = years.len() as u64;
    let year = years[(n % count) as usize];
    let rest = n / count;
    let day = rest % 365;
    let rest = rest / 365;
    let g = g[(rest % 2) as usize];
    let serial = (rest / 2) % 100_000;
    let first = NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or_default();
    let birth = first + Duration::days(day as i64);
    debug_assert_eq!(birth.year(), year);
    valid_rrn(birth, g, serial as u32)
}

/// The same number with its check digit changed, so it no longer checks.
fn mistype(resident_id: &str) -> String {
    let mut chars: Vec<char> = resident_id.chars().collect();
    if let Some(last) = chars.last_mut() {
        let digit = last.to_digit(10).unwrap_or(0);
        *last = char::from_digit((digit + 1) % 10, 10).unwrap_or('0');
    }
    chars.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use maskportal::domain::resident_id::ResidentId;

    #[test]
    fn new_people_are_distinct_valid_and_born_in_a_wednesday_year() {
        let people = People::default();
        let ids: Vec<String> = (0..5_000).map(|_| people.new_buyer()).collect();
        let distinct: std::collections::HashSet<&String> = ids.iter().collect();
        assert_eq!(distinct.len(), ids.len());
        for id in &ids {
            let parsed = ResidentId::parse(id).unwrap();
            assert!([3, 8].contains(&(parsed.birth_year().get() % 10)), "{id}");
        }
    }

    #[test]
    fn a_mistyped_number_fails_its_check_digit() {
        let people = People::default();
        let typo = mistype(&people.new_buyer());
        assert_eq!(ResidentId::parse(&typo).err().map(|e| e.code()), Some("resident_id_checksum"));
    }

    #[test]
    fn children_are_born_in_the_2010s_and_others_on_other_days() {
        let child = ResidentId::parse(&person(7, &CHILD_YEARS, [3, 4])).unwrap();
        assert!(child.birth_year().get() >= 2010);
        let other = ResidentId::parse(&person(7, &OTHER_DAY_YEARS, [1, 2])).unwrap();
        assert!(![3, 8].contains(&(other.birth_year().get() % 10)));
    }
}
