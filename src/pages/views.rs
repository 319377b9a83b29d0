//! Templates of the pages that compose several areas.

use askama::Template;

use crate::charting::bodymap::BodyMap;
use crate::charting::catalog::Muscle;
use crate::charting::views::Vocab;
use crate::clients::model::{AssignmentRow, Client};
use crate::followups::model::Followup;
use crate::followups::views::Dashboard;
use crate::homecare::links::Adherence;
use crate::homecare::model::Routine;
use crate::mail::outbox::OutboxRow;
use crate::pages::chart::{FactorRow, MuscleHistory, VisitRow};
use crate::web::page::Ctx;
use crate::web::paging::Pager;

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
    pub routines: Vec<Routine>,
    pub emails: Vec<OutboxRow>,
    pub followups: Vec<Followup>,
    pub adherence: Option<Adherence>,
}

impl ChartPage {
    pub fn has_sent_routine(&self) -> bool {
        self.routines.iter().any(|r| r.is_sent())
    }
}

#[derive(Template)]
#[template(path = "home.html")]
pub struct HomePage {
    pub ctx: Ctx,
    pub name: String,
    /// Follow-ups by bucket, for therapists.
    pub dashboard: Option<Dashboard>,
    /// The practice's date.
    pub today: chrono::NaiveDate,
}

#[derive(Template)]
#[template(path = "admin/clients.html")]
pub struct AdminClientsPage {
    pub ctx: Ctx,
    pub rows: Vec<AssignmentRow>,
    pub therapists: Vec<(String, String)>,
    pub q: String,
    pub pager: Pager,
}
