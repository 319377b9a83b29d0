//! Audited reads and writes in one call. A change and its audit row are written in one write
//! transaction, so they exist together or not at all. A read is followed by its audit row on
//! the same connection; if the row cannot be written the read fails, so nothing is shown
//! unaudited (reads take no write lock: they must not queue behind writers).

use crate::audit::model::{self, Action, Outcome};
use crate::auth::extractors::Actor;
use crate::db::{Db, DbConn};
use crate::error::AppError;

/// The record an audited action touched, and a short non-clinical note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subject {
    pub kind: &'static str,
    pub id: String,
    pub detail: Option<String>,
}

impl Subject {
    pub fn new(kind: &'static str, id: impl Into<String>) -> Subject {
        Subject { kind, id: id.into(), detail: None }
    }

    pub fn with_detail(self, detail: impl Into<String>) -> Subject {
        Subject { detail: Some(detail.into()), ..self }
    }
}

/// What an audited action returns names the record it is about.
pub trait Audited {
    fn subject(&self) -> Subject;
}

/// Appends `action` about `subject` (success) on `conn`.
pub fn record(conn: &mut DbConn, actor: &Actor, action: Action, subject: &Subject) -> Result<(), AppError> {
    model::record(
        conn,
        actor,
        action,
        Some((subject.kind, &subject.id)),
        Outcome::Success,
        subject.detail.clone(),
    )
}

/// Runs `change` in a write transaction and records `action` on the record it returns.
pub async fn write<T, F>(db: &Db, actor: Actor, action: Action, change: F) -> Result<T, AppError>
where
    T: Audited + Send + 'static,
    F: FnOnce(&mut DbConn) -> Result<T, AppError> + Send + 'static,
{
    db.write(move |conn| {
        let value = change(conn)?;
        record(conn, &actor, action, &value.subject())?;
        Ok(value)
    })
    .await
}

/// Runs `load` and records `action` (a read of clinical data) on the record it returns; a read
/// whose audit row cannot be written returns the error instead of the data.
pub async fn read<T, F>(db: &Db, actor: Actor, action: Action, load: F) -> Result<T, AppError>
where
    T: Audited + Send + 'static,
    F: FnOnce(&mut DbConn) -> Result<T, AppError> + Send + 'static,
{
    db.run(move |conn| {
        let value = load(conn)?;
        record(conn, &actor, action, &value.subject())?;
        Ok(value)
    })
    .await
}
