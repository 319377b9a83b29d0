//! Trigger-point charting: the muscle catalog, findings per visit, perpetuating factors, the
//! body map, and the pages for them.

pub mod bodymap;
pub mod catalog;
pub mod factors;
pub mod findings;
pub mod forms;
pub mod routes;
pub mod views;
pub mod vocab;
