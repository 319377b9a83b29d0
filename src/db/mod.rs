//! Database access for both backends: the URL picks SQLite or PostgreSQL, one r2d2 pool serves
//! either, migrations are embedded, and every query runs off the async executor via [`Db::run`].

pub mod schema;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use diesel::Connection;
use diesel::connection::{
    AnsiTransactionManager, Instrumentation, InstrumentationEvent, SimpleConnection, TransactionManager,
};
use diesel::pg::PgConnection;
use diesel::r2d2::{self, ManageConnection, Pool, PooledConnection};
use diesel::sqlite::SqliteConnection;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use crate::error::AppError;

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// A connection to whichever backend the database URL names.
#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Postgres(PgConnection),
    Sqlite(SqliteConnection),
}

/// Which backend a database URL selects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Postgres(String),
    Sqlite(PathBuf),
}

impl Target {
    /// Reads the scheme ourselves: diesel's derived `establish` would try each backend in turn,
    /// and SQLite accepts any string as a file name, hiding the real error.
    pub fn parse(url: &str) -> Result<Target, String> {
        let url = url.trim();
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Target::Postgres(url.to_owned()));
        }
        let path =
            url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")).ok_or_else(|| {
                format!("database_url must start with sqlite:// or postgres:// (got {:?})", redact_url(url))
            })?;
        if path.is_empty() || path == ":memory:" {
            return Err("database_url must name a SQLite file, e.g. sqlite://data/myochart.db".into());
        }
        Ok(Target::Sqlite(PathBuf::from(path)))
    }

    pub fn is_sqlite(&self) -> bool {
        matches!(self, Target::Sqlite(_))
    }
}

/// Hides a password in a connection URL so it can appear in an error message or a log line.
pub fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        _ => url.to_owned(),
    }
}

/// Counts the statements every pooled connection runs: lets tests prove a page runs a fixed
/// number of queries, and benchmarks report queries per request.
#[derive(Debug, Clone, Default)]
pub struct QueryCounter(Arc<AtomicU64>);

impl QueryCounter {
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

impl Instrumentation for QueryCounter {
    fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
        if let InstrumentationEvent::StartQuery { .. } = event {
            self.0.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// Opens connections for r2d2 and applies the per-connection SQLite settings.
pub struct Manager {
    target: Target,
    counter: QueryCounter,
}

impl Manager {
    fn establish(&self) -> diesel::ConnectionResult<DbConn> {
        let mut conn = self.establish_plain()?;
        conn.set_instrumentation(self.counter.clone());
        Ok(conn)
    }

    fn establish_plain(&self) -> diesel::ConnectionResult<DbConn> {
        match &self.target {
            Target::Postgres(url) => PgConnection::establish(url).map(DbConn::Postgres),
            Target::Sqlite(path) => {
                let mut conn = SqliteConnection::establish(&path.to_string_lossy())?;
                // foreign_keys is off by default in SQLite and must be set on every connection.
                // busy_timeout makes a writer wait for the lock instead of failing at once.
                // synchronous=FULL: in WAL mode NORMAL may lose the last commits on power loss;
                // a signed clinical note must survive that, and our write rate is small.
                conn.batch_execute(
                    "PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000; PRAGMA synchronous = FULL;",
                )
                .map_err(|e| diesel::ConnectionError::BadConnection(e.to_string()))?;
                Ok(DbConn::Sqlite(conn))
            }
        }
    }
}

impl ManageConnection for Manager {
    type Connection = DbConn;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<DbConn, r2d2::Error> {
        self.establish().map_err(r2d2::Error::ConnectionError)
    }

    fn is_valid(&self, conn: &mut DbConn) -> Result<(), r2d2::Error> {
        conn.batch_execute("SELECT 1").map_err(r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut DbConn) -> bool {
        std::thread::panicking()
            || <DbConn as Connection>::TransactionManager::is_broken_transaction_manager(conn)
    }
}

/// The shared pool. Cheap to clone.
#[derive(Clone)]
pub struct Db {
    pool: Pool<Manager>,
    sqlite: bool,
    counter: QueryCounter,
}

impl Db {
    /// Connects, prepares the database file or server, and runs pending migrations.
    /// The error is one sentence meant for the operator.
    pub fn connect(url: &str, pool_size: u32) -> Result<Db, String> {
        let target = Target::parse(url)?;
        if let Target::Sqlite(path) = &target {
            ensure_parent_dir(path)?;
        }
        let counter = QueryCounter::default();
        let manager = Manager { target: target.clone(), counter: counter.clone() };
        // One direct connection first: r2d2 would only report a timeout, not the reason.
        let mut first = manager.establish().map_err(|e| {
            format!("cannot open the database named by database_url ({}): {e}", redact_url(url))
        })?;
        if target.is_sqlite() {
            // WAL lets readers proceed while one writer commits; it is a property of the file.
            first
                .batch_execute("PRAGMA journal_mode = WAL;")
                .map_err(|e| format!("cannot switch the SQLite database to WAL mode: {e}"))?;
        }
        run_migrations(&mut first).map_err(|e| format!("database migration failed: {e}"))?;
        crate::charting::catalog::seed(&mut first)
            .map_err(|e| format!("cannot load the muscle catalog: {e}"))?;
        crate::homecare::library::seed(&mut first)
            .map_err(|e| format!("cannot load the exercise library: {e}"))?;
        drop(first);
        let pool = Pool::builder()
            .max_size(pool_size.max(1))
            .connection_timeout(Duration::from_secs(10))
            .build(manager)
            .map_err(|e| format!("cannot open the database pool ({}): {e}", redact_url(url)))?;
        Ok(Db { pool, sqlite: target.is_sqlite(), counter })
    }

    pub fn is_sqlite(&self) -> bool {
        self.sqlite
    }

    /// Statements run so far by all pooled connections.
    pub fn queries_run(&self) -> u64 {
        self.counter.get()
    }

    /// A connection for synchronous use outside the async executor (CLI commands, tests).
    pub fn get(&self) -> Result<PooledConnection<Manager>, AppError> {
        self.pool.get().map_err(|e| AppError::Unavailable(e.to_string()))
    }

    /// Runs `f` on a pooled connection on the blocking thread pool.
    pub async fn run<T, F>(&self, f: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut DbConn) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        let pool = self.pool.clone();
        actix_web::web::block(move || {
            let mut conn = pool.get().map_err(|e| AppError::Unavailable(e.to_string()))?;
            f(&mut conn)
        })
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("blocking task failed: {e}")))?
    }

    /// Runs `f` in a write transaction (see [`write_tx`]) on the blocking thread pool.
    pub async fn write<T, F>(&self, f: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut DbConn) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        self.run(move |conn| write_tx(conn, f)).await
    }
}

/// A transaction that will write. On SQLite it begins IMMEDIATE, so a second writer waits on
/// busy_timeout instead of failing with "database is locked" when its read lock cannot be
/// upgraded. On PostgreSQL it is an ordinary transaction.
pub fn write_tx<T, F>(conn: &mut DbConn, f: F) -> Result<T, AppError>
where
    F: FnOnce(&mut DbConn) -> Result<T, AppError>,
{
    let DbConn::Sqlite(inner) = conn else {
        return conn.transaction(f);
    };
    AnsiTransactionManager::begin_transaction_sql(inner, "BEGIN IMMEDIATE")?;
    match f(conn) {
        Ok(value) => {
            <DbConn as Connection>::TransactionManager::commit_transaction(conn)?;
            Ok(value)
        }
        Err(err) => {
            // The original error matters more than a failed rollback.
            let _ = <DbConn as Connection>::TransactionManager::rollback_transaction(conn);
            Err(err)
        }
    }
}

/// Serialises account changes that must see a consistent set of admins (first-run setup, the
/// last-admin rule). SQLite writers are already serialised by BEGIN IMMEDIATE; on PostgreSQL a
/// transaction-scoped advisory lock does it without blocking ordinary reads.
pub fn lock_accounts(conn: &mut DbConn) -> Result<(), AppError> {
    if let DbConn::Postgres(pg) = conn {
        pg.batch_execute("SELECT pg_advisory_xact_lock(7215001)")?;
    }
    Ok(())
}

/// Applies every pending migration for the connection's backend.
pub fn run_migrations(conn: &mut DbConn) -> Result<(), String> {
    let applied = match conn {
        DbConn::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS).map(|v| v.len()),
        DbConn::Postgres(c) => c.run_pending_migrations(POSTGRES_MIGRATIONS).map(|v| v.len()),
    }
    .map_err(|e| e.to_string())?;
    if applied > 0 {
        tracing::info!(applied, "database migrations applied");
    }
    Ok(())
}

fn ensure_parent_dir(path: &Path) -> Result<(), String> {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => std::fs::create_dir_all(dir).map_err(|e| {
            format!("cannot create the folder {} for the SQLite database (database_url): {e}", dir.display())
        }),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_scheme_picks_the_backend() {
        assert_eq!(Target::parse("sqlite://data/x.db"), Ok(Target::Sqlite("data/x.db".into())));
        assert_eq!(Target::parse("sqlite:/tmp/x.db"), Ok(Target::Sqlite("/tmp/x.db".into())));
        assert!(matches!(Target::parse("postgres://u@h/db"), Ok(Target::Postgres(_))));
        assert!(matches!(Target::parse("postgresql://u@h/db"), Ok(Target::Postgres(_))));
        assert!(Target::parse("mysql://u@h/db").is_err());
        assert!(Target::parse("data/x.db").is_err());
        assert!(Target::parse("sqlite://").is_err());
    }

    #[test]
    fn passwords_never_appear_in_messages() {
        let shown = redact_url("postgres://app:s3cret@db.example/myochart");
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(shown.contains("***"));
    }
}
