//! The outbox table: one row per email, written in the same transaction as the change that
//! causes it, then claimed, delivered and marked by the worker.
//!
//! Statuses: `pending` (waiting for its next attempt), `sending` (claimed under a lease),
//! `sent`, `failed` (a permanent error or too many attempts; a therapist may retry it).

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use diesel::sql_types::{Integer, Timestamp};

use crate::audit::{Audited, Subject};
use crate::clients::model::{self as clients, Client, EmailBlocker};
use crate::db::DbConn;
use crate::db::schema::outbox;
use crate::error::AppError;
use crate::vocab::vocabulary;

vocabulary!(
    /// Where a message is on its way out.
    OutboxStatus {
        Pending => ("pending", "pending"),
        Sending => ("sending", "sending"),
        Sent => ("sent", "sent"),
        Failed => ("failed", "failed"),
    }
);

vocabulary!(
    /// What a message is; each kind has one function that writes it, in its own area.
    EmailKind {
        Routine => ("routine", "Home-care routine"),
        Reminder => ("reminder", "Appointment reminder"),
    }
);

#[derive(Clone, Queryable, QueryableByName, Selectable)]
#[diesel(table_name = outbox)]
pub struct OutboxRow {
    pub id: String,
    /// The message as queued.
    #[diesel(embed)]
    pub email: NewEmail,
    pub message_id: String,
    pub status: OutboxStatus,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub locked_until: Option<NaiveDateTime>,
    pub last_error: Option<String>,
    pub created_at: NaiveDateTime,
    pub sent_at: Option<NaiveDateTime>,
}

/// Addresses and bodies stay out of debug output.
impl std::fmt::Debug for OutboxRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OutboxRow")
            .field("id", &self.id)
            .field("kind", &self.email.kind)
            .field("status", &self.status)
            .field("attempts", &self.attempts)
            .finish_non_exhaustive()
    }
}

impl OutboxRow {
    /// Whether a therapist may put it back in the queue.
    pub fn can_retry(&self) -> bool {
        self.status == OutboxStatus::Failed
    }
}

/// An email to queue.
#[derive(Clone, Queryable, QueryableByName, Selectable, Insertable)]
#[diesel(table_name = outbox)]
pub struct NewEmail {
    pub kind: EmailKind,
    pub client_id: Option<String>,
    pub created_by: Option<String>,
    pub to_address: String,
    pub to_name: Option<String>,
    pub subject: String,
    pub body_text: String,
    pub body_html: String,
}

impl NewEmail {
    /// An email to `client` whose subject, text and HTML come from three templates of the same
    /// message. The caller has checked that the client may be emailed.
    pub fn to_client(
        kind: EmailKind,
        client: &Client,
        created_by: Option<String>,
        subject: &impl askama::Template,
        text: &impl askama::Template,
        html: &impl askama::Template,
    ) -> Result<NewEmail, AppError> {
        let render = |t: &dyn askama::DynTemplate| t.dyn_render().map_err(|e| AppError::Internal(e.into()));
        let to_address = client
            .details
            .email
            .clone()
            .ok_or_else(|| AppError::Conflict("The client has no email address.".into()))?;
        Ok(NewEmail {
            kind,
            client_id: Some(client.id.clone()),
            created_by,
            to_address,
            to_name: Some(format!("{} {}", client.details.first_name, client.details.last_name)),
            subject: render(subject)?.trim().to_owned(),
            body_text: render(text)?,
            body_html: render(html)?,
        })
    }
}

/// The stable Message-ID of an outbox row: the same on every retry, so a receiver that got a
/// message whose acknowledgement was lost can drop the duplicate.
pub fn message_id(row_id: &str, domain: &str) -> String {
    format!("<{row_id}@{domain}>")
}

/// Queues an email; the caller's transaction decides whether it exists. `domain` names the
/// Message-ID (the sender's domain).
pub fn enqueue(
    conn: &mut DbConn,
    email: &NewEmail,
    now: NaiveDateTime,
    domain: &str,
) -> Result<String, AppError> {
    let id = uuid::Uuid::now_v7().to_string();
    diesel::insert_into(outbox::table)
        .values((
            outbox::id.eq(&id),
            email,
            outbox::message_id.eq(message_id(&id, domain)),
            outbox::status.eq(OutboxStatus::Pending),
            outbox::attempts.eq(0),
            outbox::next_attempt_at.eq(now),
            outbox::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(id)
}

const CLAIM_SQLITE: &str = "UPDATE outbox SET status = 'sending', locked_until = ?, attempts = attempts + 1 \
    WHERE id IN (SELECT id FROM outbox WHERE (status = 'pending' AND next_attempt_at <= ?) \
    OR (status = 'sending' AND locked_until < ?) ORDER BY next_attempt_at, id LIMIT ?) RETURNING *";
/// SKIP LOCKED lets several instances claim disjoint batches without waiting on each other.
const CLAIM_POSTGRES: &str = "UPDATE outbox SET status = 'sending', locked_until = $1, attempts = attempts + 1 \
    WHERE id IN (SELECT id FROM outbox WHERE (status = 'pending' AND next_attempt_at <= $2) \
    OR (status = 'sending' AND locked_until < $3) ORDER BY next_attempt_at, id LIMIT $4 FOR UPDATE SKIP LOCKED) \
    RETURNING *";

/// Claims up to `limit` due rows under a lease until `lease_until`. A row whose worker died
/// mid-send is claimed again once its lease has run out. Call inside a write transaction.
pub fn claim(
    conn: &mut DbConn,
    now: NaiveDateTime,
    lease_until: NaiveDateTime,
    limit: i32,
) -> Result<Vec<OutboxRow>, AppError> {
    let rows = match conn {
        DbConn::Sqlite(c) => diesel::sql_query(CLAIM_SQLITE)
            .bind::<Timestamp, _>(lease_until)
            .bind::<Timestamp, _>(now)
            .bind::<Timestamp, _>(now)
            .bind::<Integer, _>(limit)
            .load::<OutboxRow>(c)?,
        DbConn::Postgres(c) => diesel::sql_query(CLAIM_POSTGRES)
            .bind::<Timestamp, _>(lease_until)
            .bind::<Timestamp, _>(now)
            .bind::<Timestamp, _>(now)
            .bind::<Integer, _>(limit)
            .load::<OutboxRow>(c)?,
    };
    Ok(rows)
}

// The mark functions update only the row as this worker claimed it: still `sending`, at the same
// attempt. A worker whose lease ran out (and whose row another worker took over) changes nothing.

pub fn mark_sent(conn: &mut DbConn, row: &OutboxRow, now: NaiveDateTime) -> Result<(), AppError> {
    diesel::update(outbox::table.find(&row.id))
        .filter(outbox::status.eq(OutboxStatus::Sending))
        .filter(outbox::attempts.eq(row.attempts))
        .set((
            outbox::status.eq(OutboxStatus::Sent),
            outbox::sent_at.eq(Some(now)),
            outbox::locked_until.eq(None::<NaiveDateTime>),
            outbox::last_error.eq(None::<String>),
        ))
        .execute(conn)?;
    Ok(())
}

/// How long to wait before attempt `attempts + 1`: 30 s doubling to at most an hour.
pub fn backoff(attempts: i32) -> Duration {
    let exponent = attempts.clamp(1, 8) - 1;
    Duration::seconds((30_i64 << exponent).min(3600))
}

/// A transient failure: try again after the backoff, or give up after `max_attempts`.
pub fn mark_retry(
    conn: &mut DbConn,
    row: &OutboxRow,
    now: NaiveDateTime,
    reason: &str,
    max_attempts: i32,
) -> Result<(), AppError> {
    if row.attempts >= max_attempts {
        return mark_failed(conn, row, &format!("gave up after {} attempts: {reason}", row.attempts));
    }
    diesel::update(outbox::table.find(&row.id))
        .filter(outbox::status.eq(OutboxStatus::Sending))
        .filter(outbox::attempts.eq(row.attempts))
        .set((
            outbox::status.eq(OutboxStatus::Pending),
            outbox::next_attempt_at.eq(now + backoff(row.attempts)),
            outbox::locked_until.eq(None::<NaiveDateTime>),
            outbox::last_error.eq(Some(reason)),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn mark_failed(conn: &mut DbConn, row: &OutboxRow, reason: &str) -> Result<(), AppError> {
    diesel::update(outbox::table.find(&row.id))
        .filter(outbox::status.eq(OutboxStatus::Sending))
        .filter(outbox::attempts.eq(row.attempts))
        .set((
            outbox::status.eq(OutboxStatus::Failed),
            outbox::locked_until.eq(None::<NaiveDateTime>),
            outbox::last_error.eq(Some(reason)),
        ))
        .execute(conn)?;
    Ok(())
}

/// Why a queued message to a client must not go out now, if it must not: the client may no
/// longer be emailed (the rule of `clients`), or the address changed since it was queued (it may
/// have been a typo reaching a stranger).
pub fn delivery_blocker(conn: &mut DbConn, row: &OutboxRow) -> Result<Option<&'static str>, AppError> {
    let Some(client_id) = &row.email.client_id else {
        return Ok(None);
    };
    let Some(client) = clients::find_by_link(conn, client_id)? else {
        return Ok(Some("the client's record no longer exists"));
    };
    Ok(match client.email_blocker() {
        Some(EmailBlocker::NoConsent) => Some("the client has withdrawn consent to email"),
        Some(EmailBlocker::Archived) => {
            Some("the client's record was archived after this message was queued")
        }
        Some(EmailBlocker::NoAddress) => {
            Some("the client's email address was removed after this message was queued")
        }
        None if client.details.email.as_deref() != Some(row.email.to_address.as_str()) => {
            Some("the client's email address changed after this message was queued; send it again")
        }
        None => None,
    })
}

/// Puts a failed message back in the queue (a therapist's "try again").
pub fn retry(conn: &mut DbConn, id: &str, now: NaiveDateTime) -> Result<bool, AppError> {
    let changed = diesel::update(outbox::table.find(id))
        .filter(outbox::status.eq(OutboxStatus::Failed))
        .set((
            outbox::status.eq(OutboxStatus::Pending),
            outbox::attempts.eq(0),
            outbox::next_attempt_at.eq(now),
        ))
        .execute(conn)?;
    Ok(changed == 1)
}

/// A failed message to one of this therapist's clients, put back in the queue.
pub struct Retried {
    pub id: String,
    pub client_id: String,
}

impl Audited for Retried {
    fn subject(&self) -> Subject {
        Subject::new("email", &self.id)
    }
}

/// A therapist's "try again" on a failed message to their own client (anyone else's is 404).
pub fn retry_for_therapist(
    conn: &mut DbConn,
    id: &str,
    therapist_id: &str,
    now: NaiveDateTime,
) -> Result<Retried, AppError> {
    let row: OutboxRow = outbox::table.find(id).select(OutboxRow::as_select()).first(conn)?;
    let client_id = row.email.client_id.clone().ok_or(AppError::NotFound)?;
    clients::find_for_therapist(conn, &client_id, therapist_id)?;
    if !retry(conn, &row.id, now)? {
        return Err(AppError::Conflict("Only failed emails can be retried.".into()));
    }
    Ok(Retried { id: row.id, client_id })
}

/// The newest messages, for the admin's outbox page.
pub fn recent(conn: &mut DbConn, limit: i64) -> Result<Vec<OutboxRow>, AppError> {
    Ok(outbox::table
        .select(OutboxRow::as_select())
        .order((outbox::created_at.desc(), outbox::id.desc()))
        .limit(limit)
        .load(conn)?)
}

/// A client's messages, newest first.
pub fn for_client(conn: &mut DbConn, client_id: &str, limit: i64) -> Result<Vec<OutboxRow>, AppError> {
    Ok(outbox::table
        .filter(outbox::client_id.eq(client_id))
        .select(OutboxRow::as_select())
        .order((outbox::created_at.desc(), outbox::id.desc()))
        .limit(limit)
        .load(conn)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_claim_statements_use_the_status_codes() {
        for sql in [CLAIM_SQLITE, CLAIM_POSTGRES] {
            assert!(sql.contains(&format!("status = '{}'", OutboxStatus::Sending.code())));
            assert!(sql.contains(&format!("status = '{}'", OutboxStatus::Pending.code())));
        }
    }

    #[test]
    fn backoff_doubles_up_to_an_hour() {
        let secs: Vec<i64> = (1..=10).map(|n| backoff(n).num_seconds()).collect();
        assert_eq!(secs, [30, 60, 120, 240, 480, 960, 1920, 3600, 3600, 3600]);
    }
}
