//! The background work of `myochart serve`: queue the follow-up reminders that are due, then
//! deliver the outbox; again after each poll interval or as soon as a request queues mail.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::NaiveDateTime;

use crate::accounts;
use crate::auth::refusals::Refusals;
use crate::db::{self, Db};
use crate::error::AppError;
use crate::followups::reminders::Reminders;
use crate::mail::transport::Mailer;
use crate::mail::worker::{Round, Worker};
use crate::time::Clock;
use crate::web::state::AppState;

#[derive(Clone)]
pub struct Jobs {
    clock: Clock,
    reminders: Option<Reminders>,
    worker: Worker,
    db: Db,
    refusals: Arc<Refusals>,
}

/// How often the planner's statistics are refreshed while serving.
const STATISTICS_EVERY: Duration = Duration::from_secs(3600);

impl Jobs {
    /// The jobs for this state's database, settings and mail transport.
    pub fn new(state: &AppState) -> Result<Jobs, String> {
        let config = &state.config;
        let mailer = Mailer::from_config(config)?;
        let worker = Worker::new(
            state.db.clone(),
            std::sync::Arc::new(mailer),
            config.smtp_timeout_secs,
            config.mail_max_attempts,
            config.mail_poll_secs,
            state.mail_queued.clone(),
        );
        Ok(Jobs {
            clock: state.clock.clone(),
            reminders: Reminders::from_state(state),
            worker,
            db: state.db.clone(),
            refusals: state.refusals.clone(),
        })
    }

    /// The delivery worker alone.
    pub fn worker(&self) -> &Worker {
        &self.worker
    }

    /// One round at `now`: queue due reminders, then deliver everything due.
    pub async fn run_once(&self, now: NaiveDateTime) -> Result<Round, AppError> {
        if let Err(err) = self.report_refusals(Instant::now(), false).await {
            tracing::error!("throttled sign-ins could not be audited yet: {err}");
        }
        if let Some(reminders) = &self.reminders {
            reminders.queue_due(now).await?;
        }
        self.worker.deliver_due(now).await
    }

    /// Writes the throttled sign-ins of addresses that went quiet before their next row (all
    /// of them at shutdown: `everything`). What cannot be written is kept for the next try.
    pub async fn report_refusals(&self, now: Instant, everything: bool) -> Result<(), AppError> {
        let owed = self.refusals.overdue(now, everything);
        if owed.is_empty() {
            return Ok(());
        }
        let rows = owed.clone();
        let written = self
            .db
            .write(move |conn| {
                rows.iter().try_for_each(|report| accounts::model::record_throttled(conn, report))
            })
            .await;
        if written.is_err() {
            self.refusals.restore(owed, now);
        }
        written
    }

    /// Runs forever: a round, then a wait for the poll interval or a wake-up; the planner's
    /// statistics are refreshed every [`STATISTICS_EVERY`].
    pub async fn run(self) {
        let mut statistics_due = Instant::now() + STATISTICS_EVERY;
        loop {
            if let Err(err) = self.run_once(self.clock.now()).await {
                tracing::error!("background round failed: {err}");
            }
            if Instant::now() >= statistics_due {
                statistics_due = Instant::now() + STATISTICS_EVERY;
                if let Err(err) = self.db.run(db::optimize).await {
                    tracing::error!("refreshing the planner's statistics failed: {err}");
                }
            }
            self.worker.wait().await;
        }
    }
}
