//! Templates of the client pages.

use askama::Template;
use chrono::NaiveDateTime;

use crate::charting::bodymap::BodyMap;
use crate::charting::catalog::Muscle;
use crate::charting::factors::Factor;
use crate::charting::views::Vocab;
use crate::clients::forms::ClientForm;
use crate::clients::model::{AssignmentRow, Client};
use crate::error::FieldErrors;
use crate::web::page::Ctx;

#[derive(Template)]
#[template(path = "clients/list.html")]
pub struct ClientsPage {
    pub ctx: Ctx,
    pub clients: Vec<Client>,
    pub q: String,
    /// "name", "visit" or "new".
    pub sort: String,
    pub archived: bool,
    pub page: i64,
    pub has_next: bool,
}

impl ClientsPage {
    /// Query string for this list with another page.
    pub fn page_query(&self, page: &i64) -> String {
        url::form_urlencoded::Serializer::new(String::new())
            .append_pair("q", &self.q)
            .append_pair("sort", &self.sort)
            .append_pair("archived", if self.archived { "1" } else { "" })
            .append_pair("page", &page.to_string())
            .finish()
    }
}

#[derive(Template)]
#[template(path = "clients/form.html")]
pub struct ClientFormPage {
    pub ctx: Ctx,
    /// Set when editing.
    pub client: Option<Client>,
    pub form: ClientForm,
    pub errors: FieldErrors,
}

/// A visit on the chart's timeline.
#[derive(Debug, Clone)]
pub struct VisitRow {
    pub id: String,
    pub started_at: NaiveDateTime,
    pub signed: bool,
    pub findings: i64,
    pub pain_before: Option<i32>,
    pub pain_after: Option<i32>,
    /// First line of the assessment, shortened.
    pub summary: String,
}

/// One finding in a muscle's history.
#[derive(Debug, Clone)]
pub struct HistoryEntry {
    pub visit_id: String,
    pub date: NaiveDateTime,
    pub classification: &'static str,
    pub css: String,
    pub pain_nrs: Option<i32>,
    pub ppt_kpa: Option<f64>,
}

/// A muscle (on one side) across visits: its latest status first.
#[derive(Debug, Clone)]
pub struct MuscleHistory {
    pub muscle_name: String,
    pub side: &'static str,
    pub latest: HistoryEntry,
    pub history: Vec<HistoryEntry>,
}

/// A perpetuating factor on the chart.
#[derive(Debug, Clone)]
pub struct FactorRow {
    pub factor: Factor,
    pub category: &'static str,
    pub status: &'static str,
    pub source: &'static str,
    /// "Upper trapezius (left)" for each linked finding.
    pub linked: Vec<String>,
}

#[derive(Template)]
#[template(path = "clients/chart.html")]
pub struct ChartPage {
    pub ctx: Ctx,
    pub v: Vocab,
    pub client: Client,
    pub age: Option<u32>,
    pub visits: Vec<VisitRow>,
    /// Every charted muscle and side, by name; those whose latest status is active are flagged.
    pub muscles: Vec<MuscleHistory>,
    pub active_count: usize,
    pub factors: Vec<FactorRow>,
    /// The pain zone chosen for the reverse lookup ("" for none), and its candidates.
    pub zone: String,
    pub candidates: Vec<Muscle>,
    /// Latest finding per muscle and side.
    pub map: BodyMap,
    pub interactive: bool,
    pub routines: Vec<crate::homecare::model::Routine>,
    pub emails: Vec<crate::mail::outbox::OutboxRow>,
    pub followups: Vec<crate::followups::model::Followup>,
    pub adherence: Option<crate::homecare::links::Adherence>,
}

impl ChartPage {
    pub fn has_sent_routine(&self) -> bool {
        self.routines.iter().any(|r| r.is_sent())
    }
}

#[derive(Template)]
#[template(path = "admin/clients.html")]
pub struct AdminClientsPage {
    pub ctx: Ctx,
    pub rows: Vec<AssignmentRow>,
    pub therapists: Vec<(String, String)>,
    pub q: String,
    pub page: i64,
    pub has_next: bool,
}
