//! Stores made-up records in bulk, in the order the database's own guards allow: visits and
//! routines go in as drafts with their trigger points and items, and are then signed and sent,
//! exactly as the app does it one at a time.

use crate::audit::model as audit;
use crate::charting::{factors, findings};
use crate::clients::model as clients;
use crate::db::DbConn;
use crate::demo::record::Record;
use crate::error::AppError;
use crate::followups::model as followups;
use crate::homecare::{links, model as routines};
use crate::visits::model as visits;

/// How many rows of each kind were stored.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub clients: usize,
    pub visits: usize,
    pub findings: usize,
    pub factors: usize,
    pub followups: usize,
    pub routines: usize,
    pub checkins: usize,
    pub audit: usize,
}

impl std::ops::AddAssign for Counts {
    fn add_assign(&mut self, other: Counts) {
        self.clients += other.clients;
        self.visits += other.visits;
        self.findings += other.findings;
        self.factors += other.factors;
        self.followups += other.followups;
        self.routines += other.routines;
        self.checkins += other.checkins;
        self.audit += other.audit;
    }
}

/// Gathers one kind of row from every record.
fn all<'a, T: Clone + 'a>(records: &'a [Record], rows: impl Fn(&'a Record) -> &'a [T]) -> Vec<T> {
    records.iter().flat_map(|record| rows(record).iter().cloned()).collect()
}

/// Stores `records` in the caller's write transaction.
pub fn store(conn: &mut DbConn, records: &[Record]) -> Result<Counts, AppError> {
    let new_clients: Vec<clients::Client> = records.iter().map(|r| r.client.clone()).collect();
    clients::insert_many(conn, &new_clients)?;
    let new_visits = all(records, |r| &r.visits);
    visits::insert_many(conn, &new_visits)?;
    let new_findings = all(records, |r| &r.findings);
    findings::insert_many(conn, &new_findings)?;
    for seal in records.iter().flat_map(|r| &r.seals) {
        visits::mark_signed(conn, &seal.visit_id, &seal.signed_by, seal.signed_at, &seal.hash)?;
    }
    factors::insert_many(conn, &all(records, |r| &r.factors), &all(records, |r| &r.links))?;
    let new_followups = all(records, |r| &r.followups);
    followups::insert_many(conn, &new_followups)?;

    let sent: Vec<_> = records.iter().filter_map(|r| r.routine.as_ref()).collect();
    let new_routines: Vec<routines::Routine> = sent.iter().map(|s| s.routine.clone()).collect();
    let items: Vec<routines::RoutineItem> = sent.iter().flat_map(|s| s.items.iter().cloned()).collect();
    routines::insert_many(conn, &new_routines, &items)?;
    for routine in &sent {
        routines::mark_sent(conn, &routine.routine, routine.sent_at)?;
    }
    let checkins: Vec<links::Checkin> = sent.iter().flat_map(|s| s.checkins.iter().cloned()).collect();
    let pain: Vec<links::PainReport> = sent.iter().flat_map(|s| s.pain.iter().cloned()).collect();
    let client_links: Vec<links::ClientLink> = sent.iter().map(|s| s.link.clone()).collect();
    links::insert_many(conn, &client_links, &checkins, &pain)?;
    let entries = all(records, |r| &r.audit);
    audit::insert_many(conn, &entries)?;

    Ok(Counts {
        clients: new_clients.len(),
        visits: new_visits.len(),
        findings: new_findings.len(),
        factors: records.iter().map(|r| r.factors.len()).sum(),
        followups: new_followups.len(),
        routines: new_routines.len(),
        checkins: checkins.len(),
        audit: entries.len(),
    })
}
