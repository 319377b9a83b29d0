//! The append-only audit log. This module only inserts and reads: no code path updates or
//! deletes a row, and triggers on both backends refuse it anyway.

use chrono::{NaiveDateTime, Utc};
use diesel::prelude::*;

use crate::auth::extractors::Actor;
use crate::db::paging::PageRequest;
use crate::db::schema::audit_log;
use crate::db::{DbConn, insert_rows};
use crate::error::AppError;
use crate::vocab::vocabulary;

vocabulary!(
    /// Everything that is audited. The code is what is stored.
    Action {
        LoginSuccess => ("login.success", "Signed in"),
        LoginFailure => ("login.failure", "Failed sign-in"),
        LoginThrottled => ("login.throttled", "Sign-in throttled"),
        Logout => ("logout", "Signed out"),
        SetupFirstAdmin => ("setup.first_admin", "Created the first account"),
        PasswordChange => ("password.change", "Changed own password"),
        UserCreate => ("user.create", "Created an account"),
        UserUpdate => ("user.update", "Changed an account"),
        UserDeactivate => ("user.deactivate", "Deactivated an account"),
        UserActivate => ("user.activate", "Reactivated an account"),
        UserResetPassword => ("user.reset_password", "Reset a password"),
        AuditView => ("audit.view", "Read the audit log"),
        DashboardView => ("dashboard.view", "Opened the dashboard"),
        AssignmentsView => ("assignments.view", "Read the client assignments"),
        ClientList => ("client.list", "Listed clients"),
        FollowupList => ("followup.list", "Listed follow-ups"),
        ClientView => ("client.view", "Opened a client chart"),
        ClientCreate => ("client.create", "Created a client"),
        ClientUpdate => ("client.update", "Changed a client"),
        ClientArchive => ("client.archive", "Archived a client"),
        ClientRestore => ("client.restore", "Restored a client"),
        ClientReassign => ("client.reassign", "Reassigned a client"),
        VisitView => ("visit.view", "Opened a visit"),
        VisitCreate => ("visit.create", "Opened a new visit"),
        VisitUpdate => ("visit.update", "Changed a visit note"),
        VisitSign => ("visit.sign", "Signed a visit"),
        VisitAddendum => ("visit.addendum", "Added an addendum"),
        FindingView => ("finding.view", "Opened a trigger point"),
        FindingCreate => ("finding.create", "Recorded a trigger point"),
        FindingUpdate => ("finding.update", "Changed a trigger point"),
        FindingDelete => ("finding.delete", "Removed a trigger point"),
        FactorCreate => ("factor.create", "Recorded a perpetuating factor"),
        FactorView => ("factor.view", "Opened a perpetuating factor"),
        FactorUpdate => ("factor.update", "Changed a perpetuating factor"),
        MuscleCreate => ("muscle.create", "Added a catalog muscle"),
        RoutineSave => ("routine.save", "Saved a draft routine"),
        RoutineBuild => ("routine.builder", "Opened the routine builder"),
        RoutineView => ("routine.view", "Opened a routine"),
        RoutineSend => ("routine.send", "Sent a routine"),
        EmailRetry => ("email.retry", "Retried an email"),
        LinksRevoke => ("links.revoke", "Revoked client links"),
        LinkOpen => ("link.open", "Client opened their routine"),
        LinkCheckin => ("link.checkin", "Client recorded home care"),
        LinkRefused => ("link.refused", "Invalid client link refused"),
        ConsentWithdraw => ("consent.withdraw", "Client withdrew email consent"),
        OutboxView => ("outbox.view", "Read the outbox"),
        ExerciseCreate => ("exercise.create", "Added a home-care exercise"),
        EmailSent => ("email.sent", "Email delivered"),
        EmailFailed => ("email.failed", "Email could not be delivered"),
        FollowupCreate => ("followup.create", "Scheduled a follow-up"),
        FollowupDone => ("followup.done", "Completed a follow-up"),
        FollowupCancel => ("followup.cancel", "Cancelled a follow-up"),
        CalendarRotate => ("calendar.rotate", "Created a calendar feed link"),
        CalendarRevoke => ("calendar.revoke", "Revoked the calendar feed"),
        CalendarFetch => ("calendar.fetch", "Calendar feed fetched"),
    }
);

vocabulary!(
    /// How an audited attempt ended.
    Outcome {
        Success => ("success", "success"),
        Failure => ("failure", "failure"),
        Denied => ("denied", "denied"),
    }
);

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = audit_log, treat_none_as_default_value = false)]
pub struct AuditEntry {
    pub id: String,
    pub at: NaiveDateTime,
    pub actor_id: Option<String>,
    pub actor_label: Option<String>,
    pub action: Action,
    pub object_type: Option<String>,
    pub object_id: Option<String>,
    pub ip: Option<String>,
    pub outcome: Outcome,
    pub detail: Option<String>,
}

/// Appends one row. `object` is (type, id); `detail` is a short non-clinical note. The time is
/// the system's, not the practice clock's: ids are UUIDv7 from the same clock, and the log must
/// say when things really happened.
pub fn record(
    conn: &mut DbConn,
    actor: &Actor,
    action: Action,
    object: Option<(&str, &str)>,
    outcome: Outcome,
    detail: Option<String>,
) -> Result<(), AppError> {
    let entry = AuditEntry::new(actor, action, object, outcome, detail);
    diesel::insert_into(audit_log::table).values(&entry).execute(conn)?;
    Ok(())
}

impl AuditEntry {
    /// A row to append, stamped now (see [`record`]).
    pub fn new(
        actor: &Actor,
        action: Action,
        object: Option<(&str, &str)>,
        outcome: Outcome,
        detail: Option<String>,
    ) -> AuditEntry {
        AuditEntry {
            id: uuid::Uuid::now_v7().to_string(),
            at: Utc::now().naive_utc(),
            actor_id: actor.user_id.clone(),
            actor_label: actor.label.clone(),
            action,
            object_type: object.map(|(kind, _)| kind.to_owned()),
            object_id: object.map(|(_, id)| id.to_owned()),
            ip: actor.ip.clone(),
            outcome,
            detail,
        }
    }
}

/// Filters for the audit page; every one is optional.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub action: Option<Action>,
    pub actor_id: Option<String>,
    pub object_id: Option<String>,
    pub outcome: Option<Outcome>,
}

/// Newest first, a page by key: ids are time-ordered UUIDv7, so "after" an id means older.
pub fn list(conn: &mut DbConn, filter: &Filter, page: &PageRequest) -> Result<Vec<AuditEntry>, AppError> {
    let mut query = audit_log::table.select(AuditEntry::as_select()).into_boxed();
    if let Some(action) = filter.action {
        query = query.filter(audit_log::action.eq(action.code()));
    }
    if let Some(actor) = &filter.actor_id {
        query = query.filter(audit_log::actor_id.eq(actor.clone()));
    }
    if let Some(object) = &filter.object_id {
        query = query.filter(audit_log::object_id.eq(object.clone()));
    }
    if let Some(outcome) = filter.outcome {
        query = query.filter(audit_log::outcome.eq(outcome));
    }
    if let Some(before) = page.after_key() {
        query = query.filter(audit_log::id.lt(before.to_owned()));
    }
    Ok(query.order(audit_log::id.desc()).limit(page.fetch()).load(conn)?)
}

/// Appends many entries at once (the demo practice's history; later, imports).
pub fn insert_many(conn: &mut DbConn, entries: &[AuditEntry]) -> Result<(), AppError> {
    insert_rows!(conn, audit_log::table, entries)?;
    Ok(())
}

/// One page of entries; `None` when the actor email names no account.
pub fn read_log(
    conn: &mut DbConn,
    mut filter: Filter,
    actor_email: &str,
    page: &PageRequest,
) -> Result<Option<Vec<AuditEntry>>, AppError> {
    if !actor_email.is_empty() {
        match crate::auth::users::find_by_email(conn, actor_email)? {
            Some(user) => filter.actor_id = Some(user.id),
            None => return Ok(None),
        }
    }
    list(conn, &filter, page).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn action_names_round_trip() {
        for action in Action::ALL {
            assert_eq!(Action::parse(action.code()), Some(*action));
        }
        assert_eq!(Action::parse("nope"), None);
    }
}
