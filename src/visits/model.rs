//! Visits and their SOAP notes. A visit is a draft until it is signed; signing records who,
//! when and a hash of the content, after which nothing about the visit or its findings can
//! change (the database refuses it too). Corrections are addenda.

use chrono::{NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::charting::findings::{self, Finding};
use crate::clients::model::Client;
use crate::db::DbConn;
use crate::db::schema::{addenda, clients, findings as findings_table, users, visits};
use crate::error::AppError;

/// A client's timeline shows at most this many visits.
pub const TIMELINE_LIMIT: i64 = 500;

#[derive(Debug, Clone, Queryable, Selectable, Identifiable, Serialize)]
#[diesel(table_name = visits)]
pub struct Visit {
    pub id: String,
    pub client_id: String,
    pub therapist_id: String,
    pub started_at: NaiveDateTime,
    pub duration_minutes: i32,
    pub subjective: String,
    pub objective: String,
    pub assessment: String,
    pub plan: String,
    pub techniques: String,
    pub techniques_other: Option<String>,
    pub pain_before: Option<i32>,
    pub pain_after: Option<i32>,
    pub notes: Option<String>,
    pub signed_at: Option<NaiveDateTime>,
    pub signed_by: Option<String>,
    pub content_hash: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl Visit {
    pub fn is_signed(&self) -> bool {
        self.signed_at.is_some()
    }

    /// Technique codes as a list.
    pub fn technique_codes(&self) -> Vec<&str> {
        self.techniques.split(',').filter(|t| !t.is_empty()).collect()
    }
}

/// The editable part of a draft visit, already validated.
#[derive(Debug, Clone, AsChangeset, Insertable)]
#[diesel(table_name = visits, treat_none_as_null = true)]
pub struct VisitFields {
    pub started_at: NaiveDateTime,
    pub duration_minutes: i32,
    pub subjective: String,
    pub objective: String,
    pub assessment: String,
    pub plan: String,
    pub techniques: String,
    pub techniques_other: Option<String>,
    pub pain_before: Option<i32>,
    pub pain_after: Option<i32>,
    pub notes: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = addenda)]
pub struct Addendum {
    pub id: String,
    pub visit_id: String,
    pub author_id: String,
    pub body: String,
    pub created_at: NaiveDateTime,
}

const LOCKED: &str = "This visit is signed and can no longer be changed. Add an addendum instead.";

/// The visit and its client, if the client is treated by `therapist_id`.
pub fn find_for_therapist(
    conn: &mut DbConn,
    id: &str,
    therapist_id: &str,
) -> Result<(Visit, Client), AppError> {
    Ok(visits::table
        .inner_join(clients::table)
        .filter(visits::id.eq(id))
        .filter(clients::therapist_id.eq(therapist_id))
        .select((Visit::as_select(), Client::as_select()))
        .first(conn)?)
}

/// Whether the client has any visit yet.
pub fn any_for_client(conn: &mut DbConn, client_id: &str) -> Result<bool, AppError> {
    let found: Option<String> =
        visits::table.filter(visits::client_id.eq(client_id)).select(visits::id).first(conn).optional()?;
    Ok(found.is_some())
}

/// A client's visits, newest first.
pub fn list_for_client(conn: &mut DbConn, client_id: &str) -> Result<Vec<Visit>, AppError> {
    Ok(visits::table
        .filter(visits::client_id.eq(client_id))
        .select(Visit::as_select())
        .order((visits::started_at.desc(), visits::id.desc()))
        .limit(TIMELINE_LIMIT)
        .load(conn)?)
}

/// Opens a draft visit. With `copy_forward`, the objective text and trigger-point findings of
/// the client's latest visit are carried over as a starting point. Call inside a write
/// transaction.
pub fn create_draft(
    conn: &mut DbConn,
    client: &Client,
    therapist_id: &str,
    started_at: NaiveDateTime,
    duration_minutes: i32,
    copy_forward: bool,
) -> Result<Visit, AppError> {
    let previous: Option<Visit> = if copy_forward {
        visits::table
            .filter(visits::client_id.eq(&client.id))
            .select(Visit::as_select())
            .order((visits::started_at.desc(), visits::id.desc()))
            .first(conn)
            .optional()?
    } else {
        None
    };
    let now = Utc::now().naive_utc();
    let id = uuid::Uuid::now_v7().to_string();
    diesel::insert_into(visits::table)
        .values((
            visits::id.eq(&id),
            visits::client_id.eq(&client.id),
            visits::therapist_id.eq(therapist_id),
            visits::started_at.eq(started_at),
            visits::duration_minutes.eq(duration_minutes),
            visits::objective.eq(previous.as_ref().map(|v| v.objective.clone()).unwrap_or_default()),
            visits::created_at.eq(now),
            visits::updated_at.eq(now),
        ))
        .execute(conn)?;
    if let Some(previous) = previous {
        findings::copy_to_visit(conn, &previous.id, &id)?;
    }
    crate::clients::model::touch_last_visit(conn, &client.id, started_at)?;
    Ok(visits::table.find(&id).select(Visit::as_select()).first(conn)?)
}

/// Takes the visit's row lock if it is still a draft, or fails with `Conflict`. Every change to
/// a draft or its findings starts here, so signing (which starts here too) waits for them and
/// they fail after it.
pub fn lock_draft(conn: &mut DbConn, visit_id: &str) -> Result<(), AppError> {
    let locked = diesel::update(visits::table.find(visit_id))
        .filter(visits::signed_at.is_null())
        .set(visits::updated_at.eq(Utc::now().naive_utc()))
        .execute(conn)?;
    if locked == 0 {
        return Err(AppError::Conflict(LOCKED.into()));
    }
    Ok(())
}

/// Saves the SOAP note of a draft. Call inside a write transaction.
pub fn update_draft(conn: &mut DbConn, visit: &Visit, fields: &VisitFields) -> Result<(), AppError> {
    lock_draft(conn, &visit.id)?;
    diesel::update(visits::table.find(&visit.id)).set(fields).execute(conn)?;
    crate::clients::model::touch_last_visit(conn, &visit.client_id, fields.started_at)?;
    Ok(())
}

/// The hash that seals a signed visit: SHA-256 over its content and findings.
pub fn content_hash(visit: &Visit, findings: &[Finding]) -> String {
    #[derive(Serialize)]
    struct Sealed<'a> {
        id: &'a str,
        client_id: &'a str,
        therapist_id: &'a str,
        started_at: NaiveDateTime,
        duration_minutes: i32,
        subjective: &'a str,
        objective: &'a str,
        assessment: &'a str,
        plan: &'a str,
        techniques: &'a str,
        techniques_other: &'a Option<String>,
        pain_before: Option<i32>,
        pain_after: Option<i32>,
        notes: &'a Option<String>,
        findings: Vec<&'a Finding>,
    }
    let mut sorted: Vec<&Finding> = findings.iter().collect();
    sorted.sort_by(|a, b| a.id.cmp(&b.id));
    let sealed = Sealed {
        id: &visit.id,
        client_id: &visit.client_id,
        therapist_id: &visit.therapist_id,
        started_at: visit.started_at,
        duration_minutes: visit.duration_minutes,
        subjective: &visit.subjective,
        objective: &visit.objective,
        assessment: &visit.assessment,
        plan: &visit.plan,
        techniques: &visit.techniques,
        techniques_other: &visit.techniques_other,
        pain_before: visit.pain_before,
        pain_after: visit.pain_after,
        notes: &visit.notes,
        findings: sorted,
    };
    let json = serde_json::to_vec(&sealed).expect("visit content serialises");
    Sha256::digest(&json).iter().map(|b| format!("{b:02x}")).collect()
}

/// Signs a draft: records the signer, the time and the content hash. Call inside a write
/// transaction.
pub fn sign(conn: &mut DbConn, visit_id: &str, signer_id: &str) -> Result<Visit, AppError> {
    lock_draft(conn, visit_id)?;
    let visit: Visit = visits::table.find(visit_id).select(Visit::as_select()).first(conn)?;
    let findings = findings::list_for_visit(conn, visit_id)?;
    let hash = content_hash(&visit, &findings);
    diesel::update(visits::table.find(visit_id))
        .set((
            visits::signed_at.eq(Some(Utc::now().naive_utc())),
            visits::signed_by.eq(Some(signer_id)),
            visits::content_hash.eq(Some(hash)),
        ))
        .execute(conn)?;
    Ok(visits::table.find(visit_id).select(Visit::as_select()).first(conn)?)
}

/// Whether the stored content still matches the hash taken at signing.
pub fn verify_seal(conn: &mut DbConn, visit: &Visit) -> Result<bool, AppError> {
    let Some(hash) = &visit.content_hash else {
        return Ok(false);
    };
    let findings = findings::list_for_visit(conn, &visit.id)?;
    Ok(&content_hash(visit, &findings) == hash)
}

/// Appends a correction to a signed visit.
pub fn add_addendum(
    conn: &mut DbConn,
    visit: &Visit,
    author_id: &str,
    body: &str,
) -> Result<Addendum, AppError> {
    if !visit.is_signed() {
        return Err(AppError::Conflict("Drafts are edited directly; addenda are for signed visits.".into()));
    }
    let addendum = Addendum {
        id: uuid::Uuid::now_v7().to_string(),
        visit_id: visit.id.clone(),
        author_id: author_id.to_owned(),
        body: body.trim().to_owned(),
        created_at: Utc::now().naive_utc(),
    };
    diesel::insert_into(addenda::table)
        .values((
            addenda::id.eq(&addendum.id),
            addenda::visit_id.eq(&addendum.visit_id),
            addenda::author_id.eq(&addendum.author_id),
            addenda::body.eq(&addendum.body),
            addenda::created_at.eq(addendum.created_at),
        ))
        .execute(conn)?;
    Ok(addendum)
}

/// A visit's addenda with their authors' names, oldest first.
pub fn addenda_for_visit(conn: &mut DbConn, visit_id: &str) -> Result<Vec<(Addendum, String)>, AppError> {
    Ok(addenda::table
        .inner_join(users::table.on(users::id.eq(addenda::author_id)))
        .filter(addenda::visit_id.eq(visit_id))
        .select((Addendum::as_select(), users::display_name))
        .order(addenda::created_at.asc())
        .load(conn)?)
}

/// Number of findings per visit of a client (for the timeline).
pub fn finding_counts(
    conn: &mut DbConn,
    client_id: &str,
) -> Result<std::collections::HashMap<String, i64>, AppError> {
    use diesel::dsl::count_star;
    Ok(findings_table::table
        .filter(findings_table::client_id.eq(client_id))
        .group_by(findings_table::visit_id)
        .select((findings_table::visit_id, count_star()))
        .load::<(String, i64)>(conn)?
        .into_iter()
        .collect())
}
