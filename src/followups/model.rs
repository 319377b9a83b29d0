//! Follow-up rows: create (the first of a series), complete (which schedules the next
//! occurrence of a repeating one), cancel, and the queries for the dashboard, the chart, the
//! calendar feed and reminders.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime, Utc};
use chrono_tz::Tz;
use diesel::prelude::*;

use crate::clients::model::Client;
use crate::db::DbConn;
use crate::db::schema::{clients, followups};
use crate::error::AppError;
use crate::followups::schedule::{self, Repeat, RepeatUnit};

/// Enough for any dashboard; keeps the queries bounded.
const LIMIT: i64 = 1000;

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = followups)]
pub struct Followup {
    pub id: String,
    pub client_id: String,
    pub therapist_id: String,
    pub series_id: String,
    pub occurrence: i32,
    pub due_date: NaiveDate,
    pub due_time: Option<String>,
    pub due_at: NaiveDateTime,
    pub reason_kind: String,
    pub reason: Option<String>,
    pub finding_id: Option<String>,
    pub factor_id: Option<String>,
    pub status: String,
    pub repeat_every: Option<i32>,
    pub repeat_unit: Option<String>,
    pub repeat_until: Option<NaiveDate>,
    pub repeat_count: Option<i32>,
    pub reminder_sent_at: Option<NaiveDateTime>,
    pub completed_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl Followup {
    pub fn repeat(&self) -> Option<Repeat> {
        Some(Repeat {
            every: self.repeat_every?,
            unit: RepeatUnit::parse(self.repeat_unit.as_deref()?)?,
            until: self.repeat_until,
            count: self.repeat_count,
        })
    }

    pub fn time(&self) -> Option<NaiveTime> {
        self.due_time.as_deref().and_then(|t| NaiveTime::parse_from_str(t, "%H:%M").ok())
    }

    pub fn reason_label(&self) -> &str {
        schedule::ReasonKind::label_of(&self.reason_kind)
    }
}

/// What the therapist scheduled, already validated.
#[derive(Debug, Clone)]
pub struct FollowupFields {
    pub due_date: NaiveDate,
    pub due_time: Option<NaiveTime>,
    pub reason_kind: String,
    pub reason: Option<String>,
    pub finding_id: Option<String>,
    pub factor_id: Option<String>,
    pub repeat: Option<Repeat>,
}

fn insert_row(
    conn: &mut DbConn,
    client_id: &str,
    therapist_id: &str,
    series_id: &str,
    occurrence: i32,
    fields: &FollowupFields,
    tz: Tz,
) -> Result<Followup, AppError> {
    let now = Utc::now().naive_utc();
    let id = uuid::Uuid::now_v7().to_string();
    let repeat = fields.repeat;
    diesel::insert_into(followups::table)
        .values((
            followups::id.eq(&id),
            followups::client_id.eq(client_id),
            followups::therapist_id.eq(therapist_id),
            followups::series_id.eq(series_id),
            followups::occurrence.eq(occurrence),
            followups::due_date.eq(fields.due_date),
            followups::due_time.eq(fields.due_time.map(|t| t.format("%H:%M").to_string())),
            followups::due_at.eq(schedule::to_utc(tz, fields.due_date, fields.due_time)),
            followups::reason_kind.eq(&fields.reason_kind),
            followups::reason.eq(&fields.reason),
            followups::finding_id.eq(&fields.finding_id),
            followups::factor_id.eq(&fields.factor_id),
            followups::status.eq("open"),
            followups::repeat_every.eq(repeat.map(|r| r.every)),
            followups::repeat_unit.eq(repeat.map(|r| r.unit.code())),
            followups::repeat_until.eq(repeat.and_then(|r| r.until)),
            followups::repeat_count.eq(repeat.and_then(|r| r.count)),
            followups::created_at.eq(now),
            followups::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(followups::table.find(&id).select(Followup::as_select()).first(conn)?)
}

/// Schedules the first follow-up of a series. Call inside a write transaction.
pub fn insert(
    conn: &mut DbConn,
    client: &Client,
    therapist_id: &str,
    fields: &FollowupFields,
    tz: Tz,
) -> Result<Followup, AppError> {
    let series = uuid::Uuid::now_v7().to_string();
    insert_row(conn, &client.id, therapist_id, &series, 1, fields, tz)
}

/// The follow-up, if its client is treated by `therapist_id` (whoever scheduled it).
pub fn find_for_therapist(conn: &mut DbConn, id: &str, therapist_id: &str) -> Result<Followup, AppError> {
    Ok(followups::table
        .inner_join(clients::table)
        .filter(followups::id.eq(id))
        .filter(clients::therapist_id.eq(therapist_id))
        .select(Followup::as_select())
        .first(conn)?)
}

/// Hands a client's open follow-ups to their new therapist. Call inside the reassignment's
/// transaction.
pub fn reassign_open(conn: &mut DbConn, client_id: &str, therapist_id: &str) -> Result<usize, AppError> {
    Ok(diesel::update(
        followups::table.filter(followups::client_id.eq(client_id)).filter(followups::status.eq("open")),
    )
    .set((followups::therapist_id.eq(therapist_id), followups::updated_at.eq(Utc::now().naive_utc())))
    .execute(conn)?)
}

/// Marks an open follow-up done and, if it repeats, schedules the next occurrence (returned).
/// Call inside a write transaction.
pub fn complete(conn: &mut DbConn, followup: &Followup, tz: Tz) -> Result<Option<Followup>, AppError> {
    let now = Utc::now().naive_utc();
    let changed = diesel::update(followups::table.find(&followup.id))
        .filter(followups::status.eq("open"))
        .set((
            followups::status.eq("done"),
            followups::completed_at.eq(Some(now)),
            followups::updated_at.eq(now),
        ))
        .execute(conn)?;
    if changed == 0 {
        return Err(AppError::Conflict("This follow-up is no longer open.".into()));
    }
    let Some(repeat) = followup.repeat() else {
        return Ok(None);
    };
    let Some(next_date) = repeat.next(followup.due_date, followup.occurrence) else {
        return Ok(None);
    };
    let fields = FollowupFields {
        due_date: next_date,
        due_time: followup.time(),
        reason_kind: followup.reason_kind.clone(),
        reason: followup.reason.clone(),
        finding_id: followup.finding_id.clone(),
        factor_id: followup.factor_id.clone(),
        repeat: Some(repeat),
    };
    let next = insert_row(
        conn,
        &followup.client_id,
        &followup.therapist_id,
        &followup.series_id,
        followup.occurrence + 1,
        &fields,
        tz,
    )?;
    Ok(Some(next))
}

pub fn cancel(conn: &mut DbConn, followup: &Followup) -> Result<(), AppError> {
    let changed = diesel::update(followups::table.find(&followup.id))
        .filter(followups::status.eq("open"))
        .set((followups::status.eq("cancelled"), followups::updated_at.eq(Utc::now().naive_utc())))
        .execute(conn)?;
    if changed == 0 {
        return Err(AppError::Conflict("This follow-up is no longer open.".into()));
    }
    Ok(())
}

/// A follow-up with its client's name, for lists that span clients.
#[derive(Debug, Clone)]
pub struct WithClient {
    pub followup: Followup,
    pub first_name: String,
    pub last_name: String,
}

/// The therapist's open follow-ups with due dates in `from..=until` (either end open), soonest
/// first, with their clients' names.
fn open_between(
    conn: &mut DbConn,
    therapist_id: &str,
    from: Option<NaiveDate>,
    until: Option<NaiveDate>,
) -> Result<Vec<WithClient>, AppError> {
    let mut query = followups::table
        .inner_join(clients::table)
        .filter(clients::therapist_id.eq(therapist_id))
        .filter(followups::status.eq("open"))
        .select((Followup::as_select(), clients::first_name, clients::last_name))
        .into_boxed();
    if let Some(from) = from {
        query = query.filter(followups::due_date.ge(from));
    }
    if let Some(until) = until {
        query = query.filter(followups::due_date.le(until));
    }
    Ok(query
        .order((followups::due_at.asc(), followups::id.asc()))
        .limit(LIMIT)
        .load::<(Followup, String, String)>(conn)?
        .into_iter()
        .map(|(followup, first_name, last_name)| WithClient { followup, first_name, last_name })
        .collect())
}

/// The therapist's open follow-ups due on or before `until` (overdue ones included), for the dashboard.
pub fn open_until(
    conn: &mut DbConn,
    therapist_id: &str,
    until: NaiveDate,
) -> Result<Vec<WithClient>, AppError> {
    open_between(conn, therapist_id, None, Some(until))
}

/// The therapist's open follow-ups from `from` on, for the calendar feed.
pub fn open_from(
    conn: &mut DbConn,
    therapist_id: &str,
    from: NaiveDate,
) -> Result<Vec<WithClient>, AppError> {
    open_between(conn, therapist_id, Some(from), None)
}

/// A client's open follow-ups, soonest first.
pub fn open_for_client(conn: &mut DbConn, client_id: &str) -> Result<Vec<Followup>, AppError> {
    Ok(followups::table
        .filter(followups::client_id.eq(client_id))
        .filter(followups::status.eq("open"))
        .select(Followup::as_select())
        .order(followups::due_at.asc())
        .limit(LIMIT)
        .load(conn)?)
}

/// Open follow-ups due from `today` to `today + days` whose client consented to email and has
/// not been reminded yet.
pub fn due_reminders(
    conn: &mut DbConn,
    today: NaiveDate,
    days: u32,
) -> Result<Vec<(Followup, Client)>, AppError> {
    let last = today + chrono::Duration::days(i64::from(days));
    Ok(followups::table
        .inner_join(clients::table)
        .filter(followups::status.eq("open"))
        .filter(followups::reminder_sent_at.is_null())
        .filter(followups::due_date.ge(today))
        .filter(followups::due_date.le(last))
        .filter(clients::email_consent.eq(true))
        .filter(clients::email.is_not_null())
        .filter(clients::archived.eq(false))
        .select((Followup::as_select(), Client::as_select()))
        .limit(LIMIT)
        .load(conn)?)
}

/// Marks a follow-up reminded, unless another worker already did. Returns whether this call
/// did (and so should queue the reminder).
pub fn mark_reminded(conn: &mut DbConn, id: &str, now: NaiveDateTime) -> Result<bool, AppError> {
    Ok(diesel::update(followups::table.find(id))
        .filter(followups::reminder_sent_at.is_null())
        .set(followups::reminder_sent_at.eq(Some(now)))
        .execute(conn)?
        == 1)
}
