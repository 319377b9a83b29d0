//! The audit log: who did what to which record, when, from where, and with what outcome.

pub mod model;
pub mod routes;
