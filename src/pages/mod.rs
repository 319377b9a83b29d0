//! Pages that compose several areas: the chart, the home dashboard, and the admin's client
//! assignments. Areas never import from here.

pub mod assignments;
pub mod chart;
pub mod routes;
pub mod views;
