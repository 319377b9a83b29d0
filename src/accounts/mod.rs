//! User accounts: first-run set-up, sign-in and sign-out, own password, and admin management.

pub mod admin;
pub mod forms;
pub mod model;
pub mod routes;
pub mod sessions;
pub mod views;
