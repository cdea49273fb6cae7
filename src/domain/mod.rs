//! TEMPORARY until the domain rules land.
pub mod account;
pub mod clock;
pub mod policy;
pub mod quantity;
pub mod resident_id;
pub mod site;
pub mod stock_status;
