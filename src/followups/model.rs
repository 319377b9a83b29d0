//! Follow-up rows: create (the first of a series), complete (which schedules the next
//! occurrence of a repeating one), cancel, and the queries for the dashboard, the chart, the
//! calendar feed and reminders.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use diesel::prelude::*;

use crate::audit::{Audited, Subject};
use crate::charting::{factors, findings};
use crate::clients::model::{self as clients_model, Client, emailable};
use crate::db::paging::PageRequest;
use crate::db::schema::{clients, followups};
use crate::db::{DbConn, insert_rows};
use crate::error::AppError;
use crate::followups::schedule::{self, Bucket, FollowupStatus, Repeat, RepeatUnit};
use crate::sensitive::debug_only;
use crate::time::Clock;

/// The most rows any follow-up query returns (the calendar feed's window).
const LIMIT: i64 = 1000;

#[derive(Clone, Queryable, Selectable, Identifiable, Insertable)]
#[diesel(table_name = followups, treat_none_as_default_value = false)]
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
    pub status: FollowupStatus,
    pub repeat_every: Option<i32>,
    pub repeat_unit: Option<String>,
    pub repeat_until: Option<NaiveDate>,
    pub repeat_count: Option<i32>,
    pub reminder_sent_at: Option<NaiveDateTime>,
    pub completed_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub remind: bool,
}

debug_only!(Followup: id, client_id, therapist_id, status, due_date);

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

impl Audited for Followup {
    fn subject(&self) -> Subject {
        Subject::new("followup", &self.id).with_detail(format!("client {}", self.client_id))
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
    /// Email the client a reminder before it is due (only if the client may be emailed).
    pub remind: bool,
}

impl Followup {
    /// An open occurrence of a series, due in the practice's zone, not yet stored.
    pub fn open(
        client_id: &str,
        therapist_id: &str,
        series_id: &str,
        occurrence: i32,
        fields: &FollowupFields,
        clock: &Clock,
    ) -> Followup {
        let now = clock.now();
        let repeat = fields.repeat;
        Followup {
            id: uuid::Uuid::now_v7().to_string(),
            client_id: client_id.to_owned(),
            therapist_id: therapist_id.to_owned(),
            series_id: series_id.to_owned(),
            occurrence,
            due_date: fields.due_date,
            due_time: fields.due_time.map(|t| t.format("%H:%M").to_string()),
            due_at: clock.to_utc(fields.due_date, fields.due_time),
            reason_kind: fields.reason_kind.clone(),
            reason: fields.reason.clone(),
            finding_id: fields.finding_id.clone(),
            factor_id: fields.factor_id.clone(),
            status: FollowupStatus::Open,
            repeat_every: repeat.map(|r| r.every),
            repeat_unit: repeat.map(|r| r.unit.code().to_owned()),
            repeat_until: repeat.and_then(|r| r.until),
            repeat_count: repeat.and_then(|r| r.count),
            reminder_sent_at: None,
            completed_at: None,
            created_at: now,
            updated_at: now,
            remind: fields.remind,
        }
    }
}

fn insert_row(
    conn: &mut DbConn,
    client_id: &str,
    therapist_id: &str,
    series_id: &str,
    occurrence: i32,
    fields: &FollowupFields,
    clock: &Clock,
) -> Result<Followup, AppError> {
    let followup = Followup::open(client_id, therapist_id, series_id, occurrence, fields, clock);
    diesel::insert_into(followups::table).values(&followup).execute(conn)?;
    Ok(followups::table.find(&followup.id).select(Followup::as_select()).first(conn)?)
}

/// Stores many follow-ups at once (the demo practice; later, imports).
pub fn insert_many(conn: &mut DbConn, new: &[Followup]) -> Result<(), AppError> {
    insert_rows!(conn, followups::table, new)?;
    Ok(())
}

/// Schedules the first follow-up of a series for a client of `therapist_id`. What it is about
/// must be one of this client's trigger points or factors.
pub fn insert(
    conn: &mut DbConn,
    therapist_id: &str,
    client_id: &str,
    fields: &FollowupFields,
    clock: &Clock,
) -> Result<Followup, AppError> {
    let client = clients_model::find_for_therapist(conn, client_id, therapist_id)?;
    if let Some(finding_id) = &fields.finding_id
        && !findings::find_for_therapist(conn, finding_id, therapist_id)
            .is_ok_and(|f| f.client_id == client.id)
    {
        return Err(AppError::field("finding_id", "Choose one of this client's trigger points."));
    }
    if let Some(factor_id) = &fields.factor_id
        && !factors::find_for_therapist(conn, factor_id, therapist_id).is_ok_and(|f| f.client_id == client.id)
    {
        return Err(AppError::field("factor_id", "Choose one of this client's factors."));
    }
    let series = uuid::Uuid::now_v7().to_string();
    insert_row(conn, &client.id, therapist_id, &series, 1, fields, clock)
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
pub fn reassign_open(
    conn: &mut DbConn,
    client_id: &str,
    therapist_id: &str,
    now: NaiveDateTime,
) -> Result<usize, AppError> {
    Ok(diesel::update(
        followups::table
            .filter(followups::client_id.eq(client_id))
            .filter(followups::status.eq(FollowupStatus::Open)),
    )
    .set((followups::therapist_id.eq(therapist_id), followups::updated_at.eq(now)))
    .execute(conn)?)
}

/// Marks an open follow-up done and, if it repeats, schedules the next occurrence (returned).
/// The update re-checks the therapist: a reassignment committed since the follow-up was read
/// makes it a conflict, so the next occurrence never goes to the therapist who lost the client.
fn complete(conn: &mut DbConn, followup: &Followup, clock: &Clock) -> Result<Option<Followup>, AppError> {
    let now = clock.now();
    let changed = diesel::update(followups::table.find(&followup.id))
        .filter(followups::status.eq(FollowupStatus::Open))
        .filter(followups::therapist_id.eq(&followup.therapist_id))
        .set((
            followups::status.eq(FollowupStatus::Done),
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
        remind: followup.remind,
    };
    let next = insert_row(
        conn,
        &followup.client_id,
        &followup.therapist_id,
        &followup.series_id,
        followup.occurrence + 1,
        &fields,
        clock,
    )?;
    Ok(Some(next))
}

fn cancel(conn: &mut DbConn, followup: &Followup, now: NaiveDateTime) -> Result<(), AppError> {
    let changed = diesel::update(followups::table.find(&followup.id))
        .filter(followups::status.eq(FollowupStatus::Open))
        .filter(followups::therapist_id.eq(&followup.therapist_id))
        .set((followups::status.eq(FollowupStatus::Cancelled), followups::updated_at.eq(now)))
        .execute(conn)?;
    if changed == 0 {
        return Err(AppError::Conflict("This follow-up is no longer open.".into()));
    }
    Ok(())
}

/// A follow-up closed as done or cancelled, and the next of its series when one was scheduled.
pub struct Closed {
    pub followup: Followup,
    pub next: Option<Followup>,
}

impl Audited for Closed {
    fn subject(&self) -> Subject {
        Subject::new("followup", &self.followup.id)
    }
}

/// Closes an open follow-up of `therapist_id`'s client: done (which schedules the next of a
/// repeating series) or cancelled.
pub fn close(
    conn: &mut DbConn,
    therapist_id: &str,
    id: &str,
    done: bool,
    clock: &Clock,
) -> Result<Closed, AppError> {
    let followup = find_for_therapist(conn, id, therapist_id)?;
    let next = if done {
        complete(conn, &followup, clock)?
    } else {
        cancel(conn, &followup, clock.now())?;
        None
    };
    Ok(Closed { followup, next })
}

/// What the follow-up form offers: the client, and what a follow-up can be about.
pub struct FormContext {
    pub client: Client,
    /// The client's trigger points as (id, label).
    pub findings: Vec<(String, String)>,
    /// The client's factors as (id, name).
    pub factors: Vec<(String, String)>,
}

/// The follow-up form for a client of `therapist_id`.
pub fn form_context(
    conn: &mut DbConn,
    therapist_id: &str,
    client_id: &str,
    clock: &Clock,
) -> Result<FormContext, AppError> {
    let client = clients_model::find_for_therapist(conn, client_id, therapist_id)?;
    let findings = findings::current_points_for_client(conn, &client.id, clock)?;
    let factors = factors::choices_for_client(conn, &client.id)?;
    Ok(FormContext { client, findings, factors })
}

/// A follow-up with its client's name, for lists that span clients.
#[derive(Clone)]
pub struct WithClient {
    pub followup: Followup,
    pub first_name: String,
    pub last_name: String,
}

debug_only!(WithClient: followup);

/// Stand-ins for an open end of a due-date range: one query shape serves every range, so its
/// prepared statement is reused.
/// (Not `NaiveDate::MIN`/`MAX`: SQLite compares dates as text, where "+262143-…" sorts first.)
const EARLIEST: NaiveDate = NaiveDate::from_ymd_opt(1, 1, 1).expect("a valid date");
const LATEST: NaiveDate = NaiveDate::from_ymd_opt(9999, 12, 31).expect("a valid date");

/// How many open follow-ups the therapist has due in `from..=until` (either end open).
/// Counted in the index on (therapist, status, due date) without reading a row.
pub fn count_open_between(
    conn: &mut DbConn,
    therapist_id: &str,
    from: Option<NaiveDate>,
    until: Option<NaiveDate>,
) -> Result<i64, AppError> {
    Ok(followups::table
        .filter(followups::therapist_id.eq(therapist_id))
        .filter(followups::status.eq(FollowupStatus::Open))
        .filter(followups::due_date.ge(from.unwrap_or(EARLIEST)))
        .filter(followups::due_date.le(until.unwrap_or(LATEST)))
        .count()
        .get_result(conn)?)
}

/// Up to `limit` of the therapist's open follow-ups due in `from..=until` (either end open), in
/// due order (date, then instant, then id), with their clients' names. `after` continues after
/// that follow-up (keyset paging: the index is read from where the last page ended, however
/// deep); an unknown one starts from the beginning.
pub fn open_between(
    conn: &mut DbConn,
    therapist_id: &str,
    from: Option<NaiveDate>,
    until: Option<NaiveDate>,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<WithClient>, AppError> {
    let last_shown = match after {
        Some(id) => followups::table
            .filter(followups::id.eq(id))
            .filter(followups::therapist_id.eq(therapist_id))
            .select((followups::due_date, followups::due_at, followups::id))
            .first::<(NaiveDate, NaiveDateTime, String)>(conn)
            .optional()?,
        None => None,
    };
    let (date, at, id) = last_shown.unwrap_or((EARLIEST, EARLIEST.and_time(NaiveTime::MIN), String::new()));
    let from = from.unwrap_or(EARLIEST).max(date);
    Ok(followups::table
        .inner_join(clients::table)
        .filter(followups::therapist_id.eq(therapist_id))
        .filter(followups::status.eq(FollowupStatus::Open))
        .filter(followups::due_date.ge(from))
        .filter(followups::due_date.le(until.unwrap_or(LATEST)))
        .filter(
            followups::due_date.gt(date).or(followups::due_date
                .eq(date)
                .and(followups::due_at.gt(at).or(followups::due_at.eq(at).and(followups::id.gt(id))))),
        )
        .select((Followup::as_select(), clients::first_name, clients::last_name))
        .order((followups::due_date.asc(), followups::due_at.asc(), followups::id.asc()))
        .limit(limit.clamp(0, LIMIT))
        .load::<(Followup, String, String)>(conn)?
        .into_iter()
        .map(|(followup, first_name, last_name)| WithClient { followup, first_name, last_name })
        .collect())
}

/// One bucket of open follow-ups: how many there are and the first of them.
#[derive(Debug, Clone)]
pub struct DueList {
    pub bucket: Bucket,
    pub total: i64,
    pub rows: Vec<WithClient>,
}

/// The dashboard: for each bucket it shows, the count and the first `shown` follow-ups, so the
/// page stays small however many are open.
pub fn dashboard(
    conn: &mut DbConn,
    therapist_id: &str,
    today: NaiveDate,
    shown: i64,
) -> Result<Vec<DueList>, AppError> {
    Bucket::SHOWN
        .iter()
        .map(|&bucket| {
            let (from, until) = bucket.dates(today);
            let total = count_open_between(conn, therapist_id, from, until)?;
            let rows = if total == 0 {
                Vec::new()
            } else {
                open_between(conn, therapist_id, from, until, None, shown)?
            };
            Ok(DueList { bucket, total, rows })
        })
        .collect()
}

/// One page of a bucket's open follow-ups, or of all of them (fetching one row more than the
/// page shows, see [`crate::db::paging::Page`]), and their count.
pub fn due_page(
    conn: &mut DbConn,
    therapist_id: &str,
    bucket: Option<Bucket>,
    today: NaiveDate,
    page: &PageRequest,
) -> Result<(i64, Vec<WithClient>), AppError> {
    let (from, until) = bucket.map_or((None, None), |bucket| bucket.dates(today));
    let total = count_open_between(conn, therapist_id, from, until)?;
    let rows = open_between(conn, therapist_id, from, until, page.after_key(), page.fetch())?;
    Ok((total, rows))
}

/// The therapist's open follow-ups from `from` on, for the calendar feed.
pub fn open_from(
    conn: &mut DbConn,
    therapist_id: &str,
    from: NaiveDate,
) -> Result<Vec<WithClient>, AppError> {
    open_between(conn, therapist_id, Some(from), None, None, LIMIT)
}

/// A client's open follow-ups, soonest first.
pub fn open_for_client(conn: &mut DbConn, client_id: &str) -> Result<Vec<Followup>, AppError> {
    Ok(followups::table
        .filter(followups::client_id.eq(client_id))
        .filter(followups::status.eq(FollowupStatus::Open))
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
        .filter(followups::status.eq(FollowupStatus::Open))
        .filter(followups::remind.eq(true))
        .filter(followups::reminder_sent_at.is_null())
        .filter(followups::due_date.ge(today))
        .filter(followups::due_date.le(last))
        .filter(emailable())
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
