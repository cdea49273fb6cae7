//! What identifies a selling site and what kind of seller it is.

use std::fmt;
use std::str::FromStr;

use crate::domain::resident_id::holds_resident_number;

/// A site's public code: the digits the 2020 API published (e.g. `11817488`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SiteCode(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a site code is 1 to 16 ASCII digits")]
pub struct SiteCodeError;

impl SiteCode {
    pub fn parse(raw: &str) -> Result<Self, SiteCodeError> {
        let ok = (1..=16).contains(&raw.len()) && raw.bytes().all(|b| b.is_ascii_digit());
        if ok {
            Ok(Self(raw.to_owned()))
        } else {
            Err(SiteCodeError)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SiteCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The three kinds of seller in 2020, with their open-API type codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SiteKind {
    Pharmacy,
    PostOffice,
    Nonghyup,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("site type must be one of pharmacy, post_office, nonghyup")]
pub struct SiteKindError;

impl SiteKind {
    pub const ALL: [SiteKind; 3] = [SiteKind::Pharmacy, SiteKind::PostOffice, SiteKind::Nonghyup];

    /// The name used in the database, the CLI and the v2 API.
    pub fn as_str(self) -> &'static str {
        match self {
            SiteKind::Pharmacy => "pharmacy",
            SiteKind::PostOffice => "post_office",
            SiteKind::Nonghyup => "nonghyup",
        }
    }

    /// The `type` field of the 2020 open API.
    pub fn open_api_code(self) -> &'static str {
        match self {
            SiteKind::Pharmacy => "01",
            SiteKind::PostOffice => "02",
            SiteKind::Nonghyup => "03",
        }
    }
}

impl FromStr for SiteKind {
    type Err = SiteKindError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        SiteKind::ALL.into_iter().find(|k| k.as_str() == s).ok_or(SiteKindError)
    }
}

impl fmt::Display for SiteKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn site_codes_are_digits_only() {
        assert!(SiteCode::parse("11817488").is_ok());
        for bad in ["", "1181748a", " 11817488", "12345678901234567", "1-2"] {
            assert_eq!(SiteCode::parse(bad), Err(SiteCodeError), "{bad:?}");
        }
    }

    #[test]
    fn kinds_round_trip_and_map_to_2020_type_codes() {
        for kind in SiteKind::ALL {
            assert_eq!(kind.as_str().parse::<SiteKind>(), Ok(kind));
        }
        assert_eq!(SiteKind::Pharmacy.open_api_code(), "01");
        assert_eq!(SiteKind::PostOffice.open_api_code(), "02");
        assert_eq!(SiteKind::Nonghyup.open_api_code(), "03");
        assert_eq!("bank".parse::<SiteKind>(), Err(SiteKindError));
    }
}

/// A site's position, within the bounds of South Korea's territory.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GeoPoint {
    lat: f64,
    lng: f64,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GeoPointError {
    #[error("latitude must be between {min} and {max}")]
    Latitude { min: f64, max: f64 },
    #[error("longitude must be between {min} and {max}")]
    Longitude { min: f64, max: f64 },
}

impl GeoPoint {
    /// The same box the open API accepts for queries (lat 33–43, lng 124–132).
    pub const LAT: (f64, f64) = (33.0, 43.0);
    pub const LNG: (f64, f64) = (124.0, 132.0);

    pub fn new(lat: f64, lng: f64) -> Result<Self, GeoPointError> {
        let (lat_min, lat_max) = Self::LAT;
        let (lng_min, lng_max) = Self::LNG;
        // `contains` is false for NaN, so NaN is refused too.
        if !(lat_min..=lat_max).contains(&lat) {
            return Err(GeoPointError::Latitude { min: lat_min, max: lat_max });
        }
        if !(lng_min..=lng_max).contains(&lng) {
            return Err(GeoPointError::Longitude { min: lng_min, max: lng_max });
        }
        Ok(Self { lat, lng })
    }

    pub fn lat(self) -> f64 {
        self.lat
    }

    pub fn lng(self) -> f64 {
        self.lng
    }
}

/// Free text shown to the public (a site's name or address): trimmed, non-empty, bounded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisplayText(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DisplayTextError {
    #[error("must not be empty")]
    Empty,
    #[error("must be at most {max} characters")]
    TooLong { max: usize },
    #[error("must not contain control characters")]
    ControlCharacter,
}

impl DisplayText {
    pub const MAX_CHARS: usize = 200;

    pub fn parse(raw: &str) -> Result<Self, DisplayTextError> {
        let text = raw.trim();
        if text.is_empty() {
            Err(DisplayTextError::Empty)
        } else if text.chars().count() > Self::MAX_CHARS {
            Err(DisplayTextError::TooLong { max: Self::MAX_CHARS })
        } else if text.chars().any(char::is_control) {
            Err(DisplayTextError::ControlCharacter)
        } else {
            Ok(Self(text.to_owned()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Free text a clerk types at the counter (a void reason, a delivery reference): display text
/// that holds no resident registration number, because it is kept for good in append-only
/// tables where only fingerprints of numbers belong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note(DisplayText);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoteError {
    #[error(transparent)]
    Text(#[from] DisplayTextError),
    #[error("must not hold a resident registration number: leave it out (a sale records the birth year)")]
    ResidentNumber,
}

impl Note {
    /// Display text, refused when it holds a number shaped like a resident registration
    /// number (see [`holds_resident_number`] for what counts).
    pub fn parse(raw: &str) -> Result<Self, NoteError> {
        let text = DisplayText::parse(raw)?;
        if holds_resident_number(text.as_str()) {
            return Err(NoteError::ResidentNumber);
        }
        Ok(Self(text))
    }

    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

#[cfg(test)]
mod place_tests {
    use super::*;

    #[test]
    fn points_outside_korea_or_not_numbers_are_refused() {
        assert!(GeoPoint::new(37.55, 126.91).is_ok());
        assert!(GeoPoint::new(33.0, 132.0).is_ok());
        assert!(matches!(GeoPoint::new(32.9, 126.9), Err(GeoPointError::Latitude { .. })));
        assert!(matches!(GeoPoint::new(37.5, 132.1), Err(GeoPointError::Longitude { .. })));
        assert!(GeoPoint::new(f64::NAN, 126.9).is_err());
        assert!(GeoPoint::new(37.5, f64::INFINITY).is_err());
    }

    #[test]
    fn display_text_is_trimmed_and_bounded() {
        assert_eq!(DisplayText::parse("  온누리약국 ").unwrap().as_str(), "온누리약국");
        assert_eq!(DisplayText::parse("   "), Err(DisplayTextError::Empty));
        assert_eq!(DisplayText::parse(&"약".repeat(201)), Err(DisplayTextError::TooLong { max: 200 }));
        assert!(DisplayText::parse(&"약".repeat(200)).is_ok());
        assert_eq!(DisplayText::parse("a\u{0}b"), Err(DisplayTextError::ControlCharacter));
    }

    #[test]
    fn a_note_is_display_text_without_a_resident_number() {
        assert_eq!(Note::parse("  손님 요청 ").unwrap().as_str(), "손님 요청");
        assert_eq!(Note::parse("송장 2020-0311-77").unwrap().as_str(), "송장 2020-0311-77");
        assert_eq!(Note::parse(" "), Err(NoteError::Text(DisplayTextError::Empty)));
        assert_eq!(Note::parse("손님 850101-1234566 환불"), Err(NoteError::ResidentNumber));
        assert_eq!(Note::parse("8501011234566"), Err(NoteError::ResidentNumber));
        assert!(!NoteError::ResidentNumber.to_string().contains("8501"));
    }
}
