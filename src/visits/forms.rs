//! Visit forms: opening a visit, the SOAP note, and an addendum.

use serde::{Deserialize, Serialize};

use crate::charting::vocab::Technique;
use crate::error::FieldErrors;
use crate::sensitive::debug_only;
use crate::time::Clock;
use crate::visits::model::{Opening, Visit, VisitFields};
use crate::web::fields::{Checker, LONG_TEXT, SHORT_TEXT};

/// Opening a new visit.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct NewVisitForm {
    pub started_at: String,
    pub duration_minutes: String,
    /// Start from the previous visit's objective findings.
    pub copy_forward: Option<String>,
}

/// The SOAP note of a draft visit.
#[derive(Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct VisitForm {
    pub started_at: String,
    pub duration_minutes: String,
    pub subjective: String,
    pub objective: String,
    pub assessment: String,
    pub plan: String,
    /// Technique codes; the form sends one `techniques` field per ticked box.
    pub techniques: Vec<String>,
    pub techniques_other: String,
    pub pain_before: String,
    pub pain_after: String,
    pub notes: String,
}

debug_only!(VisitForm: started_at);

fn duration(c: &mut Checker, value: &str) -> i32 {
    match c.int_in("duration_minutes", value, 5..=480, "The duration") {
        Some(minutes) => minutes,
        None => {
            c.fail("duration_minutes", "Enter the duration in minutes (5 to 480).");
            0
        }
    }
}

impl NewVisitForm {
    /// A visit starting now (to the minute, in the practice's zone), for an hour.
    pub fn initial(clock: &Clock, has_previous: bool) -> NewVisitForm {
        let now = clock.local(clock.now());
        NewVisitForm {
            started_at: now.format("%Y-%m-%dT%H:%M").to_string(),
            duration_minutes: "60".into(),
            copy_forward: has_previous.then(|| "on".into()),
        }
    }

    /// How the visit opens; the start is typed in the practice's zone and returned in UTC.
    pub fn validate(&self, clock: &Clock) -> Result<Opening, FieldErrors> {
        let mut c = Checker::default();
        let started_at = c.datetime("started_at", &self.started_at).map(|at| clock.local_to_utc(at));
        if started_at.is_none() {
            c.fail("started_at", "Enter when the visit started.");
        }
        let duration_minutes = duration(&mut c, &self.duration_minutes);
        let copy_forward = self.copy_forward.is_some();
        c.into_result(Opening { started_at: started_at.unwrap_or_default(), duration_minutes, copy_forward })
    }
}

impl VisitForm {
    /// The form for a stored visit, its start shown in the practice's zone.
    pub fn from_visit(visit: &Visit, clock: &Clock) -> VisitForm {
        let v = &visit.note;
        VisitForm {
            started_at: clock.local(v.started_at).format("%Y-%m-%dT%H:%M").to_string(),
            duration_minutes: v.duration_minutes.to_string(),
            subjective: v.subjective.clone(),
            objective: v.objective.clone(),
            assessment: v.assessment.clone(),
            plan: v.plan.clone(),
            techniques: visit.technique_codes().into_iter().map(str::to_owned).collect(),
            techniques_other: v.techniques_other.clone().unwrap_or_default(),
            pain_before: v.pain_before.map(|p| p.to_string()).unwrap_or_default(),
            pain_after: v.pain_after.map(|p| p.to_string()).unwrap_or_default(),
            notes: v.notes.clone().unwrap_or_default(),
        }
    }

    pub fn has_technique(&self, code: &str) -> bool {
        self.techniques.iter().any(|t| t == code)
    }

    /// Checks the note; the start is typed in the practice's zone and returned in UTC.
    pub fn validate(&self, clock: &Clock) -> Result<VisitFields, FieldErrors> {
        let mut c = Checker::default();
        let started_at = c.datetime("started_at", &self.started_at).map(|at| clock.local_to_utc(at));
        if started_at.is_none() {
            c.fail("started_at", "Enter when the visit started.");
        }
        let duration_minutes = duration(&mut c, &self.duration_minutes);
        let mut techniques = Vec::new();
        for code in &self.techniques {
            match Technique::parse(code) {
                Some(t) if !techniques.contains(&t.code()) => techniques.push(t.code()),
                Some(_) => {}
                None => c.fail("techniques", "Choose techniques from the list."),
            }
        }
        let fields = VisitFields {
            started_at: started_at.unwrap_or_default(),
            duration_minutes,
            subjective: c.optional("subjective", &self.subjective, LONG_TEXT).unwrap_or_default(),
            objective: c.optional("objective", &self.objective, LONG_TEXT).unwrap_or_default(),
            assessment: c.optional("assessment", &self.assessment, LONG_TEXT).unwrap_or_default(),
            plan: c.optional("plan", &self.plan, LONG_TEXT).unwrap_or_default(),
            techniques: techniques.join(","),
            techniques_other: c.optional("techniques_other", &self.techniques_other, SHORT_TEXT),
            pain_before: c.int_in("pain_before", &self.pain_before, 0..=10, "Pain before"),
            pain_after: c.int_in("pain_after", &self.pain_after, 0..=10, "Pain after"),
            notes: c.optional("notes", &self.notes, LONG_TEXT),
        };
        c.into_result(fields)
    }
}

/// The buttons of the visit page. Every one of them first saves what is typed (see
/// `visits::draft`); `do` says what happens next.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct VisitControls {
    /// The note's version the page was typed on.
    pub version: String,
    #[serde(rename = "do")]
    pub step: String,
    /// "yes" when a removal was confirmed on the page (by script).
    pub confirmed: String,
}

/// What a button on the visit page asks for after saving.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    Save,
    AddFinding,
    EditFinding(String),
    RemoveFinding {
        id: String,
        confirmed: bool,
    },
    Sign,
    /// The page's script saving as the therapist types.
    Autosave,
}

impl VisitControls {
    /// The version the page was typed on (0, which no note has, if it is missing).
    pub fn base_version(&self) -> i32 {
        self.version.trim().parse().unwrap_or(0)
    }

    /// The step asked for; anything unknown (Enter in a field) saves.
    pub fn step(&self) -> Step {
        let confirmed = self.confirmed == "yes";
        match self.step.split_once(':') {
            Some(("edit", id)) if !id.is_empty() => Step::EditFinding(id.to_owned()),
            Some(("remove", id)) if !id.is_empty() => Step::RemoveFinding { id: id.to_owned(), confirmed },
            _ => match self.step.as_str() {
                "add_finding" => Step::AddFinding,
                "sign" => Step::Sign,
                "autosave" => Step::Autosave,
                _ => Step::Save,
            },
        }
    }
}

/// A correction to a signed visit.
#[derive(Clone, Default, Deserialize)]
#[serde(default)]
pub struct AddendumForm {
    pub body: String,
}

debug_only!(AddendumForm:);

impl AddendumForm {
    pub fn validate(&self) -> Result<String, FieldErrors> {
        let mut c = Checker::default();
        let body = c.required("body", &self.body, LONG_TEXT, "the text of the addendum");
        c.into_result(body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn visit_form_checks_pain_scores_duration_and_techniques() {
        let form = VisitForm {
            started_at: "2026-11-20T10:00".into(),
            duration_minutes: "0".into(),
            pain_before: "11".into(),
            pain_after: "-1".into(),
            techniques: vec!["stretching".into(), "voodoo".into()],
            ..VisitForm::default()
        };
        let clock = Clock::system(chrono_tz::UTC);
        let errors = form.validate(&clock).unwrap_err();
        assert_eq!(
            errors.keys().copied().collect::<Vec<_>>(),
            ["duration_minutes", "pain_after", "pain_before", "techniques"]
        );
        let ok = VisitForm {
            started_at: "2026-11-20T10:00".into(),
            duration_minutes: "60".into(),
            techniques: vec!["stretching".into(), "ischemic_compression".into(), "stretching".into()],
            ..VisitForm::default()
        };
        assert_eq!(ok.validate(&clock).unwrap().techniques, "stretching,ischemic_compression");
    }
}
