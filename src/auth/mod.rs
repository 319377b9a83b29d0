//! Authentication and request integrity: passwords, tokens, sessions, CSRF, throttling.

pub mod csrf;
pub mod extractors;
pub mod jwt;
pub mod password;
pub mod session;
pub mod throttle;
