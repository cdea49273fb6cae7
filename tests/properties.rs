//! Property tests: the parsers at the edge never panic, whatever they are fed, and accept
//! exactly what they should.

// Tests may panic on what cannot happen, and cast freely.
#![allow(clippy::unwrap_used, clippy::as_conversions)]

use chrono::{Datelike, NaiveDate};
use maskportal::domain::policy::Policy;
use maskportal::domain::resident_id::{valid_rrn, ResidentId};
use proptest::prelude::*;

/// A century/origin digit and a birth date it can carry.
fn born() -> impl Strategy<Value = (u8, NaiveDate)> {
    (0u8..10, 0i32..100, 1u32..=12, 1u32..=31).prop_filter_map("a real date", |(g, yy, month, day)| {
        let century = match g {
            9 | 0 => 1800,
            1 | 2 | 5 | 6 => 1900,
            _ => 2000,
        };
        NaiveDate::from_ymd_opt(century + yy, month, day).map(|date| (g, date))
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn the_resident_id_parser_never_panics(raw in "\\PC{0,40}") {
        let _ = ResidentId::parse(&raw);
    }

    #[test]
    fn digit_strings_near_the_right_shape_never_panic(raw in "[0-9]{6}-?[0-9]{7}") {
        let _ = ResidentId::parse(&raw);
    }

    #[test]
    fn every_valid_number_parses_with_and_without_the_hyphen((g, birth) in born(), serial in 0u32..100_000) {
        let rrn = valid_rrn(birth, g, serial);
        for form in [rrn.clone(), rrn.replace('-', "")] {
            let id = ResidentId::parse(&form).map_err(|e| TestCaseError::fail(format!("{form}: {e}")))?;
            prop_assert_eq!(id.birth_date(), birth);
            prop_assert_eq!(i32::from(id.birth_year().get()), birth.year());
        }
    }

    #[test]
    fn a_one_digit_typo_is_refused_unless_the_check_digit_cannot_see_it(
        (g, birth) in born(), serial in 0u32..100_000, position in 0usize..13, bump in 1u8..10
    ) {
        let digits: Vec<u8> = valid_rrn(birth, g, serial).replace('-', "").bytes().map(|b| b - b'0').collect();
        let mut typo = digits.clone();
        typo[position] = (typo[position] + bump) % 10;
        let text: String = typo.iter().map(|d| char::from(b'0' + d)).collect();
        // C = (11 - r) mod 10 maps remainders 0 and 10 both to 1, the scheme's one blind spot.
        let blind_spot = digits[12] == 1 && position < 12;
        prop_assert!(ResidentId::parse(&text).is_err() || blind_spot, "{} was accepted", text);
    }

    #[test]
    fn the_policy_loader_never_panics_on_garbage(raw in "\\PC{0,300}") {
        let _ = Policy::from_toml_str(&raw);
    }

    #[test]
    fn the_policy_loader_never_panics_on_a_mangled_real_policy(cut in 0usize..2000, insert in "[\\[\\]=\"0-9a-z ,\\n]{0,12}") {
        let text = include_str!("../policies/korea-2020.toml");
        let at = text.char_indices().map(|(i, _)| i).nth(cut % text.chars().count()).unwrap_or(0);
        let mangled = format!("{}{insert}{}", &text[..at], &text[at..]);
        let _ = Policy::from_toml_str(&mangled);
    }
}
