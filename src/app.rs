//! The application put together: the database made ready, and the HTTP server with its
//! middleware and every route. Used by `myochart serve` and by the tests.

use std::net::TcpListener;

use actix_web::dev::Server;
use actix_web::middleware::{DefaultHeaders, from_fn};
use actix_web::{App, HttpServer, web as aweb};

use crate::config::DatabaseUrl;
use crate::db::Db;
use crate::error::AppError;
use crate::web::state::AppState;
use crate::{audit, charting, homecare, routes, web};

/// Opens the database (running pending migrations) and brings the shipped catalogs up to date:
/// what every command needs before it touches data.
pub fn open_database(url: &DatabaseUrl, pool_size: u32) -> Result<Db, String> {
    let db = Db::connect(url, pool_size)?;
    let mut conn = db.get().map_err(|e| e.to_string())?;
    charting::catalog::seed(&mut conn).map_err(|e| format!("cannot load the muscle catalog: {e}"))?;
    homecare::library::seed(&mut conn).map_err(|e| format!("cannot load the exercise library: {e}"))?;
    Ok(db)
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
    cfg.app_data(
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
    let blocking_threads = state.config.database_pool_size as usize + state.passwords.permits() + 2;
    let workers = match state.config.workers {
        0 => std::thread::available_parallelism().map_or(2, usize::from),
        n => n,
    };
    let reads = aweb::Data::new(audit::appender::ReadAppender::start(state.db.clone())?);
    let server = HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .app_data(reads.clone())
            .configure(|cfg| extractor_configs(cfg, max_form_bytes))
            .app_data(routes::RouteTable(routes::ROUTES))
            .configure(routes::configure)
            .wrap(from_fn(audit::declared::record_reads))
            .wrap(from_fn(web::csrf::verify))
            .wrap(from_fn(web::sessions::resolve))
            .wrap(security_headers(https))
            .wrap(tracing_actix_web::TracingLogger::<web::logging::QuietRootSpan>::new())
    })
    .workers(workers)
    // Blocking work waits for a pooled connection or a hashing permit anyway; a thread per
    // waiting request would only add stacks and allocator arenas (hundreds of MB under load).
    .worker_max_blocking_threads(blocking_threads)
    .shutdown_timeout(shutdown)
    .listen(listener)?
    .run();
    Ok(server)
}
