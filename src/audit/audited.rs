//! Audited writes in one call: a change and its audit row are written in one write
//! transaction, so they exist together or not at all. (Reads of clinical pages are declared in
//! the route table and recorded by [`crate::audit::declared`].)

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
