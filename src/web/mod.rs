//! The HTTP surface shared by every area: the route table, page context, flash messages,
//! static assets, security headers and health checks.

pub mod assets;
pub mod fields;
pub mod flash;
pub mod form;
pub mod health;
pub mod logging;
pub mod page;
pub mod routes;
