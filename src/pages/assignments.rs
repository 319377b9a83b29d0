//! Who treats whom: moving a client to another therapist takes the client's open follow-ups
//! along (they appear on the new therapist's dashboard and calendar), audited in one step.

use chrono::NaiveDateTime;

use crate::accounts::model as accounts;
use crate::audit::{Audited, Subject};
use crate::clients::model::{self as clients, AssignmentRow};
use crate::db::DbConn;
use crate::db::paging::PageRequest;
use crate::error::AppError;
use crate::followups::model as followups;

/// A client moved from one therapist to another.
pub struct Reassigned {
    pub client_id: String,
    pub from: String,
    pub to: String,
}

impl Audited for Reassigned {
    fn subject(&self) -> Subject {
        Subject::new("client", &self.client_id).with_detail(format!("therapist {} -> {}", self.from, self.to))
    }
}

/// Moves a client, and their open follow-ups, to `therapist_id` (an active therapist).
pub fn reassign(
    conn: &mut DbConn,
    client_id: &str,
    therapist_id: &str,
    now: NaiveDateTime,
) -> Result<Reassigned, AppError> {
    let from = clients::reassign(conn, client_id, therapist_id, now)?;
    followups::reassign_open(conn, client_id, therapist_id, now)?;
    Ok(Reassigned { client_id: client_id.to_owned(), from, to: therapist_id.to_owned() })
}

/// The admin's list: a page of clients with their therapists, and who could take them.
pub struct Assignments {
    pub rows: Vec<AssignmentRow>,
    /// Active therapists as (id, name).
    pub therapists: Vec<(String, String)>,
}

pub fn list(conn: &mut DbConn, text: &str, page: &PageRequest) -> Result<Assignments, AppError> {
    Ok(Assignments {
        rows: clients::list_assignments(conn, text, page)?,
        therapists: accounts::active_therapists(conn)?,
    })
}
