//! myochart: practice management for myofascial trigger-point therapy.
//!
//! `main.rs` parses the command line; everything else lives here so the integration tests run
//! the very same application.

pub mod accounts;
pub mod audit;
pub mod auth;
pub mod charting;
pub mod cli;
pub mod clients;
pub mod config;
pub mod db;
pub mod error;
pub mod followups;
pub mod homecare;
pub mod mail;
pub mod visits;
pub mod vocab;
pub mod web;

use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use actix_web::dev::Server;
use actix_web::middleware::{DefaultHeaders, from_fn};
use actix_web::{App, HttpServer, web as aweb};

use crate::accounts::sessions::Lifetimes;
use crate::auth::jwt::Keys;
use crate::auth::session::CookieNames;
use crate::auth::throttle::LoginThrottle;
use crate::config::Config;
use crate::db::Db;
use crate::error::AppError;

/// Everything a request handler may need, shared across workers.
pub struct AppState {
    pub config: Arc<Config>,
    pub db: Db,
    pub keys: Keys,
    pub throttle: LoginThrottle,
    pub passwords: auth::password::Passwords,
    pub cookie_names: CookieNames,
    /// Host header values this server answers to.
    pub allowed_hosts: Vec<String>,
    /// Proves that whoever completes first-run set-up can read the server's log; printed there.
    pub setup_token: String,
    /// Per-IP limit on client-link pages.
    pub link_throttle: auth::throttle::IpThrottle,
    /// Delivers the outbox. `myochart serve` runs it in the background.
    pub mail_worker: mail::worker::Worker,
    /// A real argon2 hash, verified against when an email is unknown so that a wrong email
    /// and a wrong password take the same time.
    pub dummy_hash: String,
    set_up: AtomicBool,
}

impl AppState {
    pub fn new(config: Config, db: Db, secret: &[u8]) -> Result<AppState, AppError> {
        let mailer = mail::transport::Mailer::from_config(&config)
            .map_err(|e| AppError::Internal(anyhow::anyhow!(e)))?;
        let mail_worker = mail::worker::Worker::new(
            db.clone(),
            Arc::new(mailer),
            config.smtp_timeout_secs,
            config.mail_max_attempts,
            config.mail_poll_secs,
            (config.reminder_days_before > 0).then(|| mail::worker::Reminders {
                tz: config.tz(),
                days_before: config.reminder_days_before,
                practice_name: config.practice_name.clone(),
                practice_footer: config.practice_footer.clone(),
                has_logo: !config.practice_logo.is_empty(),
                keys: Keys::new(secret),
                public_url: config.public_url.clone(),
            }),
        );
        Ok(AppState {
            mail_worker,
            // 30 requests at once, then two a second: plenty for a person, little for a script.
            link_throttle: auth::throttle::IpThrottle::new(30, std::time::Duration::from_millis(500)),
            keys: Keys::new(secret),
            throttle: LoginThrottle::new(&config),
            // Two hashes per core keep the cores busy without queueing memory-hungry work.
            passwords: auth::password::Passwords::new(
                2 * std::thread::available_parallelism().map_or(2, usize::from),
            ),
            cookie_names: CookieNames::new(config.is_https()),
            allowed_hosts: config.allowed_hosts(),
            setup_token: auth::session::random_value(),
            dummy_hash: auth::password::hash("myochart timing equaliser")?,
            config: Arc::new(config),
            db,
            set_up: AtomicBool::new(false),
        })
    }

    /// Today's date in the practice's time zone: day boundaries, ages, "done today".
    pub fn today(&self) -> chrono::NaiveDate {
        followups::schedule::today_in(self.config.tz(), chrono::Utc::now().naive_utc())
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
        let exists = self.db.run(accounts::model::any_exists).await?;
        if exists {
            self.mark_set_up();
        }
        Ok(exists)
    }

    pub fn mark_set_up(&self) {
        self.set_up.store(true, Ordering::Release);
    }
}

/// Headers sent on every response, errors included.
fn security_headers(https: bool) -> DefaultHeaders {
    let mut headers = DefaultHeaders::new()
        .add((
            "Content-Security-Policy",
            "default-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
        ))
        .add(("X-Content-Type-Options", "nosniff"))
        // Full URLs (which may hold a client-link token) never leave the site.
        .add(("Referrer-Policy", "same-origin"))
        .add(("X-Frame-Options", "DENY"))
        .add(("Cross-Origin-Opener-Policy", "same-origin"))
        .add(("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()"))
        // Health records must not linger in browser or proxy caches; static files override this.
        .add(("Cache-Control", "no-store"));
    if https {
        headers = headers.add(("Strict-Transport-Security", "max-age=63072000; includeSubDomains"));
    }
    headers
}

/// Extractor limits and their errors, so bad input gets our pages, not actix's plain text.
fn extractor_configs(cfg: &mut aweb::ServiceConfig, max_form_bytes: usize) {
    cfg.app_data(aweb::FormConfig::default().limit(max_form_bytes).error_handler(|err, _| match err {
        actix_web::error::UrlencodedError::Overflow { .. } => AppError::PayloadTooLarge.into(),
        _ => AppError::BadRequest("The form could not be read.".into()).into(),
    }))
    .app_data(
        aweb::QueryConfig::default()
            .error_handler(|_, _| AppError::BadRequest("The address has a malformed query.".into()).into()),
    )
    .app_data(aweb::PayloadConfig::new(max_form_bytes))
    .app_data(aweb::PathConfig::default().error_handler(|_, _| AppError::NotFound.into()));
}

/// Builds the HTTP server on `listener`. Used by `myochart serve` and by the tests.
pub fn server(state: aweb::Data<AppState>, listener: TcpListener) -> std::io::Result<Server> {
    let https = state.config.is_https();
    let max_form_bytes = state.config.max_form_bytes;
    let shutdown = state.config.shutdown_timeout_secs;
    let workers = match state.config.workers {
        0 => std::thread::available_parallelism().map_or(2, usize::from),
        n => n,
    };
    let server = HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .configure(|cfg| extractor_configs(cfg, max_form_bytes))
            .configure(web::routes::configure)
            .wrap(from_fn(auth::csrf::verify))
            .wrap(from_fn(auth::session::resolve))
            .wrap(security_headers(https))
            .wrap(tracing_actix_web::TracingLogger::<web::logging::QuietRootSpan>::new())
    })
    .workers(workers)
    .shutdown_timeout(shutdown)
    .listen(listener)?
    .run();
    Ok(server)
}
