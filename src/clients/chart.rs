//! Assembles the one-page chart: a fixed set of queries, whatever the number of visits or
//! findings, then pure shaping into view rows.

use std::collections::BTreeMap;

use chrono::Utc;

use crate::audit::model::{self as audit, Action, Actor, Outcome};
use crate::charting::bodymap::BodyMap;
use crate::charting::catalog::{self, Muscle};
use crate::charting::factors;
use crate::charting::findings::{self, Finding};
use crate::charting::vocab::{Classification, FactorCategory, FactorSource, FactorStatus, Side, Zone};
use crate::clients::model::{self, Client};
use crate::clients::views::{FactorRow, HistoryEntry, MuscleHistory, VisitRow};
use crate::db::DbConn;
use crate::error::AppError;
use crate::followups::schedule;
use crate::visits::model as visits;

/// Everything on the chart page.
pub struct Chart {
    pub client: Client,
    pub visits: Vec<VisitRow>,
    pub muscles: Vec<MuscleHistory>,
    pub factors: Vec<FactorRow>,
    pub candidates: Vec<Muscle>,
    pub map: BodyMap,
    pub routines: Vec<crate::homecare::model::Routine>,
    pub emails: Vec<crate::mail::outbox::OutboxRow>,
    pub followups: Vec<crate::followups::model::Followup>,
    /// Adherence to the latest sent routine, if any.
    pub adherence: Option<crate::homecare::links::Adherence>,
}

/// Loads the chart of a client treated by `actor`, and audits the read.
pub fn load(
    conn: &mut DbConn,
    client_id: &str,
    actor: &Actor,
    zone: Option<Zone>,
    tz: chrono_tz::Tz,
) -> Result<Chart, AppError> {
    let therapist_id = actor.user_id.as_deref().unwrap_or_default();
    let client = model::find_for_therapist(conn, client_id, therapist_id)?;
    let visit_list = visits::list_for_client(conn, &client.id)?;
    let counts = visits::finding_counts(conn, &client.id)?;
    let all_findings = findings::list_for_client(conn, &client.id)?;
    let factor_list = factors::list_for_client(conn, &client.id)?;
    let mut links = factors::links_for_client(conn, &client.id)?;
    let candidates = match zone {
        Some(zone) => catalog::candidates_for_zone(conn, zone)?,
        None => Vec::new(),
    };
    let routines = crate::homecare::model::for_client(conn, &client.id)?;
    let emails = crate::mail::outbox::for_client(conn, &client.id, 10)?;
    let followups = crate::followups::model::open_for_client(conn, &client.id)?;
    let adherence = match routines.iter().find(|r| r.is_sent()).and_then(|r| Some((r, r.sent_at?))) {
        Some((routine, sent)) => {
            let (sent_on, today) =
                (schedule::today_in(tz, sent), schedule::today_in(tz, Utc::now().naive_utc()));
            Some(crate::homecare::links::adherence(conn, &routine.id, sent_on, today)?)
        }
        None => None,
    };
    audit::record(conn, actor, Action::ClientView, Some(("client", &client.id)), Outcome::Success, None)?;

    let visits = visit_list
        .into_iter()
        .map(|v| VisitRow {
            findings: counts.get(&v.id).copied().unwrap_or(0),
            signed: v.is_signed(),
            summary: v.assessment.lines().next().unwrap_or_default().chars().take(120).collect(),
            id: v.id,
            started_at: schedule::local_time(tz, v.started_at),
            pain_before: v.pain_before,
            pain_after: v.pain_after,
        })
        .collect();
    let finding_label =
        |f: &Finding, m: &Muscle| format!("{} ({})", m.name, Side::label_of(&f.side).to_lowercase());
    let labels: BTreeMap<&str, String> =
        all_findings.iter().map(|(f, m, _)| (f.id.as_str(), finding_label(f, m))).collect();
    let factors = factor_list
        .into_iter()
        .map(|factor| FactorRow {
            category: FactorCategory::parse(&factor.category).map_or("", FactorCategory::label),
            status: FactorStatus::parse(&factor.status).map_or("", FactorStatus::label),
            source: FactorSource::parse(&factor.source).map_or("", FactorSource::label),
            linked: links
                .remove(&factor.id)
                .unwrap_or_default()
                .iter()
                .filter_map(|id| labels.get(id.as_str()).cloned())
                .collect(),
            factor,
        })
        .collect();
    let (muscles, map) = histories(&all_findings, tz);
    Ok(Chart { client, visits, muscles, factors, candidates, map, routines, emails, followups, adherence })
}

/// A muscle's findings on one side, oldest first, each with its index in the input.
struct Group {
    name: String,
    entries: Vec<(HistoryEntry, usize)>,
}

/// Groups findings (oldest first) by muscle and side; the map shows each group's latest.
fn histories(
    all: &[(Finding, Muscle, chrono::NaiveDateTime)],
    tz: chrono_tz::Tz,
) -> (Vec<MuscleHistory>, BodyMap) {
    let mut groups: BTreeMap<(String, String), Group> = BTreeMap::new();
    for (index, (finding, muscle, date)) in all.iter().enumerate() {
        let entry = HistoryEntry {
            visit_id: finding.visit_id.clone(),
            date: schedule::local_time(tz, *date),
            classification: Classification::parse(&finding.classification).map_or("", Classification::label),
            css: finding.classification.clone(),
            pain_nrs: finding.pain_nrs,
            ppt_kpa: finding.ppt_kpa,
        };
        groups
            .entry((muscle.name.to_lowercase(), finding.side.clone()))
            .or_insert_with(|| Group { name: muscle.name.clone(), entries: Vec::new() })
            .entries
            .push((entry, index));
    }
    let mut latest_findings = Vec::new();
    let muscles = groups
        .into_iter()
        .map(|((_, side), Group { name, mut entries })| {
            let (latest, index) = entries.last().cloned().expect("a group has an entry");
            latest_findings.push(index);
            entries.reverse();
            MuscleHistory {
                muscle_name: name,
                side: Side::parse(&side).map_or("", Side::label),
                latest,
                history: entries.into_iter().map(|(e, _)| e).collect(),
            }
        })
        .collect();
    let map = BodyMap::from_findings(latest_findings.into_iter().map(|i| (&all[i].0, &all[i].1)));
    (muscles, map)
}
