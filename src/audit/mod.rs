//! The audit log: who did what to which record, when, from where, and with what outcome; the
//! helpers that pair every audited read and write with its row; and the admin's page.

pub mod appender;
pub mod audited;
pub mod declared;
pub mod model;
pub mod routes;

pub use audited::{Audited, Subject};
