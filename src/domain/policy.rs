//! The rationing policy as data: dated periods of quota, rotation and proxy rules, from TOML.
//!
//! A policy is read and checked once, so the rules can trust it. A file reads like this (every
//! key is checked; an unknown key is an error):
//!
//! ```toml
//! name = "Korea, launch rules"
//! accept_1800s = false            # optional, default false: refuse seventh digits 9 and 0
//!
//! [[period]]                      # one table per period, in order of `from`
//! from = 2020-03-09               # KST date it starts; it lasts until the next period's `from`
//! label = "Birth-year rotation, 2 a week"
//! id_check = true                 # may be false only with no quota, rotation or proxy rules
//! weekly_quota = 2                # masks per person per Mon–Sun week (1–1000) or "unlimited"
//! quota_by_birth_year = [         # optional overrides; born_from/born_to inclusive, either
//!     { born_from = 2002, weekly_quota = 5 },   # may be left out; bands must not overlap
//! ]
//!
//! [period.rotation]               # optional: without it, any day is a selling day
//! by = "birth_year_last_digit"    # or "id_last_digit"
//! mon = [1, 6]                    # digits that may buy that day, or "any";
//! tue = [2, 7]                    # a day left out has no sales at all
//! sat = "any"
//!
//! [period.proxy]                  # optional: without it, nobody may be bought for
//! elderly_born_on_or_before = 1940
//! children_born_on_or_after = 2010
//! categories = ["care_recipient", "disabled"]
//! day = "target"                  # the target's rotation day, or "buyer_or_target"
//! ```

use std::fmt;

use chrono::{NaiveDate, Weekday};
use serde::de::{self, Deserializer, SeqAccess, Unexpected, Visitor};
use serde::Deserialize;

use crate::domain::calendar::WEEKDAYS;
use crate::domain::resident_id::{BirthYear, Person};

/// A checked rationing policy: at least one period, in strictly increasing order of start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    name: String,
    accept_1800s: bool,
    periods: Vec<Period>,
}

/// The rules in force from one date until the next period starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Period {
    from: NaiveDate,
    label: String,
    id_check: bool,
    weekly_quota: WeeklyQuota,
    quota_bands: Vec<QuotaBand>,
    rotation: Option<Rotation>,
    proxy: Option<ProxyRules>,
}

/// How many masks one person may buy in a Monday-to-Sunday week.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WeeklyQuota {
    /// At most this many, 1 to 1000.
    Limited(u32),
    /// No limit.
    Unlimited,
}

/// A weekly quota that applies to those born within a range of years instead of the default.
#[derive(Debug, Clone, PartialEq, Eq)]
struct QuotaBand {
    born_from: BirthYear,
    born_to: BirthYear,
    weekly_quota: WeeklyQuota,
}

/// Which days each digit may buy on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rotation {
    by: RotationKey,
    /// Indexed from Monday; an empty set means no sales that day.
    days: [DigitSet; 7],
}

/// The digit of a person that a rotation is keyed on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RotationKey {
    /// The last digit of the birth year (Korea's 5부제: 1985 → 5).
    BirthYearLastDigit,
    /// The last digit of the identity number (Taiwan-style odd/even days).
    IdLastDigit,
}

/// A set of decimal digits, 0–9.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct DigitSet(u16);

/// Who may be bought for by someone else, and on whose rotation day.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ProxyRules {
    elderly_born_on_or_before: Option<BirthYear>,
    children_born_on_or_after: Option<BirthYear>,
    categories: Vec<ProxyCategory>,
    day: ProxyDay,
}

/// A documented condition that lets someone else buy for a person of any age.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProxyCategory {
    CareRecipient,
    Disabled,
}

/// On whose rotation day a proxy purchase may be made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProxyDay {
    /// Only on the day of the person bought for.
    Target,
    /// On the buyer's day or the target's.
    BuyerOrTarget,
}

/// Why a policy file was refused.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    #[error("policy is not valid: {0}")]
    Toml(Box<toml::de::Error>),
    #[error("policy `name` must not be empty")]
    EmptyName,
    #[error("policy has no [[period]]")]
    NoPeriods,
    #[error("period {number} ({label:?}): {error}")]
    Period { number: usize, label: String, error: PeriodError },
}

/// What is wrong within one period.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PeriodError {
    #[error("`from` must be a plain date such as 2020-03-09, without a time or offset")]
    NotADate,
    #[error("it starts on {from}, which is not after the previous period's start ({previous})")]
    NotAfterPrevious { from: NaiveDate, previous: NaiveDate },
    #[error("`label` must not be empty")]
    EmptyLabel,
    #[error("weekly quota {value} is not between 1 and {max}; write \"unlimited\" for no limit", max = MAX_WEEKLY_QUOTA)]
    Quota { value: i64 },
    #[error("a quota_by_birth_year band needs `born_from`, `born_to` or both")]
    UnboundedBand,
    #[error("a quota_by_birth_year band runs backwards, from {born_from} to {born_to}")]
    BackwardBand { born_from: BirthYear, born_to: BirthYear },
    #[error("quota_by_birth_year bands overlap, so a birth year would have two quotas")]
    OverlappingBands,
    #[error("digit {digit} on {day} is not 0–9")]
    Digit { day: Weekday, digit: i64 },
    #[error("digit {digit} is listed twice on {day}")]
    DuplicateDigit { day: Weekday, digit: u8 },
    #[error("{day} lists no digits; leave the day out for no sales, or write \"any\"")]
    EmptyDay { day: Weekday },
    #[error("the proxy rules name nobody who may be bought for")]
    ProxyNamesNobody,
    #[error("without id_check no one can be held to a quota, rotation or proxy rule")]
    UncheckedLimits,
}

/// A weekly ration above this is a typo, not a policy.
const MAX_WEEKLY_QUOTA: u32 = 1_000;

impl Policy {
    /// Reads and checks a policy file's text.
    pub fn from_toml_str(text: &str) -> Result<Self, PolicyError> {
        let raw: RawPolicy = toml::from_str(text).map_err(|e| PolicyError::Toml(Box::new(e)))?;
        let name = raw.name.trim();
        if name.is_empty() {
            return Err(PolicyError::EmptyName);
        }
        if raw.periods.is_empty() {
            return Err(PolicyError::NoPeriods);
        }

        let mut periods: Vec<Period> = Vec::with_capacity(raw.periods.len());
        for (index, raw) in raw.periods.into_iter().enumerate() {
            let label = raw.label.clone();
            let period = Period::from_raw(raw).and_then(|period| match periods.last() {
                Some(previous) if period.from <= previous.from => {
                    Err(PeriodError::NotAfterPrevious { from: period.from, previous: previous.from })
                }
                _ => Ok(period),
            });
            let period = period.map_err(|error| PolicyError::Period { number: index + 1, label, error })?;
            periods.push(period);
        }
        Ok(Self { name: name.to_owned(), accept_1800s: raw.accept_1800s, periods })
    }

    /// The default policy: the March 2020 launch rules with no end date.
    pub fn korea_launch() -> Result<Self, PolicyError> {
        Self::from_toml_str(include_str!("../../policies/korea-launch.toml"))
    }

    /// The policy's name, for logs and the health check.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether numbers of people born in the 1800s (seventh digit 9 or 0) are accepted. Nobody
    /// born then was alive in 2020, so such a number at the counter is a mistake or made up.
    pub fn accept_1800s(&self) -> bool {
        self.accept_1800s
    }

    /// Every period, in order of start; never empty.
    pub fn periods(&self) -> &[Period] {
        &self.periods
    }

    /// The period in force on a KST date, or `None` before the first one starts.
    pub fn period_on(&self, date: NaiveDate) -> Option<&Period> {
        let started = self.periods.partition_point(|period| period.from <= date);
        started.checked_sub(1).and_then(|last| self.periods.get(last))
    }
}

impl Period {
    /// The first KST date of the period (`from` in the file).
    pub fn starts_on(&self) -> NaiveDate {
        self.from
    }

    /// What the period is called in logs and answers.
    pub fn label(&self) -> &str {
        &self.label
    }

    /// Whether each buyer's identity must be checked (and so can be counted).
    pub fn id_check(&self) -> bool {
        self.id_check
    }

    /// The weekly quota of a person born in `birth_year`.
    pub fn weekly_quota(&self, birth_year: BirthYear) -> WeeklyQuota {
        self.quota_bands
            .iter()
            .find(|band| (band.born_from..=band.born_to).contains(&birth_year))
            .map_or(self.weekly_quota, |band| band.weekly_quota)
    }

    /// The rotation, or `None` when any day is a selling day.
    pub fn rotation(&self) -> Option<&Rotation> {
        self.rotation.as_ref()
    }

    /// The proxy rules, or `None` when nobody may be bought for.
    pub fn proxy(&self) -> Option<&ProxyRules> {
        self.proxy.as_ref()
    }

    fn from_raw(raw: RawPeriod) -> Result<Self, PeriodError> {
        let from = plain_date(raw.from).ok_or(PeriodError::NotADate)?;
        let label = raw.label.trim();
        if label.is_empty() {
            return Err(PeriodError::EmptyLabel);
        }
        let weekly_quota = raw.weekly_quota.check()?;
        let quota_bands: Vec<QuotaBand> =
            raw.quota_by_birth_year.into_iter().map(QuotaBand::from_raw).collect::<Result<_, _>>()?;
        check_no_overlap(&quota_bands)?;
        let rotation = raw.rotation.map(Rotation::from_raw).transpose()?;
        let proxy = raw.proxy.map(ProxyRules::from_raw).transpose()?;

        let has_limits = weekly_quota != WeeklyQuota::Unlimited
            || !quota_bands.is_empty()
            || rotation.is_some()
            || proxy.is_some();
        if !raw.id_check && has_limits {
            return Err(PeriodError::UncheckedLimits);
        }

        Ok(Self {
            from,
            label: label.to_owned(),
            id_check: raw.id_check,
            weekly_quota,
            quota_bands,
            rotation,
            proxy,
        })
    }
}

/// A TOML date with no time or offset, as a calendar date.
fn plain_date(value: toml::value::Datetime) -> Option<NaiveDate> {
    if value.time.is_some() || value.offset.is_some() {
        return None;
    }
    let date = value.date?;
    NaiveDate::from_ymd_opt(i32::from(date.year), u32::from(date.month), u32::from(date.day))
}

impl WeeklyQuota {
    /// The number of masks, or `None` when unlimited.
    pub fn limit(self) -> Option<u32> {
        match self {
            Self::Limited(count) => Some(count),
            Self::Unlimited => None,
        }
    }
}

impl QuotaBand {
    fn from_raw(raw: RawBand) -> Result<Self, PeriodError> {
        if raw.born_from.is_none() && raw.born_to.is_none() {
            return Err(PeriodError::UnboundedBand);
        }
        let born_from = raw.born_from.unwrap_or(BirthYear::new(u16::MIN));
        let born_to = raw.born_to.unwrap_or(BirthYear::new(u16::MAX));
        if born_from > born_to {
            return Err(PeriodError::BackwardBand { born_from, born_to });
        }
        Ok(Self { born_from, born_to, weekly_quota: raw.weekly_quota.check()? })
    }
}

fn check_no_overlap(bands: &[QuotaBand]) -> Result<(), PeriodError> {
    let overlap = |a: &QuotaBand, b: &QuotaBand| a.born_from.max(b.born_from) <= a.born_to.min(b.born_to);
    let any_overlap = bands
        .iter()
        .enumerate()
        .any(|(index, band)| bands.iter().skip(index + 1).any(|other| overlap(band, other)));
    if any_overlap {
        Err(PeriodError::OverlappingBands)
    } else {
        Ok(())
    }
}

impl Rotation {
    /// What a person's rotation digit is taken from.
    pub fn by(&self) -> RotationKey {
        self.by
    }

    /// The digits that may buy on a day of the week; empty when nobody may.
    pub fn digits_on(&self, day: Weekday) -> DigitSet {
        self.days[usize::try_from(day.num_days_from_monday()).unwrap_or(0)]
    }

    fn from_raw(raw: RawRotation) -> Result<Self, PeriodError> {
        let RawRotation { by, mon, tue, wed, thu, fri, sat, sun } = raw;
        let mut days = [DigitSet::NONE; 7];
        for ((slot, day), listed) in days.iter_mut().zip(WEEKDAYS).zip([mon, tue, wed, thu, fri, sat, sun]) {
            *slot = match listed {
                None => DigitSet::NONE,
                Some(RawDay::Any) => DigitSet::ALL,
                Some(RawDay::Digits(digits)) => DigitSet::from_listed(day, &digits)?,
            };
        }
        Ok(Self { by, days })
    }
}

impl RotationKey {
    /// The digit of `person` that this key picks.
    pub fn digit_of(self, person: &Person) -> u8 {
        match self {
            Self::BirthYearLastDigit => person.birth_year().last_digit(),
            Self::IdLastDigit => person.id_last_digit(),
        }
    }
}

impl DigitSet {
    /// No digit: nobody may buy.
    pub const NONE: Self = Self(0);
    /// Every digit: anyone may buy.
    pub const ALL: Self = Self(0b11_1111_1111);

    /// Whether `digit` is in the set; never true for a value above 9.
    pub fn contains(self, digit: u8) -> bool {
        digit <= 9 && self.0 & (1 << digit) != 0
    }

    /// The digits in ascending order.
    pub fn to_vec(self) -> Vec<u8> {
        (0..=9).filter(|&digit| self.contains(digit)).collect()
    }

    /// The set named by a day's list in a policy file, each digit 0–9 and listed once.
    fn from_listed(day: Weekday, listed: &[i64]) -> Result<Self, PeriodError> {
        if listed.is_empty() {
            return Err(PeriodError::EmptyDay { day });
        }
        let mut set = Self::NONE;
        for &value in listed {
            let digit = u8::try_from(value)
                .ok()
                .filter(|&digit| digit <= 9)
                .ok_or(PeriodError::Digit { day, digit: value })?;
            if set.contains(digit) {
                return Err(PeriodError::DuplicateDigit { day, digit });
            }
            set.0 |= 1 << digit;
        }
        Ok(set)
    }
}

impl fmt::Debug for DigitSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.to_vec()).finish()
    }
}

impl ProxyRules {
    /// Whether someone else may buy for a person born in `birth_year`, flagged with `category`.
    pub fn may_buy_for(&self, birth_year: BirthYear, category: Option<ProxyCategory>) -> bool {
        self.elderly_born_on_or_before.is_some_and(|last| birth_year <= last)
            || self.children_born_on_or_after.is_some_and(|first| birth_year >= first)
            || category.is_some_and(|category| self.categories.contains(&category))
    }

    /// On whose rotation day a proxy purchase may be made.
    pub fn day(&self) -> ProxyDay {
        self.day
    }

    fn from_raw(raw: RawProxy) -> Result<Self, PeriodError> {
        let names_somebody = raw.elderly_born_on_or_before.is_some()
            || raw.children_born_on_or_after.is_some()
            || !raw.categories.is_empty();
        if !names_somebody {
            return Err(PeriodError::ProxyNamesNobody);
        }
        Ok(Self {
            elderly_born_on_or_before: raw.elderly_born_on_or_before,
            children_born_on_or_after: raw.children_born_on_or_after,
            categories: raw.categories,
            day: raw.day,
        })
    }
}

// The file's shape, as read before any checks.

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPolicy {
    name: String,
    #[serde(default)]
    accept_1800s: bool,
    #[serde(default, rename = "period")]
    periods: Vec<RawPeriod>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPeriod {
    from: toml::value::Datetime,
    label: String,
    id_check: bool,
    weekly_quota: RawQuota,
    #[serde(default)]
    quota_by_birth_year: Vec<RawBand>,
    rotation: Option<RawRotation>,
    proxy: Option<RawProxy>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBand {
    born_from: Option<BirthYear>,
    born_to: Option<BirthYear>,
    weekly_quota: RawQuota,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRotation {
    by: RotationKey,
    mon: Option<RawDay>,
    tue: Option<RawDay>,
    wed: Option<RawDay>,
    thu: Option<RawDay>,
    fri: Option<RawDay>,
    sat: Option<RawDay>,
    sun: Option<RawDay>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProxy {
    elderly_born_on_or_before: Option<BirthYear>,
    children_born_on_or_after: Option<BirthYear>,
    #[serde(default)]
    categories: Vec<ProxyCategory>,
    day: ProxyDay,
}

/// `weekly_quota`: a count, range-checked later so the error can name the period.
enum RawQuota {
    Count(i64),
    Unlimited,
}

impl RawQuota {
    fn check(self) -> Result<WeeklyQuota, PeriodError> {
        match self {
            Self::Unlimited => Ok(WeeklyQuota::Unlimited),
            Self::Count(value) => u32::try_from(value)
                .ok()
                .filter(|count| (1..=MAX_WEEKLY_QUOTA).contains(count))
                .map(WeeklyQuota::Limited)
                .ok_or(PeriodError::Quota { value }),
        }
    }
}

impl<'de> Deserialize<'de> for RawQuota {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct QuotaVisitor;

        impl Visitor<'_> for QuotaVisitor {
            type Value = RawQuota;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(r#"a number of masks or "unlimited""#)
            }

            fn visit_i64<E: de::Error>(self, value: i64) -> Result<RawQuota, E> {
                Ok(RawQuota::Count(value))
            }

            fn visit_str<E: de::Error>(self, word: &str) -> Result<RawQuota, E> {
                match word {
                    "unlimited" => Ok(RawQuota::Unlimited),
                    _ => Err(E::invalid_value(Unexpected::Str(word), &self)),
                }
            }
        }

        deserializer.deserialize_any(QuotaVisitor)
    }
}

/// One weekday of a rotation: its digits, range-checked later, or `"any"`.
enum RawDay {
    Any,
    Digits(Vec<i64>),
}

impl<'de> Deserialize<'de> for RawDay {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct DayVisitor;

        impl<'de> Visitor<'de> for DayVisitor {
            type Value = RawDay;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(r#"a list of digits such as [1, 6], or "any""#)
            }

            fn visit_str<E: de::Error>(self, word: &str) -> Result<RawDay, E> {
                match word {
                    "any" => Ok(RawDay::Any),
                    _ => Err(E::invalid_value(Unexpected::Str(word), &self)),
                }
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<RawDay, A::Error> {
                let mut digits = Vec::new();
                while let Some(digit) = seq.next_element()? {
                    digits.push(digit);
                }
                Ok(RawDay::Digits(digits))
            }
        }

        deserializer.deserialize_any(DayVisitor)
    }
}

/// The rules as a counter page reads them, to check sales while it cannot reach the server:
/// the same facts as the policy file, every day of a rotation spelled out.
mod published {
    use serde::ser::{SerializeMap, SerializeStruct};
    use serde::{Serialize, Serializer};

    use super::{DigitSet, Period, QuotaBand, Rotation, WeeklyQuota};
    use crate::domain::calendar::WEEKDAYS;

    impl Serialize for Period {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            let mut period = serializer.serialize_struct("Period", 7)?;
            period.serialize_field("from", &self.from)?;
            period.serialize_field("label", &self.label)?;
            period.serialize_field("id_check", &self.id_check)?;
            period.serialize_field("weekly_quota", &self.weekly_quota)?;
            period.serialize_field("quota_by_birth_year", &self.quota_bands)?;
            period.serialize_field("rotation", &self.rotation)?;
            period.serialize_field("proxy", &self.proxy)?;
            period.end()
        }
    }

    /// A number of masks, or `null` for no limit.
    impl Serialize for WeeklyQuota {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            self.limit().serialize(serializer)
        }
    }

    /// An open end of the range is `null`.
    impl Serialize for QuotaBand {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            let bound = |year: super::BirthYear, open: u16| (year.get() != open).then_some(year);
            let mut band = serializer.serialize_struct("QuotaBand", 3)?;
            band.serialize_field("born_from", &bound(self.born_from, u16::MIN))?;
            band.serialize_field("born_until", &bound(self.born_to, u16::MAX))?;
            band.serialize_field("weekly_quota", &self.weekly_quota)?;
            band.end()
        }
    }

    impl Serialize for Rotation {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            struct Days<'a>(&'a Rotation);
            impl Serialize for Days<'_> {
                fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                    let mut days = serializer.serialize_map(Some(WEEKDAYS.len()))?;
                    for day in WEEKDAYS {
                        days.serialize_entry(&day.to_string().to_lowercase(), &self.0.digits_on(day))?;
                    }
                    days.end()
                }
            }
            let mut rotation = serializer.serialize_struct("Rotation", 2)?;
            rotation.serialize_field("by", &self.by)?;
            rotation.serialize_field("days", &Days(self))?;
            rotation.end()
        }
    }

    impl Serialize for DigitSet {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            self.to_vec().serialize(serializer)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KOREA_2020: &str = include_str!("../../policies/korea-2020.toml");

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn year(y: u16) -> BirthYear {
        BirthYear::new(y)
    }

    /// A one-period policy whose period is `body` (TOML keys after `from` and `label`).
    fn one_period(body: &str) -> Result<Policy, PolicyError> {
        Policy::from_toml_str(&format!(
            "name = \"test\"\n[[period]]\nfrom = 2020-03-09\nlabel = \"test\"\n{body}"
        ))
    }

    fn period_error(result: Result<Policy, PolicyError>) -> PeriodError {
        match result {
            Err(PolicyError::Period { error, .. }) => error,
            other => panic!("expected a period error, got {other:?}"),
        }
    }

    fn toml_error(result: Result<Policy, PolicyError>) -> String {
        match result {
            Err(error @ PolicyError::Toml(_)) => error.to_string(),
            other => panic!("expected a TOML error, got {other:?}"),
        }
    }

    #[test]
    fn the_launch_policy_is_the_march_2020_rotation_with_no_end() {
        let policy = Policy::korea_launch().unwrap();
        assert_eq!(policy.periods().len(), 1);
        let period = policy.period_on(date(2030, 1, 1)).unwrap();
        assert_eq!(period.starts_on(), date(2020, 3, 9));
        assert!(period.id_check());
        assert_eq!(period.weekly_quota(year(1985)), WeeklyQuota::Limited(2));
        assert_eq!(period.weekly_quota(year(2015)), WeeklyQuota::Limited(2));

        let rotation = period.rotation().unwrap();
        assert_eq!(rotation.by(), RotationKey::BirthYearLastDigit);
        const ANYONE: &[u8] = &[0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
        let expected: [&[u8]; 7] = [&[1, 6], &[2, 7], &[3, 8], &[4, 9], &[0, 5], ANYONE, ANYONE];
        for (day, digits) in WEEKDAYS.into_iter().zip(expected) {
            assert_eq!(rotation.digits_on(day).to_vec(), digits, "{day}");
        }

        let proxy = period.proxy().unwrap();
        assert_eq!(proxy.day(), ProxyDay::Target);
        assert!(proxy.may_buy_for(year(1940), None));
        assert!(proxy.may_buy_for(year(2010), None));
        assert!(proxy.may_buy_for(year(1985), Some(ProxyCategory::CareRecipient)));
        assert!(proxy.may_buy_for(year(1985), Some(ProxyCategory::Disabled)));
        assert!(!proxy.may_buy_for(year(1985), None));
    }

    #[test]
    fn the_1800s_are_refused_unless_a_policy_says_otherwise() {
        assert!(!Policy::korea_launch().unwrap().accept_1800s());
        assert!(!Policy::from_toml_str(KOREA_2020).unwrap().accept_1800s());
        assert!(!one_period("id_check = true\nweekly_quota = 2").unwrap().accept_1800s());

        let with = |value: &str| {
            Policy::from_toml_str(&format!(
                "name = \"x\"\naccept_1800s = {value}\n[[period]]\nfrom = 2020-03-09\nlabel = \"x\"\nid_check = true\nweekly_quota = 2"
            ))
        };
        assert!(with("true").unwrap().accept_1800s());
        assert!(!with("false").unwrap().accept_1800s());
        assert!(toml_error(with("\"yes\"")).contains("bool"));
    }

    #[test]
    fn no_period_is_in_force_before_the_first_one_starts() {
        let policy = Policy::korea_launch().unwrap();
        assert!(policy.period_on(date(2020, 3, 8)).is_none());
        assert!(policy.period_on(date(2020, 3, 9)).is_some());
    }

    #[test]
    fn the_2020_timeline_switches_periods_on_their_first_day() {
        let policy = Policy::from_toml_str(KOREA_2020).unwrap();
        let cases = [
            (date(2020, 3, 8), None),
            (date(2020, 3, 9), Some(date(2020, 3, 9))),
            (date(2020, 4, 26), Some(date(2020, 3, 9))),
            (date(2020, 4, 27), Some(date(2020, 4, 27))),
            (date(2020, 5, 31), Some(date(2020, 4, 27))),
            (date(2020, 6, 1), Some(date(2020, 6, 1))),
            (date(2020, 6, 18), Some(date(2020, 6, 18))),
            (date(2020, 7, 7), Some(date(2020, 6, 18))),
            (date(2020, 7, 8), Some(date(2020, 7, 8))),
            (date(2020, 7, 11), Some(date(2020, 7, 8))),
            (date(2020, 7, 12), Some(date(2020, 7, 12))),
            (date(2031, 1, 1), Some(date(2020, 7, 12))),
        ];
        for (on, started) in cases {
            assert_eq!(policy.period_on(on).map(Period::starts_on), started, "{on}");
        }
    }

    #[test]
    fn the_2020_timeline_carries_each_periods_rules() {
        let policy = Policy::from_toml_str(KOREA_2020).unwrap();
        let on = |y, m, d| policy.period_on(date(y, m, d)).unwrap();

        assert_eq!(on(2020, 3, 9).weekly_quota(year(1985)), WeeklyQuota::Limited(2));
        assert_eq!(on(2020, 3, 9).proxy().unwrap().day(), ProxyDay::Target);

        assert_eq!(on(2020, 4, 27).weekly_quota(year(1985)), WeeklyQuota::Limited(3));
        assert_eq!(on(2020, 4, 27).proxy().unwrap().day(), ProxyDay::BuyerOrTarget);
        assert!(on(2020, 4, 27).rotation().is_some());

        let june = on(2020, 6, 1);
        assert!(june.rotation().is_none());
        assert_eq!(june.weekly_quota(year(2001)), WeeklyQuota::Limited(3));
        assert_eq!(june.weekly_quota(year(2002)), WeeklyQuota::Limited(5));
        assert_eq!(june.weekly_quota(year(2019)), WeeklyQuota::Limited(5));

        assert_eq!(on(2020, 6, 18).weekly_quota(year(1985)), WeeklyQuota::Limited(10));
        assert_eq!(on(2020, 6, 18).weekly_quota(year(2005)), WeeklyQuota::Limited(10));

        for transition_or_end in [on(2020, 7, 9), on(2020, 7, 12)] {
            assert!(!transition_or_end.id_check());
            assert_eq!(transition_or_end.weekly_quota(year(1985)), WeeklyQuota::Unlimited);
            assert!(transition_or_end.rotation().is_none());
            assert!(transition_or_end.proxy().is_none());
        }
        assert_ne!(on(2020, 7, 9).label(), on(2020, 7, 12).label());
    }

    #[test]
    fn a_taiwan_style_odd_even_rule_is_expressible_as_data() {
        let policy = one_period(
            r#"
            id_check = true
            weekly_quota = 2
            [period.rotation]
            by = "id_last_digit"
            mon = [1, 3, 5, 7, 9]
            wed = [1, 3, 5, 7, 9]
            fri = [1, 3, 5, 7, 9]
            tue = [0, 2, 4, 6, 8]
            thu = [0, 2, 4, 6, 8]
            sat = [0, 2, 4, 6, 8]
            sun = "any"
            "#,
        )
        .unwrap();
        let rotation = policy.periods()[0].rotation().unwrap();
        assert_eq!(rotation.by(), RotationKey::IdLastDigit);
        for day in WEEKDAYS {
            for digit in 0..=9u8 {
                let expected = match day {
                    Weekday::Sun => true,
                    Weekday::Mon | Weekday::Wed | Weekday::Fri => digit % 2 == 1,
                    _ => digit % 2 == 0,
                };
                assert_eq!(rotation.digits_on(day).contains(digit), expected, "{day} {digit}");
            }
        }
    }

    #[test]
    fn a_rotation_keys_on_the_birth_year_or_the_id_digit() {
        let person = Person::new(year(1985), 2).unwrap();
        assert_eq!(RotationKey::BirthYearLastDigit.digit_of(&person), 5);
        assert_eq!(RotationKey::IdLastDigit.digit_of(&person), 2);
    }

    #[test]
    fn a_day_left_out_of_the_rotation_has_no_sales() {
        let policy = one_period(
            "id_check = true\nweekly_quota = 2\n[period.rotation]\nby = \"id_last_digit\"\nmon = \"any\"",
        )
        .unwrap();
        let rotation = policy.periods()[0].rotation().unwrap();
        assert_eq!(rotation.digits_on(Weekday::Mon), DigitSet::ALL);
        assert_eq!(rotation.digits_on(Weekday::Tue), DigitSet::NONE);
        assert!(rotation.digits_on(Weekday::Tue).to_vec().is_empty());
    }

    #[test]
    fn text_that_is_not_toml_is_refused_with_its_position() {
        let message = toml_error(Policy::from_toml_str("name = \"x\"\n[[period]\nfrom = 2020"));
        assert!(message.contains("line 2"), "{message}");
    }

    #[test]
    fn a_policy_needs_a_name_and_a_period() {
        assert!(matches!(Policy::from_toml_str("name = \"  \""), Err(PolicyError::EmptyName)));
        assert!(matches!(Policy::from_toml_str("name = \"x\""), Err(PolicyError::NoPeriods)));
    }

    #[test]
    fn periods_out_of_order_or_on_the_same_day_are_refused() {
        let period = |from: &str| {
            format!("[[period]]\nfrom = {from}\nlabel = \"{from}\"\nid_check = true\nweekly_quota = 2\n")
        };
        let policy = |froms: &[&str]| {
            let periods: String = froms.iter().map(|from| period(from)).collect();
            Policy::from_toml_str(&format!("name = \"x\"\n{periods}"))
        };

        assert!(policy(&["2020-03-09", "2020-04-27"]).is_ok());
        match policy(&["2020-04-27", "2020-03-09"]) {
            Err(PolicyError::Period { number: 2, error, .. }) => assert_eq!(
                error,
                PeriodError::NotAfterPrevious { from: date(2020, 3, 9), previous: date(2020, 4, 27) }
            ),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            policy(&["2020-03-09", "2020-04-27", "2020-04-27"]),
            Err(PolicyError::Period { number: 3, error: PeriodError::NotAfterPrevious { .. }, .. })
        ));
    }

    #[test]
    fn a_start_with_a_time_or_offset_is_not_a_date() {
        for from in ["2020-03-09T00:00:00", "2020-03-09T00:00:00+09:00", "09:00:00"] {
            let text = format!(
                "name = \"x\"\n[[period]]\nfrom = {from}\nlabel = \"x\"\nid_check = true\nweekly_quota = 2"
            );
            assert_eq!(period_error(Policy::from_toml_str(&text)), PeriodError::NotADate);
        }
    }

    #[test]
    fn rotation_digits_must_be_0_to_9_and_listed_once() {
        let rotation = |mon: &str| {
            one_period(&format!(
                "id_check = true\nweekly_quota = 2\n[period.rotation]\nby = \"birth_year_last_digit\"\nmon = {mon}"
            ))
        };
        assert_eq!(period_error(rotation("[1, 11]")), PeriodError::Digit { day: Weekday::Mon, digit: 11 });
        assert_eq!(period_error(rotation("[-1]")), PeriodError::Digit { day: Weekday::Mon, digit: -1 });
        assert_eq!(
            period_error(rotation("[1, 6, 1]")),
            PeriodError::DuplicateDigit { day: Weekday::Mon, digit: 1 }
        );
        assert_eq!(period_error(rotation("[]")), PeriodError::EmptyDay { day: Weekday::Mon });
        assert!(toml_error(rotation("\"anyone\"")).contains("\"any\""));
        assert!(toml_error(rotation("6")).contains("list of digits"));
    }

    #[test]
    fn an_unknown_weekday_or_key_is_refused() {
        let message = toml_error(one_period(
            "id_check = true\nweekly_quota = 2\n[period.rotation]\nby = \"birth_year_last_digit\"\nmonday = [1, 6]",
        ));
        assert!(message.contains("unknown field `monday`"), "{message}");
        assert!(message.contains("`mon`"), "{message}");

        let message = toml_error(one_period("id_check = true\nweekly_quota = 2\nprice = 1500"));
        assert!(message.contains("unknown field `price`"), "{message}");

        let message = toml_error(one_period(
            "id_check = true\nweekly_quota = 2\n[period.rotation]\nby = \"birth_day\"\nmon = [1]",
        ));
        assert!(message.contains("birth_year_last_digit"), "{message}");
    }

    #[test]
    fn weekly_quotas_must_be_sane() {
        for (value, expected) in [("1", 1), ("1000", 1000)] {
            let policy = one_period(&format!("id_check = true\nweekly_quota = {value}")).unwrap();
            let quota = policy.periods()[0].weekly_quota(year(1985));
            assert_eq!(quota, WeeklyQuota::Limited(expected));
        }
        for value in [0, -2, 1001, 5_000_000_000] {
            let result = one_period(&format!("id_check = true\nweekly_quota = {value}"));
            assert_eq!(period_error(result), PeriodError::Quota { value });
        }
        let message = toml_error(one_period("id_check = true\nweekly_quota = \"lots\""));
        assert!(message.contains("\"unlimited\""), "{message}");
        assert!(toml_error(one_period("id_check = true\nweekly_quota = 2.5")).contains("number"));
    }

    #[test]
    fn birth_year_bands_must_be_bounded_ordered_and_disjoint() {
        let bands = |list: &str| {
            one_period(&format!("id_check = true\nweekly_quota = 3\nquota_by_birth_year = [{list}]"))
        };
        let policy = bands(
            "{ born_to = 1940, weekly_quota = 4 }, { born_from = 2002, born_to = 2009, weekly_quota = 5 }",
        )
        .unwrap();
        let period = &policy.periods()[0];
        assert_eq!(period.weekly_quota(year(1940)), WeeklyQuota::Limited(4));
        assert_eq!(period.weekly_quota(year(1941)), WeeklyQuota::Limited(3));
        assert_eq!(period.weekly_quota(year(2002)), WeeklyQuota::Limited(5));
        assert_eq!(period.weekly_quota(year(2009)), WeeklyQuota::Limited(5));
        assert_eq!(period.weekly_quota(year(2010)), WeeklyQuota::Limited(3));

        assert_eq!(period_error(bands("{ weekly_quota = 5 }")), PeriodError::UnboundedBand);
        assert_eq!(
            period_error(bands("{ born_from = 2010, born_to = 2002, weekly_quota = 5 }")),
            PeriodError::BackwardBand { born_from: year(2010), born_to: year(2002) }
        );
        assert_eq!(
            period_error(bands(
                "{ born_from = 2002, weekly_quota = 5 }, { born_from = 1990, born_to = 2002, weekly_quota = 4 }"
            )),
            PeriodError::OverlappingBands
        );
        assert_eq!(
            period_error(bands("{ born_from = 2002, weekly_quota = 0 }")),
            PeriodError::Quota { value: 0 }
        );
    }

    #[test]
    fn proxy_rules_must_name_somebody() {
        let result = one_period("id_check = true\nweekly_quota = 2\n[period.proxy]\nday = \"target\"");
        assert_eq!(period_error(result), PeriodError::ProxyNamesNobody);
    }

    #[test]
    fn without_an_id_check_a_period_cannot_set_limits() {
        for limits in [
            "weekly_quota = 2",
            "weekly_quota = \"unlimited\"\nquota_by_birth_year = [{ born_from = 2002, weekly_quota = 5 }]",
            "weekly_quota = \"unlimited\"\n[period.rotation]\nby = \"id_last_digit\"\nsun = \"any\"",
            "weekly_quota = \"unlimited\"\n[period.proxy]\nchildren_born_on_or_after = 2010\nday = \"target\"",
        ] {
            let result = one_period(&format!("id_check = false\n{limits}"));
            assert_eq!(period_error(result), PeriodError::UncheckedLimits, "{limits}");
        }
        assert!(one_period("id_check = false\nweekly_quota = \"unlimited\"").is_ok());
    }

    #[test]
    fn errors_name_the_period_by_number_and_label() {
        let message = one_period("id_check = true\nweekly_quota = 0").unwrap_err().to_string();
        assert_eq!(
            message,
            "period 1 (\"test\"): weekly quota 0 is not between 1 and 1000; write \"unlimited\" for no limit"
        );
        let blank_label =
            "name = \"x\"\n[[period]]\nfrom = 2020-03-09\nlabel = \" \"\nid_check = true\nweekly_quota = 2";
        assert_eq!(period_error(Policy::from_toml_str(blank_label)), PeriodError::EmptyLabel);
    }

    #[test]
    fn a_period_reads_as_a_page_needs_it_with_every_rotation_day_spelled_out() {
        let policy = Policy::from_toml_str(include_str!("../../policies/korea-2020.toml")).unwrap();
        let launch = serde_json::to_value(&policy.periods()[0]).unwrap();
        assert_eq!(launch["from"], "2020-03-09");
        assert_eq!(launch["weekly_quota"], 2);
        assert_eq!(launch["rotation"]["by"], "birth_year_last_digit");
        assert_eq!(launch["rotation"]["days"]["mon"], serde_json::json!([1, 6]));
        assert_eq!(launch["rotation"]["days"]["sun"], serde_json::json!([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]));
        assert_eq!(launch["proxy"]["elderly_born_on_or_before"], 1940);
        assert_eq!(launch["proxy"]["day"], "target");
        let june = serde_json::to_value(&policy.periods()[2]).unwrap();
        assert_eq!(june["rotation"], serde_json::Value::Null);
        assert_eq!(
            june["quota_by_birth_year"],
            serde_json::json!([{ "born_from": 2002, "born_until": null, "weekly_quota": 5 }])
        );
        let ended = serde_json::to_value(policy.periods().last().unwrap()).unwrap();
        assert_eq!(ended["weekly_quota"], serde_json::Value::Null);
        assert_eq!(ended["proxy"], serde_json::Value::Null);
    }
}
