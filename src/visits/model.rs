//! Visits and their SOAP notes. A visit is a draft until it is signed; signing records who,
//! when and a hash of the content, after which nothing about the visit or its findings can
//! change (the database refuses it too). Corrections are addenda.
//!
//! Every change to a draft or to its trigger points starts with [`lock_draft`], so signing
//! (which starts there too) waits for changes in flight, and changes after it fail.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::audit::{Audited, Subject};
use crate::charting::catalog;
use crate::charting::findings::{self, Finding, FindingFields};
use crate::clients::model::{self as clients, Client};
use crate::db::schema::{addenda, clients as clients_table, findings as findings_table, users, visits};
use crate::db::{DbConn, insert_rows};
use crate::error::AppError;
use crate::sensitive::debug_only;

/// A client's timeline shows at most this many visits.
pub const TIMELINE_LIMIT: i64 = 500;

const LOCKED: &str = "This visit is signed and can no longer be changed. Add an addendum instead.";

#[derive(Clone, Queryable, Selectable, Identifiable, Insertable)]
#[diesel(table_name = visits, treat_none_as_default_value = false)]
pub struct Visit {
    pub id: String,
    pub client_id: String,
    pub therapist_id: String,
    /// What the therapist writes; locked once signed.
    #[diesel(embed)]
    pub note: VisitFields,
    pub signed_at: Option<NaiveDateTime>,
    pub signed_by: Option<String>,
    pub content_hash: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// Goes up with every change to the note, so a page typed on an older note is noticed.
    pub version: i32,
    /// What was typed on the visit page but could not be saved yet (see `visits::draft`).
    pub draft_input: Option<String>,
}

debug_only!(Visit: id, client_id, therapist_id, signed_at, version);

impl Visit {
    pub fn is_signed(&self) -> bool {
        self.signed_at.is_some()
    }

    /// Technique codes as a list.
    pub fn technique_codes(&self) -> Vec<&str> {
        self.note.techniques.split(',').filter(|t| !t.is_empty()).collect()
    }
}

impl Audited for Visit {
    fn subject(&self) -> Subject {
        let subject = Subject::new("visit", &self.id);
        match &self.content_hash {
            Some(hash) => subject.with_detail(format!("sha256 {hash}")),
            None => subject,
        }
    }
}

/// The editable part of a draft visit, already validated. The order of the fields is part of
/// the seal (see [`content_hash`]).
#[derive(Clone, PartialEq, Queryable, Selectable, AsChangeset, Insertable, Serialize)]
#[diesel(table_name = visits, treat_none_as_null = true, treat_none_as_default_value = false)]
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

debug_only!(VisitFields: started_at, duration_minutes);

#[derive(Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = addenda)]
pub struct Addendum {
    pub id: String,
    pub visit_id: String,
    pub author_id: String,
    pub body: String,
    pub created_at: NaiveDateTime,
}

debug_only!(Addendum: id, visit_id, author_id, created_at);

impl Audited for Addendum {
    fn subject(&self) -> Subject {
        Subject::new("visit", &self.visit_id).with_detail(format!("addendum {}", self.id))
    }
}

fn find(conn: &mut DbConn, id: &str) -> Result<Visit, AppError> {
    Ok(visits::table.find(id).select(Visit::as_select()).first(conn)?)
}

/// The visit and its client, if the client is treated by `therapist_id`.
pub fn find_for_therapist(
    conn: &mut DbConn,
    id: &str,
    therapist_id: &str,
) -> Result<(Visit, Client), AppError> {
    Ok(visits::table
        .inner_join(clients_table::table)
        .filter(visits::id.eq(id))
        .filter(clients_table::therapist_id.eq(therapist_id))
        .select((Visit::as_select(), Client::as_select()))
        .first(conn)?)
}

/// Whether the client has any visit yet.
pub fn any_for_client(conn: &mut DbConn, client_id: &str) -> Result<bool, AppError> {
    let found: Option<String> =
        visits::table.filter(visits::client_id.eq(client_id)).select(visits::id).first(conn).optional()?;
    Ok(found.is_some())
}

/// A client of `therapist_id`, and whether they have an earlier visit to copy findings from.
pub fn client_with_history(
    conn: &mut DbConn,
    therapist_id: &str,
    client_id: &str,
) -> Result<(Client, bool), AppError> {
    let client = clients::find_for_therapist(conn, client_id, therapist_id)?;
    let has_previous = any_for_client(conn, &client.id)?;
    Ok((client, has_previous))
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

/// How a new visit starts.
#[derive(Debug, Clone, Copy)]
pub struct Opening {
    pub started_at: NaiveDateTime,
    pub duration_minutes: i32,
    /// Carry the objective text and trigger points of the client's latest visit over.
    pub copy_forward: bool,
}

/// Opens a draft visit for a client of `therapist_id`.
pub fn create_draft(
    conn: &mut DbConn,
    therapist_id: &str,
    client_id: &str,
    opening: Opening,
    now: NaiveDateTime,
) -> Result<Visit, AppError> {
    let client = clients::find_for_therapist(conn, client_id, therapist_id)?;
    let previous: Option<Visit> = if opening.copy_forward {
        visits::table
            .filter(visits::client_id.eq(&client.id))
            .select(Visit::as_select())
            .order((visits::started_at.desc(), visits::id.desc()))
            .first(conn)
            .optional()?
    } else {
        None
    };
    let id = uuid::Uuid::now_v7().to_string();
    diesel::insert_into(visits::table)
        .values((
            visits::id.eq(&id),
            visits::client_id.eq(&client.id),
            visits::therapist_id.eq(therapist_id),
            visits::started_at.eq(opening.started_at),
            visits::duration_minutes.eq(opening.duration_minutes),
            visits::objective.eq(previous.as_ref().map(|v| v.note.objective.clone()).unwrap_or_default()),
            visits::created_at.eq(now),
            visits::updated_at.eq(now),
        ))
        .execute(conn)?;
    if let Some(previous) = previous {
        findings::copy_to_visit(conn, &previous.id, &id, now)?;
    }
    clients::touch_last_visit(conn, &client.id, opening.started_at)?;
    find(conn, &id)
}

/// A visit that is still a draft, or the conflict of changing a signed one.
pub fn editable(visit: &Visit) -> Result<(), AppError> {
    if visit.is_signed() {
        return Err(AppError::Conflict(LOCKED.into()));
    }
    Ok(())
}

/// Takes the visit's row lock if it is still a draft, or fails with `Conflict`.
pub fn lock_draft(conn: &mut DbConn, visit_id: &str, now: NaiveDateTime) -> Result<(), AppError> {
    let locked = diesel::update(visits::table.find(visit_id))
        .filter(visits::signed_at.is_null())
        .set(visits::updated_at.eq(now))
        .execute(conn)?;
    if locked == 0 {
        return Err(AppError::Conflict(LOCKED.into()));
    }
    Ok(())
}

/// What became of a note sent from the visit page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoteSave {
    /// Stored (`changed` false when it was already the stored note).
    Saved { changed: bool },
    /// It was typed on an older version and the note has changed since: nothing was stored.
    Conflict,
}

/// Saves `note`, typed on version `base`, into a draft the caller has locked. A note that differs
/// from one changed since `base` is not stored: two tabs never silently overwrite each other.
pub fn save_note(
    conn: &mut DbConn,
    visit: &Visit,
    note: &VisitFields,
    base: i32,
    now: NaiveDateTime,
) -> Result<NoteSave, AppError> {
    if visit.note == *note {
        return Ok(NoteSave::Saved { changed: false });
    }
    if visit.version != base {
        return Ok(NoteSave::Conflict);
    }
    diesel::update(visits::table.find(&visit.id))
        .set((note, visits::version.eq(base + 1), visits::updated_at.eq(now)))
        .execute(conn)?;
    clients::touch_last_visit(conn, &visit.client_id, note.started_at)?;
    Ok(NoteSave::Saved { changed: true })
}

/// Keeps (or, with `None`, clears) what was typed on a draft's page but not saved yet.
pub fn keep_draft_input(conn: &mut DbConn, visit: &Visit, input: Option<String>) -> Result<(), AppError> {
    if visit.draft_input != input {
        diesel::update(visits::table.find(&visit.id)).set(visits::draft_input.eq(input)).execute(conn)?;
    }
    Ok(())
}

/// Refuses a muscle id that is not in the catalog.
fn check_muscle(conn: &mut DbConn, fields: &FindingFields) -> Result<(), AppError> {
    match catalog::find(conn, &fields.muscle_id)? {
        Some(_) => Ok(()),
        None => Err(AppError::field("muscle_id", "Choose a muscle from the catalog.")),
    }
}

/// Records a trigger point in a draft visit of `therapist_id`'s client.
pub fn add_finding(
    conn: &mut DbConn,
    therapist_id: &str,
    visit_id: &str,
    fields: &FindingFields,
    now: NaiveDateTime,
) -> Result<Finding, AppError> {
    let (visit, client) = find_for_therapist(conn, visit_id, therapist_id)?;
    check_muscle(conn, fields)?;
    lock_draft(conn, &visit.id, now)?;
    findings::insert(conn, &visit.id, &client.id, fields, now)
}

/// Changes a trigger point of a draft visit of `therapist_id`'s client.
pub fn update_finding(
    conn: &mut DbConn,
    therapist_id: &str,
    finding_id: &str,
    fields: &FindingFields,
    now: NaiveDateTime,
) -> Result<Finding, AppError> {
    let finding = findings::find_for_therapist(conn, finding_id, therapist_id)?;
    check_muscle(conn, fields)?;
    lock_draft(conn, &finding.visit_id, now)?;
    findings::update(conn, &finding, fields)
}

/// Removes a trigger point from a draft visit of `therapist_id`'s client; returns it.
pub fn delete_finding(
    conn: &mut DbConn,
    therapist_id: &str,
    finding_id: &str,
    now: NaiveDateTime,
) -> Result<Finding, AppError> {
    let finding = findings::find_for_therapist(conn, finding_id, therapist_id)?;
    lock_draft(conn, &finding.visit_id, now)?;
    findings::delete(conn, &finding)?;
    Ok(finding)
}

/// The hash that seals a signed visit: SHA-256 over its content and findings. The JSON it hashes
/// must never change shape, or older seals stop verifying (a unit test pins it).
pub fn content_hash(visit: &Visit, findings: &[Finding]) -> String {
    #[derive(Serialize)]
    struct Sealed<'a> {
        id: &'a str,
        client_id: &'a str,
        therapist_id: &'a str,
        #[serde(flatten)]
        note: &'a VisitFields,
        findings: Vec<&'a Finding>,
    }
    let mut sorted: Vec<&Finding> = findings.iter().collect();
    sorted.sort_by(|a, b| a.id.cmp(&b.id));
    let sealed = Sealed {
        id: &visit.id,
        client_id: &visit.client_id,
        therapist_id: &visit.therapist_id,
        note: &visit.note,
        findings: sorted,
    };
    // Strings, numbers and dates only: serialising cannot fail.
    let json = serde_json::to_vec(&sealed).unwrap_or_default();
    Sha256::digest(&json).iter().map(|b| format!("{b:02x}")).collect()
}

/// Why a draft cannot be signed yet, if it cannot: something typed is not saved, or there is
/// nothing to sign.
pub fn sign_refusal(visit: &Visit, finding_count: usize) -> Option<&'static str> {
    if visit.draft_input.is_some() {
        return Some(
            "Something typed on the visit page is not saved yet (a note with errors, or a trigger point \
             not added). Finish or clear it first.",
        );
    }
    let note = &visit.note;
    let written = [&note.subjective, &note.objective, &note.assessment, &note.plan]
        .into_iter()
        .chain(note.notes.as_ref())
        .any(|text| !text.trim().is_empty());
    (!written && finding_count == 0)
        .then_some("There is nothing to sign yet: the note is empty and no trigger points are recorded.")
}

/// The content hash a draft would be sealed with now: what the signing page shows is what is
/// signed, or nothing is.
pub fn seal_now(conn: &mut DbConn, visit_id: &str) -> Result<String, AppError> {
    let visit = find(conn, visit_id)?;
    Ok(content_hash(&visit, &findings::list_for_visit(conn, &visit.id)?))
}

/// Records the signature of a draft: who, when, and the content hash it is sealed with. The
/// caller has computed the hash over the draft as stored (see [`sign`]).
pub fn mark_signed(
    conn: &mut DbConn,
    visit_id: &str,
    signed_by: &str,
    at: NaiveDateTime,
    hash: &str,
) -> Result<(), AppError> {
    diesel::update(visits::table.find(visit_id))
        .filter(visits::signed_at.is_null())
        .set((
            visits::signed_at.eq(Some(at)),
            visits::signed_by.eq(Some(signed_by)),
            visits::content_hash.eq(Some(hash)),
        ))
        .execute(conn)?;
    Ok(())
}

/// Stores many visits at once, as drafts (the demo practice; later, imports). Their trigger
/// points go in next, then [`mark_signed`] seals the signed ones.
pub fn insert_many(conn: &mut DbConn, new: &[Visit]) -> Result<(), AppError> {
    if new.iter().any(Visit::is_signed) {
        return Err(AppError::Internal(anyhow::anyhow!("visits are stored as drafts and signed after")));
    }
    insert_rows!(conn, visits::table, new)?;
    Ok(())
}

/// What became of a signature.
pub enum Signed {
    Done(Box<Visit>),
    /// Not signed, for this reason.
    Refused(&'static str),
}

/// Signs a draft of `therapist_id`'s client exactly as reviewed (`reviewed` is the content hash
/// the signing page showed): records the signer, the time and the hash.
pub fn sign(
    conn: &mut DbConn,
    therapist_id: &str,
    id: &str,
    reviewed: &str,
    now: NaiveDateTime,
) -> Result<Signed, AppError> {
    let (visit, _) = find_for_therapist(conn, id, therapist_id)?;
    lock_draft(conn, &visit.id, now)?;
    // Read under the lock: a change that committed meanwhile is not signed unseen.
    let visit = find(conn, &visit.id)?;
    let findings = findings::list_for_visit(conn, &visit.id)?;
    if let Some(reason) = sign_refusal(&visit, findings.len()) {
        return Ok(Signed::Refused(reason));
    }
    let hash = content_hash(&visit, &findings);
    if hash != reviewed {
        return Ok(Signed::Refused(
            "The visit changed after you reviewed it (in another tab, or by another save). Review it again \
             before signing.",
        ));
    }
    mark_signed(conn, &visit.id, therapist_id, now, &hash)?;
    Ok(Signed::Done(Box::new(find(conn, &visit.id)?)))
}

/// Whether the stored content still matches the hash taken at signing.
pub fn verify_seal(conn: &mut DbConn, visit: &Visit) -> Result<bool, AppError> {
    let Some(hash) = &visit.content_hash else {
        return Ok(false);
    };
    let findings = findings::list_for_visit(conn, &visit.id)?;
    Ok(&content_hash(visit, &findings) == hash)
}

/// Appends a correction to a signed visit of `therapist_id`'s client.
pub fn add_addendum(
    conn: &mut DbConn,
    therapist_id: &str,
    visit_id: &str,
    body: &str,
    now: NaiveDateTime,
) -> Result<Addendum, AppError> {
    let (visit, _) = find_for_therapist(conn, visit_id, therapist_id)?;
    if !visit.is_signed() {
        return Err(AppError::Conflict("Drafts are edited directly; addenda are for signed visits.".into()));
    }
    let addendum = Addendum {
        id: uuid::Uuid::now_v7().to_string(),
        visit_id: visit.id,
        author_id: therapist_id.to_owned(),
        body: body.trim().to_owned(),
        created_at: now,
    };
    diesel::insert_into(addenda::table).values(&addendum).execute(conn)?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sealed_content_keeps_its_shape() {
        use crate::charting::vocab::{Classification, Finding3, PptUnit, Side, View, Zone};
        let at = chrono::NaiveDate::from_ymd_opt(2026, 11, 20).unwrap().and_hms_opt(9, 30, 0).unwrap();
        let visit = Visit {
            id: "v1".into(),
            client_id: "c1".into(),
            therapist_id: "t1".into(),
            note: VisitFields {
                started_at: at,
                duration_minutes: 60,
                subjective: "Headache".into(),
                objective: String::new(),
                assessment: "Upper trapezius".into(),
                plan: String::new(),
                techniques: "stretching".into(),
                techniques_other: None,
                pain_before: Some(6),
                pain_after: None,
                notes: None,
            },
            signed_at: None,
            signed_by: None,
            version: 1,
            draft_input: None,
            content_hash: None,
            created_at: at,
            updated_at: at,
        };
        let finding = Finding {
            id: "f1".into(),
            visit_id: "v1".into(),
            client_id: "c1".into(),
            fields: FindingFields {
                muscle_id: "upper-trapezius".into(),
                side: Side::Left,
                site_label: None,
                map_view: Some(View::Back),
                map_x: Some(62.5),
                map_y: Some(80.0),
                classification: Classification::Active,
                taut_band: Finding3::Yes,
                hypersensitive_spot: Finding3::Yes,
                referred_sensation: Finding3::NotTested,
                pain_recognition: Finding3::NotTested,
                twitch_response: Finding3::No,
                jump_sign: Finding3::NotTested,
                restricted_rom: Finding3::NotTested,
                weakness: Finding3::NotTested,
                pain_nrs: Some(7),
                ppt_value: Some(3.0),
                ppt_unit: Some(PptUnit::KgPerCm2),
                ppt_kpa: Some(294.1995),
                referral_quality: None,
                referral_zone: Some(Zone::Temple),
                notes: None,
            },
            created_at: at,
        };
        // The JSON of a seal as first defined: field names and order are fixed for good.
        let expected = concat!(
            r#"{"id":"v1","client_id":"c1","therapist_id":"t1","started_at":"2026-11-20T09:30:00","#,
            r#""duration_minutes":60,"subjective":"Headache","objective":"","assessment":"Upper trapezius","#,
            r#""plan":"","techniques":"stretching","techniques_other":null,"pain_before":6,"pain_after":null,"#,
            r#""notes":null,"findings":[{"id":"f1","visit_id":"v1","client_id":"c1","#,
            r#""muscle_id":"upper-trapezius","side":"left","site_label":null,"map_view":"back","map_x":62.5,"#,
            r#""map_y":80.0,"classification":"active","taut_band":"yes","hypersensitive_spot":"yes","#,
            r#""referred_sensation":"nt","pain_recognition":"nt","twitch_response":"no","jump_sign":"nt","#,
            r#""restricted_rom":"nt","weakness":"nt","pain_nrs":7,"ppt_value":3.0,"ppt_unit":"kg_cm2","#,
            r#""ppt_kpa":294.1995,"referral_quality":null,"referral_zone":"temple","notes":null,"#,
            r#""created_at":"2026-11-20T09:30:00"}]}"#
        );
        let hash: String = Sha256::digest(expected.as_bytes()).iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(content_hash(&visit, &[finding]), hash);
    }
}
