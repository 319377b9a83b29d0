//! The exercise library: shipped self-care items (from `exercises.toml`, kept in step with the
//! database at every start) for every catalog muscle.

use std::collections::HashMap;

use chrono::{NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Deserialize;

use crate::audit::{Audited, Subject};
use crate::db::schema::exercises;
use crate::db::{DbConn, write_tx};
use crate::error::AppError;
use crate::vocab::vocabulary;

vocabulary!(
    /// What a self-care item asks the client to do.
    ExerciseKind {
        SelfMassage => ("self_massage", "Self-massage"),
        Stretch => ("stretch", "Stretch"),
    }
);

vocabulary!(
    /// What the client uses at home.
    Tool {
        Ball => ("ball", "Ball"),
        FoamRoller => ("foam_roller", "Foam roller"),
        HookTool => ("hook_tool", "Hook tool"),
        Hands => ("hands", "Hands"),
        NoTool => ("none", "No tool"),
    }
);

const SHIPPED: &str = include_str!("exercises.toml");

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Deserialize, PartialEq)]
#[diesel(table_name = exercises)]
pub struct Exercise {
    #[serde(default)]
    pub id: String,
    pub code: String,
    #[serde(rename = "muscle")]
    pub muscle_id: String,
    pub kind: ExerciseKind,
    pub tool: Tool,
    pub title: String,
    pub instructions: String,
    pub seconds: i32,
    pub repetitions: i32,
    pub times_per_day: i32,
    pub rest_days_note: String,
    #[serde(default = "shipped")]
    pub shipped: bool,
    #[serde(default)]
    pub created_by: Option<String>,
    #[serde(default = "epoch")]
    pub created_at: NaiveDateTime,
}

impl Exercise {
    pub fn is_stretch(&self) -> bool {
        self.kind == ExerciseKind::Stretch
    }

    pub fn is_self_massage(&self) -> bool {
        self.kind == ExerciseKind::SelfMassage
    }
}

impl Audited for Exercise {
    fn subject(&self) -> Subject {
        Subject::new("exercise", &self.id)
    }
}

fn shipped() -> bool {
    true
}

fn epoch() -> NaiveDateTime {
    NaiveDateTime::default()
}

#[derive(Deserialize)]
struct LibraryFile {
    exercise: Vec<Exercise>,
}

/// The shipped library, with ids equal to codes.
pub fn shipped_items() -> Result<Vec<Exercise>, String> {
    let file: LibraryFile = toml::from_str(SHIPPED).map_err(|e| format!("exercises.toml: {e}"))?;
    Ok(file.exercise.into_iter().map(|e| Exercise { id: e.code.clone(), ..e }).collect())
}

fn same(a: &Exercise, b: &Exercise) -> bool {
    (&a.muscle_id, &a.kind, &a.tool, &a.title, &a.instructions, &a.rest_days_note)
        == (&b.muscle_id, &b.kind, &b.tool, &b.title, &b.instructions, &b.rest_days_note)
        && (a.seconds, a.repetitions, a.times_per_day) == (b.seconds, b.repetitions, b.times_per_day)
}

/// Inserts new and updates changed shipped items. Run at start-up, after the muscle catalog.
pub fn seed(conn: &mut DbConn) -> Result<usize, AppError> {
    let wanted = shipped_items().map_err(|e| AppError::Internal(anyhow::anyhow!(e)))?;
    write_tx(conn, |conn| {
        let existing: HashMap<String, Exercise> = exercises::table
            .filter(exercises::shipped.eq(true))
            .select(Exercise::as_select())
            .load(conn)?
            .into_iter()
            .map(|e| (e.id.clone(), e))
            .collect();
        let now = Utc::now().naive_utc();
        let mut written = 0;
        for item in wanted {
            match existing.get(&item.id) {
                Some(current) if same(current, &item) => continue,
                Some(_) => {
                    diesel::update(exercises::table.find(&item.id))
                        .set((
                            exercises::muscle_id.eq(&item.muscle_id),
                            exercises::kind.eq(item.kind),
                            exercises::tool.eq(item.tool),
                            exercises::title.eq(&item.title),
                            exercises::instructions.eq(&item.instructions),
                            exercises::seconds.eq(item.seconds),
                            exercises::repetitions.eq(item.repetitions),
                            exercises::times_per_day.eq(item.times_per_day),
                            exercises::rest_days_note.eq(&item.rest_days_note),
                        ))
                        .execute(conn)?;
                }
                None => {
                    diesel::insert_into(exercises::table)
                        .values(&Exercise { created_at: now, ..item })
                        .execute(conn)?;
                }
            }
            written += 1;
        }
        Ok(written)
    })
}

/// Adds a practice-specific item for a muscle of the catalog.
pub fn insert_custom(conn: &mut DbConn, item: &Exercise, now: NaiveDateTime) -> Result<Exercise, AppError> {
    if crate::charting::catalog::find(conn, &item.muscle_id)?.is_none() {
        return Err(AppError::field("muscle_id", "Choose a muscle from the catalog."));
    }
    let id = uuid::Uuid::now_v7().to_string();
    let row = Exercise { code: format!("custom-{id}"), id, shipped: false, created_at: now, ..item.clone() };
    diesel::insert_into(exercises::table).values(&row).execute(conn)?;
    Ok(row)
}

/// The items for some muscles: self-massage before stretches.
pub fn for_muscles(conn: &mut DbConn, muscle_ids: &[String]) -> Result<Vec<Exercise>, AppError> {
    Ok(exercises::table
        .filter(exercises::muscle_id.eq_any(muscle_ids))
        .select(Exercise::as_select())
        .order((exercises::muscle_id.asc(), exercises::kind.desc(), exercises::code.asc()))
        .limit(2000)
        .load(conn)?)
}

/// The items with these ids.
pub fn by_ids(conn: &mut DbConn, ids: &[String]) -> Result<Vec<Exercise>, AppError> {
    Ok(exercises::table.filter(exercises::id.eq_any(ids)).select(Exercise::as_select()).load(conn)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_catalog_muscle_has_a_self_massage_item() {
        let items = shipped_items().unwrap();
        let muscles = crate::charting::catalog::shipped().unwrap();
        for muscle in &muscles {
            assert!(
                items.iter().any(|e| e.muscle_id == muscle.code && e.kind == ExerciseKind::SelfMassage),
                "{}",
                muscle.code
            );
        }
        for item in &items {
            assert!(
                muscles.iter().any(|m| m.code == item.muscle_id),
                "{} names an unknown muscle",
                item.code
            );
            assert!(!item.title.is_empty() && !item.instructions.is_empty(), "{}", item.code);
            assert!(
                (10..=120).contains(&item.seconds) && (1..=10).contains(&item.times_per_day),
                "{}",
                item.code
            );
        }
    }
}
