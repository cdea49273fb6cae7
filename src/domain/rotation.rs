//! The rotation rule (5부제): on which KST dates a person may buy, across a policy's periods.

use chrono::{Datelike, Days, NaiveDate};

use crate::domain::policy::{DigitSet, Period, Policy};
use crate::domain::resident_id::Person;

/// The digits that may buy on `date` under `period`: all ten when the period has no rotation,
/// none on a day without sales. `period.rotation().by()` says which digit of a person counts.
pub fn allowed_digits(period: &Period, date: NaiveDate) -> DigitSet {
    period.rotation().map_or(DigitSet::ALL, |rotation| rotation.digits_on(date.weekday()))
}

/// Whether it is `person`'s day to buy on `date` under `period`.
pub fn is_allowed(period: &Period, date: NaiveDate, person: &Person) -> bool {
    period
        .rotation()
        .is_none_or(|rotation| rotation.digits_on(date.weekday()).contains(rotation.by().digit_of(person)))
}

/// The first date after `after` on which `person` may buy, following the policy into later
/// periods (whose rotation may key on another digit); `None` if no such day ever comes.
pub fn next_allowed_day(policy: &Policy, person: &Person, after: NaiveDate) -> Option<NaiveDate> {
    next_day_where(policy, after, |period, date| is_allowed(period, date, person))
}

/// The first date after `after` on which `allowed` holds for the period then in force.
///
/// `allowed` must depend only on the period and the weekday, as rotation rules do: the search
/// then ends one week past the later of `after` and the last period's start, because from
/// there on every week repeats the one before.
pub fn next_day_where(
    policy: &Policy,
    after: NaiveDate,
    allowed: impl Fn(&Period, NaiveDate) -> bool,
) -> Option<NaiveDate> {
    let first_start = policy.periods().first()?.starts_on();
    let last_start = policy.periods().last()?.starts_on();
    let start = after.succ_opt()?.max(first_start);
    let end = start.max(last_start).checked_add_days(Days::new(6))?;
    start
        .iter_days()
        .take_while(|&date| date <= end)
        .find(|&date| policy.period_on(date).is_some_and(|period| allowed(period, date)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::calendar::WEEKDAYS;
    use crate::domain::resident_id::BirthYear;
    use chrono::Weekday;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn born(year: u16) -> Person {
        Person::new(BirthYear::new(year), 0).unwrap()
    }

    fn launch() -> Policy {
        Policy::korea_launch().unwrap()
    }

    /// Monday 9 March 2020, the first day of the rotation.
    fn launch_monday() -> NaiveDate {
        date(2020, 3, 9)
    }

    #[test]
    fn every_weekday_admits_exactly_its_birth_year_digits_under_the_launch_policy() {
        let policy = launch();
        for (offset, day) in (0..).zip(WEEKDAYS) {
            let on = launch_monday() + Days::new(offset);
            let period = policy.period_on(on).unwrap();
            for digit in 0..=9u8 {
                let expected = match day {
                    Weekday::Mon => [1, 6].contains(&digit),
                    Weekday::Tue => [2, 7].contains(&digit),
                    Weekday::Wed => [3, 8].contains(&digit),
                    Weekday::Thu => [4, 9].contains(&digit),
                    Weekday::Fri => [5, 0].contains(&digit),
                    Weekday::Sat | Weekday::Sun => true,
                };
                let person = born(1980 + u16::from(digit));
                assert_eq!(is_allowed(period, on, &person), expected, "{day} digit {digit}");
                assert_eq!(allowed_digits(period, on).contains(digit), expected, "{day} {digit}");
            }
        }
    }

    #[test]
    fn the_birth_year_rotation_ignores_the_id_digit() {
        let policy = launch();
        let tuesday = date(2020, 3, 10);
        let period = policy.period_on(tuesday).unwrap();
        for id_digit in 0..=9 {
            let person = Person::new(BirthYear::new(1987), id_digit).unwrap();
            assert!(is_allowed(period, tuesday, &person), "id digit {id_digit}");
        }
    }

    #[test]
    fn without_a_rotation_every_digit_may_buy_every_day() {
        let policy = Policy::from_toml_str(include_str!("../../policies/korea-2020.toml")).unwrap();
        let monday = date(2020, 6, 1);
        let period = policy.period_on(monday).unwrap();
        for offset in 0..7 {
            let on = monday + Days::new(offset);
            assert_eq!(allowed_digits(period, on), DigitSet::ALL);
            assert!((0..=9).all(|d| is_allowed(period, on, &born(1990 + d))));
        }
    }

    #[test]
    fn the_next_day_is_the_persons_weekday_or_the_weekend_whichever_comes_first() {
        let policy = launch();
        let monday = launch_monday();
        assert_eq!(next_allowed_day(&policy, &born(1983), monday), Some(date(2020, 3, 11)));
        assert_eq!(next_allowed_day(&policy, &born(1985), monday), Some(date(2020, 3, 13)));
        // Monday's own digits have the weekend next.
        assert_eq!(next_allowed_day(&policy, &born(1981), monday), Some(date(2020, 3, 14)));
        // From Sunday the search runs into the next week.
        let sunday = date(2020, 3, 15);
        assert_eq!(next_allowed_day(&policy, &born(1982), sunday), Some(date(2020, 3, 17)));
    }

    #[test]
    fn a_search_from_before_the_first_period_starts_at_it() {
        let policy = launch();
        let new_year = date(2020, 1, 1);
        assert_eq!(next_allowed_day(&policy, &born(1986), new_year), Some(launch_monday()));
        assert_eq!(next_allowed_day(&policy, &born(1989), new_year), Some(date(2020, 3, 12)));
    }

    #[test]
    fn a_search_far_past_the_last_period_still_finds_the_next_week() {
        let policy = launch();
        let monday = date(2031, 3, 3);
        assert_eq!(next_allowed_day(&policy, &born(1980), monday), Some(date(2031, 3, 7)));
    }

    #[test]
    fn the_search_follows_a_later_period_that_keys_on_another_digit() {
        let policy = Policy::from_toml_str(
            r#"
            name = "key changes"
            [[period]]
            from = 2020-03-09
            label = "birth years, Mondays only"
            id_check = true
            weekly_quota = 2
            [period.rotation]
            by = "birth_year_last_digit"
            mon = [1]

            [[period]]
            from = 2020-03-16
            label = "ID digits"
            id_check = true
            weekly_quota = 2
            [period.rotation]
            by = "id_last_digit"
            mon = [0]
            tue = [7]
            "#,
        )
        .unwrap();
        let person = Person::new(BirthYear::new(1981), 7).unwrap();
        // Monday the 16th would suit the birth year, but by then the rotation keys on the ID.
        assert_eq!(next_allowed_day(&policy, &person, launch_monday()), Some(date(2020, 3, 17)));
    }

    #[test]
    fn the_search_crosses_into_a_period_without_rotation() {
        let policy = Policy::from_toml_str(
            r#"
            name = "rotation dropped midweek"
            [[period]]
            from = 2020-03-09
            label = "Mondays only"
            id_check = true
            weekly_quota = 2
            [period.rotation]
            by = "birth_year_last_digit"
            mon = [1]

            [[period]]
            from = 2020-03-11
            label = "any day"
            id_check = true
            weekly_quota = 2
            "#,
        )
        .unwrap();
        assert_eq!(next_allowed_day(&policy, &born(1982), launch_monday()), Some(date(2020, 3, 11)));
        assert_eq!(next_allowed_day(&policy, &born(1981), launch_monday()), Some(date(2020, 3, 11)));
    }

    #[test]
    fn a_digit_the_rotation_never_lists_has_no_next_day() {
        let policy = Policy::from_toml_str(
            r#"
            name = "weekdays only"
            [[period]]
            from = 2020-03-09
            label = "no weekend sales"
            id_check = true
            weekly_quota = 2
            [period.rotation]
            by = "birth_year_last_digit"
            mon = [1, 6]
            tue = [2, 7]
            "#,
        )
        .unwrap();
        assert_eq!(next_allowed_day(&policy, &born(1983), launch_monday()), None);
        assert_eq!(next_allowed_day(&policy, &born(1981), launch_monday()), Some(date(2020, 3, 16)));
    }
}
