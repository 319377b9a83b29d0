//! Clients: their record, the chart page, and admin reassignment.

pub mod chart;
pub mod forms;
pub mod model;
pub mod routes;
pub mod views;
