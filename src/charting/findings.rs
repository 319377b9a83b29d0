//! Trigger-point findings: one palpated point in one visit, stored here; how a client's
//! findings add up (the latest state per muscle and side) and how a finding is named.
//!
//! A finding belongs to its visit, and may change only while the visit is a draft: every change
//! goes through `visits::model`, which takes the visit's draft lock first and then calls the
//! storage functions below.

use std::collections::BTreeMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use crate::audit::{Audited, Subject};
use crate::charting::catalog::Muscle;
use crate::charting::vocab::{
    Classification, Criterion, Finding3, PptUnit, ReferralQuality, Side, View, Zone,
};
use crate::db::schema::{clients, findings, muscles, visits};
use crate::db::{DbConn, insert_rows};
use crate::error::AppError;
use crate::sensitive::debug_only;
use crate::time::Clock;

/// More findings than any chart needs; keeps the chart query bounded.
pub const CHART_LIMIT: i64 = 5000;

#[derive(Clone, Queryable, Selectable, Identifiable, Insertable, Serialize)]
#[diesel(table_name = findings, treat_none_as_default_value = false)]
pub struct Finding {
    pub id: String,
    pub visit_id: String,
    pub client_id: String,
    #[diesel(embed)]
    #[serde(flatten)]
    pub fields: FindingFields,
    pub created_at: NaiveDateTime,
}

debug_only!(Finding: id, visit_id, client_id);

/// A finding as entered, already validated.
#[derive(Clone, Queryable, Selectable, AsChangeset, Insertable, Serialize, serde::Deserialize)]
#[diesel(table_name = findings, treat_none_as_null = true, treat_none_as_default_value = false)]
pub struct FindingFields {
    pub muscle_id: String,
    pub side: Side,
    pub site_label: Option<String>,
    pub map_view: Option<View>,
    pub map_x: Option<f64>,
    pub map_y: Option<f64>,
    pub classification: Classification,
    pub taut_band: Finding3,
    pub hypersensitive_spot: Finding3,
    pub referred_sensation: Finding3,
    pub pain_recognition: Finding3,
    pub twitch_response: Finding3,
    pub jump_sign: Finding3,
    pub restricted_rom: Finding3,
    pub weakness: Finding3,
    pub pain_nrs: Option<i32>,
    pub ppt_value: Option<f64>,
    pub ppt_unit: Option<PptUnit>,
    pub ppt_kpa: Option<f64>,
    pub referral_quality: Option<ReferralQuality>,
    pub referral_zone: Option<Zone>,
    pub notes: Option<String>,
}

debug_only!(FindingFields: muscle_id, side, classification);

impl FindingFields {
    /// Each criterion with its answer, in the order they are shown.
    pub fn criteria(&self) -> [(Criterion, Finding3); 8] {
        [
            (Criterion::TautBand, self.taut_band),
            (Criterion::HypersensitiveSpot, self.hypersensitive_spot),
            (Criterion::ReferredSensation, self.referred_sensation),
            (Criterion::PainRecognition, self.pain_recognition),
            (Criterion::TwitchResponse, self.twitch_response),
            (Criterion::JumpSign, self.jump_sign),
            (Criterion::RestrictedRom, self.restricted_rom),
            (Criterion::Weakness, self.weakness),
        ]
    }
}

impl Audited for Finding {
    fn subject(&self) -> Subject {
        Subject::new("finding", &self.id).with_detail(format!("visit {}", self.visit_id))
    }
}

/// How a finding is named everywhere: "Upper trapezius (left)".
pub fn label(muscle_name: &str, side: Side) -> String {
    format!("{muscle_name} ({})", side.label().to_lowercase())
}

/// The name with the state: "Upper trapezius (left, active)", as on body-map markers.
pub fn label_with_state(muscle_name: &str, fields: &FindingFields) -> String {
    let (side, state) = (fields.side.label().to_lowercase(), fields.classification.label().to_lowercase());
    format!("{muscle_name} ({side}, {state})")
}

/// The pressure-pain threshold as entered, with kPa beside other units: "3.5 kg/cm² (343 kPa)".
pub fn ppt_label(fields: &FindingFields) -> Option<String> {
    match (fields.ppt_value, fields.ppt_unit, fields.ppt_kpa) {
        (Some(value), Some(PptUnit::KiloPascal), _) => Some(format!("{value} kPa")),
        (Some(value), Some(unit), Some(kpa)) => Some(format!("{value} {} ({kpa:.0} kPa)", unit.label())),
        (_, _, Some(kpa)) => Some(format!("{kpa:.0} kPa")),
        _ => None,
    }
}

/// A client's finding with its muscle and the start of its visit: one row of their history.
#[derive(Debug, Clone)]
pub struct Charted {
    pub finding: Finding,
    pub muscle: Muscle,
    pub visit_started_at: NaiveDateTime,
}

impl Charted {
    pub fn label(&self) -> String {
        label(&self.muscle.name, self.finding.fields.side)
    }

    /// The label in a list of choices, where the same point recurs across visits, with the
    /// visit's start in the practice's zone: "Upper trapezius (left), active, 2026-11-20 09:30".
    pub fn choice_label(&self, clock: &Clock) -> String {
        format!(
            "{}, {}, {}",
            self.label(),
            self.finding.fields.classification.label().to_lowercase(),
            clock.local(self.visit_started_at).format("%Y-%m-%d %H:%M")
        )
    }
}

/// One muscle on one side across visits: its findings oldest first, the last being its latest
/// state.
#[derive(Debug)]
pub struct MuscleSide<'a> {
    pub findings: Vec<&'a Charted>,
}

impl<'a> MuscleSide<'a> {
    pub fn latest(&self) -> &'a Charted {
        // A group is only made from at least one finding.
        self.findings[self.findings.len() - 1]
    }

    /// Whether the latest check found the point active.
    pub fn is_active(&self) -> bool {
        self.latest().finding.fields.classification == Classification::Active
    }
}

/// The one rule for the current state of a client's trigger points: group the history (oldest
/// first) by muscle and side; the latest finding of each group is that point's state. Groups
/// come by muscle name, then side.
pub fn by_muscle_and_side(history: &[Charted]) -> Vec<MuscleSide<'_>> {
    let mut groups: BTreeMap<(String, &str, &str), Vec<&Charted>> = BTreeMap::new();
    for row in history {
        let key = (row.muscle.name.to_lowercase(), row.muscle.id.as_str(), row.finding.fields.side.code());
        groups.entry(key).or_default().push(row);
    }
    groups.into_values().map(|findings| MuscleSide { findings }).collect()
}

/// Adds a finding to a visit. Call through `visits::model`, which holds the draft lock.
pub fn insert(
    conn: &mut DbConn,
    visit_id: &str,
    client_id: &str,
    fields: &FindingFields,
    now: NaiveDateTime,
) -> Result<Finding, AppError> {
    let id = uuid::Uuid::now_v7().to_string();
    diesel::insert_into(findings::table)
        .values((
            findings::id.eq(&id),
            findings::visit_id.eq(visit_id),
            findings::client_id.eq(client_id),
            fields,
            findings::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(findings::table.find(&id).select(Finding::as_select()).first(conn)?)
}

/// Stores many findings at once, into drafts (the demo practice; later, imports).
pub fn insert_many(conn: &mut DbConn, new: &[Finding]) -> Result<(), AppError> {
    insert_rows!(conn, findings::table, new)?;
    Ok(())
}

/// Changes a finding. Call through `visits::model`, which holds the draft lock.
pub fn update(conn: &mut DbConn, finding: &Finding, fields: &FindingFields) -> Result<Finding, AppError> {
    diesel::update(findings::table.find(&finding.id)).set(fields).execute(conn)?;
    Ok(findings::table.find(&finding.id).select(Finding::as_select()).first(conn)?)
}

/// Removes a finding. Call through `visits::model`, which holds the draft lock.
pub fn delete(conn: &mut DbConn, finding: &Finding) -> Result<(), AppError> {
    diesel::delete(findings::table.find(&finding.id)).execute(conn)?;
    Ok(())
}

/// The finding, if its client is treated by `therapist_id`.
pub fn find_for_therapist(conn: &mut DbConn, id: &str, therapist_id: &str) -> Result<Finding, AppError> {
    Ok(findings::table
        .inner_join(clients::table.on(clients::id.eq(findings::client_id)))
        .filter(findings::id.eq(id))
        .filter(clients::therapist_id.eq(therapist_id))
        .select(Finding::as_select())
        .first(conn)?)
}

pub fn list_for_visit(conn: &mut DbConn, visit_id: &str) -> Result<Vec<Finding>, AppError> {
    Ok(findings::table
        .filter(findings::visit_id.eq(visit_id))
        .select(Finding::as_select())
        .order((findings::created_at.asc(), findings::id.asc()))
        .load(conn)?)
}

/// A visit's findings with their muscles, in one query.
pub fn list_for_visit_with_muscles(
    conn: &mut DbConn,
    visit_id: &str,
) -> Result<Vec<(Finding, Muscle)>, AppError> {
    Ok(findings::table
        .inner_join(muscles::table)
        .filter(findings::visit_id.eq(visit_id))
        .select((Finding::as_select(), Muscle::as_select()))
        .order((findings::created_at.asc(), findings::id.asc()))
        .load(conn)?)
}

/// Every finding of a client with its muscle and its visit's start, oldest first, in one query.
pub fn list_for_client(conn: &mut DbConn, client_id: &str) -> Result<Vec<Charted>, AppError> {
    Ok(findings::table
        .inner_join(muscles::table)
        .inner_join(visits::table)
        .filter(findings::client_id.eq(client_id))
        .select((Finding::as_select(), Muscle::as_select(), visits::started_at))
        .order((visits::started_at.asc(), findings::created_at.asc(), findings::id.asc()))
        .limit(CHART_LIMIT)
        .load::<(Finding, Muscle, NaiveDateTime)>(conn)?
        .into_iter()
        .map(|(finding, muscle, visit_started_at)| Charted { finding, muscle, visit_started_at })
        .collect())
}

/// A client's findings, newest first, as (id, choice label): what a factor or a follow-up can
/// be about.
pub fn choices_for_client(
    conn: &mut DbConn,
    client_id: &str,
    clock: &Clock,
) -> Result<Vec<(String, String)>, AppError> {
    Ok(list_for_client(conn, client_id)?
        .iter()
        .rev()
        .map(|row| (row.finding.id.clone(), row.choice_label(clock)))
        .collect())
}

/// A client's trigger points as they stand (the latest finding of each muscle and side), as
/// (id, label): what a follow-up can be about. A point copied forward into later visits is
/// listed once, by its latest check.
pub fn current_points_for_client(
    conn: &mut DbConn,
    client_id: &str,
    clock: &Clock,
) -> Result<Vec<(String, String)>, AppError> {
    let history = list_for_client(conn, client_id)?;
    Ok(by_muscle_and_side(&history)
        .iter()
        .map(|group| (group.latest().finding.id.clone(), group.latest().choice_label(clock)))
        .collect())
}

/// Copies one visit's findings into another (copy-forward into a new draft).
pub fn copy_to_visit(
    conn: &mut DbConn,
    from_visit: &str,
    to_visit: &str,
    now: NaiveDateTime,
) -> Result<usize, AppError> {
    let previous = list_for_visit(conn, from_visit)?;
    for old in &previous {
        insert(conn, to_visit, &old.client_id, &old.fields, now)?;
    }
    Ok(previous.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn charted(muscle: &str, side: &str, classification: &str, day: u32) -> Charted {
        let at = chrono::NaiveDate::from_ymd_opt(2026, 11, day).unwrap().and_hms_opt(9, 0, 0).unwrap();
        let mut fields: FindingFields = serde_json::from_value(serde_json::json!({
            "muscle_id": muscle, "side": side, "site_label": null, "map_view": null, "map_x": null,
            "map_y": null, "classification": classification, "taut_band": "nt",
            "hypersensitive_spot": "nt", "referred_sensation": "nt", "pain_recognition": "nt",
            "twitch_response": "nt", "jump_sign": "nt", "restricted_rom": "nt", "weakness": "nt",
            "pain_nrs": null, "ppt_value": null, "ppt_unit": null, "ppt_kpa": null,
            "referral_quality": null, "referral_zone": null, "notes": null
        }))
        .unwrap();
        fields.muscle_id = muscle.into();
        let muscle = Muscle::test_entry(muscle);
        Charted {
            finding: Finding {
                id: format!("{}-{side}-{day}", muscle.id),
                visit_id: "v".into(),
                client_id: "c".into(),
                fields,
                created_at: at,
            },
            muscle,
            visit_started_at: at,
        }
    }

    #[test]
    fn the_latest_finding_per_muscle_and_side_is_the_state() {
        let history = [
            charted("upper-trapezius", "left", "active", 1),
            charted("upper-trapezius", "right", "latent", 2),
            charted("upper-trapezius", "left", "resolved", 3),
            charted("levator-scapulae", "left", "active", 4),
        ];
        let groups = by_muscle_and_side(&history);
        let states: Vec<(String, bool)> =
            groups.iter().map(|g| (g.latest().finding.id.clone(), g.is_active())).collect();
        assert_eq!(
            states,
            [
                ("levator-scapulae-left-4".to_owned(), true),
                ("upper-trapezius-left-3".to_owned(), false),
                ("upper-trapezius-right-2".to_owned(), false),
            ]
        );
        assert_eq!(history[0].label(), "upper-trapezius (left)");
        let clock = Clock::system(chrono_tz::UTC);
        assert_eq!(history[0].choice_label(&clock), "upper-trapezius (left), active, 2026-11-01 09:00");
    }
}
