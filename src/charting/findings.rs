//! Trigger-point findings: one palpated point in one visit. They belong to the visit, so they
//! can only be added, changed or removed while the visit is a draft.

use chrono::{NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;

use crate::charting::catalog::Muscle;
use crate::db::DbConn;
use crate::db::schema::{findings, muscles, visits};
use crate::error::AppError;

/// More findings than any chart needs; keeps the chart query bounded.
pub const CHART_LIMIT: i64 = 5000;

#[derive(Debug, Clone, Queryable, Selectable, Identifiable, Serialize)]
#[diesel(table_name = findings)]
pub struct Finding {
    pub id: String,
    pub visit_id: String,
    pub client_id: String,
    pub muscle_id: String,
    pub side: String,
    pub site_label: Option<String>,
    pub map_view: Option<String>,
    pub map_x: Option<f64>,
    pub map_y: Option<f64>,
    pub classification: String,
    pub taut_band: String,
    pub hypersensitive_spot: String,
    pub referred_sensation: String,
    pub pain_recognition: String,
    pub twitch_response: String,
    pub jump_sign: String,
    pub restricted_rom: String,
    pub weakness: String,
    pub pain_nrs: Option<i32>,
    pub ppt_value: Option<f64>,
    pub ppt_unit: Option<String>,
    pub ppt_kpa: Option<f64>,
    pub referral_quality: Option<String>,
    pub referral_zone: Option<String>,
    pub notes: Option<String>,
    pub created_at: NaiveDateTime,
}

impl Finding {
    /// The criteria as (code, answer) pairs, in the order they are shown.
    pub fn criteria(&self) -> [(&'static str, &str); 8] {
        [
            ("taut_band", &self.taut_band),
            ("hypersensitive_spot", &self.hypersensitive_spot),
            ("referred_sensation", &self.referred_sensation),
            ("pain_recognition", &self.pain_recognition),
            ("twitch_response", &self.twitch_response),
            ("jump_sign", &self.jump_sign),
            ("restricted_rom", &self.restricted_rom),
            ("weakness", &self.weakness),
        ]
    }
}

/// A finding as entered, already validated.
#[derive(Debug, Clone, AsChangeset, Insertable)]
#[diesel(table_name = findings, treat_none_as_null = true)]
pub struct FindingFields {
    pub muscle_id: String,
    pub side: String,
    pub site_label: Option<String>,
    pub map_view: Option<String>,
    pub map_x: Option<f64>,
    pub map_y: Option<f64>,
    pub classification: String,
    pub taut_band: String,
    pub hypersensitive_spot: String,
    pub referred_sensation: String,
    pub pain_recognition: String,
    pub twitch_response: String,
    pub jump_sign: String,
    pub restricted_rom: String,
    pub weakness: String,
    pub pain_nrs: Option<i32>,
    pub ppt_value: Option<f64>,
    pub ppt_unit: Option<String>,
    pub ppt_kpa: Option<f64>,
    pub referral_quality: Option<String>,
    pub referral_zone: Option<String>,
    pub notes: Option<String>,
}

/// Adds a finding to a draft visit. Call inside a write transaction.
pub fn insert(
    conn: &mut DbConn,
    visit_id: &str,
    client_id: &str,
    fields: &FindingFields,
) -> Result<Finding, AppError> {
    crate::visits::model::lock_draft(conn, visit_id)?;
    let id = uuid::Uuid::now_v7().to_string();
    diesel::insert_into(findings::table)
        .values((
            findings::id.eq(&id),
            findings::visit_id.eq(visit_id),
            findings::client_id.eq(client_id),
            fields,
            findings::created_at.eq(Utc::now().naive_utc()),
        ))
        .execute(conn)?;
    Ok(findings::table.find(&id).select(Finding::as_select()).first(conn)?)
}

/// Changes a finding of a draft visit. Call inside a write transaction.
pub fn update(conn: &mut DbConn, finding: &Finding, fields: &FindingFields) -> Result<(), AppError> {
    crate::visits::model::lock_draft(conn, &finding.visit_id)?;
    diesel::update(findings::table.find(&finding.id)).set(fields).execute(conn)?;
    Ok(())
}

/// Removes a finding from a draft visit. Call inside a write transaction.
pub fn delete(conn: &mut DbConn, finding: &Finding) -> Result<(), AppError> {
    crate::visits::model::lock_draft(conn, &finding.visit_id)?;
    diesel::delete(findings::table.find(&finding.id)).execute(conn)?;
    Ok(())
}

/// The finding, if its client is treated by `therapist_id`.
pub fn find_for_therapist(conn: &mut DbConn, id: &str, therapist_id: &str) -> Result<Finding, AppError> {
    use crate::db::schema::clients;
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

/// Every finding of a client with its muscle and its visit's date, oldest first, in one query.
pub fn list_for_client(
    conn: &mut DbConn,
    client_id: &str,
) -> Result<Vec<(Finding, Muscle, NaiveDateTime)>, AppError> {
    Ok(findings::table
        .inner_join(muscles::table)
        .inner_join(visits::table)
        .filter(findings::client_id.eq(client_id))
        .select((Finding::as_select(), Muscle::as_select(), visits::started_at))
        .order((visits::started_at.asc(), findings::created_at.asc(), findings::id.asc()))
        .limit(CHART_LIMIT)
        .load(conn)?)
}

/// Copies one visit's findings into another (copy-forward into a new draft).
pub fn copy_to_visit(conn: &mut DbConn, from_visit: &str, to_visit: &str) -> Result<usize, AppError> {
    let now = Utc::now().naive_utc();
    let mut copied = 0;
    for old in list_for_visit(conn, from_visit)? {
        let fields = FindingFields {
            muscle_id: old.muscle_id,
            side: old.side,
            site_label: old.site_label,
            map_view: old.map_view,
            map_x: old.map_x,
            map_y: old.map_y,
            classification: old.classification,
            taut_band: old.taut_band,
            hypersensitive_spot: old.hypersensitive_spot,
            referred_sensation: old.referred_sensation,
            pain_recognition: old.pain_recognition,
            twitch_response: old.twitch_response,
            jump_sign: old.jump_sign,
            restricted_rom: old.restricted_rom,
            weakness: old.weakness,
            pain_nrs: old.pain_nrs,
            ppt_value: old.ppt_value,
            ppt_unit: old.ppt_unit,
            ppt_kpa: old.ppt_kpa,
            referral_quality: old.referral_quality,
            referral_zone: old.referral_zone,
            notes: old.notes,
        };
        diesel::insert_into(findings::table)
            .values((
                findings::id.eq(uuid::Uuid::now_v7().to_string()),
                findings::visit_id.eq(to_visit),
                findings::client_id.eq(&old.client_id),
                &fields,
                findings::created_at.eq(now),
            ))
            .execute(conn)?;
        copied += 1;
    }
    Ok(copied)
}
