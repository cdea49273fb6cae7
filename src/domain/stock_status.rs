//! The public stock status (`remain_stat`) that map apps colour green, yellow, red or grey.

/// What the open API publishes instead of an exact count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RemainStat {
    /// 100 or more: green.
    Plenty,
    /// 30 to 99: yellow.
    Some,
    /// 2 to 29: red.
    Few,
    /// 0 or 1: grey.
    Empty,
    /// The site has halted sales: grey.
    Break,
}

impl RemainStat {
    pub fn of(on_hand: i64, sales_halted: bool) -> Self {
        match (sales_halted, on_hand) {
            (true, _) => Self::Break,
            (false, 100..) => Self::Plenty,
            (false, 30..=99) => Self::Some,
            (false, 2..=29) => Self::Few,
            (false, _) => Self::Empty,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Plenty => "plenty",
            Self::Some => "some",
            Self::Few => "few",
            Self::Empty => "empty",
            Self::Break => "break",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_count_maps_to_its_band_at_the_edges() {
        let cases = [
            (0, RemainStat::Empty),
            (1, RemainStat::Empty),
            (2, RemainStat::Few),
            (29, RemainStat::Few),
            (30, RemainStat::Some),
            (99, RemainStat::Some),
            (100, RemainStat::Plenty),
            (1_000_000, RemainStat::Plenty),
        ];
        for (on_hand, expected) in cases {
            assert_eq!(RemainStat::of(on_hand, false), expected, "{on_hand}");
        }
    }

    #[test]
    fn a_halted_site_shows_break_whatever_it_holds() {
        for on_hand in [0, 1, 50, 500] {
            assert_eq!(RemainStat::of(on_hand, true), RemainStat::Break);
        }
    }

    #[test]
    fn names_match_the_2020_api() {
        let names: Vec<_> =
            [RemainStat::Plenty, RemainStat::Some, RemainStat::Few, RemainStat::Empty, RemainStat::Break]
                .iter()
                .map(|s| serde_json::to_string(s).unwrap())
                .collect();
        assert_eq!(names, [r#""plenty""#, r#""some""#, r#""few""#, r#""empty""#, r#""break""#]);
        assert_eq!(RemainStat::Few.as_str(), "few");
    }
}
