//! The outbox worker: claims due rows under a lease, delivers them, and records the outcome.
//! Runs in the background of `myochart serve`; tests call [`Worker::run_once`] with their own
//! clock.

use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::{Duration, NaiveDateTime, Utc};
use tokio::sync::Notify;

use crate::db::Db;
use crate::error::AppError;
use crate::mail::outbox;
use crate::mail::transport::Mailer;

/// Rows claimed per round.
const BATCH: i32 = 20;

/// What one round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Round {
    pub sent: usize,
    pub retrying: usize,
    pub failed: usize,
}

#[derive(Clone)]
pub struct Worker {
    db: Db,
    mailer: Arc<Mailer>,
    /// Longer than any single send can take (the SMTP timeout), so a live worker keeps its rows.
    lease: Duration,
    max_attempts: i32,
    poll: StdDuration,
    /// Woken when this process queues mail, so it goes out without waiting for the next poll.
    pub wake: Arc<Notify>,
}

impl Worker {
    pub fn new(
        db: Db,
        mailer: Arc<Mailer>,
        smtp_timeout_secs: u64,
        max_attempts: u32,
        poll_secs: u64,
    ) -> Worker {
        Worker {
            db,
            mailer,
            lease: Duration::seconds(
                i64::try_from(smtp_timeout_secs).unwrap_or(60).saturating_mul(4).max(60),
            ),
            max_attempts: i32::try_from(max_attempts).unwrap_or(8),
            poll: StdDuration::from_secs(poll_secs),
            wake: Arc::new(Notify::new()),
        }
    }

    /// The stable Message-ID for an outbox row.
    pub fn message_id(&self, row_id: &str) -> String {
        self.mailer.message_id(row_id)
    }

    /// Claims and delivers every row due at `now`, batch by batch.
    pub async fn run_once(&self, now: NaiveDateTime) -> Result<Round, AppError> {
        let mut round = Round::default();
        loop {
            let lease_until = now + self.lease;
            let rows = self.db.write(move |conn| outbox::claim(conn, now, lease_until, BATCH)).await?;
            if rows.is_empty() {
                return Ok(round);
            }
            for row in rows {
                let outcome = self.mailer.send(&row).await;
                let max_attempts = self.max_attempts;
                match &outcome {
                    Ok(()) => round.sent += 1,
                    Err(failure) if failure.permanent || row.attempts >= max_attempts => round.failed += 1,
                    Err(_) => round.retrying += 1,
                }
                if let Err(failure) = &outcome {
                    tracing::warn!(outbox_id = %row.id, permanent = failure.permanent, attempt = row.attempts, "email not delivered: {}", failure.reason);
                }
                self.db
                    .write(move |conn| match outcome {
                        Ok(()) => outbox::mark_sent(conn, &row.id, Utc::now().naive_utc()),
                        Err(failure) if failure.permanent => {
                            outbox::mark_failed(conn, &row.id, &failure.reason)
                        }
                        Err(failure) => outbox::mark_retry(conn, &row, now, &failure.reason, max_attempts),
                    })
                    .await?;
            }
        }
    }

    /// Delivers forever: after each round it waits for the poll interval or a wake-up.
    pub async fn run(self) {
        loop {
            if let Err(err) = self.run_once(Utc::now().naive_utc()).await {
                tracing::error!("outbox round failed: {err}");
            }
            tokio::select! {
                _ = self.wake.notified() => {}
                _ = actix_web::rt::time::sleep(self.poll) => {}
            }
        }
    }
}
