//! Trigger-point charting: the muscle catalog and its reverse lookup, findings as stored and
//! the latest state per muscle and side, perpetuating factors, the body map, and the factor and
//! catalog pages. Findings change only through their visit (`visits`), which sits above.

pub mod bodymap;
pub mod catalog;
pub mod factors;
pub mod findings;
pub mod forms;
pub mod routes;
pub mod views;
pub mod vocab;
