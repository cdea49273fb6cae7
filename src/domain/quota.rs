//! Whether a purchase may go ahead: policy in force, proxy, weekly quota and rotation day.

use chrono::NaiveDate;

use crate::domain::policy::{Period, Policy, ProxyCategory, ProxyDay, RotationKey};
use crate::domain::quantity::Quantity;
use crate::domain::resident_id::Person;
use crate::domain::rotation;

/// The person a proxy buyer is buying for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProxyTarget {
    /// Whose quota and rotation day the purchase follows.
    pub person: Person,
    /// A condition shown by a document the clerk has checked, if any.
    pub category: Option<ProxyCategory>,
}

/// A purchase the rules allow, with what the clerk should see.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Allowance {
    /// The quota holder's weekly quota; `None` when unlimited.
    pub quota: Option<u32>,
    /// What the quota holder had bought this week before this purchase.
    pub bought_this_week: u32,
    /// What the quota holder may still buy this week after this purchase (after nothing, for
    /// a pre-check); `None` when unlimited.
    pub remaining_after: Option<u32>,
    /// Whether the period requires checking the buyer's identity.
    pub id_check: bool,
}

/// Why the rules refuse a purchase.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, thiserror::Error)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum Refusal {
    #[error("{}", not_rotation_day_message(*.keyed_on, .allowed_digits, *.next_day))]
    NotRotationDay {
        /// The digit of a person the rotation looks at.
        keyed_on: RotationKey,
        /// The digits that may buy today; empty on a day without sales.
        allowed_digits: Vec<u8>,
        /// The quota holder's next day to buy, if the policy has one.
        next_day: Option<NaiveDate>,
    },
    #[error("weekly quota exceeded: {bought} of {quota} already bought this week")]
    WeeklyQuotaExceeded { bought: u32, quota: u32 },
    #[error("this person may not be bought for by someone else under the current rules")]
    ProxyNotEligible,
    #[error("no rationing policy is in force on this date")]
    NoPolicyInForce,
}

impl Refusal {
    /// A stable snake_case code for API errors, the same as the serialised `code` tag.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotRotationDay { .. } => "not_rotation_day",
            Self::WeeklyQuotaExceeded { .. } => "weekly_quota_exceeded",
            Self::ProxyNotEligible => "proxy_not_eligible",
            Self::NoPolicyInForce => "no_policy_in_force",
        }
    }
}

fn not_rotation_day_message(
    keyed_on: RotationKey,
    allowed_digits: &[u8],
    next_day: Option<NaiveDate>,
) -> String {
    let whose = match keyed_on {
        RotationKey::BirthYearLastDigit => "birth years",
        RotationKey::IdLastDigit => "ID numbers",
    };
    let today = match allowed_digits {
        [] => "there are no sales today".to_owned(),
        digits => {
            let digits: Vec<String> = digits.iter().map(u8::to_string).collect();
            format!("today is for {whose} ending in {}", digits.join(", "))
        }
    };
    match next_day {
        Some(day) => format!("not this person's rotation day: {today}; their next day is {day}"),
        None => format!("not this person's rotation day: {today}; the policy has no later day"),
    }
}

/// Whether `buyer` may buy `qty` masks on KST date `date_kst`, for themselves or for `proxy`.
/// The counter's pre-check ([`eligibility`]) takes the same path, so the two never disagree.
///
/// `bought_this_week` is what the quota holder (the proxy target if there is one, otherwise
/// the buyer) has bought in `date_kst`'s week across every site. A purchase fits the quota
/// when `bought_this_week + qty <= quota`.
pub fn may_buy(
    buyer: &Person,
    proxy: Option<&ProxyTarget>,
    date_kst: NaiveDate,
    bought_this_week: u32,
    qty: Quantity,
    policy: &Policy,
) -> Result<Allowance, Refusal> {
    assess(buyer, proxy, date_kst, bought_this_week, qty.get(), policy)
}

/// The clerk's pre-check before a sale: whether the buyer may buy at least one mask now, and
/// how many remain (`remaining_after` counts nothing bought yet).
pub fn eligibility(
    buyer: &Person,
    proxy: Option<&ProxyTarget>,
    date_kst: NaiveDate,
    bought_this_week: u32,
    policy: &Policy,
) -> Result<Allowance, Refusal> {
    assess(buyer, proxy, date_kst, bought_this_week, 0, policy)
}

/// Both entry points in one: `buying` is the quantity, or 0 for a pre-check.
fn assess(
    buyer: &Person,
    proxy: Option<&ProxyTarget>,
    date: NaiveDate,
    bought_this_week: u32,
    buying: u32,
    policy: &Policy,
) -> Result<Allowance, Refusal> {
    let period = period_allowing(policy, date, proxy)?;
    let quota = holders_quota(period, buyer, proxy);
    let remaining_after = match quota {
        None => None,
        Some(quota) => {
            let left = quota.saturating_sub(bought_this_week);
            // A pre-check asks whether at least one more mask fits.
            if left < buying.max(1) {
                return Err(Refusal::WeeklyQuotaExceeded { bought: bought_this_week, quota });
            }
            Some(left - buying)
        }
    };
    if let Some(refusal) = rotation_refusal(policy, period, date, buyer, proxy) {
        return Err(refusal);
    }
    Ok(Allowance { quota, bought_this_week, remaining_after, id_check: period.id_check() })
}

/// What an offline sale of masks that already left the counter broke, as of its KST day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OfflineVerdict {
    /// The quota holder's weekly quota (`None` when unlimited): the caller counts the sale
    /// against it atomically and flags it if the total passes the quota.
    pub quota: Option<u32>,
    /// It was not the buyer's (or target's) rotation day.
    pub off_rotation_day: bool,
}

/// An offline sale is judged as of when it was made, but the rotation day and the quota
/// only flag it: the masks are gone. What no sale could ever satisfy (no policy in force on
/// that day, a proxy purchase the rules do not allow) still refuses it.
pub fn judge_offline(
    buyer: &Person,
    proxy: Option<&ProxyTarget>,
    date_kst: NaiveDate,
    policy: &Policy,
) -> Result<OfflineVerdict, Refusal> {
    let period = period_allowing(policy, date_kst, proxy)?;
    Ok(OfflineVerdict {
        quota: holders_quota(period, buyer, proxy),
        off_rotation_day: rotation_refusal(policy, period, date_kst, buyer, proxy).is_some(),
    })
}

/// The period in force on `date`, if it lets this purchase be made at all.
fn period_allowing<'p>(
    policy: &'p Policy,
    date: NaiveDate,
    proxy: Option<&ProxyTarget>,
) -> Result<&'p Period, Refusal> {
    let period = policy.period_on(date).ok_or(Refusal::NoPolicyInForce)?;
    if let Some(target) = proxy {
        // Without an ID check nobody's purchases are counted, so buying for another needs
        // no permission (and such a period has no proxy rules to consult).
        let permitted = !period.id_check()
            || period
                .proxy()
                .is_some_and(|rules| rules.may_buy_for(target.person.birth_year(), target.category));
        if !permitted {
            return Err(Refusal::ProxyNotEligible);
        }
    }
    Ok(period)
}

/// The weekly quota of whoever the purchase counts against: the target of a proxy purchase.
fn holders_quota(period: &Period, buyer: &Person, proxy: Option<&ProxyTarget>) -> Option<u32> {
    let holder = proxy.map_or(buyer, |target| &target.person);
    period.weekly_quota(holder.birth_year()).limit()
}

/// Why `date` is not a day this purchase may be made on, if it is not.
fn rotation_refusal(
    policy: &Policy,
    period: &Period,
    date: NaiveDate,
    buyer: &Person,
    proxy: Option<&ProxyTarget>,
) -> Option<Refusal> {
    let rule = period.rotation()?;
    if on_their_day(period, date, buyer, proxy) {
        return None;
    }
    let next_day =
        rotation::next_day_where(policy, date, |period, date| on_their_day(period, date, buyer, proxy));
    Some(Refusal::NotRotationDay {
        keyed_on: rule.by(),
        allowed_digits: rotation::allowed_digits(period, date).to_vec(),
        next_day,
    })
}

/// Whether `date` is a day this purchase may be made on: the target's day for a proxy
/// purchase (or the buyer's too, where the period allows), otherwise the buyer's.
fn on_their_day(period: &Period, date: NaiveDate, buyer: &Person, proxy: Option<&ProxyTarget>) -> bool {
    match proxy {
        None => rotation::is_allowed(period, date, buyer),
        Some(target) => {
            let either_day = period.proxy().is_some_and(|rules| rules.day() == ProxyDay::BuyerOrTarget);
            rotation::is_allowed(period, date, &target.person)
                || (either_day && rotation::is_allowed(period, date, buyer))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::resident_id::BirthYear;

    const KOREA_2020: &str = include_str!("../../policies/korea-2020.toml");

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn born(year: u16) -> Person {
        Person::new(BirthYear::new(year), 3).unwrap()
    }

    fn qty(n: i64) -> Quantity {
        Quantity::new(n).unwrap()
    }

    fn launch() -> Policy {
        Policy::korea_launch().unwrap()
    }

    fn timeline() -> Policy {
        Policy::from_toml_str(KOREA_2020).unwrap()
    }

    fn for_target(year: u16, category: Option<ProxyCategory>) -> ProxyTarget {
        ProxyTarget { person: born(year), category }
    }

    /// Wednesday 11 March 2020: birth years ending in 3 or 8.
    fn wednesday() -> NaiveDate {
        date(2020, 3, 11)
    }

    #[test]
    fn a_purchase_that_reaches_the_quota_exactly_is_allowed() {
        let allowance = may_buy(&born(1983), None, wednesday(), 1, qty(1), &launch()).unwrap();
        assert_eq!(
            allowance,
            Allowance { quota: Some(2), bought_this_week: 1, remaining_after: Some(0), id_check: true }
        );
        let both = may_buy(&born(1983), None, wednesday(), 0, qty(2), &launch()).unwrap();
        assert_eq!(both.remaining_after, Some(0));
    }

    #[test]
    fn a_purchase_one_over_the_quota_is_refused() {
        for (bought, n) in [(2, 1), (1, 2), (0, 3), (7, 1)] {
            assert_eq!(
                may_buy(&born(1983), None, wednesday(), bought, qty(n), &launch()),
                Err(Refusal::WeeklyQuotaExceeded { bought, quota: 2 }),
                "bought {bought}, buying {n}"
            );
        }
    }

    #[test]
    fn the_pre_check_reports_what_remains_and_refuses_when_nothing_does() {
        let fresh = eligibility(&born(1983), None, wednesday(), 0, &launch()).unwrap();
        assert_eq!(fresh.remaining_after, Some(2));
        let one_left = eligibility(&born(1983), None, wednesday(), 1, &launch()).unwrap();
        assert_eq!(one_left.remaining_after, Some(1));
        assert_eq!(
            eligibility(&born(1983), None, wednesday(), 2, &launch()),
            Err(Refusal::WeeklyQuotaExceeded { bought: 2, quota: 2 })
        );
    }

    #[test]
    fn a_sale_is_refused_on_the_wrong_rotation_day_with_the_days_digits_and_the_next_day() {
        let refusal = may_buy(&born(1981), None, wednesday(), 0, qty(1), &launch()).unwrap_err();
        assert_eq!(
            refusal,
            Refusal::NotRotationDay {
                keyed_on: RotationKey::BirthYearLastDigit,
                allowed_digits: vec![3, 8],
                next_day: Some(date(2020, 3, 14)),
            }
        );
        assert_eq!(
            refusal.to_string(),
            "not this person's rotation day: today is for birth years ending in 3, 8; \
             their next day is 2020-03-14"
        );
    }

    #[test]
    fn every_weekday_and_digit_is_decided_by_the_launch_rotation() {
        let days: [(NaiveDate, &[u16]); 7] = [
            (date(2020, 3, 9), &[1, 6]),
            (date(2020, 3, 10), &[2, 7]),
            (date(2020, 3, 11), &[3, 8]),
            (date(2020, 3, 12), &[4, 9]),
            (date(2020, 3, 13), &[5, 0]),
            (date(2020, 3, 14), &[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]),
            (date(2020, 3, 15), &[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]),
        ];
        for (on, digits) in days {
            for digit in 0..=9 {
                let result = may_buy(&born(1990 + digit), None, on, 0, qty(1), &launch());
                match result {
                    Ok(_) => assert!(digits.contains(&digit), "{on} digit {digit} was sold to"),
                    Err(refusal) => {
                        assert!(!digits.contains(&digit), "{on} digit {digit} was refused");
                        assert_eq!(refusal.code(), "not_rotation_day");
                    }
                }
            }
        }
    }

    #[test]
    fn quota_is_checked_before_the_rotation_day() {
        // Coming back on another day would not help: the week's quota is gone.
        assert_eq!(
            may_buy(&born(1981), None, wednesday(), 2, qty(1), &launch()),
            Err(Refusal::WeeklyQuotaExceeded { bought: 2, quota: 2 })
        );
    }

    #[test]
    fn nothing_may_be_sold_before_the_first_period() {
        assert_eq!(
            may_buy(&born(1983), None, date(2020, 3, 8), 0, qty(1), &launch()),
            Err(Refusal::NoPolicyInForce)
        );
    }

    #[test]
    fn only_the_elderly_born_1940_or_earlier_may_be_bought_for_by_age() {
        let sunday = date(2020, 3, 15);
        for (year, eligible) in [(1939, true), (1940, true), (1941, false)] {
            let target = for_target(year, None);
            let result = may_buy(&born(1985), Some(&target), sunday, 0, qty(1), &launch());
            assert_eq!(result.is_ok(), eligible, "born {year}");
            if !eligible {
                assert_eq!(result, Err(Refusal::ProxyNotEligible));
            }
        }
    }

    #[test]
    fn only_children_born_2010_or_later_may_be_bought_for_by_age() {
        let sunday = date(2020, 3, 15);
        for (year, eligible) in [(2009, false), (2010, true), (2011, true)] {
            let target = for_target(year, None);
            let result = may_buy(&born(1985), Some(&target), sunday, 0, qty(1), &launch());
            assert_eq!(result.is_ok(), eligible, "born {year}");
        }
    }

    #[test]
    fn care_recipients_and_disabled_people_of_any_age_may_be_bought_for() {
        let sunday = date(2020, 3, 15);
        for category in [ProxyCategory::CareRecipient, ProxyCategory::Disabled] {
            let target = for_target(1975, Some(category));
            assert!(may_buy(&born(1985), Some(&target), sunday, 0, qty(1), &launch()).is_ok());
        }
    }

    #[test]
    fn a_proxy_purchase_counts_against_the_targets_quota() {
        // In June 2020 those born 2002 or later had 5 a week, adults 3.
        let june = date(2020, 6, 3);
        let child = for_target(2012, None);
        let allowance = may_buy(&born(1980), Some(&child), june, 4, qty(1), &timeline()).unwrap();
        assert_eq!(allowance.quota, Some(5));
        assert_eq!(allowance.remaining_after, Some(0));
        assert_eq!(
            may_buy(&born(1980), Some(&child), june, 5, qty(1), &timeline()),
            Err(Refusal::WeeklyQuotaExceeded { bought: 5, quota: 5 })
        );
    }

    #[test]
    fn at_launch_a_proxy_purchase_follows_only_the_targets_day() {
        // Buyer born 1983 (Wednesday), target born 1936 (Monday).
        let elder = for_target(1936, None);
        let buyer = born(1983);
        let refusal = may_buy(&buyer, Some(&elder), wednesday(), 0, qty(1), &launch()).unwrap_err();
        assert_eq!(
            refusal,
            Refusal::NotRotationDay {
                keyed_on: RotationKey::BirthYearLastDigit,
                allowed_digits: vec![3, 8],
                next_day: Some(date(2020, 3, 14)),
            }
        );
        assert!(may_buy(&buyer, Some(&elder), date(2020, 3, 9), 0, qty(1), &launch()).is_ok());
    }

    #[test]
    fn from_27_april_2020_a_proxy_may_buy_on_the_buyers_day_or_the_targets() {
        let policy = timeline();
        let elder = for_target(1936, None);
        let buyer = born(1983);
        let (monday, tuesday, wednesday) = (date(2020, 4, 27), date(2020, 4, 28), date(2020, 4, 29));
        assert!(may_buy(&buyer, Some(&elder), monday, 0, qty(1), &policy).is_ok());
        assert!(may_buy(&buyer, Some(&elder), wednesday, 0, qty(1), &policy).is_ok());
        let refusal = may_buy(&buyer, Some(&elder), tuesday, 0, qty(1), &policy).unwrap_err();
        assert!(
            matches!(refusal, Refusal::NotRotationDay { next_day: Some(day), .. } if day == wednesday),
            "{refusal:?}"
        );
        // The week before, only the target's day counted.
        assert!(may_buy(&buyer, Some(&elder), date(2020, 4, 22), 0, qty(1), &policy).is_err());
        assert_eq!(may_buy(&buyer, Some(&elder), monday, 0, qty(1), &policy).unwrap().quota, Some(3));
    }

    #[test]
    fn from_1_june_2020_those_born_2002_or_later_get_5_a_week_on_any_day() {
        let policy = timeline();
        let monday = date(2020, 6, 1);
        let teen = may_buy(&born(2002), None, monday, 0, qty(5), &policy).unwrap();
        assert_eq!((teen.quota, teen.remaining_after), (Some(5), Some(0)));
        assert_eq!(
            may_buy(&born(2001), None, monday, 0, qty(4), &policy),
            Err(Refusal::WeeklyQuotaExceeded { bought: 0, quota: 3 })
        );
    }

    #[test]
    fn from_18_june_2020_everyone_gets_10_a_week() {
        let allowance = may_buy(&born(1983), None, date(2020, 6, 18), 9, qty(1), &timeline());
        assert_eq!(allowance.unwrap().remaining_after, Some(0));
    }

    #[test]
    fn on_9_july_2020_there_is_no_limit_and_no_id_check() {
        let policy = timeline();
        let adult = for_target(1985, None);
        for proxy in [None, Some(&adult)] {
            let allowance = may_buy(&born(1983), proxy, date(2020, 7, 9), 500, qty(1000), &policy).unwrap();
            assert_eq!(
                allowance,
                Allowance { quota: None, bought_this_week: 500, remaining_after: None, id_check: false }
            );
        }
    }

    #[test]
    fn a_taiwan_style_odd_even_rule_needs_no_code_change() {
        let policy = Policy::from_toml_str(
            r#"
            name = "Taiwan-style"
            [[period]]
            from = 2020-02-06
            label = "ID last digit: odd Mon/Wed/Fri, even Tue/Thu/Sat, anyone Sunday"
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
        let monday = date(2020, 3, 9);
        for offset in 0..7u32 {
            let on = monday + chrono::Days::new(offset.into());
            for id_digit in 0..=9u8 {
                let odd = id_digit % 2 == 1;
                let expected = match offset {
                    0 | 2 | 4 => odd,
                    1 | 3 | 5 => !odd,
                    _ => true,
                };
                let person = Person::new(BirthYear::new(1990), id_digit).unwrap();
                let result = may_buy(&person, None, on, 0, qty(1), &policy);
                assert_eq!(result.is_ok(), expected, "{on} id digit {id_digit}");
            }
        }
    }

    #[test]
    fn a_day_without_sales_reports_no_digits() {
        let policy = Policy::from_toml_str(
            r#"
            name = "weekdays only"
            [[period]]
            from = 2020-03-09
            label = "no Sunday sales"
            id_check = true
            weekly_quota = 2
            [period.rotation]
            by = "birth_year_last_digit"
            mon = "any"
            "#,
        )
        .unwrap();
        let refusal = may_buy(&born(1983), None, date(2020, 3, 15), 0, qty(1), &policy).unwrap_err();
        assert_eq!(
            refusal,
            Refusal::NotRotationDay {
                keyed_on: RotationKey::BirthYearLastDigit,
                allowed_digits: vec![],
                next_day: Some(date(2020, 3, 16)),
            }
        );
        assert_eq!(
            refusal.to_string(),
            "not this person's rotation day: there are no sales today; their next day is 2020-03-16"
        );
    }

    #[test]
    fn refusals_serialise_with_their_code_as_the_tag() {
        let refusals = [
            Refusal::NotRotationDay {
                keyed_on: RotationKey::IdLastDigit,
                allowed_digits: vec![2, 7],
                next_day: None,
            },
            Refusal::WeeklyQuotaExceeded { bought: 2, quota: 2 },
            Refusal::ProxyNotEligible,
            Refusal::NoPolicyInForce,
        ];
        for refusal in &refusals {
            let json = serde_json::to_value(refusal).unwrap();
            assert_eq!(json["code"], refusal.code(), "{json}");
        }
        assert_eq!(
            serde_json::to_string(&refusals[0]).unwrap(),
            r#"{"code":"not_rotation_day","keyed_on":"id_last_digit","allowed_digits":[2,7],"next_day":null}"#
        );
        assert_eq!(
            serde_json::to_string(&refusals[1]).unwrap(),
            r#"{"code":"weekly_quota_exceeded","bought":2,"quota":2}"#
        );
        assert_eq!(
            refusals[0].to_string(),
            "not this person's rotation day: today is for ID numbers ending in 2, 7; \
             the policy has no later day"
        );
    }

    #[test]
    fn an_offline_sale_is_flagged_off_its_rotation_day_exactly_where_a_live_one_is_refused() {
        let policy = timeline();
        for day in 0..120 {
            let on = date(2020, 3, 9) + chrono::Duration::days(day);
            for year in [1940, 1981, 1983, 1990, 1999, 2004, 2012] {
                let live = may_buy(&born(year), None, on, 0, qty(1), &policy);
                let verdict = judge_offline(&born(year), None, on, &policy).unwrap();
                let refused_for_the_day = matches!(live, Err(Refusal::NotRotationDay { .. }));
                assert_eq!(verdict.off_rotation_day, refused_for_the_day, "{on}, born {year}");
                let quota = policy.period_on(on).unwrap().weekly_quota(BirthYear::new(year)).limit();
                assert_eq!(verdict.quota, quota, "{on}, born {year}");
            }
        }
    }

    #[test]
    fn an_offline_sale_carries_the_holders_quota_for_the_caller_to_count() {
        let policy = timeline();
        let june = date(2020, 6, 3);
        assert_eq!(judge_offline(&born(1983), None, june, &policy).unwrap().quota, Some(3));
        assert_eq!(judge_offline(&born(2004), None, june, &policy).unwrap().quota, Some(5));
        // A proxy purchase counts against the target's quota.
        let child = for_target(2012, None);
        assert_eq!(judge_offline(&born(1983), Some(&child), june, &policy).unwrap().quota, Some(5));
        let free = judge_offline(&born(1983), None, date(2020, 7, 20), &policy).unwrap();
        assert_eq!(free, OfflineVerdict { quota: None, off_rotation_day: false });
    }

    #[test]
    fn an_offline_sale_no_rule_could_allow_is_still_refused() {
        let policy = launch();
        assert_eq!(
            judge_offline(&born(1983), None, date(2020, 3, 8), &policy),
            Err(Refusal::NoPolicyInForce)
        );
        let adult = for_target(1985, None);
        assert_eq!(
            judge_offline(&born(1983), Some(&adult), wednesday(), &policy),
            Err(Refusal::ProxyNotEligible)
        );
    }
}
