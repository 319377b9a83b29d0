//! The routine builder: which self-care items to propose for a client (those for the muscles
//! whose latest finding is active, plus whatever the latest routine holds), with that routine's
//! doses and notes where it has the item (the draft's, or the last sent one's for a new
//! version); and saving what the therapist chose.

use std::collections::HashMap;

use chrono::NaiveDateTime;

use crate::charting::catalog;
use crate::charting::findings;
use crate::clients::model::{self as clients, Client};
use crate::db::DbConn;
use crate::error::{AppError, FieldErrors};
use crate::homecare::forms::RowInput;
use crate::homecare::library::{self, Exercise};
use crate::homecare::model::{self as routines, ItemFields, Routine};

/// A proposed item: the library entry, what it is for, and the dose as it stands.
#[derive(Debug, Clone)]
pub struct BuilderRow {
    pub exercise: Exercise,
    pub muscle_name: String,
    pub input: RowInput,
    /// What is wrong with the row as typed, by field.
    pub errors: FieldErrors,
}

impl BuilderRow {
    /// The problem with one field of the row, if any.
    pub fn error(&self, field: &str) -> Option<&String> {
        self.errors.get(field)
    }
}

/// What the builder shows for a client.
pub struct Proposal {
    pub client: Client,
    pub intro: String,
    pub rows: Vec<BuilderRow>,
    /// Muscles whose latest finding is active, for the heading.
    pub active_muscles: Vec<String>,
}

/// Muscles (id, name) whose latest finding on some side is active, by name.
fn active_muscles(conn: &mut DbConn, client_id: &str) -> Result<Vec<(String, String)>, AppError> {
    let history = findings::list_for_client(conn, client_id)?;
    let mut active: Vec<(String, String)> = findings::by_muscle_and_side(&history)
        .into_iter()
        .filter(|group| group.is_active())
        .map(|group| (group.latest().muscle.id.clone(), group.latest().muscle.name.clone()))
        .collect();
    active.dedup();
    Ok(active)
}

/// The dose of a row: the latest routine's where it has the item, the library's otherwise.
fn row_input(
    exercise: &Exercise,
    position: usize,
    saved: Option<&routines::RoutineItem>,
    fresh: bool,
) -> RowInput {
    match saved {
        Some(item) => RowInput {
            exercise_id: exercise.id.clone(),
            include: true,
            order: (item.position + 1).to_string(),
            seconds: item.fields.seconds.to_string(),
            repetitions: item.fields.repetitions.to_string(),
            times_per_day: item.fields.times_per_day.to_string(),
            notes: item.fields.notes.clone().unwrap_or_default(),
        },
        None => RowInput {
            exercise_id: exercise.id.clone(),
            include: fresh && exercise.is_self_massage(),
            order: (position + 1).to_string(),
            seconds: exercise.seconds.to_string(),
            repetitions: exercise.repetitions.to_string(),
            times_per_day: exercise.times_per_day.to_string(),
            notes: String::new(),
        },
    }
}

/// The builder for a client of `therapist_id`.
pub fn propose(conn: &mut DbConn, therapist_id: &str, client_id: &str) -> Result<Proposal, AppError> {
    let client = clients::find_for_therapist(conn, client_id, therapist_id)?;
    let active = active_muscles(conn, &client.id)?;
    // The draft, or else the routine last sent: a new version starts from what the client has.
    let base = routines::for_client(conn, &client.id)?.into_iter().next();
    let base_items = match &base {
        Some(r) => routines::items(conn, &r.id)?,
        None => Vec::new(),
    };
    let muscle_ids: Vec<String> = active.iter().map(|(id, _)| id.clone()).collect();
    let base_ids: Vec<String> = base_items.iter().filter_map(|i| i.fields.exercise_id.clone()).collect();
    let mut exercises = library::for_muscles(conn, &muscle_ids)?;
    for extra in library::by_ids(conn, &base_ids)? {
        if !exercises.iter().any(|e| e.id == extra.id) {
            exercises.push(extra);
        }
    }
    let names: HashMap<String, String> = catalog::all(conn)?.into_iter().map(|m| (m.id, m.name)).collect();
    let rows = exercises
        .into_iter()
        .enumerate()
        .map(|(position, exercise)| {
            let saved =
                base_items.iter().find(|i| i.fields.exercise_id.as_deref() == Some(exercise.id.as_str()));
            BuilderRow {
                input: row_input(&exercise, position, saved, base.is_none()),
                muscle_name: names.get(&exercise.muscle_id).cloned().unwrap_or_default(),
                errors: FieldErrors::new(),
                exercise,
            }
        })
        .collect();
    let intro = base.map(|r| r.intro).unwrap_or_default();
    Ok(Proposal { client, intro, rows, active_muscles: active.into_iter().map(|(_, name)| name).collect() })
}

/// Saves the therapist's choice as the client's draft: each chosen exercise id with its dose;
/// titles and instructions come from the library.
pub fn save(
    conn: &mut DbConn,
    therapist_id: &str,
    client_id: &str,
    intro: &str,
    chosen: Vec<(String, ItemFields)>,
    now: NaiveDateTime,
) -> Result<Routine, AppError> {
    let ids: Vec<String> = chosen.iter().map(|(id, _)| id.clone()).collect();
    let library: HashMap<String, Exercise> =
        library::by_ids(conn, &ids)?.into_iter().map(|e| (e.id.clone(), e)).collect();
    let items = chosen
        .into_iter()
        .map(|(id, item)| match library.get(&id) {
            Some(e) => {
                Ok(ItemFields { title: e.title.clone(), instructions: e.instructions.clone(), ..item })
            }
            None => Err(AppError::field("items", "Choose exercises from the library.")),
        })
        .collect::<Result<Vec<_>, _>>()?;
    routines::save_draft(conn, therapist_id, client_id, intro, &items, now)
}
