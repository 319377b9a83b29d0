//! Routines: a numbered version per client, edited as a draft, final once sent (the database
//! refuses later changes), each item carrying its own dose.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::audit::{Audited, Subject};
use crate::clients::model::{self as clients_model, Client};
use crate::db::schema::{clients, routine_items, routines};
use crate::db::{DbConn, insert_rows};
use crate::error::AppError;
use crate::sensitive::debug_only;
use crate::vocab::vocabulary;

vocabulary!(
    /// A routine is edited as a draft and kept exactly as sent.
    RoutineStatus {
        Draft => ("draft", "Draft"),
        Sent => ("sent", "Sent"),
    }
);

/// A client has at most this many routine versions on the chart.
const VERSION_LIMIT: i64 = 200;

#[derive(Clone, Queryable, Selectable, Identifiable, Insertable)]
#[diesel(table_name = routines, treat_none_as_default_value = false)]
pub struct Routine {
    pub id: String,
    pub client_id: String,
    pub therapist_id: String,
    pub version: i32,
    pub intro: String,
    pub status: RoutineStatus,
    pub sent_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

debug_only!(Routine: id, client_id, version, status);

impl Routine {
    pub fn is_sent(&self) -> bool {
        self.status == RoutineStatus::Sent
    }
}

impl Audited for Routine {
    fn subject(&self) -> Subject {
        Subject::new("routine", &self.id)
    }
}

#[derive(Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = routine_items)]
pub struct RoutineItem {
    pub id: String,
    pub routine_id: String,
    pub position: i32,
    /// What the client is asked to do, and the dose.
    #[diesel(embed)]
    pub fields: ItemFields,
}

debug_only!(RoutineItem: id, routine_id, position);

/// An item as the therapist set it, already validated.
#[derive(Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = routine_items, treat_none_as_default_value = false)]
pub struct ItemFields {
    pub exercise_id: Option<String>,
    pub title: String,
    pub instructions: String,
    pub seconds: i32,
    pub repetitions: i32,
    pub times_per_day: i32,
    pub notes: Option<String>,
}

debug_only!(ItemFields: exercise_id);

const FINAL: &str = "This routine was sent and is kept exactly as sent. Build a new version instead.";

pub fn find_for_therapist(
    conn: &mut DbConn,
    id: &str,
    therapist_id: &str,
) -> Result<(Routine, Client), AppError> {
    Ok(routines::table
        .inner_join(clients::table)
        .filter(routines::id.eq(id))
        .filter(clients::therapist_id.eq(therapist_id))
        .select((Routine::as_select(), Client::as_select()))
        .first(conn)?)
}

/// A routine of a client of `therapist_id`, with its items in order.
pub fn find_with_items(
    conn: &mut DbConn,
    id: &str,
    therapist_id: &str,
) -> Result<(Routine, Client, Vec<RoutineItem>), AppError> {
    let (routine, client) = find_for_therapist(conn, id, therapist_id)?;
    let items = items(conn, &routine.id)?;
    Ok((routine, client, items))
}

pub fn items(conn: &mut DbConn, routine_id: &str) -> Result<Vec<RoutineItem>, AppError> {
    Ok(routine_items::table
        .filter(routine_items::routine_id.eq(routine_id))
        .select(RoutineItem::as_select())
        .order(routine_items::position.asc())
        .load(conn)?)
}

/// A client's routines, newest version first.
pub fn for_client(conn: &mut DbConn, client_id: &str) -> Result<Vec<Routine>, AppError> {
    Ok(routines::table
        .filter(routines::client_id.eq(client_id))
        .select(Routine::as_select())
        .order(routines::version.desc())
        .limit(VERSION_LIMIT)
        .load(conn)?)
}

fn replace_items(conn: &mut DbConn, routine_id: &str, items: &[ItemFields]) -> Result<(), AppError> {
    diesel::delete(routine_items::table.filter(routine_items::routine_id.eq(routine_id))).execute(conn)?;
    for (position, item) in items.iter().enumerate() {
        diesel::insert_into(routine_items::table)
            .values((
                routine_items::id.eq(uuid::Uuid::now_v7().to_string()),
                routine_items::routine_id.eq(routine_id),
                routine_items::position.eq(i32::try_from(position).unwrap_or(i32::MAX)),
                item,
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Saves the draft routine of a client of `therapist_id`, creating the next version if there
/// is no draft.
pub fn save_draft(
    conn: &mut DbConn,
    therapist_id: &str,
    client_id: &str,
    intro: &str,
    items: &[ItemFields],
    now: NaiveDateTime,
) -> Result<Routine, AppError> {
    let client = clients_model::find_for_therapist(conn, client_id, therapist_id)?;
    let existing = for_client(conn, &client.id)?;
    let id = match existing.iter().find(|r| !r.is_sent()) {
        Some(draft) => {
            diesel::update(routines::table.find(&draft.id))
                .set((routines::intro.eq(intro), routines::updated_at.eq(now)))
                .execute(conn)?;
            draft.id.clone()
        }
        None => {
            let id = uuid::Uuid::now_v7().to_string();
            let version = existing.first().map_or(1, |r| r.version + 1);
            diesel::insert_into(routines::table)
                .values((
                    routines::id.eq(&id),
                    routines::client_id.eq(&client.id),
                    routines::therapist_id.eq(therapist_id),
                    routines::version.eq(version),
                    routines::intro.eq(intro),
                    routines::status.eq(RoutineStatus::Draft),
                    routines::created_at.eq(now),
                    routines::updated_at.eq(now),
                ))
                .execute(conn)?;
            id
        }
    };
    replace_items(conn, &id, items)?;
    Ok(routines::table.find(&id).select(Routine::as_select()).first(conn)?)
}

/// Stores many routines and their items at once, as drafts (the demo practice; later, imports);
/// [`mark_sent`] then makes the sent ones final.
pub fn insert_many(conn: &mut DbConn, new: &[Routine], items: &[RoutineItem]) -> Result<(), AppError> {
    if new.iter().any(Routine::is_sent) {
        return Err(AppError::Internal(anyhow::anyhow!("routines are stored as drafts and sent after")));
    }
    insert_rows!(conn, routines::table, new)?;
    insert_rows!(conn, routine_items::table, items)?;
    Ok(())
}

/// Marks a draft as sent; from then on the database keeps it as it is. Call inside a write
/// transaction (with the outbox row that carries it).
pub fn mark_sent(conn: &mut DbConn, routine: &Routine, now: NaiveDateTime) -> Result<(), AppError> {
    let changed = diesel::update(routines::table.find(&routine.id))
        .filter(routines::status.eq(RoutineStatus::Draft))
        .set((
            routines::status.eq(RoutineStatus::Sent),
            routines::sent_at.eq(Some(now)),
            routines::updated_at.eq(now),
        ))
        .execute(conn)?;
    if changed == 0 {
        return Err(AppError::Conflict(FINAL.into()));
    }
    Ok(())
}
