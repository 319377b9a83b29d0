//! What the routine page shows: the version with its items, the email as it looks (or looked),
//! how the client keeps up with it, the client's recent emails, and why it cannot be sent yet.

use crate::clients::model::Client;
use crate::db::DbConn;
use crate::error::AppError;
use crate::homecare::emails;
use crate::homecare::links::{self, Adherence};
use crate::homecare::model::{self as routines, Routine, RoutineItem};
use crate::mail::outbox::{self, OutboxRow};
use crate::mail::practice::Practice;
use crate::time::Clock;

/// The client's emails listed on the routine page.
const RECENT_EMAILS: i64 = 20;

pub struct RoutineShown {
    pub routine: Routine,
    pub client: Client,
    pub items: Vec<RoutineItem>,
    /// The email as it will look (drafts) or as it was sent, links as placeholders.
    pub preview_html: String,
    pub adherence: Option<Adherence>,
    /// Why it cannot be sent yet, if so.
    pub blocked: Option<&'static str>,
    pub emails: Vec<OutboxRow>,
}

/// How a client keeps up with a sent routine, from the day it was sent to today.
pub fn adherence_since_sent(
    conn: &mut DbConn,
    routine: &Routine,
    clock: &Clock,
) -> Result<Option<Adherence>, AppError> {
    match routine.sent_at {
        Some(sent) => Ok(Some(links::adherence(conn, &routine.id, clock.day_of(sent), clock.today())?)),
        None => Ok(None),
    }
}

/// A routine of a client of `therapist_id`.
pub fn routine(
    conn: &mut DbConn,
    therapist_id: &str,
    routine_id: &str,
    practice: &Practice,
    clock: &Clock,
) -> Result<RoutineShown, AppError> {
    let (routine, client) = routines::find_for_therapist(conn, routine_id, therapist_id)?;
    let items = routines::items(conn, &routine.id)?;
    let adherence = adherence_since_sent(conn, &routine, clock)?;
    let emails = outbox::for_client(conn, &client.id, RECENT_EMAILS)?;
    let preview_html = emails::preview(practice, &client, &routine, &items, "(the client's private link)")
        .unwrap_or_default();
    let blocked = if routine.is_sent() { None } else { client.email_blocker().map(|b| b.message()) };
    Ok(RoutineShown { routine, client, items, preview_html, adherence, blocked, emails })
}
