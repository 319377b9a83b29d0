//! Private client links: each sent routine gets one, carried by a signed, purpose-scoped,
//! expiring token and backed by a row that can be revoked. Through it the client ticks
//! "done today" per item and reports today's pain.

use chrono::{Duration, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::{checkins, client_links, pain_reports, routine_items};
use crate::error::AppError;

/// How long a link works.
pub const LINK_DAYS: i64 = 120;
/// How long an unsubscribe link works: long after the routine link, since withdrawing consent
/// must stay possible.
pub const UNSUBSCRIBE_DAYS: i64 = 730;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = client_links)]
pub struct ClientLink {
    pub id: String,
    pub client_id: String,
    pub routine_id: String,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub revoked_at: Option<NaiveDateTime>,
}

pub fn create(
    conn: &mut DbConn,
    client_id: &str,
    routine_id: &str,
    now: NaiveDateTime,
) -> Result<ClientLink, AppError> {
    let link = ClientLink {
        id: uuid::Uuid::now_v7().to_string(),
        client_id: client_id.to_owned(),
        routine_id: routine_id.to_owned(),
        created_at: now,
        expires_at: now + Duration::days(LINK_DAYS),
        revoked_at: None,
    };
    diesel::insert_into(client_links::table)
        .values((
            client_links::id.eq(&link.id),
            client_links::client_id.eq(&link.client_id),
            client_links::routine_id.eq(&link.routine_id),
            client_links::created_at.eq(link.created_at),
            client_links::expires_at.eq(link.expires_at),
        ))
        .execute(conn)?;
    Ok(link)
}

/// The link, if it exists, belongs to `client_id`, is not revoked and has not expired.
pub fn find_live(
    conn: &mut DbConn,
    id: &str,
    client_id: &str,
    now: NaiveDateTime,
) -> Result<Option<ClientLink>, AppError> {
    Ok(client_links::table
        .filter(client_links::id.eq(id))
        .filter(client_links::client_id.eq(client_id))
        .filter(client_links::revoked_at.is_null())
        .filter(client_links::expires_at.gt(now))
        .select(ClientLink::as_select())
        .first(conn)
        .optional()?)
}

/// Revokes every live link of a client. Returns how many.
pub fn revoke_for_client(conn: &mut DbConn, client_id: &str, now: NaiveDateTime) -> Result<usize, AppError> {
    Ok(diesel::update(
        client_links::table
            .filter(client_links::client_id.eq(client_id))
            .filter(client_links::revoked_at.is_null()),
    )
    .set(client_links::revoked_at.eq(Some(now)))
    .execute(conn)?)
}

/// Records (or, with `done = false`, removes) "done on `day`" for one item of the routine.
/// Call inside a write transaction.
pub fn set_done(
    conn: &mut DbConn,
    routine_id: &str,
    item_id: &str,
    day: NaiveDate,
    done: bool,
) -> Result<(), AppError> {
    let belongs: Option<String> = routine_items::table
        .filter(routine_items::id.eq(item_id))
        .filter(routine_items::routine_id.eq(routine_id))
        .select(routine_items::id)
        .first(conn)
        .optional()?;
    if belongs.is_none() {
        return Err(AppError::NotFound);
    }
    let existing =
        checkins::table.find((item_id, day)).select(checkins::item_id).first::<String>(conn).optional()?;
    match (existing, done) {
        (None, true) => {
            diesel::insert_into(checkins::table)
                .values((
                    checkins::item_id.eq(item_id),
                    checkins::day.eq(day),
                    checkins::routine_id.eq(routine_id),
                    checkins::created_at.eq(Utc::now().naive_utc()),
                ))
                .execute(conn)?;
        }
        (Some(_), false) => {
            diesel::delete(checkins::table.find((item_id, day))).execute(conn)?;
        }
        _ => {}
    }
    Ok(())
}

/// Records today's pain (0-10), replacing an earlier report of the same day.
pub fn report_pain(conn: &mut DbConn, routine_id: &str, day: NaiveDate, pain: i32) -> Result<(), AppError> {
    diesel::delete(pain_reports::table.find((routine_id, day))).execute(conn)?;
    diesel::insert_into(pain_reports::table)
        .values((
            pain_reports::routine_id.eq(routine_id),
            pain_reports::day.eq(day),
            pain_reports::pain.eq(pain),
            pain_reports::created_at.eq(Utc::now().naive_utc()),
        ))
        .execute(conn)?;
    Ok(())
}

/// Items done on `day`.
pub fn done_on(conn: &mut DbConn, routine_id: &str, day: NaiveDate) -> Result<Vec<String>, AppError> {
    Ok(checkins::table
        .filter(checkins::routine_id.eq(routine_id))
        .filter(checkins::day.eq(day))
        .select(checkins::item_id)
        .load(conn)?)
}

/// How a client keeps up with a routine.
#[derive(Debug, Clone, PartialEq)]
pub struct Adherence {
    /// Days since the routine was sent, today included.
    pub days: i64,
    /// Days on which at least one item was done.
    pub active_days: i64,
    /// Reported pain by day, newest first (at most 14).
    pub pain: Vec<(NaiveDate, i32)>,
}

impl Adherence {
    /// Share of days with something done, in whole percent.
    pub fn percent(&self) -> i64 {
        if self.days <= 0 { 0 } else { (self.active_days * 100 + self.days / 2) / self.days }
    }
}

/// Adherence to a routine sent on `sent_on`, as of `today`.
pub fn adherence(
    conn: &mut DbConn,
    routine_id: &str,
    sent_on: NaiveDate,
    today: NaiveDate,
) -> Result<Adherence, AppError> {
    let mut days: Vec<NaiveDate> = checkins::table
        .filter(checkins::routine_id.eq(routine_id))
        .select(checkins::day)
        .distinct()
        .load(conn)?;
    days.retain(|d| *d >= sent_on && *d <= today);
    let pain = pain_reports::table
        .filter(pain_reports::routine_id.eq(routine_id))
        .select((pain_reports::day, pain_reports::pain))
        .order(pain_reports::day.desc())
        .limit(14)
        .load(conn)?;
    Ok(Adherence { days: (today - sent_on).num_days() + 1, active_days: days.len() as i64, pain })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adherence_percent_rounds() {
        let a = Adherence { days: 3, active_days: 2, pain: vec![] };
        assert_eq!(a.percent(), 67);
        assert_eq!(Adherence { days: 0, active_days: 0, pain: vec![] }.percent(), 0);
    }
}
