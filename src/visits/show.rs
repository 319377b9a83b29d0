//! What the visit pages show, loaded in one go: the visit and its client, its trigger points
//! with their muscles, the catalog to add more (drafts), the addenda, who signed and whether the
//! seal still holds; and for the trigger-point edit page, the point and the rest of the visit.

use crate::auth::users;
use crate::charting::bodymap::BodyMap;
use crate::charting::catalog::{self, Muscle};
use crate::charting::findings::{self, Finding};
use crate::clients::model::Client;
use crate::db::DbConn;
use crate::error::AppError;
use crate::visits::model::{self, Addendum, Visit};

/// Everything on a visit page.
pub struct Shown {
    pub visit: Visit,
    pub client: Client,
    pub findings: Vec<(Finding, Muscle)>,
    /// The catalog to add trigger points from (drafts only).
    pub catalog: Vec<Muscle>,
    pub map: BodyMap,
    pub addenda: Vec<(Addendum, String)>,
    pub signed_by_name: Option<String>,
    /// Whether the stored content still matches the hash taken at signing.
    pub seal_ok: bool,
}

/// The visit page of `therapist_id`'s client.
pub fn visit(conn: &mut DbConn, therapist_id: &str, visit_id: &str) -> Result<Shown, AppError> {
    let (visit, client) = model::find_for_therapist(conn, visit_id, therapist_id)?;
    let findings = findings::list_for_visit_with_muscles(conn, &visit.id)?;
    let catalog = if visit.is_signed() { Vec::new() } else { catalog::all(conn)? };
    let addenda = model::addenda_for_visit(conn, &visit.id)?;
    let signed_by_name = match &visit.signed_by {
        Some(id) => Some(users::find_by_id(conn, id)?.display_name),
        None => None,
    };
    let seal_ok = !visit.is_signed() || model::verify_seal(conn, &visit)?;
    let map = BodyMap::from_findings(findings.iter().map(|(f, m)| (f, m)));
    Ok(Shown { visit, client, findings, catalog, map, addenda, signed_by_name, seal_ok })
}

/// The trigger-point edit page: the point, its visit and client, the catalog, and the visit's
/// other points on the map.
pub struct FindingShown {
    pub finding: Finding,
    pub muscle: Muscle,
    pub visit: Visit,
    pub client: Client,
    pub catalog: Vec<Muscle>,
    pub map: BodyMap,
}

/// A trigger point of a draft visit of `therapist_id`'s client, for editing.
pub fn finding(conn: &mut DbConn, therapist_id: &str, finding_id: &str) -> Result<FindingShown, AppError> {
    let finding = findings::find_for_therapist(conn, finding_id, therapist_id)?;
    let (visit, client) = model::find_for_therapist(conn, &finding.visit_id, therapist_id)?;
    let catalog = catalog::all(conn)?;
    let muscle =
        catalog.iter().find(|m| m.id == finding.fields.muscle_id).cloned().ok_or(AppError::NotFound)?;
    let others = findings::list_for_visit_with_muscles(conn, &visit.id)?;
    let map = BodyMap::from_findings(others.iter().filter(|(f, _)| f.id != finding.id).map(|(f, m)| (f, m)));
    Ok(FindingShown { finding, muscle, visit, client, catalog, map })
}

/// The signing page: what will be locked, and the hash it will be sealed with.
pub struct Signing {
    pub visit: Visit,
    pub client: Client,
    pub findings: Vec<(Finding, Muscle)>,
    /// The content hash now; signing refuses if it has changed by then.
    pub seal: String,
    /// Why it cannot be signed yet, if it cannot.
    pub refusal: Option<&'static str>,
}

/// A draft of `therapist_id`'s client, as it would be signed now.
pub fn signing(conn: &mut DbConn, therapist_id: &str, visit_id: &str) -> Result<Signing, AppError> {
    let (visit, client) = model::find_for_therapist(conn, visit_id, therapist_id)?;
    let findings = findings::list_for_visit_with_muscles(conn, &visit.id)?;
    let points: Vec<Finding> = findings.iter().map(|(finding, _)| finding.clone()).collect();
    let seal = model::content_hash(&visit, &points);
    let refusal = model::sign_refusal(&visit, findings.len());
    Ok(Signing { visit, client, findings, seal, refusal })
}
