//! A count of masks in one sale or delivery, parsed once at the edge.

use std::fmt;

/// A strictly positive number of masks, bounded so arithmetic on it can never overflow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Quantity(u32);

/// Why a number is not a usable quantity.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QuantityError {
    #[error("quantity must be at least 1")]
    NotPositive,
    #[error("quantity must be at most {max}")]
    TooLarge { max: u32 },
}

impl Quantity {
    /// Far above any real delivery; keeps sums in `i64` columns and `u32` math safe.
    pub const MAX: u32 = 1_000_000;

    pub fn new(value: i64) -> Result<Self, QuantityError> {
        match u32::try_from(value) {
            _ if value < 1 => Err(QuantityError::NotPositive),
            Ok(value) if value <= Self::MAX => Ok(Self(value)),
            _ => Err(QuantityError::TooLarge { max: Self::MAX }),
        }
    }

    pub fn get(self) -> u32 {
        self.0
    }
}

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_one_to_max_and_nothing_else() {
        assert_eq!(Quantity::new(1).map(Quantity::get), Ok(1));
        assert_eq!(Quantity::new(i64::from(Quantity::MAX)).map(Quantity::get), Ok(Quantity::MAX));
        assert_eq!(Quantity::new(0), Err(QuantityError::NotPositive));
        assert_eq!(Quantity::new(-5), Err(QuantityError::NotPositive));
        assert_eq!(
            Quantity::new(i64::from(Quantity::MAX) + 1),
            Err(QuantityError::TooLarge { max: Quantity::MAX })
        );
    }
}
