//! Korea Standard Time and the Monday-to-Sunday week that rationing is counted in.

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, NaiveTime, Utc, Weekday};

/// Korea Standard Time, UTC+9 all year: Korea has kept no daylight saving time since 1988.
// `expect` here runs at compile time: a bad offset would fail the build, never a request.
pub const KST: FixedOffset = FixedOffset::east_opt(9 * 3600).expect("UTC+9 is a valid offset");

/// The days of the week in the order of the Korean rationing week, Monday first.
pub const WEEKDAYS: [Weekday; 7] =
    [Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu, Weekday::Fri, Weekday::Sat, Weekday::Sun];

/// The calendar date in Korea at `instant`.
pub fn kst_date(instant: DateTime<Utc>) -> NaiveDate {
    instant.with_timezone(&KST).date_naive()
}

/// The Monday that starts `date`'s rationing week (Monday 00:00 to Sunday 24:00 KST).
pub fn week_start(date: NaiveDate) -> NaiveDate {
    // Only dates in the first days of chrono's calendar (year −262143) lack a representable
    // Monday; saturating there beats a panic.
    date.week(Weekday::Mon).checked_first_day().unwrap_or(NaiveDate::MIN)
}

/// The UTC instants that bound a KST calendar day: `[midnight, next midnight)`.
pub fn kst_day_bounds(date: NaiveDate) -> (DateTime<Utc>, DateTime<Utc>) {
    // A fixed offset has no gaps or folds, so local midnight maps to exactly one instant.
    let start = date.and_time(NaiveTime::MIN).and_utc() - Duration::hours(9);
    (start, start + Duration::days(1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Datelike, TimeZone};

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn utc(y: i32, m: u32, d: u32, h: u32, min: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, min, s).unwrap()
    }

    #[test]
    fn korea_is_nine_hours_ahead_of_utc() {
        assert_eq!(KST.local_minus_utc(), 9 * 3600);
    }

    #[test]
    fn sunday_23_59_kst_is_still_in_the_old_week_and_monday_00_00_kst_starts_the_new_one() {
        // Sunday 2020-03-15 23:59:59 KST is 14:59:59 UTC; Monday 00:00 KST is Sunday 15:00 UTC.
        let last_second = utc(2020, 3, 15, 14, 59, 59);
        let first_second = utc(2020, 3, 15, 15, 0, 0);

        assert_eq!(kst_date(last_second), date(2020, 3, 15));
        assert_eq!(week_start(kst_date(last_second)), date(2020, 3, 9));
        assert_eq!(kst_date(first_second), date(2020, 3, 16));
        assert_eq!(week_start(kst_date(first_second)), date(2020, 3, 16));
    }

    #[test]
    fn the_kst_date_changes_at_15_00_utc() {
        assert_eq!(kst_date(utc(2020, 3, 9, 14, 59, 59)), date(2020, 3, 9));
        assert_eq!(kst_date(utc(2020, 3, 9, 15, 0, 0)), date(2020, 3, 10));
        assert_eq!(kst_date(utc(2020, 3, 8, 15, 0, 0)), date(2020, 3, 9));
    }

    #[test]
    fn every_day_of_a_week_starts_on_its_monday() {
        let monday = date(2020, 3, 9);
        for (offset, weekday) in WEEKDAYS.into_iter().enumerate() {
            let day = monday + chrono::Days::new(u64::try_from(offset).unwrap());
            assert_eq!(day.weekday(), weekday);
            assert_eq!(week_start(day), monday, "{day}");
        }
    }

    #[test]
    fn weeks_run_across_month_and_year_ends() {
        assert_eq!(week_start(date(2020, 1, 1)), date(2019, 12, 30));
        assert_eq!(week_start(date(2021, 1, 3)), date(2020, 12, 28));
        assert_eq!(week_start(date(2020, 3, 1)), date(2020, 2, 24));
    }

    #[test]
    fn the_first_days_of_the_calendar_saturate_instead_of_panicking() {
        assert_eq!(week_start(NaiveDate::MIN), NaiveDate::MIN);
    }

    #[test]
    fn a_kst_day_runs_from_15_00_utc_the_day_before() {
        let (start, end) = kst_day_bounds(date(2020, 3, 9));
        assert_eq!(start, utc(2020, 3, 8, 15, 0, 0));
        assert_eq!(end, utc(2020, 3, 9, 15, 0, 0));
        assert_eq!(kst_date(start), date(2020, 3, 9));
        assert_eq!(kst_date(end - Duration::seconds(1)), date(2020, 3, 9));
        assert_eq!(kst_date(end), date(2020, 3, 10));
    }
}
