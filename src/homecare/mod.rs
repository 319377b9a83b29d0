//! Home care: the exercise library, routines built from a client's active trigger points and
//! sent by email, and the private link where the client records what they did.

pub mod builder;
pub mod emails;
pub mod forms;
pub mod library;
pub mod links;
pub mod model;
pub mod public_routes;
pub mod routes;
pub mod show;
pub mod views;
