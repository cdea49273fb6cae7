//! Resident registration numbers: parsed once at the counter, then reduced to what may be kept.

use std::fmt;

use chrono::{Datelike, NaiveDate};
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// A checked resident registration number (`YYMMDD-GNNNNNC`).
///
/// It can be asked for the facts the rules need (birth date and year, origin, last digit) and
/// for its keyed [`Fingerprint`], but it cannot be displayed or serialised: the number itself
/// never leaves this type in clear.
#[derive(PartialEq, Eq)]
pub struct ResidentId {
    digits: [u8; 13],
    birth_date: NaiveDate,
    birth_year: BirthYear,
    origin: Origin,
}

/// Whether the number was issued to a Korean national or to a registered foreign resident.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    Korean,
    Foreign,
}

/// Why a string is not a resident registration number.
///
/// The messages never repeat the input, so they are safe to log and to return to a client.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ResidentIdError {
    #[error("a resident registration number is 13 digits: YYMMDD-GNNNNNC, hyphen optional")]
    Format,
    #[error("the check digit does not match the other digits; the number was probably mistyped")]
    Checksum,
    #[error("the first six digits are not a real birth date")]
    Date,
    /// A real date, but after today: nobody at the counter was born then.
    #[error("the birth date is after today; the number was probably mistyped")]
    BornAfterToday,
    /// A seventh digit of 9 or 0 (born in the 1800s), which the policy does not accept.
    #[error("numbers of people born in the 1800s (seventh digit 9 or 0) are not accepted")]
    Born1800s,
}

impl ResidentIdError {
    /// A stable snake_case code for API errors.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Format => "resident_id_format",
            Self::Checksum => "resident_id_checksum",
            Self::Date | Self::BornAfterToday | Self::Born1800s => "resident_id_date",
        }
    }
}

/// Weights of the first twelve digits in the check-digit sum (numbers issued before Oct 2020).
const WEIGHTS: [u8; 12] = [2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5];

/// The century and origin that each value of the seventh digit (G) stands for, indexed by G.
const SEVENTH_DIGIT: [(u16, Origin); 10] = [
    (1800, Origin::Korean),  // 0
    (1900, Origin::Korean),  // 1
    (1900, Origin::Korean),  // 2
    (2000, Origin::Korean),  // 3
    (2000, Origin::Korean),  // 4
    (1900, Origin::Foreign), // 5
    (1900, Origin::Foreign), // 6
    (2000, Origin::Foreign), // 7
    (2000, Origin::Foreign), // 8
    (1800, Origin::Korean),  // 9
];

impl ResidentId {
    /// Parses `YYMMDD-GNNNNNC` or `YYMMDDGNNNNNC`, ignoring surrounding whitespace.
    ///
    /// The check digit is verified before the date, so any single mistyped digit is reported
    /// as a typo; a number with a valid check digit but an impossible date is a made-up one.
    pub fn parse(raw: &str) -> Result<Self, ResidentIdError> {
        let digits = ascii_digits(raw.trim()).ok_or(ResidentIdError::Format)?;
        if digits[12] != check_digit(&digits[..12]) {
            return Err(ResidentIdError::Checksum);
        }

        let (century, origin) = SEVENTH_DIGIT[usize::from(digits[6])];
        let two = |at: usize| digits[at] * 10 + digits[at + 1];
        let birth_year = BirthYear(century + u16::from(two(0)));
        let birth_date =
            NaiveDate::from_ymd_opt(i32::from(birth_year.0), u32::from(two(2)), u32::from(two(4)))
                .ok_or(ResidentIdError::Date)?;

        Ok(Self { digits, birth_date, birth_year, origin })
    }

    /// The date of birth, in the century the seventh digit gives.
    pub fn birth_date(&self) -> NaiveDate {
        self.birth_date
    }

    /// The year of birth: what the rules and the database keep.
    pub fn birth_year(&self) -> BirthYear {
        self.birth_year
    }

    /// Whether the number belongs to a Korean national or a foreign resident.
    pub fn origin(&self) -> Origin {
        self.origin
    }

    /// Whether the number can belong to someone at the counter on `today` (a KST date): born
    /// no later than today, and not in the 1800s unless `accept_1800s`.
    ///
    /// Parsing cannot check this, because it needs the service clock: a number is parsed at
    /// the edge, then checked here where the clock and the policy are.
    pub fn check_birth(&self, today: NaiveDate, accept_1800s: bool) -> Result<(), ResidentIdError> {
        if self.birth_date > today {
            return Err(ResidentIdError::BornAfterToday);
        }
        if self.birth_year.0 < 1900 && !accept_1800s {
            return Err(ResidentIdError::Born1800s);
        }
        Ok(())
    }

    /// The final digit of the number (its check digit), which odd/even rules key on.
    pub fn last_digit(&self) -> u8 {
        self.digits[12]
    }

    /// The keyed hash that stands in for this person wherever a number would be stored.
    pub fn fingerprint(&self, key: &IdKey) -> Fingerprint {
        let mut mac = key.0.clone();
        mac.update(&self.digits.map(|d| b'0' + d));
        Fingerprint(mac.finalize().into_bytes().into())
    }
}

impl fmt::Debug for ResidentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ResidentId(born {}, ***)", self.birth_year)
    }
}

/// The 13 digit values of `YYMMDD-GNNNNNC` or `YYMMDDGNNNNNC`, or `None` for any other shape.
fn ascii_digits(text: &str) -> Option<[u8; 13]> {
    let bytes = text.as_bytes();
    let (front, back) = match bytes.len() {
        13 => bytes.split_at(6),
        14 => {
            let (front, rest) = bytes.split_at(6);
            (front, rest.strip_prefix(b"-")?)
        }
        _ => return None,
    };
    let mut digits = [0; 13];
    for (slot, &byte) in digits.iter_mut().zip(front.iter().chain(back)) {
        if !byte.is_ascii_digit() {
            return None;
        }
        *slot = byte - b'0';
    }
    Some(digits)
}

/// Whether `text` holds something shaped like a resident registration number, so that free
/// text kept in append-only tables (a void reason, a delivery reference) never stores one.
///
/// What counts: six digits that read as a month and day (`YYMMDD`, MM 01–12, DD 01–31), then
/// seven digits, either run together or split by one to three characters of spaces with at
/// most one dash among them (`-`, `‐`, `‒`, `–`, `—`, `−`, `－`), so `850101-1234566`,
/// `8501011234566`, `850101 1234566` and `850101 – 1234566` all count. Fullwidth digits count
/// as digits. The check digit is not asked for: a mistyped number is still mostly someone's
/// number, and numbers issued since October 2020 have none. A digit run of another length (a
/// longer barcode, a six-digit date followed by a short number) does not count.
pub fn holds_resident_number(text: &str) -> bool {
    let chars: Vec<char> = text.chars().collect();
    let digit = |at: usize| chars.get(at).copied().and_then(digit_value);
    let run_from = |at: usize| (at..).take_while(|&i| digit(i).is_some()).count();
    let two = |at: usize| Some(digit(at)? * 10 + digit(at + 1)?);
    let reads_as_birth_date = |at: usize| {
        two(at + 2).is_some_and(|month| (1..=12).contains(&month))
            && two(at + 4).is_some_and(|day| (1..=31).contains(&day))
    };

    let mut at = 0;
    while at < chars.len() {
        let run = run_from(at);
        if run == 0 {
            at += 1;
            continue;
        }
        let shaped = match run {
            13 => true,
            6 => {
                let gap = chars[at + 6..].iter().take_while(|&&c| c.is_whitespace() || is_dash(c)).count();
                let dashes = chars[at + 6..at + 6 + gap].iter().filter(|&&c| is_dash(c)).count();
                (1..=3).contains(&gap) && dashes <= 1 && run_from(at + 6 + gap) == 7
            }
            _ => false,
        };
        if shaped && reads_as_birth_date(at) {
            return true;
        }
        at += run;
    }
    false
}

/// The value of an ASCII or fullwidth decimal digit.
fn digit_value(c: char) -> Option<u8> {
    let value = match c {
        '0'..='9' => u32::from(c) - u32::from('0'),
        '０'..='９' => u32::from(c) - u32::from('０'),
        _ => return None,
    };
    u8::try_from(value).ok()
}

/// The dashes people put between the halves of a number: ASCII, Unicode and fullwidth.
fn is_dash(c: char) -> bool {
    matches!(
        c,
        '-' | '\u{2010}' | '\u{2011}' | '\u{2012}' | '\u{2013}' | '\u{2014}' | '\u{2212}' | '\u{FF0D}'
    )
}

/// `(11 − Σ digit×weight mod 11) mod 10` over the first twelve digit values.
fn check_digit(first12: &[u8]) -> u8 {
    // Reducing as we go keeps every step within u8: at most 10 + 9×9.
    let remainder = first12.iter().zip(WEIGHTS).fold(0, |acc, (&d, w)| (acc + d * w) % 11);
    (11 - remainder) % 10
}

/// A valid number (hyphenated) for tests and simulations: `birth`'s two-digit year, month and
/// day, then `g`, the five digits of `serial`, and the check digit computed from them.
///
/// Only the last digit of `g` and the last five digits of `serial` are used. The century comes
/// from `g` alone, so pass one that matches `birth` (1900s: 1, 2, 5, 6; 2000s: 3, 4, 7, 8;
/// 1800s: 9, 0) to get `birth` back from [`ResidentId::birth_date`].
pub fn valid_rrn(birth: NaiveDate, g: u8, serial: u32) -> String {
    let first12 = format!(
        "{:02}{:02}{:02}{}{:05}",
        birth.year().rem_euclid(100),
        birth.month(),
        birth.day(),
        g % 10,
        serial % 100_000
    );
    let values: Vec<u8> = first12.bytes().map(|b| b - b'0').collect();
    format!("{}-{}{}", &first12[..6], &first12[6..], check_digit(&values))
}

/// A year of birth: what the rules and the database keep of a birth date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct BirthYear(u16);

impl BirthYear {
    /// Any year; one read from a resident registration number lies in 1800–2099.
    pub const fn new(year: u16) -> Self {
        Self(year)
    }

    /// The year as a number.
    pub const fn get(self) -> u16 {
        self.0
    }

    /// The digit the Korean birth-year rotation keys on (1985 → 5).
    #[expect(clippy::as_conversions, reason = "a remainder of 10 always fits in a u8")]
    pub const fn last_digit(self) -> u8 {
        (self.0 % 10) as u8
    }
}

impl fmt::Display for BirthYear {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// What the rules may know of a buyer once the number itself is gone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Person {
    birth_year: BirthYear,
    id_last_digit: u8,
}

impl Person {
    /// `None` unless `id_last_digit` is a single digit, 0–9.
    pub fn new(birth_year: BirthYear, id_last_digit: u8) -> Option<Self> {
        (id_last_digit <= 9).then_some(Self { birth_year, id_last_digit })
    }

    /// The person's year of birth.
    pub fn birth_year(&self) -> BirthYear {
        self.birth_year
    }

    /// The last digit of the person's resident registration number.
    pub fn id_last_digit(&self) -> u8 {
        self.id_last_digit
    }
}

impl From<&ResidentId> for Person {
    fn from(id: &ResidentId) -> Self {
        Self { birth_year: id.birth_year(), id_last_digit: id.last_digit() }
    }
}

/// The server's secret for [`Fingerprint`]s, held outside the database.
#[derive(Clone)]
pub struct IdKey(Hmac<Sha256>);

/// Why bytes cannot serve as an [`IdKey`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum IdKeyError {
    #[error("the resident id key must be at least {min} bytes")]
    TooShort { min: usize },
}

impl IdKey {
    /// SHA-256's output size: a shorter key would be the weakest link of the hash.
    pub const MIN_LEN: usize = 32;

    /// A key from the secret's raw bytes, at least [`IdKey::MIN_LEN`] of them.
    pub fn from_bytes(bytes: Vec<u8>) -> Result<Self, IdKeyError> {
        let too_short = IdKeyError::TooShort { min: Self::MIN_LEN };
        if bytes.len() < Self::MIN_LEN {
            return Err(too_short);
        }
        // HMAC accepts keys of any length, so once the length is checked this cannot fail.
        Hmac::new_from_slice(&bytes).map(Self).map_err(|_| too_short)
    }

    /// A value that tells whether two nodes hold the same key without revealing it: the key's
    /// HMAC of a fixed label, kept in the database by the first node to start.
    pub fn check_value(&self) -> String {
        hex::encode(self.derive(b"maskportal key check: resident id key"))
    }

    /// A key for another purpose, derived one-way from this one (its HMAC of `label`), so
    /// every node holding this key holds it too and nothing else has to be shared.
    pub fn derive(&self, label: &[u8]) -> [u8; 32] {
        let mut mac = self.0.clone();
        mac.update(label);
        mac.finalize().into_bytes().into()
    }
}

impl fmt::Debug for IdKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("IdKey(***)")
    }
}

/// HMAC-SHA256 of a resident registration number's 13 digits under the server's [`IdKey`]:
/// the same person always maps to the same fingerprint, yet it cannot be reversed without the
/// key, even by enumerating every possible number.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Fingerprint([u8; 32]);

/// Why text is not a fingerprint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a fingerprint is 64 hexadecimal digits")]
pub struct FingerprintError;

impl Fingerprint {
    /// Lower-case hex, as stored in the database.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// Reads the 64 hex digits written by [`Fingerprint::to_hex`] (either case).
    pub fn from_hex(text: &str) -> Result<Self, FingerprintError> {
        let mut bytes = [0; 32];
        hex::decode_to_slice(text, &mut bytes).map_err(|_| FingerprintError)?;
        Ok(Self(bytes))
    }
}

impl fmt::Debug for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Fingerprint({})", self.to_hex())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    /// Appends the right check digit to twelve digits, so impossible dates can be built.
    fn with_check_digit(first12: &str) -> String {
        let values: Vec<u8> = first12.bytes().map(|b| b - b'0').collect();
        format!("{first12}{}", check_digit(&values))
    }

    fn key(byte: u8) -> IdKey {
        IdKey::from_bytes(vec![byte; 32]).unwrap()
    }

    #[test]
    fn a_hand_computed_number_is_accepted() {
        // 8·2+5·3+0·4+1·5+0·6+1·7+1·8+2·9+3·2+4·3+5·4+6·5 = 137; 137 mod 11 = 5; 11−5 = 6.
        let id = ResidentId::parse("850101-1234566").unwrap();
        assert_eq!(id.birth_date(), date(1985, 1, 1));
        assert_eq!(id.birth_year(), BirthYear::new(1985));
        assert_eq!(id.origin(), Origin::Korean);
        assert_eq!(id.last_digit(), 6);
    }

    #[test]
    fn the_hyphen_is_optional_and_surrounding_whitespace_is_ignored() {
        let hyphenated = ResidentId::parse("850101-1234566").unwrap();
        for raw in ["8501011234566", "  850101-1234566\t", "\n8501011234566 "] {
            assert_eq!(ResidentId::parse(raw).unwrap(), hyphenated, "{raw:?}");
        }
    }

    #[test]
    fn any_other_shape_is_a_format_error() {
        for raw in [
            "",
            "   ",
            "850101-123456",
            "850101-12345660",
            "85010112345",
            "85010112345660",
            "8501-011234566",
            "85010-11234566",
            "850101 1234566",
            "850101--1234566",
            "850101_1234566",
            "850101\u{2013}1234566",
            "850101-12345a6",
            "85O101-1234566",
            "+850101123456",
            "８５０１０１-１２３４５６６",
            "850101-1234566-",
            "8501 01-1234566",
        ] {
            assert_eq!(ResidentId::parse(raw), Err(ResidentIdError::Format), "{raw:?}");
        }
    }

    #[test]
    fn every_seventh_digit_gives_its_century_and_origin() {
        let cases = [
            (0, date(1899, 12, 31), Origin::Korean),
            (9, date(1885, 7, 15), Origin::Korean),
            (1, date(1900, 1, 1), Origin::Korean),
            (2, date(1999, 12, 31), Origin::Korean),
            (3, date(2000, 1, 1), Origin::Korean),
            (4, date(2019, 6, 30), Origin::Korean),
            (5, date(1975, 3, 9), Origin::Foreign),
            (6, date(1988, 11, 2), Origin::Foreign),
            (7, date(2001, 5, 5), Origin::Foreign),
            (8, date(2012, 8, 20), Origin::Foreign),
        ];
        for (g, birth, origin) in cases {
            let id = ResidentId::parse(&valid_rrn(birth, g, 12345)).unwrap();
            assert_eq!(id.birth_date(), birth, "G={g}");
            assert_eq!(id.birth_year().get(), u16::try_from(birth.year()).unwrap(), "G={g}");
            assert_eq!(id.origin(), origin, "G={g}");
        }
    }

    #[test]
    fn february_29_is_a_date_only_in_leap_years_of_the_century_the_seventh_digit_gives() {
        let leap = [("000229", 3), ("040229", 4), ("960229", 1), ("960229", 9), ("000229", 7)];
        for (yymmdd, g) in leap {
            let raw = with_check_digit(&format!("{yymmdd}{g}12345"));
            assert!(ResidentId::parse(&raw).is_ok(), "{yymmdd} G={g}");
        }
        // 1900 and 1800 are not leap years although 2000 is; 2001 and 1999 are not either.
        let common = [("000229", 1), ("000229", 5), ("000229", 0), ("010229", 3), ("990229", 2)];
        for (yymmdd, g) in common {
            let raw = with_check_digit(&format!("{yymmdd}{g}12345"));
            assert_eq!(ResidentId::parse(&raw), Err(ResidentIdError::Date), "{yymmdd} G={g}");
        }
    }

    #[test]
    fn impossible_months_and_days_are_date_errors() {
        for yymmdd in ["850001", "851301", "850100", "850132", "850431", "850631", "991131"] {
            let raw = with_check_digit(&format!("{yymmdd}112345"));
            assert_eq!(ResidentId::parse(&raw), Err(ResidentIdError::Date), "{yymmdd}");
        }
    }

    #[test]
    fn every_single_digit_corruption_fails_the_checksum() {
        // A check digit of 1 stands for two remainders (0 and 10), so a corruption can slip
        // through on such numbers; on every other number a single wrong digit always shows.
        let valid = [
            valid_rrn(date(1985, 1, 1), 1, 23456),
            valid_rrn(date(2003, 9, 17), 4, 70002),
            valid_rrn(date(1962, 2, 28), 6, 99998),
        ];
        for raw in &valid {
            assert_ne!(raw.as_bytes()[13], b'1', "{raw}");
            let compact = raw.replace('-', "");
            for at in 0..13 {
                for wrong in (b'0'..=b'9').filter(|&b| b != compact.as_bytes()[at]) {
                    let mut bytes = compact.clone().into_bytes();
                    bytes[at] = wrong;
                    let corrupt = String::from_utf8(bytes).unwrap();
                    assert_eq!(
                        ResidentId::parse(&corrupt),
                        Err(ResidentIdError::Checksum),
                        "{raw} with digit {at} set to {}",
                        char::from(wrong)
                    );
                }
            }
        }
    }

    #[test]
    fn errors_have_stable_codes_and_never_repeat_the_number() {
        let bad_month = with_check_digit("851301123456");
        let cases = [
            ("850101-123456", ResidentIdError::Format, "resident_id_format"),
            ("850101-1234567", ResidentIdError::Checksum, "resident_id_checksum"),
            (bad_month.as_str(), ResidentIdError::Date, "resident_id_date"),
        ];
        for (raw, error, code) in cases {
            assert_eq!(ResidentId::parse(raw), Err(error));
            assert_eq!(error.code(), code);
            assert!(!error.to_string().contains("8501"), "{error}");
        }
    }

    #[test]
    fn a_birth_date_after_today_is_refused_and_today_itself_is_not() {
        let today = date(2020, 3, 11);
        let born = |birth: NaiveDate, g: u8| ResidentId::parse(&valid_rrn(birth, g, 1)).unwrap();
        assert_eq!(born(date(2020, 3, 11), 3).check_birth(today, false), Ok(()));
        assert_eq!(born(date(1983, 5, 15), 1).check_birth(today, false), Ok(()));
        for (birth, g) in [(date(2020, 3, 12), 4), (date(2028, 5, 15), 3), (date(2038, 1, 1), 7)] {
            assert_eq!(
                born(birth, g).check_birth(today, false),
                Err(ResidentIdError::BornAfterToday),
                "{birth}"
            );
        }
        // The same number is fine once its birthday has come.
        assert_eq!(born(date(2028, 5, 15), 3).check_birth(date(2028, 5, 15), false), Ok(()));
        assert_eq!(ResidentIdError::BornAfterToday.code(), "resident_id_date");
    }

    #[test]
    fn the_1800s_are_refused_unless_accepted() {
        let today = date(2020, 3, 11);
        for g in [9, 0] {
            let id = ResidentId::parse(&valid_rrn(date(1898, 5, 15), g, 1)).unwrap();
            assert_eq!(id.check_birth(today, false), Err(ResidentIdError::Born1800s), "G={g}");
            assert_eq!(id.check_birth(today, true), Ok(()), "G={g}");
        }
        let born_1900 = ResidentId::parse(&valid_rrn(date(1900, 1, 1), 1, 1)).unwrap();
        assert_eq!(born_1900.check_birth(today, false), Ok(()));
        assert_eq!(ResidentIdError::Born1800s.code(), "resident_id_date");
    }

    #[test]
    fn a_number_in_free_text_is_found_with_any_common_separator() {
        for text in [
            "850101-1234566",
            "8501011234566",
            "850101 1234566",
            "850101  1234566",
            "850101 - 1234566",
            "850101\u{2013}1234566",
            "850101 \u{2014} 1234566",
            "850101\u{FF0D}1234566",
            "８５０１０１-１２３４５６６",
            "손님 850101-1234567 환불",
            "refund for 850101-1234566.",
            "(8501011234566)",
            "ref:850101-1234566",
            "2020-850101-1234566",
        ] {
            assert!(holds_resident_number(text), "{text:?}");
        }
    }

    #[test]
    fn text_without_a_number_shaped_like_one_passes() {
        for text in [
            "",
            "손님 요청으로 취소",
            "wrong quantity",
            "송장 2020-03-11 #123",
            "850101-123456",
            "85010-11234566",
            "850101--1234566",
            "850101 -  - 1234566",
            "850101    1234566",
            "88012345678901",
            "850101-12345660",
            "851301-1234566",
            "850132-1234566",
            "850100-1234566",
            "850101_1234566",
            "850101/1234566",
            "invoice 123456 box 1234567",
            "box 20200311 of 1234567",
        ] {
            assert!(!holds_resident_number(text), "{text:?}");
        }
    }

    #[test]
    fn debug_output_shows_the_birth_year_but_no_digits_of_the_number() {
        let id = ResidentId::parse("850101-1234566").unwrap();
        assert_eq!(format!("{id:?}"), "ResidentId(born 1985, ***)");
        assert_eq!(format!("{:?}", key(7)), "IdKey(***)");
    }

    #[test]
    fn the_fingerprint_is_hmac_sha256_of_the_thirteen_digits() {
        // python3: hmac.new(b'k'*32, b'8501011234566', hashlib.sha256).hexdigest()
        let expected = "dec4487850cc81c5e427b71bcedcccf6b1bbdb3bb2c8d4f8a623573f922e7180";
        let id = ResidentId::parse("850101-1234566").unwrap();
        assert_eq!(id.fingerprint(&key(b'k')).to_hex(), expected);
    }

    #[test]
    fn a_fingerprint_depends_on_the_person_and_the_key_but_not_the_hyphen() {
        let with = ResidentId::parse("850101-1234566").unwrap();
        let without = ResidentId::parse("8501011234566").unwrap();
        let other = ResidentId::parse(&valid_rrn(date(1985, 1, 1), 1, 23457)).unwrap();
        assert_eq!(with.fingerprint(&key(1)), without.fingerprint(&key(1)));
        assert_ne!(with.fingerprint(&key(1)), other.fingerprint(&key(1)));
        assert_ne!(with.fingerprint(&key(1)), with.fingerprint(&key(2)));
    }

    #[test]
    fn fingerprints_round_trip_through_hex_and_reject_anything_else() {
        let fingerprint = ResidentId::parse("850101-1234566").unwrap().fingerprint(&key(3));
        assert_eq!(Fingerprint::from_hex(&fingerprint.to_hex()), Ok(fingerprint));
        let hex = fingerprint.to_hex();
        for bad in ["", &hex[..62], &format!("{hex}00"), &hex.replacen(&hex[..1], "g", 1)] {
            assert_eq!(Fingerprint::from_hex(bad), Err(FingerprintError), "{bad:?}");
        }
    }

    #[test]
    fn a_key_shorter_than_32_bytes_is_refused() {
        assert_eq!(IdKey::from_bytes(vec![1; 31]).unwrap_err(), IdKeyError::TooShort { min: 32 });
        assert!(IdKey::from_bytes(vec![1; 32]).is_ok());
        assert!(IdKey::from_bytes(vec![1; 64]).is_ok());
    }

    #[test]
    fn a_birth_year_knows_its_last_digit() {
        assert_eq!(BirthYear::new(1985).last_digit(), 5);
        assert_eq!(BirthYear::new(2000).last_digit(), 0);
        assert_eq!(BirthYear::new(1939).get(), 1939);
    }

    #[test]
    fn a_person_keeps_only_the_birth_year_and_last_digit() {
        let id = ResidentId::parse("850101-1234566").unwrap();
        assert_eq!(Person::from(&id), Person::new(BirthYear::new(1985), 6).unwrap());
        assert_eq!(Person::new(BirthYear::new(1985), 10), None);
    }

    #[test]
    fn valid_rrn_builds_numbers_that_parse_back_to_the_same_birth_date() {
        let birth = date(1940, 2, 29);
        let raw = valid_rrn(birth, 2, 7);
        assert_eq!(&raw[..8], "400229-2");
        assert_eq!(&raw[8..13], "00007");
        assert_eq!(ResidentId::parse(&raw).unwrap().birth_date(), birth);
    }
}
