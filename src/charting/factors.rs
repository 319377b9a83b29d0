//! Perpetuating factors: what keeps a client's trigger points coming back (posture, overuse,
//! stress, sleep, nutrition, …), each with a status over time and links to the findings it
//! is thought to sustain.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::{clients, factor_findings, factors, findings};
use crate::error::AppError;

/// A client has at most this many factors on the chart.
const CHART_LIMIT: i64 = 1000;

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = factors)]
pub struct Factor {
    pub id: String,
    pub client_id: String,
    pub category: String,
    pub factor: String,
    pub source: String,
    pub status: String,
    pub action: Option<String>,
    pub identified_on: NaiveDate,
    pub reviewed_on: Option<NaiveDate>,
    pub created_by: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A factor as entered, already validated.
#[derive(Debug, Clone, AsChangeset, Insertable)]
#[diesel(table_name = factors, treat_none_as_null = true)]
pub struct FactorFields {
    pub category: String,
    pub factor: String,
    pub source: String,
    pub status: String,
    pub action: Option<String>,
    pub identified_on: NaiveDate,
    pub reviewed_on: Option<NaiveDate>,
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
    // Row by row: the multi-backend connection has no batch insert, and links are few.
    for id in &own {
        diesel::insert_into(factor_findings::table)
            .values((factor_findings::factor_id.eq(&factor.id), factor_findings::finding_id.eq(id)))
            .execute(conn)?;
    }
    Ok(())
}

/// Records a factor for a client. Call inside a write transaction.
pub fn insert(
    conn: &mut DbConn,
    client_id: &str,
    created_by: &str,
    fields: &FactorFields,
    finding_ids: &[String],
) -> Result<Factor, AppError> {
    let now = Utc::now().naive_utc();
    let id = uuid::Uuid::now_v7().to_string();
    diesel::insert_into(factors::table)
        .values((
            factors::id.eq(&id),
            factors::client_id.eq(client_id),
            fields,
            factors::created_by.eq(created_by),
            factors::created_at.eq(now),
            factors::updated_at.eq(now),
        ))
        .execute(conn)?;
    let factor: Factor = factors::table.find(&id).select(Factor::as_select()).first(conn)?;
    set_links(conn, &factor, finding_ids)?;
    Ok(factor)
}

/// Changes a factor and its links. Call inside a write transaction.
pub fn update(
    conn: &mut DbConn,
    factor: &Factor,
    fields: &FactorFields,
    finding_ids: &[String],
) -> Result<(), AppError> {
    diesel::update(factors::table.find(&factor.id))
        .set((fields, factors::updated_at.eq(Utc::now().naive_utc())))
        .execute(conn)?;
    set_links(conn, factor, finding_ids)
}

/// The factor, if its client is treated by `therapist_id`.
pub fn find_for_therapist(conn: &mut DbConn, id: &str, therapist_id: &str) -> Result<Factor, AppError> {
    Ok(factors::table
        .inner_join(clients::table)
        .filter(factors::id.eq(id))
        .filter(clients::therapist_id.eq(therapist_id))
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
