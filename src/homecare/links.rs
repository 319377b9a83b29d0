//! Private client links: each sent routine gets one, carried by a signed, purpose-scoped,
//! expiring token and backed by a row that can be revoked. Through it the client ticks
//! "done today" per item and reports today's pain.

use chrono::{Duration, NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::audit::model::{self as audit, Action, Outcome};
use crate::auth::extractors::Actor;
use crate::auth::jwt::Claims;
use crate::clients::model::{self as clients, Client};
use crate::db::schema::{checkins, client_links, pain_reports, routine_items};
use crate::db::{DbConn, insert_rows};
use crate::error::AppError;
use crate::homecare::model::{self as routines, Routine, RoutineItem};

/// How long a link works.
pub const LINK_DAYS: i64 = 120;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = client_links, treat_none_as_default_value = false)]
pub struct ClientLink {
    pub id: String,
    pub client_id: String,
    pub routine_id: String,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub revoked_at: Option<NaiveDateTime>,
}

impl ClientLink {
    /// A new link for a sent routine, working for [`LINK_DAYS`] from `now`.
    pub fn new(client_id: &str, routine_id: &str, now: NaiveDateTime) -> ClientLink {
        ClientLink {
            id: uuid::Uuid::now_v7().to_string(),
            client_id: client_id.to_owned(),
            routine_id: routine_id.to_owned(),
            created_at: now,
            expires_at: now + Duration::days(LINK_DAYS),
            revoked_at: None,
        }
    }
}

pub fn create(
    conn: &mut DbConn,
    client_id: &str,
    routine_id: &str,
    now: NaiveDateTime,
) -> Result<ClientLink, AppError> {
    let link = ClientLink::new(client_id, routine_id, now);
    diesel::insert_into(client_links::table).values(&link).execute(conn)?;
    Ok(link)
}

/// A day an item was done.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = checkins)]
pub struct Checkin {
    pub item_id: String,
    pub day: NaiveDate,
    pub routine_id: String,
    pub created_at: NaiveDateTime,
}

/// A day's reported pain.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = pain_reports)]
pub struct PainReport {
    pub routine_id: String,
    pub day: NaiveDate,
    pub pain: i32,
    pub created_at: NaiveDateTime,
}

/// Stores many links, check-ins and pain reports at once (the demo practice; later, imports).
pub fn insert_many(
    conn: &mut DbConn,
    links: &[ClientLink],
    checkins: &[Checkin],
    pain: &[PainReport],
) -> Result<(), AppError> {
    insert_rows!(conn, client_links::table, links)?;
    insert_rows!(conn, checkins::table, checkins)?;
    insert_rows!(conn, pain_reports::table, pain)?;
    Ok(())
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

/// What a valid link gives access to: that routine, for that client, and nothing else.
pub struct Access {
    pub link: ClientLink,
    pub client: Client,
    pub routine: Routine,
    /// The client, acting through the link (for audit rows).
    pub actor: Actor,
}

/// The live link a verified token names, or 404 (audited) for a bad, expired, revoked or
/// foreign one.
pub fn resolve(
    conn: &mut DbConn,
    claims: Option<Claims>,
    actor: &Actor,
    now: NaiveDateTime,
) -> Result<Access, AppError> {
    let found = match &claims {
        Some(c) => find_live(conn, &c.sid, &c.sub, now)?,
        None => None,
    };
    let Some(link) = found else {
        audit::record(
            conn,
            &actor.anonymous("client link"),
            Action::LinkRefused,
            None,
            Outcome::Denied,
            None,
        )?;
        return Err(AppError::NotFound);
    };
    let client = clients::find_by_link(conn, &link.client_id)?.ok_or(AppError::NotFound)?;
    let routine = routines::find_for_therapist(conn, &link.routine_id, &client.therapist_id)?.0;
    Ok(Access { link, client, routine, actor: actor.anonymous("client via private link") })
}

/// What the client's page shows today.
pub struct Today {
    pub items: Vec<RoutineItem>,
    pub done: Vec<String>,
    pub pain: Option<i32>,
}

/// The client's page for `day`, audited as the client opening their routine.
pub fn open(conn: &mut DbConn, access: &Access, day: NaiveDate) -> Result<Today, AppError> {
    let items = routines::items(conn, &access.routine.id)?;
    let done = done_on(conn, &access.routine.id, day)?;
    let pain = pain_reports::table
        .find((&access.routine.id, day))
        .select(pain_reports::pain)
        .first(conn)
        .optional()?;
    audit::record(
        conn,
        &access.actor,
        Action::LinkOpen,
        Some(("client", &access.client.id)),
        Outcome::Success,
        None,
    )?;
    Ok(Today { items, done, pain })
}

/// Records the client's tick (or untick) for one item today, audited.
pub fn check_in(
    conn: &mut DbConn,
    access: &Access,
    item_id: &str,
    day: NaiveDate,
    done: bool,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    set_done(conn, &access.routine.id, item_id, day, done, now)?;
    let detail = Some(format!("link {}", access.link.id));
    audit::record(
        conn,
        &access.actor,
        Action::LinkCheckin,
        Some(("client", &access.client.id)),
        Outcome::Success,
        detail,
    )
}

/// Records the client's pain today, audited.
pub fn check_in_pain(
    conn: &mut DbConn,
    access: &Access,
    day: NaiveDate,
    pain: i32,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    report_pain(conn, &access.routine.id, day, pain, now)?;
    let detail = Some("pain".to_owned());
    audit::record(
        conn,
        &access.actor,
        Action::LinkCheckin,
        Some(("client", &access.client.id)),
        Outcome::Success,
        detail,
    )
}

/// Revokes every live link of a client of `therapist_id`. Returns the client and how many.
pub fn revoke_for_therapist(
    conn: &mut DbConn,
    therapist_id: &str,
    client_id: &str,
    now: NaiveDateTime,
) -> Result<Revoked, AppError> {
    let client = clients::find_for_therapist(conn, client_id, therapist_id)?;
    let count = revoke_for_client(conn, &client.id, now)?;
    Ok(Revoked { client_id: client.id, count })
}

/// Links revoked for a client.
pub struct Revoked {
    pub client_id: String,
    pub count: usize,
}

impl crate::audit::Audited for Revoked {
    fn subject(&self) -> crate::audit::Subject {
        crate::audit::Subject::new("client", &self.client_id).with_detail(format!("{} links", self.count))
    }
}

/// Records (or, with `done = false`, removes) "done on `day`" for one item of the routine.
/// Call inside a write transaction.
pub fn set_done(
    conn: &mut DbConn,
    routine_id: &str,
    item_id: &str,
    day: NaiveDate,
    done: bool,
    now: NaiveDateTime,
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
                    checkins::created_at.eq(now),
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
pub fn report_pain(
    conn: &mut DbConn,
    routine_id: &str,
    day: NaiveDate,
    pain: i32,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    diesel::delete(pain_reports::table.find((routine_id, day))).execute(conn)?;
    diesel::insert_into(pain_reports::table)
        .values((
            pain_reports::routine_id.eq(routine_id),
            pain_reports::day.eq(day),
            pain_reports::pain.eq(pain),
            pain_reports::created_at.eq(now),
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

/// How a client keeps up with a routine: each item on its own, and all of it together, so a day
/// with two of three items done counts as two thirds, not as a day done.
#[derive(Debug, Clone, PartialEq)]
pub struct Adherence {
    /// Days since the routine was sent, today included.
    pub days: i64,
    /// Each item (title) with the number of days it was done, in routine order.
    pub items: Vec<(String, i64)>,
    /// Reported pain by day, newest first (at most 14).
    pub pain: Vec<(NaiveDate, i32)>,
}

/// `part` of `whole` in whole percent, rounded half up.
fn percent_of(part: i64, whole: i64) -> i64 {
    if whole <= 0 { 0 } else { (part * 100 + whole / 2) / whole }
}

impl Adherence {
    /// Share of everything asked (each item, each day) that was done, in whole percent.
    pub fn percent(&self) -> i64 {
        let done: i64 = self.items.iter().map(|(_, days)| days).sum();
        percent_of(done, self.days * self.items.len() as i64)
    }

    /// Share of days an item was done, in whole percent.
    pub fn item_percent(&self, done_days: &i64) -> i64 {
        percent_of(*done_days, self.days)
    }
}

/// Adherence to a routine sent on `sent_on`, as of `today`.
pub fn adherence(
    conn: &mut DbConn,
    routine_id: &str,
    sent_on: NaiveDate,
    today: NaiveDate,
) -> Result<Adherence, AppError> {
    let done: Vec<String> = checkins::table
        .filter(checkins::routine_id.eq(routine_id))
        .filter(checkins::day.ge(sent_on))
        .filter(checkins::day.le(today))
        .select(checkins::item_id)
        .load(conn)?;
    let items = routines::items(conn, routine_id)?
        .into_iter()
        .map(|item| {
            let days = done.iter().filter(|id| **id == item.id).count() as i64;
            (item.fields.title, days)
        })
        .collect();
    let pain = pain_reports::table
        .filter(pain_reports::routine_id.eq(routine_id))
        .select((pain_reports::day, pain_reports::pain))
        .order(pain_reports::day.desc())
        .limit(14)
        .load(conn)?;
    Ok(Adherence { days: (today - sent_on).num_days() + 1, items, pain })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_of_three_items_is_two_thirds_of_a_day() {
        let items = vec![("Ball".to_owned(), 1), ("Stretch".to_owned(), 1), ("Roller".to_owned(), 0)];
        let a = Adherence { days: 1, items, pain: vec![] };
        assert_eq!(a.percent(), 67);
        assert_eq!((a.item_percent(&1), a.item_percent(&0)), (100, 0));
        let three_days = Adherence { days: 3, items: vec![("Ball".to_owned(), 2)], pain: vec![] };
        assert_eq!(three_days.percent(), 67);
        assert_eq!(Adherence { days: 0, items: vec![], pain: vec![] }.percent(), 0);
    }
}
