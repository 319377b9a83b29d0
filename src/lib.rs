//! myochart: practice management for myofascial trigger-point therapy.
//!
//! `main.rs` parses the command line; everything else lives here so the integration tests run
//! the very same application. The modules form a one-way house (see "How the code is laid out"
//! in the README, and `tests/it/layout/mod.rs`, which keeps it standing): foundation, then areas,
//! then pages, then the route table, the background jobs and the command line.

// Tests may unwrap: a failed unwrap is a failed test. Everywhere else `Cargo.toml` denies it.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

// Foundation: knows no area. (rustfmt sorts these lists; the order of the layers, in which a
// module may use only those before it, is LAYERS in tests/it/layout/mod.rs.)
pub mod auth;
pub mod config;
pub mod db;
pub mod error;
pub mod sensitive;
pub mod time;
pub mod vocab;
pub mod web;

// Areas: audit, accounts, clients, mail, charting, visits, followups, homecare, in that order.
pub mod accounts;
pub mod audit;
pub mod charting;
pub mod clients;
pub mod followups;
pub mod homecare;
pub mod mail;
pub mod visits;

// Pages that compose areas, then the top.
pub mod app;
pub mod cli;
pub mod demo;
pub mod jobs;
pub mod pages;
pub mod routes;

pub use crate::app::{open_database, server};
pub use crate::web::state::AppState;
