//! Clients: their record, the list and search, consent, and the rule of who may be emailed.

pub mod forms;
pub mod model;
pub mod routes;
pub mod views;
