//! Black-box tests: the real server on a random port against a fresh database, over HTTP.

// Tests may panic on what cannot happen, and cast freely.
#![allow(clippy::unwrap_used, clippy::as_conversions)]

mod helpers;

mod architecture;
mod cli;
mod cluster;
mod contract;
mod counter;
mod counter_page;
mod crash;
mod deploy;
mod edge;
mod health;
mod keys;
mod nodes;
mod offline;
mod open_api;
mod operations;
mod security;
mod sessions;
mod storage;
