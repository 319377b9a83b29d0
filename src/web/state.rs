//! [`AppState`]: what every handler may need, shared across workers. Built once at start from
//! the settings, the database and the signing secret; it holds only foundation parts, so every
//! area can take it without depending on another area.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use actix_web::HttpResponse;
use tokio::sync::Notify;

use crate::auth::identity::{CookieNames, random_value};
use crate::auth::jwt::Keys;
use crate::auth::password::Passwords;
use crate::auth::refusals::Refusals;
use crate::auth::sessions::Lifetimes;
use crate::auth::throttle::{IpThrottle, LoginThrottle};
use crate::auth::users;
use crate::config::Config;
use crate::db::Db;
use crate::error::AppError;
use crate::time::Clock;
use crate::web::flash::{Flash, see_other_with};

pub struct AppState {
    pub config: Arc<Config>,
    /// "Now" and "today" in the practice.
    pub clock: Clock,
    pub db: Db,
    pub keys: Keys,
    pub throttle: LoginThrottle,
    /// Throttled sign-ins not yet in the audit log (written a row per address per minute).
    pub refusals: Arc<Refusals>,
    pub passwords: Passwords,
    pub cookie_names: CookieNames,
    /// Host header values this server answers to.
    pub allowed_hosts: Vec<String>,
    /// Proves that whoever completes first-run set-up can read the server's log; printed there.
    pub setup_token: String,
    /// Per-IP limit on pages reached by a link instead of a session (client links, calendars).
    pub link_throttle: IpThrottle,
    /// Notified when a request queues email, so the delivery worker need not wait for its poll.
    pub mail_queued: Arc<Notify>,
    /// A real argon2 hash, verified against when an email is unknown so that a wrong email
    /// and a wrong password take the same time.
    pub dummy_hash: String,
    set_up: AtomicBool,
}

impl AppState {
    pub fn new(config: Config, db: Db, secret: &[u8]) -> Result<AppState, AppError> {
        let random = |e| AppError::Internal(anyhow::anyhow!("no randomness: {e}"));
        Ok(AppState {
            clock: Clock::system(config.timezone),
            // 30 requests at once, then two a second: plenty for a person, little for a script.
            link_throttle: IpThrottle::new(30, Duration::from_millis(500)),
            keys: Keys::new(secret),
            throttle: LoginThrottle::new(&config),
            refusals: Arc::new(Refusals::default()),
            // A hash per core keeps the cores busy; more at once would only hold more memory.
            passwords: Passwords::new(std::thread::available_parallelism().map_or(2, usize::from)),
            cookie_names: CookieNames::new(config.is_https()),
            allowed_hosts: config.allowed_hosts(),
            setup_token: random_value().map_err(random)?,
            mail_queued: Arc::new(Notify::new()),
            dummy_hash: crate::auth::password::hash("myochart timing equaliser")?,
            config: Arc::new(config),
            db,
            set_up: AtomicBool::new(false),
        })
    }

    /// The same state on another clock (tests pin "now").
    pub fn with_clock(self, clock: Clock) -> AppState {
        AppState { clock, ..self }
    }

    pub fn lifetimes(&self) -> Lifetimes {
        Lifetimes {
            idle: chrono::Duration::minutes(i64::from(self.config.session_idle_minutes)),
            absolute: chrono::Duration::hours(i64::from(self.config.session_max_hours)),
        }
    }

    /// Whether the first account exists. Once true it stays true, so after set-up this costs
    /// no query; before, another instance may have finished set-up, so the database is asked.
    pub async fn is_set_up(&self) -> Result<bool, AppError> {
        if self.set_up.load(Ordering::Acquire) {
            return Ok(true);
        }
        let exists = self.db.run(users::any_exists).await?;
        if exists {
            self.mark_set_up();
        }
        Ok(exists)
    }

    pub fn mark_set_up(&self) {
        self.set_up.store(true, Ordering::Release);
    }

    /// The answer to a successful form: a 303 to `location` that shows `flash` there.
    pub fn see_other(&self, location: &str, flash: Flash) -> HttpResponse {
        see_other_with(&self.cookie_names, location, flash)
    }

    /// Refuses a request by a link (client pages, unsubscribe, calendar feeds) from an address
    /// that asks too often.
    pub fn throttle_link(&self, ip: Option<&str>) -> Result<(), AppError> {
        self.link_throttle
            .check(ip.unwrap_or_default())
            .map_err(|retry_after_secs| AppError::TooManyRequests { retry_after_secs })
    }

    /// An absolute link for emails and calendar apps.
    pub fn link(&self, path: &str) -> String {
        format!("{}{path}", self.config.public_base())
    }
}
