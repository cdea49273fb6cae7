//! maskportal: the counter-side portal and public open API for rationed face masks.

pub mod app;
pub mod board;
pub mod cli;
pub mod config;
pub mod db;
pub mod domain;
pub mod http;
pub mod process;
pub mod secrets;
pub mod seed;
pub mod services;
