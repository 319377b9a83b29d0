//! The HTTP plumbing every area shares: the application state, the middleware (sessions, CSRF),
//! page context and rendering, error pages, flash messages, the form extractor and field
//! checks, pagers, static assets, health checks and request logging. It knows no area.

pub mod access;
pub mod assets;
pub mod csrf;
pub mod errors;
pub mod fields;
pub mod flash;
pub mod form;
pub mod health;
pub mod logging;
pub mod page;
pub mod paging;
pub mod request;
pub mod resume;
pub mod sessions;
pub mod state;
