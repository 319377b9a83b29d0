//! The visit page's one save path. Every button on a draft (save, add, edit or remove a trigger
//! point, sign) and the page's autosave send the whole page, and the note is saved first, so no
//! button can drop typed text. What cannot be saved yet (a note with errors, sent by autosave,
//! or a trigger point still being entered) is kept with the draft and shown again until it is
//! saved or cleared. A note typed on an older version that has changed since is never saved over
//! it: the therapist sees both.

use serde::{Deserialize, Serialize};

use crate::audit::Audited;
use crate::audit::audited::record;
use crate::audit::model::Action;
use crate::auth::extractors::Actor;
use crate::charting::findings;
use crate::charting::forms::FindingForm;
use crate::db::DbConn;
use crate::error::{AppError, FieldErrors};
use crate::time::Clock;
use crate::visits::forms::{Step, VisitForm};
use crate::visits::model::{self, NoteSave, Visit};

/// The visit page as sent.
#[derive(Clone)]
pub struct Typed {
    pub note: VisitForm,
    /// The trigger point being entered.
    pub finding: FindingForm,
    /// The note's version the page was typed on.
    pub base: i32,
}

/// What was typed but not saved yet, kept with the draft (as JSON in `visits.draft_input`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct DraftInput {
    /// A note with errors (only autosave keeps one; a button shows the errors instead).
    pub note: Option<VisitForm>,
    /// A trigger point entered but not added.
    pub finding: Option<FindingForm>,
}

impl DraftInput {
    /// What a draft keeps; nothing if what is stored cannot be read.
    pub fn of(visit: &Visit) -> DraftInput {
        visit.draft_input.as_deref().and_then(|json| serde_json::from_str(json).ok()).unwrap_or_default()
    }

    fn stored(&self) -> Option<String> {
        if self.note.is_none() && self.finding.is_none() {
            return None;
        }
        serde_json::to_string(self).ok()
    }
}

/// What became of the page.
pub enum Outcome {
    /// Saved, and whether a trigger point was added or removed.
    Saved { visit: Box<Visit>, added: bool, removed: bool },
    /// Not saved, for these reasons (autosave has kept what was typed).
    Invalid { note: FieldErrors, finding: FieldErrors },
    /// Typed on an older note that has changed since: nothing saved. The note as it is now.
    Conflict { current: Box<Visit> },
}

/// Saves the page of a draft of `therapist_id`'s client, then takes `step`, all in the caller's
/// write transaction, with the audit rows of what changed.
pub fn save(
    conn: &mut DbConn,
    actor: &Actor,
    therapist_id: &str,
    visit_id: &str,
    typed: &Typed,
    step: &Step,
    clock: &Clock,
) -> Result<Outcome, AppError> {
    let now = clock.now();
    let (visit, _) = model::find_for_therapist(conn, visit_id, therapist_id)?;
    let note = typed.note.validate(clock);
    let finding = (*step == Step::AddFinding).then(|| typed.finding.validate());
    let (note, finding) = match (note, finding) {
        (Ok(note), None) => (note, None),
        (Ok(note), Some(Ok(finding))) => (note, Some(finding)),
        (note, finding) => {
            let note_errors = note.err().unwrap_or_default();
            if *step == Step::Autosave {
                model::lock_draft(conn, &visit.id, now)?;
                let kept = DraftInput {
                    note: (!note_errors.is_empty()).then(|| typed.note.clone()),
                    finding: (!typed.finding.is_blank()).then(|| typed.finding.clone()),
                };
                model::keep_draft_input(conn, &visit, kept.stored())?;
            }
            let finding_errors = finding.and_then(Result::err).unwrap_or_default();
            return Ok(Outcome::Invalid { note: note_errors, finding: finding_errors });
        }
    };
    model::lock_draft(conn, &visit.id, now)?;
    match model::save_note(conn, &visit, &note, typed.base, now)? {
        NoteSave::Conflict => return Ok(Outcome::Conflict { current: Box::new(visit) }),
        NoteSave::Saved { changed: true } => record(conn, actor, Action::VisitUpdate, &visit.subject())?,
        NoteSave::Saved { changed: false } => {}
    }
    let entering = finding.is_none() && !typed.finding.is_blank();
    let kept = DraftInput { note: None, finding: entering.then(|| typed.finding.clone()) };
    model::keep_draft_input(conn, &visit, kept.stored())?;
    let added = match finding {
        Some(fields) => {
            let added = model::add_finding(conn, therapist_id, &visit.id, &fields, now)?;
            record(conn, actor, Action::FindingCreate, &added.subject())?;
            true
        }
        None => false,
    };
    let removed = match step {
        Step::RemoveFinding { id, confirmed: true } => {
            if findings::find_for_therapist(conn, id, therapist_id)?.visit_id != visit.id {
                return Err(AppError::NotFound);
            }
            let removed = model::delete_finding(conn, therapist_id, id, now)?;
            record(conn, actor, Action::FindingDelete, &removed.subject())?;
            true
        }
        _ => false,
    };
    let (visit, _) = model::find_for_therapist(conn, visit_id, therapist_id)?;
    Ok(Outcome::Saved { visit: Box::new(visit), added, removed })
}
