//! Templates of the visit pages.

use askama::Template;

use crate::charting::bodymap::BodyMap;
use crate::charting::catalog::Muscle;
use crate::charting::forms::FindingForm;
use crate::charting::views::{FindingRow, Vocab};
use crate::clients::model::Client;
use crate::error::FieldErrors;
use crate::time::Clock;
use crate::visits::forms::{AddendumForm, NewVisitForm, VisitForm};
use crate::visits::model::{Addendum, Visit};
use crate::visits::show::{FindingShown, Shown};
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
}

impl VisitPage {
    /// The page with its forms as stored (the note) or blank (a new point, an addendum).
    pub fn new(ctx: Ctx, shown: Shown, clock: &Clock) -> VisitPage {
        VisitPage {
            ctx,
            v: Vocab,
            form: VisitForm::from_visit(&shown.visit, clock),
            started_local: clock.local(shown.visit.note.started_at),
            errors: FieldErrors::new(),
            findings: shown.findings.into_iter().map(|(f, m)| FindingRow::new(f, &m)).collect(),
            finding_form: FindingForm::default(),
            finding_errors: FieldErrors::new(),
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
