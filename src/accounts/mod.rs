//! User accounts: first-run set-up, sign-in and sign-out, own password, admin management, and
//! the credentials of a therapist's calendar feed.

pub mod admin_routes;
pub mod feeds;
pub mod forms;
pub mod model;
pub mod routes;
pub mod views;
