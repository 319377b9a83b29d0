//! Visits: SOAP notes, signing and addenda.

pub mod forms;
pub mod model;
pub mod routes;
pub mod views;
