//! Calendar feed credentials: a therapist's secret, revocable address for their calendar app. A
//! signed token names a feed row, so rotating or revoking the row kills the old address, and a
//! deactivated account has no feed.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::audit::model::{self as audit, Action, Outcome};
use crate::audit::{Audited, Subject};
use crate::auth::extractors::Actor;
use crate::auth::jwt::{Keys, Purpose};
use crate::db::DbConn;
use crate::db::schema::{calendar_feeds, users};
use crate::error::AppError;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = calendar_feeds)]
pub struct Feed {
    pub id: String,
    pub therapist_id: String,
    pub created_at: NaiveDateTime,
    pub revoked_at: Option<NaiveDateTime>,
}

/// Feed tokens are long-lived; revoking the row is how they end.
pub const FEED_YEARS: i64 = 5;

/// The therapist's live feed, if any.
pub fn current(conn: &mut DbConn, therapist_id: &str) -> Result<Option<Feed>, AppError> {
    Ok(calendar_feeds::table
        .filter(calendar_feeds::therapist_id.eq(therapist_id))
        .filter(calendar_feeds::revoked_at.is_null())
        .select(Feed::as_select())
        .order(calendar_feeds::created_at.desc())
        .first(conn)
        .optional()?)
}

/// Revokes every feed of the therapist.
pub fn revoke(conn: &mut DbConn, therapist_id: &str, now: NaiveDateTime) -> Result<usize, AppError> {
    Ok(diesel::update(
        calendar_feeds::table
            .filter(calendar_feeds::therapist_id.eq(therapist_id))
            .filter(calendar_feeds::revoked_at.is_null()),
    )
    .set(calendar_feeds::revoked_at.eq(Some(now)))
    .execute(conn)?)
}

/// Replaces the therapist's feed with a new one. Call inside a write transaction.
pub fn rotate(conn: &mut DbConn, therapist_id: &str, now: NaiveDateTime) -> Result<Feed, AppError> {
    revoke(conn, therapist_id, now)?;
    let feed = Feed {
        id: uuid::Uuid::now_v7().to_string(),
        therapist_id: therapist_id.to_owned(),
        created_at: now,
        revoked_at: None,
    };
    diesel::insert_into(calendar_feeds::table)
        .values((
            calendar_feeds::id.eq(&feed.id),
            calendar_feeds::therapist_id.eq(&feed.therapist_id),
            calendar_feeds::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(feed)
}

/// The feed row, if it is live and the therapist's.
pub fn find_live(conn: &mut DbConn, id: &str, therapist_id: &str) -> Result<Option<Feed>, AppError> {
    // A deactivated account, or one without the therapist role, has no feed.
    Ok(calendar_feeds::table
        .inner_join(users::table.on(users::id.eq(calendar_feeds::therapist_id)))
        .filter(calendar_feeds::id.eq(id))
        .filter(calendar_feeds::therapist_id.eq(therapist_id))
        .filter(calendar_feeds::revoked_at.is_null())
        .filter(users::is_active.eq(true))
        .filter(users::is_therapist.eq(true))
        .select(Feed::as_select())
        .first(conn)
        .optional()?)
}

impl Audited for Feed {
    fn subject(&self) -> Subject {
        Subject::new("calendar", &self.id)
    }
}

/// The address a calendar app subscribes to.
pub fn url(keys: &Keys, public_base: &str, feed: &Feed) -> String {
    let exp = (feed.created_at + chrono::Duration::days(365 * FEED_YEARS)).and_utc().timestamp();
    format!(
        "{public_base}/calendar/feed/{}",
        keys.issue(Purpose::CalendarFeed, &feed.therapist_id, &feed.id, exp)
    )
}

/// Turns the therapist's feed off, audited.
pub fn revoke_audited(
    conn: &mut DbConn,
    therapist_id: &str,
    actor: &Actor,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    revoke(conn, therapist_id, now)?;
    audit::record(conn, actor, Action::CalendarRevoke, None, Outcome::Success, None)
}
