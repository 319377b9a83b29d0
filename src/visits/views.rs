//! Templates of the visit pages.

use askama::Template;

use crate::charting::bodymap::BodyMap;
use crate::charting::catalog::Muscle;
use crate::charting::forms::FindingForm;
use crate::charting::views::{FindingRow, Vocab};
use crate::charting::vocab::Classification;
use crate::clients::model::Client;
use crate::error::FieldErrors;
use crate::time::Clock;
use crate::visits::draft::DraftInput;
use crate::visits::forms::{AddendumForm, NewVisitForm, VisitForm};
use crate::visits::model::{Addendum, Visit};
use crate::visits::show::{FindingShown, Shown, Signing};
use crate::web::page::Ctx;

#[derive(Template)]
#[template(path = "visits/new.html")]
pub struct NewVisitPage {
    pub ctx: Ctx,
    pub client: Client,
    pub form: NewVisitForm,
    pub errors: FieldErrors,
    /// Whether there is an earlier visit to copy findings from.
    pub has_previous: bool,
}

/// A draft (editable) or signed (read-only, with addenda) visit.
#[derive(Template)]
#[template(path = "visits/show.html")]
pub struct VisitPage {
    pub ctx: Ctx,
    pub v: Vocab,
    pub client: Client,
    pub visit: Visit,
    /// When the visit started, in the practice's zone.
    pub started_local: chrono::NaiveDateTime,
    /// Who signed, when signed.
    pub signed_by_name: Option<String>,
    /// Whether the stored content still matches the hash taken at signing.
    pub seal_ok: bool,
    pub form: VisitForm,
    pub errors: FieldErrors,
    pub findings: Vec<FindingRow>,
    pub finding_form: FindingForm,
    pub finding_errors: FieldErrors,
    pub catalog: Vec<Muscle>,
    pub map: BodyMap,
    /// Clicking the map places a point (drafts only).
    pub interactive: bool,
    pub addenda: Vec<(Addendum, String)>,
    pub addendum_form: AddendumForm,
    pub addendum_errors: FieldErrors,
    /// The note's version the form is typed on (sent back with every button).
    pub version: i32,
    /// The note as saved elsewhere since this page's was typed (a second tab): shown beside it.
    pub theirs: Option<VisitForm>,
    /// The note or trigger point shown is what was typed and kept, not yet saved.
    pub restored_note: bool,
    pub restored_finding: bool,
}

impl VisitPage {
    /// The page with its forms as kept (what was typed but not saved yet), else as stored (the
    /// note) or blank (a new point, an addendum).
    pub fn new(ctx: Ctx, shown: Shown, clock: &Clock) -> VisitPage {
        let kept = DraftInput::of(&shown.visit);
        let (restored_note, restored_finding) = (kept.note.is_some(), kept.finding.is_some());
        let form = kept.note.unwrap_or_else(|| VisitForm::from_visit(&shown.visit, clock));
        let errors =
            if restored_note { form.validate(clock).err().unwrap_or_default() } else { FieldErrors::new() };
        VisitPage {
            ctx,
            v: Vocab,
            form,
            started_local: clock.local(shown.visit.note.started_at),
            errors,
            findings: shown.findings.into_iter().map(|(f, m)| FindingRow::new(f, &m)).collect(),
            finding_form: kept.finding.unwrap_or_default(),
            finding_errors: FieldErrors::new(),
            version: shown.visit.version,
            theirs: None,
            restored_note,
            restored_finding,
            catalog: shown.catalog,
            map: shown.map,
            interactive: !shown.visit.is_signed(),
            addenda: shown.addenda,
            addendum_form: AddendumForm::default(),
            addendum_errors: FieldErrors::new(),
            signed_by_name: shown.signed_by_name,
            seal_ok: shown.seal_ok,
            client: shown.client,
            visit: shown.visit,
        }
    }
}

#[derive(Template)]
#[template(path = "visits/finding_edit.html")]
pub struct FindingEditPage {
    pub ctx: Ctx,
    pub v: Vocab,
    pub client: Client,
    pub visit: Visit,
    pub finding_id: String,
    pub finding_form: FindingForm,
    pub finding_errors: FieldErrors,
    pub catalog: Vec<Muscle>,
    pub map: BodyMap,
    pub interactive: bool,
}

impl FindingEditPage {
    /// The page with the form as stored, or as typed with its errors.
    pub fn new(ctx: Ctx, shown: FindingShown, typed: Option<(FindingForm, FieldErrors)>) -> FindingEditPage {
        let (finding_form, finding_errors) =
            typed.unwrap_or_else(|| (FindingForm::from_finding(&shown.finding), FieldErrors::new()));
        FindingEditPage {
            ctx,
            v: Vocab,
            client: shown.client,
            visit: shown.visit,
            finding_id: shown.finding.id,
            finding_form,
            finding_errors,
            catalog: shown.catalog,
            map: shown.map,
            interactive: true,
        }
    }
}

/// What signing will lock, and the confirmation (or why it cannot be signed yet).
#[derive(Template)]
#[template(path = "visits/sign.html")]
pub struct SignPage {
    pub ctx: Ctx,
    pub client: Client,
    pub visit: Visit,
    pub started_local: chrono::NaiveDateTime,
    pub findings: Vec<FindingRow>,
    pub active: usize,
    pub latent: usize,
    pub seal: String,
    pub refusal: Option<&'static str>,
}

impl SignPage {
    pub fn new(ctx: Ctx, signing: Signing, clock: &Clock) -> SignPage {
        let findings: Vec<FindingRow> =
            signing.findings.into_iter().map(|(f, m)| FindingRow::new(f, &m)).collect();
        let active =
            findings.iter().filter(|row| row.finding.fields.classification == Classification::Active).count();
        SignPage {
            ctx,
            started_local: clock.local(signing.visit.note.started_at),
            latent: findings.len() - active,
            active,
            findings,
            seal: signing.seal,
            refusal: signing.refusal,
            client: signing.client,
            visit: signing.visit,
        }
    }

    /// The SOAP sections as (heading, text), for the summary.
    pub fn sections(&self) -> [(&'static str, &str); 4] {
        let note = &self.visit.note;
        [
            ("Subjective", note.subjective.as_str()),
            ("Objective", note.objective.as_str()),
            ("Assessment", note.assessment.as_str()),
            ("Plan", note.plan.as_str()),
        ]
    }
}

/// Asks before a trigger point is removed from a draft (without script; with it, the visit page
/// asks itself).
#[derive(Template)]
#[template(path = "visits/finding_remove.html")]
pub struct FindingRemovePage {
    pub ctx: Ctx,
    pub client: Client,
    pub visit: Visit,
    pub row: FindingRow,
}
