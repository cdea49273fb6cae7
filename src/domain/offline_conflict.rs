//! The conflicts a late entry can create: rules an offline sale broke as of when it was made.
//! The masks have left the counter, so the sale is recorded and the conflict flagged for a
//! person to resolve, instead of the sale being lost.

/// One rule an offline sale broke.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum OfflineConflict {
    /// The holder's week passed the quota (they bought elsewhere meanwhile). The sale counts,
    /// so nothing more is sold to them that week.
    OverQuota,
    /// Not the buyer's (or target's) rotation day.
    NotRotationDay,
    /// The site had halted sales.
    SalesHalted,
    /// Fewer masks on hand than sold: on-hand went to 0 and a shortfall entry balances the ledger.
    StockShort,
}

impl OfflineConflict {
    pub const ALL: [Self; 4] = [Self::OverQuota, Self::NotRotationDay, Self::SalesHalted, Self::StockShort];

    /// The stable code of the API and the database.
    pub const fn code(self) -> &'static str {
        match self {
            Self::OverQuota => "over_quota",
            Self::NotRotationDay => "not_rotation_day",
            Self::SalesHalted => "sales_halted",
            Self::StockShort => "stock_short",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|conflict| conflict.code() == code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_reads_back_as_its_conflict_and_no_other_string_does() {
        for conflict in OfflineConflict::ALL {
            assert_eq!(OfflineConflict::from_code(conflict.code()), Some(conflict));
        }
        for other in ["", "Over_quota", "over quota", "insufficient_stock"] {
            assert_eq!(OfflineConflict::from_code(other), None, "{other:?}");
        }
    }
}
