//! The pure rules: parsed values and decisions, with no actix, diesel or I/O.

pub mod account;
pub mod address;
pub mod backdating;
pub mod calendar;
pub mod client_key;
pub mod clock;
pub mod device;
pub mod offline_conflict;
pub mod policy;
pub mod quantity;
pub mod quota;
pub mod resident_id;
pub mod rotation;
pub mod sealed_sale;
pub mod site;
pub mod stock_status;
pub mod void_window;
