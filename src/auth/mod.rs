//! Authentication primitives: accounts and sessions as stored, passwords, signed tokens, CSRF
//! tokens, throttling, and the extractors that state what a handler requires. The middleware
//! that applies them to every request lives in `web`.

pub mod csrf;
pub mod extractors;
pub mod hs256;
pub mod identity;
pub mod jwt;
pub mod password;
pub mod refusals;
pub mod sessions;
pub mod throttle;
pub mod users;
