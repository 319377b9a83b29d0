//! Templates of the visit pages.

use askama::Template;

use crate::charting::bodymap::BodyMap;
use crate::charting::catalog::Muscle;
use crate::charting::forms::FindingForm;
use crate::charting::views::{FindingRow, Vocab};
use crate::clients::model::Client;
use crate::error::FieldErrors;
use crate::visits::forms::{AddendumForm, NewVisitForm, VisitForm};
use crate::visits::model::{Addendum, Visit};
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
