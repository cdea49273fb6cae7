//! Black-box tests: the real server on a random port against a fresh database, over HTTP.

mod helpers;

mod cli;
mod contract;
mod counter;
mod health;
mod open_api;
mod sessions;
mod simulate;
mod storage;
