//! Perpetuating factors: what keeps a client's trigger points coming back (posture, overuse,
//! stress, sleep, nutrition, …), each with a status over time and links to the findings it
//! is thought to sustain.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::audit::{Audited, Subject};
use crate::charting::vocab::{FactorCategory, FactorSource, FactorStatus};
use crate::clients::model as clients;
use crate::db::schema::{clients as clients_table, factor_findings, factors, findings};
use crate::db::{DbConn, insert_rows};
use crate::error::AppError;
use crate::sensitive::debug_only;
use crate::time::Clock;

/// A client has at most this many factors on the chart.
const CHART_LIMIT: i64 = 1000;

#[derive(Clone, Queryable, Selectable, Identifiable, Insertable)]
#[diesel(table_name = factors, treat_none_as_default_value = false)]
pub struct Factor {
    pub id: String,
    pub client_id: String,
    #[diesel(embed)]
    pub fields: FactorFields,
    pub created_by: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

debug_only!(Factor: id, client_id);

/// A factor as entered, already validated.
#[derive(Clone, Queryable, Selectable, AsChangeset, Insertable)]
#[diesel(table_name = factors, treat_none_as_null = true, treat_none_as_default_value = false)]
pub struct FactorFields {
    pub category: FactorCategory,
    pub factor: String,
    pub source: FactorSource,
    pub status: FactorStatus,
    pub action: Option<String>,
    pub identified_on: NaiveDate,
    pub reviewed_on: Option<NaiveDate>,
}

debug_only!(FactorFields: category, status);

impl Audited for Factor {
    fn subject(&self) -> Subject {
        Subject::new("factor", &self.id).with_detail(format!("client {}", self.client_id))
    }
}

/// Only findings of the same client may be linked; others are dropped silently here because
/// the form offers no others.
fn set_links(conn: &mut DbConn, factor: &Factor, finding_ids: &[String]) -> Result<(), AppError> {
    diesel::delete(factor_findings::table.filter(factor_findings::factor_id.eq(&factor.id))).execute(conn)?;
    let own: Vec<String> = findings::table
        .filter(findings::client_id.eq(&factor.client_id))
        .filter(findings::id.eq_any(finding_ids))
        .select(findings::id)
        .load(conn)?;
    let links: Vec<FactorLink> =
        own.into_iter().map(|finding_id| FactorLink { factor_id: factor.id.clone(), finding_id }).collect();
    insert_rows!(conn, factor_findings::table, &links)?;
    Ok(())
}

/// A factor linked to a trigger point it may perpetuate.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = factor_findings)]
pub struct FactorLink {
    pub factor_id: String,
    pub finding_id: String,
}

/// Stores many factors and their links at once (the demo practice; later, imports). The links
/// must join a factor and a trigger point of the same client: the caller builds them so.
pub fn insert_many(conn: &mut DbConn, new: &[Factor], links: &[FactorLink]) -> Result<(), AppError> {
    insert_rows!(conn, factors::table, new)?;
    insert_rows!(conn, factor_findings::table, links)?;
    Ok(())
}

fn find(conn: &mut DbConn, id: &str) -> Result<Factor, AppError> {
    Ok(factors::table.find(id).select(Factor::as_select()).first(conn)?)
}

/// Records a factor for a client of `therapist_id`, with its linked findings.
pub fn insert(
    conn: &mut DbConn,
    therapist_id: &str,
    client_id: &str,
    fields: &FactorFields,
    finding_ids: &[String],
    now: NaiveDateTime,
) -> Result<Factor, AppError> {
    let client = clients::find_for_therapist(conn, client_id, therapist_id)?;
    let id = uuid::Uuid::now_v7().to_string();
    diesel::insert_into(factors::table)
        .values((
            factors::id.eq(&id),
            factors::client_id.eq(&client.id),
            fields,
            factors::created_by.eq(therapist_id),
            factors::created_at.eq(now),
            factors::updated_at.eq(now),
        ))
        .execute(conn)?;
    let factor = find(conn, &id)?;
    set_links(conn, &factor, finding_ids)?;
    Ok(factor)
}

/// Changes a factor of a client of `therapist_id`, and its links.
pub fn update(
    conn: &mut DbConn,
    therapist_id: &str,
    id: &str,
    fields: &FactorFields,
    finding_ids: &[String],
    now: NaiveDateTime,
) -> Result<Factor, AppError> {
    let factor = find_for_therapist(conn, id, therapist_id)?;
    diesel::update(factors::table.find(&factor.id))
        .set((fields, factors::updated_at.eq(now)))
        .execute(conn)?;
    set_links(conn, &factor, finding_ids)?;
    find(conn, &factor.id)
}

/// The factor, if its client is treated by `therapist_id`.
pub fn find_for_therapist(conn: &mut DbConn, id: &str, therapist_id: &str) -> Result<Factor, AppError> {
    Ok(factors::table
        .inner_join(clients_table::table)
        .filter(factors::id.eq(id))
        .filter(clients_table::therapist_id.eq(therapist_id))
        .select(Factor::as_select())
        .first(conn)?)
}

/// A client's factors, newest first.
pub fn list_for_client(conn: &mut DbConn, client_id: &str) -> Result<Vec<Factor>, AppError> {
    Ok(factors::table
        .filter(factors::client_id.eq(client_id))
        .select(Factor::as_select())
        .order((factors::identified_on.desc(), factors::id.desc()))
        .limit(CHART_LIMIT)
        .load(conn)?)
}

/// A client's factors as (id, name): what a follow-up can be about.
pub fn choices_for_client(conn: &mut DbConn, client_id: &str) -> Result<Vec<(String, String)>, AppError> {
    Ok(list_for_client(conn, client_id)?.into_iter().map(|f| (f.id, f.fields.factor)).collect())
}

/// Which factor form: a new factor for a client, or an existing factor.
#[derive(Debug, Clone)]
pub enum FormTarget {
    NewFor { client_id: String },
    Existing { factor_id: String },
}

/// What the factor form shows: the client, the factor being edited with its linked finding ids,
/// and the client's findings as (id, label) to link to.
pub struct FormContext {
    pub client: clients::Client,
    pub factor: Option<(Factor, Vec<String>)>,
    pub findings: Vec<(String, String)>,
}

/// The factor form of a client of `therapist_id` (anyone else's is not found).
pub fn form_context(
    conn: &mut DbConn,
    therapist_id: &str,
    target: &FormTarget,
    clock: &Clock,
) -> Result<FormContext, AppError> {
    let (client_id, factor) = match target {
        FormTarget::NewFor { client_id } => (client_id.clone(), None),
        FormTarget::Existing { factor_id } => {
            let factor = find_for_therapist(conn, factor_id, therapist_id)?;
            let links = links_for_factor(conn, &factor.id)?;
            (factor.client_id.clone(), Some((factor, links)))
        }
    };
    let client = clients::find_for_therapist(conn, &client_id, therapist_id)?;
    let findings = crate::charting::findings::choices_for_client(conn, &client.id, clock)?;
    Ok(FormContext { client, factor, findings })
}

/// Linked finding ids per factor of a client, in one query.
pub fn links_for_client(
    conn: &mut DbConn,
    client_id: &str,
) -> Result<HashMap<String, Vec<String>>, AppError> {
    let mut links: HashMap<String, Vec<String>> = HashMap::new();
    for (factor_id, finding_id) in factor_findings::table
        .inner_join(factors::table)
        .filter(factors::client_id.eq(client_id))
        .select((factor_findings::factor_id, factor_findings::finding_id))
        .load::<(String, String)>(conn)?
    {
        links.entry(factor_id).or_default().push(finding_id);
    }
    Ok(links)
}

/// Linked finding ids of one factor.
pub fn links_for_factor(conn: &mut DbConn, factor_id: &str) -> Result<Vec<String>, AppError> {
    Ok(factor_findings::table
        .filter(factor_findings::factor_id.eq(factor_id))
        .select(factor_findings::finding_id)
        .load(conn)?)
}
