//! Database access for both backends: the URL picks SQLite or PostgreSQL, one r2d2 pool serves
//! either, migrations are embedded, and every query runs off the async executor via [`Db::run`].
//! Filling the shipped catalogs is the areas' job, called from start-up (`cli`), not from here.

pub mod paging;
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

use crate::config::DatabaseUrl;
use crate::error::AppError;
use crate::sensitive::{create_private_dir, create_private_file, make_private};

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// A connection to whichever backend the database URL names.
#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Postgres(PgConnection),
    Sqlite(SqliteConnection),
}

/// How long a request waits for a pooled connection before it answers 503: long enough for a
/// busy moment, short enough that a database that is down is reported within seconds.
const CHECKOUT_TIMEOUT: Duration = Duration::from_millis(2500);

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
    target: DatabaseUrl,
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
            DatabaseUrl::Postgres(url) => PgConnection::establish(url.expose()).map(DbConn::Postgres),
            DatabaseUrl::Sqlite(path) => {
                let mut conn = SqliteConnection::establish(&path.to_string_lossy())?;
                // foreign_keys is off by default in SQLite and must be set on every connection.
                // busy_timeout makes a writer wait for the lock instead of failing at once.
                // synchronous=FULL: in WAL mode NORMAL may lose the last commits on power loss;
                // a signed clinical note must survive that, and our write rate is small.
                // recursive_triggers makes REPLACE's implicit delete run the DELETE triggers
                // that guard signed and append-only rows (the schema refuses it anyway).
                conn.batch_execute(
                    "PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000; PRAGMA synchronous = FULL; \
                     PRAGMA recursive_triggers = ON;",
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
    /// SQLite's one writer at a time, taken in arrival order (see [`Db::write`]).
    writer: Arc<tokio::sync::Semaphore>,
}

impl Db {
    /// Connects, prepares the database file or server, and runs pending migrations.
    /// The error is one sentence meant for the operator.
    pub fn connect(target: &DatabaseUrl, pool_size: u32) -> Result<Db, String> {
        if let DatabaseUrl::Sqlite(path) = target {
            prepare_sqlite_file(path)?;
        }
        let counter = QueryCounter::default();
        let manager = Manager { target: target.clone(), counter: counter.clone() };
        // One direct connection first: r2d2 would only report a timeout, not the reason.
        let mut first = manager.establish().map_err(|e| {
            format!("cannot open the database named by database_url ({}): {e}", target.redacted())
        })?;
        if target.is_sqlite() {
            // WAL lets readers proceed while one writer commits; it is a property of the file.
            first
                .batch_execute("PRAGMA journal_mode = WAL;")
                .map_err(|e| format!("cannot switch the SQLite database to WAL mode: {e}"))?;
        }
        run_migrations(&mut first).map_err(|e| format!("database migration failed: {e}"))?;
        optimize(&mut first).map_err(|e| format!("cannot refresh the database statistics: {e}"))?;
        drop(first);
        let pool = Pool::builder()
            .max_size(pool_size.max(1))
            .connection_timeout(CHECKOUT_TIMEOUT)
            .build(manager)
            .map_err(|e| format!("cannot open the database pool ({}): {e}", target.redacted()))?;
        Ok(Db { pool, sqlite: target.is_sqlite(), counter, writer: Arc::new(tokio::sync::Semaphore::new(1)) })
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

    /// Whether the database answers within `within` (readiness probes).
    pub async fn ping(&self, within: Duration) -> Result<(), AppError> {
        let pool = self.pool.clone();
        actix_web::web::block(move || {
            let mut conn = pool.get_timeout(within).map_err(|e| AppError::Unavailable(e.to_string()))?;
            Ok(conn.batch_execute("SELECT 1")?)
        })
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("blocking task failed: {e}")))?
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

    /// Runs `f` in a write transaction (see [`write_tx`]) on the blocking thread pool. On
    /// SQLite, which writes one transaction at a time, writers queue here in arrival order
    /// without holding a connection: its own busy handler sleeps and retries (up to 100 ms a
    /// try) and lets late writers overtake early ones, which made saves wait up to a second.
    pub async fn write<T, F>(&self, f: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut DbConn) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        let turn = match self.sqlite {
            true => {
                Some(self.writer.clone().acquire_owned().await.map_err(|e| AppError::Internal(e.into()))?)
            }
            false => None,
        };
        self.run(move |conn| {
            let written = write_tx(conn, f);
            drop(turn);
            written
        })
        .await
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

/// Refreshes the query planner's statistics (after a bulk load, and from time to time): without
/// them SQLite can choose a poor index for a table that has grown.
pub fn analyze(conn: &mut DbConn) -> Result<(), AppError> {
    match conn {
        DbConn::Postgres(pg) => pg.batch_execute("ANALYZE")?,
        DbConn::Sqlite(lite) => lite.batch_execute("ANALYZE")?,
    }
    Ok(())
}

/// Keeps SQLite's planner statistics current as the practice grows: `PRAGMA optimize` analyses
/// only the tables that changed enough to need it, and `analysis_limit` keeps each analysis to a
/// sample (milliseconds, even at 100k clients). Run at start-up and hourly (`jobs`), on every
/// table (0x10000), not only those the connection happened to use. PostgreSQL's autovacuum
/// does this itself.
pub fn optimize(conn: &mut DbConn) -> Result<(), AppError> {
    if let DbConn::Sqlite(lite) = conn {
        lite.batch_execute("PRAGMA analysis_limit = 1000; PRAGMA optimize = 0x10002;")?;
    }
    Ok(())
}

/// Escapes LIKE wildcards so user input matches literally (used with `.escape('\\')`).
/// Rows per multi-row INSERT: well inside SQLite's 32,766 and PostgreSQL's 65,535 bound
/// parameters for our widest table (26 columns).
pub const INSERT_CHUNK: usize = 500;

/// Inserts `rows` (a slice of an `Insertable` struct with `treat_none_as_default_value =
/// false`) into `table` in multi-row statements of [`INSERT_CHUNK`]. Multi-row INSERT is
/// backend-specific SQL in diesel, so it is dispatched per backend here, once for every table.
macro_rules! insert_rows {
    ($conn:expr, $table:expr, $rows:expr) => {{
        let conn: &mut $crate::db::DbConn = $conn;
        let mut inserted = 0usize;
        for chunk in $rows.chunks($crate::db::INSERT_CHUNK) {
            inserted += match conn {
                $crate::db::DbConn::Postgres(pg) => diesel::insert_into($table).values(chunk).execute(pg)?,
                $crate::db::DbConn::Sqlite(lite) => {
                    diesel::insert_into($table).values(chunk).execute(lite)?
                }
            };
        }
        Ok::<usize, $crate::error::AppError>(inserted)
    }};
}
pub(crate) use insert_rows;

pub fn escape_like(text: &str) -> String {
    text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
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

/// The folder and the file of a SQLite database, readable by the service's user alone. SQLite
/// gives its -wal and -shm files the database file's permissions.
fn prepare_sqlite_file(path: &Path) -> Result<(), String> {
    let folder_error =
        |e| format!("cannot create the folder of the SQLite database {} (database_url): {e}", path.display());
    if let Some(dir) = path.parent() {
        create_private_dir(dir).map_err(folder_error)?;
    }
    let file_error = |e| format!("cannot create the SQLite database {} (database_url): {e}", path.display());
    create_private_file(path).map_err(file_error)?;
    for suffix in ["", "-wal", "-shm"] {
        let file = PathBuf::from(format!("{}{suffix}", path.display()));
        if file.exists() {
            make_private(&file).map_err(|e| format!("cannot restrict access to {}: {e}", file.display()))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_wildcards_are_escaped() {
        assert_eq!(escape_like("50%_a\\b"), "50\\%\\_a\\\\b");
    }
}
