//! Group commit for the audit rows of page views. Every page that shows health information
//! waits for its row to be durable before it leaves (so nothing is ever shown unaudited), but
//! the rows of pages viewed at the same moment share one transaction: one commit, one fsync,
//! one change for the other connections to notice, instead of one per page view.
//!
//! The queue is bounded: when it is full, a page waits for room rather than dropping its row.
//! No row is acknowledged before its transaction commits, so nothing is lost on shutdown or
//! `kill -9`: a page whose row was not committed was never sent. Changes to the record are not
//! written here; they stay audited in their own transaction (`audited::write`).

use std::panic::{self, AssertUnwindSafe};
use std::thread;

use tokio::sync::{mpsc, oneshot};

use crate::audit::model::{self, AuditEntry};
use crate::db::{Db, write_tx};
use crate::error::AppError;

/// Rows waiting to be written, at most; a page view waits for room beyond this.
const QUEUE: usize = 4096;
/// Rows per transaction, at most.
const BATCH: usize = 256;

type Ack = oneshot::Sender<Result<(), String>>;

/// The sending side, shared by every worker of the server. Cheap to clone.
#[derive(Clone)]
pub struct ReadAppender {
    queue: mpsc::Sender<(AuditEntry, Ack)>,
}

impl ReadAppender {
    /// Starts the writer: one thread that commits whatever has queued since its last commit.
    /// It stops when the last `ReadAppender` is dropped, after writing what was queued.
    pub fn start(db: Db) -> std::io::Result<ReadAppender> {
        let (queue, pending) = mpsc::channel(QUEUE);
        thread::Builder::new().name("audit-reads".into()).spawn(move || write_batches(&db, pending))?;
        Ok(ReadAppender { queue })
    }

    /// Appends `entry` and returns once it is committed.
    pub async fn append(&self, entry: AuditEntry) -> Result<(), AppError> {
        let (ack, committed) = oneshot::channel();
        self.queue
            .send((entry, ack))
            .await
            .map_err(|_| AppError::Unavailable("the audit writer has stopped".into()))?;
        match committed.await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(reason)) => {
                Err(AppError::Unavailable(format!("the audit log could not be written: {reason}")))
            }
            Err(_) => Err(AppError::Unavailable("the audit writer has stopped".into())),
        }
    }
}

fn write_batches(db: &Db, mut pending: mpsc::Receiver<(AuditEntry, Ack)>) {
    let mut batch = Vec::with_capacity(BATCH);
    while let Some(first) = pending.blocking_recv() {
        batch.push(first);
        while batch.len() < BATCH {
            match pending.try_recv() {
                Ok(next) => batch.push(next),
                Err(_) => break,
            }
        }
        let (entries, acks): (Vec<AuditEntry>, Vec<Ack>) = batch.drain(..).unzip();
        // A panic is caught so the writer lives on: one failed batch answers 503 to its pages,
        // not every page until a restart.
        let insert =
            || db.get().and_then(|mut conn| write_tx(&mut conn, |conn| model::insert_many(conn, &entries)));
        let outcome = match panic::catch_unwind(AssertUnwindSafe(insert)) {
            Ok(result) => result.map_err(|err| err.to_string()),
            Err(_) => Err("the audit writer panicked".to_owned()),
        }
        .inspect_err(|err| {
            tracing::error!(error = %err, rows = entries.len(), "audit rows of page views could not be written");
        });
        for ack in acks {
            // The page may have been abandoned; its row is written all the same.
            let _ = ack.send(outcome.clone());
        }
    }
}
