//! The chart: one page that composes every area's part of a client's record, from a fixed set
//! of queries whatever the number of visits or findings, then pure shaping into view rows.

use std::collections::BTreeMap;

use crate::charting::bodymap::BodyMap;
use crate::charting::catalog::{self, Muscle};
use crate::charting::factors::{self, Factor};
use crate::charting::findings::{self, Charted, MuscleSide, ppt_label};
use crate::charting::vocab::Zone;
use crate::clients::model::{self as clients, Client};
use crate::db::DbConn;
use crate::error::AppError;
use crate::followups::model::{self as followups, Followup};
use crate::homecare::links::Adherence;
use crate::homecare::model::{self as routines, Routine};
use crate::homecare::show::adherence_since_sent;
use crate::mail::outbox::{self, OutboxRow};
use crate::time::Clock;
use crate::visits::model as visits;

/// The client's emails listed on the chart.
const RECENT_EMAILS: i64 = 10;

/// A visit on the chart's timeline.
#[derive(Debug, Clone)]
pub struct VisitRow {
    pub id: String,
    /// In the practice's zone.
    pub started_at: chrono::NaiveDateTime,
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
    /// When its visit started, in the practice's zone.
    pub date: chrono::NaiveDateTime,
    pub classification: &'static str,
    pub css: &'static str,
    pub pain_nrs: Option<i32>,
    /// As entered, with kPa beside other units.
    pub ppt: Option<String>,
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

/// Everything on the chart page.
pub struct Chart {
    pub client: Client,
    pub visits: Vec<VisitRow>,
    pub muscles: Vec<MuscleHistory>,
    /// Muscles (per side) whose latest finding is active.
    pub active_count: usize,
    pub factors: Vec<FactorRow>,
    pub candidates: Vec<Muscle>,
    pub map: BodyMap,
    pub routines: Vec<Routine>,
    pub emails: Vec<OutboxRow>,
    pub followups: Vec<Followup>,
    /// Adherence to the latest sent routine, if any.
    pub adherence: Option<Adherence>,
}

/// Loads the chart of a client of `therapist_id`; `zone` asks for the candidate muscles.
pub fn load(
    conn: &mut DbConn,
    therapist_id: &str,
    client_id: &str,
    zone: Option<Zone>,
    clock: &Clock,
) -> Result<Chart, AppError> {
    let client = clients::find_for_therapist(conn, client_id, therapist_id)?;
    let visit_list = visits::list_for_client(conn, &client.id)?;
    let counts = visits::finding_counts(conn, &client.id)?;
    let history = findings::list_for_client(conn, &client.id)?;
    let factor_list = factors::list_for_client(conn, &client.id)?;
    let links = factors::links_for_client(conn, &client.id)?;
    let candidates = match zone {
        Some(zone) => catalog::candidates_for_zone(conn, zone)?,
        None => Vec::new(),
    };
    let routines = routines::for_client(conn, &client.id)?;
    let emails = outbox::for_client(conn, &client.id, RECENT_EMAILS)?;
    let followups = followups::open_for_client(conn, &client.id)?;
    let adherence = match routines.iter().find(|r| r.is_sent()) {
        Some(routine) => adherence_since_sent(conn, routine, clock)?,
        None => None,
    };
    let visits = visit_list
        .into_iter()
        .map(|v| VisitRow {
            findings: counts.get(&v.id).copied().unwrap_or(0),
            signed: v.is_signed(),
            summary: v.note.assessment.lines().next().unwrap_or_default().chars().take(120).collect(),
            started_at: clock.local(v.note.started_at),
            pain_before: v.note.pain_before,
            pain_after: v.note.pain_after,
            id: v.id,
        })
        .collect();
    let factors = factor_rows(factor_list, links, &history);
    let groups = findings::by_muscle_and_side(&history);
    let map = BodyMap::from_findings(groups.iter().map(|g| (&g.latest().finding, &g.latest().muscle)));
    let muscles = groups.iter().map(|group| muscle_history(group, clock)).collect();
    let active_count = groups.iter().filter(|group| group.is_active()).count();
    Ok(Chart {
        client,
        visits,
        muscles,
        active_count,
        factors,
        candidates,
        map,
        routines,
        emails,
        followups,
        adherence,
    })
}

fn factor_rows(
    factors: Vec<Factor>,
    mut links: std::collections::HashMap<String, Vec<String>>,
    history: &[Charted],
) -> Vec<FactorRow> {
    let labels: BTreeMap<&str, String> =
        history.iter().map(|row| (row.finding.id.as_str(), row.label())).collect();
    factors
        .into_iter()
        .map(|factor| FactorRow {
            category: factor.fields.category.label(),
            status: factor.fields.status.label(),
            source: factor.fields.source.label(),
            linked: links
                .remove(&factor.id)
                .unwrap_or_default()
                .iter()
                .filter_map(|id| labels.get(id.as_str()).cloned())
                .collect(),
            factor,
        })
        .collect()
}

fn history_entry(row: &Charted, clock: &Clock) -> HistoryEntry {
    let f = &row.finding.fields;
    HistoryEntry {
        visit_id: row.finding.visit_id.clone(),
        date: clock.local(row.visit_started_at),
        classification: f.classification.label(),
        css: f.classification.code(),
        ppt: ppt_label(f),
        pain_nrs: f.pain_nrs,
    }
}

fn muscle_history(group: &MuscleSide, clock: &Clock) -> MuscleHistory {
    let latest = group.latest();
    MuscleHistory {
        muscle_name: latest.muscle.name.clone(),
        side: latest.finding.fields.side.label(),
        latest: history_entry(latest, clock),
        history: group.findings.iter().rev().map(|row| history_entry(row, clock)).collect(),
    }
}
