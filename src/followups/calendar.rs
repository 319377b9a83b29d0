//! The therapist's calendar feed: an iCalendar document of open follow-ups at a secret URL
//! (a signed token naming a feed row, so rotating or revoking the row kills the old URL).
//! Events carry the client's first name and last initial only: calendars sync to phones and
//! third-party services.

use chrono::{Duration, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use diesel::prelude::*;
use icalendar::{Calendar, Component, Event, EventLike};

use crate::db::DbConn;
use crate::db::schema::calendar_feeds;
use crate::error::AppError;
use crate::followups::model::WithClient;

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
    use crate::db::schema::users;
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

/// The iCalendar document. Timed follow-ups last 30 minutes; the others are all-day events.
pub fn render(rows: &[WithClient], practice: &str, tz: Tz) -> String {
    let mut calendar = Calendar::new();
    calendar.name(&format!("{practice}: follow-ups"));
    calendar.timezone(tz.name());
    let stamp = Utc::now();
    for row in rows {
        let f = &row.followup;
        let initial: String = row.last_name.chars().take(1).collect();
        let mut event = Event::new();
        event
            .uid(&format!("{}@myochart", f.id))
            .timestamp(stamp)
            .summary(&format!("Follow-up: {} {initial}.", row.first_name))
            // The generic reason only: the free-text details are clinical.
            .description(f.reason_label());
        match f.time() {
            Some(_) => {
                let start = Utc.from_utc_datetime(&f.due_at);
                event.starts(start).ends(start + Duration::minutes(30));
            }
            None => {
                event.all_day(f.due_date);
            }
        }
        calendar.push(event.done());
    }
    calendar.done().to_string()
}
