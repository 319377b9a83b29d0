//! Visits: SOAP notes, their trigger points while a draft, signing and its seal, and addenda.

pub mod draft;
pub mod finding_routes;
pub mod forms;
pub mod model;
pub mod routes;
pub mod show;
pub mod views;
