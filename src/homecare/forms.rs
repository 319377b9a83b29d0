//! The routine builder form. Each proposed item is a row; the browser sends the rows' fields as
//! parallel lists in page order, and `include` lists the exercise ids that are ticked.

use std::collections::HashMap;

use serde::Deserialize;

use crate::error::FieldErrors;
use crate::homecare::library::{Exercise, ExerciseKind, Tool};
use crate::homecare::model::ItemFields;
use crate::sensitive::debug_only;
use crate::web::fields::{Checker, LONG_TEXT};

#[derive(Clone, Default, Deserialize)]
#[serde(default)]
pub struct RoutineForm {
    pub intro: String,
    pub exercise_id: Vec<String>,
    pub include: Vec<String>,
    pub order: Vec<String>,
    pub seconds: Vec<String>,
    pub repetitions: Vec<String>,
    pub times_per_day: Vec<String>,
    pub notes: Vec<String>,
}

debug_only!(RoutineForm: exercise_id);

/// One row as typed.
#[derive(Clone, PartialEq)]
pub struct RowInput {
    pub exercise_id: String,
    pub include: bool,
    pub order: String,
    pub seconds: String,
    pub repetitions: String,
    pub times_per_day: String,
    pub notes: String,
}

debug_only!(RowInput: exercise_id, include);

impl RowInput {
    /// A dose field as typed, by its form name.
    pub fn value(&self, field: &str) -> &str {
        match field {
            "order" => &self.order,
            "seconds" => &self.seconds,
            "repetitions" => &self.repetitions,
            "times_per_day" => &self.times_per_day,
            _ => &self.notes,
        }
    }
}

impl RoutineForm {
    /// The rows, aligned by position.
    pub fn rows(&self) -> Vec<RowInput> {
        let at = |list: &Vec<String>, i: usize| list.get(i).cloned().unwrap_or_default();
        self.exercise_id
            .iter()
            .enumerate()
            .map(|(i, id)| RowInput {
                include: self.include.contains(id),
                exercise_id: id.clone(),
                order: at(&self.order, i),
                seconds: at(&self.seconds, i),
                repetitions: at(&self.repetitions, i),
                times_per_day: at(&self.times_per_day, i),
                notes: at(&self.notes, i),
            })
            .collect()
    }

    /// The included rows in the chosen order, each as (exercise id, dose and notes); title and
    /// instructions are filled from the library by the caller. The summary under `items` names
    /// the first problem of each row; [`RoutineForm::row_errors`] marks the fields.
    pub fn validate(&self) -> Result<(String, Vec<(String, ItemFields)>), FieldErrors> {
        let mut c = Checker::default();
        let intro = c.optional("intro", &self.intro, LONG_TEXT).unwrap_or_default();
        let mut chosen = Vec::new();
        let mut problems = Vec::new();
        for (index, row) in self.rows().into_iter().enumerate().filter(|(_, r)| r.include) {
            match check_row(&row) {
                Ok((order, item)) => chosen.push(((order, index), row.exercise_id, item)),
                Err(errors) => {
                    let first = errors.values().next().cloned().unwrap_or_default();
                    problems.push(format!("Item {}: {first}", index + 1));
                }
            }
        }
        if !problems.is_empty() {
            c.fail("items", problems.join(" "));
        } else if chosen.is_empty() {
            c.fail("items", "Tick at least one exercise.");
        }
        chosen.sort_by_key(|(key, _, _)| *key);
        c.into_result((intro, chosen.into_iter().map(|(_, id, item)| (id, item)).collect()))
    }

    /// The problems of each included row, by exercise id and field, to mark on the page.
    pub fn row_errors(&self) -> HashMap<String, FieldErrors> {
        self.rows()
            .into_iter()
            .filter(|row| row.include)
            .filter_map(|row| check_row(&row).err().map(|errors| (row.exercise_id, errors)))
            .collect()
    }
}

/// One included row's order and item, or its problems by field.
fn check_row(row: &RowInput) -> Result<(i32, ItemFields), FieldErrors> {
    let mut c = Checker::default();
    let dose = |c: &mut Checker, field: &'static str, value: &str, range, what: &str| {
        let value = c.int_in(field, value, range, what);
        if value.is_none() && !c.errors.contains_key(field) {
            c.fail(field, format!("Give the {}.", what.to_lowercase()));
        }
        value.unwrap_or_default()
    };
    let seconds = dose(&mut c, "seconds", &row.seconds, 5..=600, "Seconds");
    let repetitions = dose(&mut c, "repetitions", &row.repetitions, 1..=20, "Repetitions");
    let times_per_day = dose(&mut c, "times_per_day", &row.times_per_day, 1..=12, "Sessions a day");
    let order = c.int_in("order", &row.order, 1..=99, "The order").unwrap_or(99);
    let notes = c.optional("notes", &row.notes, 500);
    let item = ItemFields {
        exercise_id: Some(row.exercise_id.clone()),
        title: String::new(),
        instructions: String::new(),
        seconds,
        repetitions,
        times_per_day,
        notes,
    };
    c.into_result((order, item))
}

/// A practice-specific exercise.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ExerciseForm {
    pub muscle_id: String,
    pub kind: String,
    pub tool: String,
    pub title: String,
    pub instructions: String,
    pub seconds: String,
    pub repetitions: String,
    pub times_per_day: String,
    pub rest_days_note: String,
}

impl ExerciseForm {
    pub fn initial() -> ExerciseForm {
        ExerciseForm {
            kind: "self_massage".into(),
            tool: "ball".into(),
            seconds: "45".into(),
            repetitions: "2".into(),
            times_per_day: "3".into(),
            ..ExerciseForm::default()
        }
    }

    /// Checks everything but whether the muscle exists (the caller asks the catalog).
    pub fn validate(&self, created_by: &str) -> Result<Exercise, FieldErrors> {
        let mut c = Checker::default();
        let muscle_id = c.required("muscle_id", &self.muscle_id, 200, "a muscle");
        let kind = c.choice("kind", &self.kind, ExerciseKind::parse, "self-massage or stretch");
        let tool = c.choice("tool", &self.tool, Tool::parse, "a tool from the list");
        let title = c.required("title", &self.title, 150, "a title");
        let instructions = c.required("instructions", &self.instructions, 2000, "the instructions");
        let seconds = c.int_in("seconds", &self.seconds, 5..=600, "Seconds");
        let repetitions = c.int_in("repetitions", &self.repetitions, 1..=20, "Repetitions");
        let times = c.int_in("times_per_day", &self.times_per_day, 1..=12, "Sessions a day");
        for (field, value) in [("seconds", seconds), ("repetitions", repetitions), ("times_per_day", times)] {
            if value.is_none() {
                c.fail(field, "Give a number.");
            }
        }
        let item = Exercise {
            id: String::new(),
            code: String::new(),
            muscle_id,
            // Placeholders where a value was refused: the form comes back with errors anyway.
            kind: kind.unwrap_or(ExerciseKind::SelfMassage),
            tool: tool.unwrap_or(Tool::NoTool),
            title,
            instructions,
            seconds: seconds.unwrap_or_default(),
            repetitions: repetitions.unwrap_or_default(),
            times_per_day: times.unwrap_or_default(),
            rest_days_note: c.optional("rest_days_note", &self.rest_days_note, 300).unwrap_or_default(),
            shipped: false,
            created_by: Some(created_by.to_owned()),
            created_at: chrono::NaiveDateTime::default(),
        };
        c.into_result(item)
    }
}

/// The client's "done today" tick for one item.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct DoneForm {
    pub item_id: String,
    /// "1" to record, "0" to take back.
    pub done: String,
}

impl DoneForm {
    /// Whether the item is ticked (anything but an explicit "0").
    pub fn done(&self) -> bool {
        self.done != "0"
    }
}

/// The client's pain today.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct PainForm {
    pub pain: String,
}

impl PainForm {
    /// The pain on the 0-10 scale, if that is what was sent.
    pub fn pain(&self) -> Option<i32> {
        self.pain.trim().parse::<i32>().ok().filter(|p| (0..=10).contains(p))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> RoutineForm {
        RoutineForm {
            intro: "Keep it gentle.".into(),
            exercise_id: vec!["a".into(), "b".into(), "c".into()],
            include: vec!["a".into(), "c".into()],
            order: vec!["2".into(), "1".into(), "1".into()],
            seconds: vec!["45".into(), "30".into(), "60".into()],
            repetitions: vec!["2".into(), "1".into(), "1".into()],
            times_per_day: vec!["3".into(), "2".into(), "2".into()],
            notes: vec!["".into(), "".into(), "Right side only".into()],
        }
    }

    #[test]
    fn included_rows_come_back_in_the_chosen_order() {
        let (intro, items) = form().validate().unwrap();
        assert_eq!(intro, "Keep it gentle.");
        let ids: Vec<&str> = items.iter().map(|(id, _)| id.as_str()).collect();
        assert_eq!(ids, ["c", "a"]);
        assert_eq!(items[0].1.notes.as_deref(), Some("Right side only"));
    }

    #[test]
    fn bad_doses_and_empty_routines_are_refused() {
        let mut bad = form();
        bad.seconds[0] = "9999".into();
        bad.repetitions[2] = String::new();
        let summary = bad.validate().unwrap_err()["items"].clone();
        assert!(
            summary.starts_with("Item 1: Seconds") && summary.contains("Item 3: Give the repetitions"),
            "{summary}"
        );
        let marked = bad.row_errors();
        assert_eq!(marked["a"].keys().copied().collect::<Vec<_>>(), ["seconds"]);
        assert_eq!(marked["c"].keys().copied().collect::<Vec<_>>(), ["repetitions"]);
        assert!(!marked.contains_key("b"), "rows not ticked are not checked");
        let none = RoutineForm { include: vec![], ..form() };
        assert!(none.validate().unwrap_err()["items"].contains("Tick at least one"));
    }
}
