//! The integration suite: the real application over real HTTP, each test on its own SQLite
//! file and (with MYOCHART_TEST_POSTGRES_URL) again on its own PostgreSQL database.

// A failed unwrap here is a failed test, which is what it should be.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

mod admin;
mod audit;
mod browser;
mod charting;
mod cli;
mod clients;
mod csrf;
mod demo;
mod followups;
mod homecare;
mod integrity;
mod layout;
mod mail;
mod ownership;
mod plans;
mod responses;
mod resume;
mod sessions;
mod setup;
mod signin;
mod tokens;
mod visit_loop;
mod visits;
