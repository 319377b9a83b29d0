//! The outbox worker: claims due rows under a lease, delivers them, and records the outcome.
//! Runs in the background of `myochart serve` (see `jobs`); tests call [`Worker::deliver_due`]
//! with their own clock.

use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::{Duration, NaiveDateTime, Utc};
use tokio::sync::Notify;

use crate::audit::model::{self as audit, Action, Outcome};
use crate::auth::extractors::Actor;
use crate::db::Db;
use crate::error::AppError;
use crate::mail::outbox;
use crate::mail::transport::{Mailer, SendFailure};

/// Every delivery outcome that ends a message's journey is audited, with the client it concerns.
fn audit_delivery(
    conn: &mut crate::db::DbConn,
    row: &outbox::OutboxRow,
    action: Action,
    outcome: Outcome,
) -> Result<(), AppError> {
    let actor = Actor::system("mail worker");
    // The server's reply may quote the address; it stays on the outbox row for the therapist.
    let detail = Some(format!("{} {}", row.email.kind.code(), row.id));
    let client = row.email.client_id.as_deref().map(|id| ("client", id));
    audit::record(conn, &actor, action, client, outcome, detail)
}

/// Rows claimed per round.
const BATCH: i32 = 10;

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
    wake: Arc<Notify>,
}

impl Worker {
    pub fn new(
        db: Db,
        mailer: Arc<Mailer>,
        smtp_timeout_secs: u64,
        max_attempts: u32,
        poll_secs: u64,
        wake: Arc<Notify>,
    ) -> Worker {
        Worker {
            db,
            mailer,
            // Each send may take up to three SMTP timeouts (the mailer's hard deadline).
            lease: Duration::seconds(
                i64::try_from(smtp_timeout_secs).unwrap_or(60).saturating_mul(3 * i64::from(BATCH)) + 60,
            ),
            max_attempts: i32::try_from(max_attempts).unwrap_or(8),
            poll: StdDuration::from_secs(poll_secs),
            wake,
        }
    }

    /// Claims and delivers every row due at `now`, batch by batch.
    pub async fn deliver_due(&self, now: NaiveDateTime) -> Result<Round, AppError> {
        let mut round = Round::default();
        loop {
            // Each claim gets a fresh lease, long enough for the whole batch.
            let claim_now = now.max(Utc::now().naive_utc());
            let lease_until = claim_now + self.lease;
            let rows = self.db.write(move |conn| outbox::claim(conn, now, lease_until, BATCH)).await?;
            if rows.is_empty() {
                return Ok(round);
            }
            for row in rows {
                // Consent and address are checked again at delivery: either may have changed
                // since the message was queued.
                let check = row.clone();
                let blocked = self.db.run(move |conn| outbox::delivery_blocker(conn, &check)).await?;
                let outcome = match blocked {
                    Some(reason) => Err(SendFailure { permanent: true, reason: reason.into() }),
                    None => self.mailer.send(&row).await,
                };
                let max_attempts = self.max_attempts;
                match &outcome {
                    Ok(()) => round.sent += 1,
                    Err(failure) if failure.permanent || row.attempts >= max_attempts => round.failed += 1,
                    Err(_) => round.retrying += 1,
                }
                if let Err(failure) = &outcome {
                    // Only the status code is logged: the reply text may quote the address.
                    let code: String = failure.reason.chars().take_while(char::is_ascii_digit).collect();
                    tracing::warn!(outbox_id = %row.id, permanent = failure.permanent, attempt = row.attempts, code = %code, "email not delivered");
                }
                self.db
                    .write(move |conn| match outcome {
                        Ok(()) => {
                            outbox::mark_sent(conn, &row, Utc::now().naive_utc())?;
                            audit_delivery(conn, &row, Action::EmailSent, Outcome::Success)
                        }
                        Err(failure) if failure.permanent => {
                            outbox::mark_failed(conn, &row, &failure.reason)?;
                            audit_delivery(conn, &row, Action::EmailFailed, Outcome::Failure)
                        }
                        Err(failure) if row.attempts >= max_attempts => {
                            // mark_retry gives up at this point and records why.
                            outbox::mark_retry(conn, &row, now, &failure.reason, max_attempts)?;
                            audit_delivery(conn, &row, Action::EmailFailed, Outcome::Failure)
                        }
                        Err(failure) => outbox::mark_retry(conn, &row, now, &failure.reason, max_attempts),
                    })
                    .await?;
            }
        }
    }

    /// Waits for the poll interval or a wake-up, whichever comes first.
    pub async fn wait(&self) {
        tokio::select! {
            _ = self.wake.notified() => {}
            _ = actix_web::rt::time::sleep(self.poll) => {}
        }
    }
}
