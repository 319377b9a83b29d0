//! The append-only audit log. This module only inserts and reads: no code path updates or
//! deletes a row, and triggers on both backends refuse it anyway.

use chrono::{NaiveDateTime, Utc};
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::audit_log;
use crate::error::AppError;

/// Everything that is audited. The string form is what is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    LoginSuccess,
    LoginFailure,
    LoginThrottled,
    Logout,
    SetupFirstAdmin,
    PasswordChange,
    UserCreate,
    UserUpdate,
    UserDeactivate,
    UserActivate,
    UserResetPassword,
    AuditView,
}

impl Action {
    pub const ALL: [Action; 12] = [
        Action::LoginSuccess,
        Action::LoginFailure,
        Action::LoginThrottled,
        Action::Logout,
        Action::SetupFirstAdmin,
        Action::PasswordChange,
        Action::UserCreate,
        Action::UserUpdate,
        Action::UserDeactivate,
        Action::UserActivate,
        Action::UserResetPassword,
        Action::AuditView,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Action::LoginSuccess => "login.success",
            Action::LoginFailure => "login.failure",
            Action::LoginThrottled => "login.throttled",
            Action::Logout => "logout",
            Action::SetupFirstAdmin => "setup.first_admin",
            Action::PasswordChange => "password.change",
            Action::UserCreate => "user.create",
            Action::UserUpdate => "user.update",
            Action::UserDeactivate => "user.deactivate",
            Action::UserActivate => "user.activate",
            Action::UserResetPassword => "user.reset_password",
            Action::AuditView => "audit.view",
        }
    }

    pub fn parse(text: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.as_str() == text)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Success,
    Failure,
    Denied,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Failure => "failure",
            Outcome::Denied => "denied",
        }
    }
}

/// Who did it and from where; built per request.
#[derive(Debug, Clone, Default)]
pub struct Actor {
    pub user_id: Option<String>,
    /// The email at the time (or the one typed into a failed sign-in).
    pub label: Option<String>,
    pub ip: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = audit_log)]
pub struct AuditEntry {
    pub id: String,
    pub at: NaiveDateTime,
    pub actor_id: Option<String>,
    pub actor_label: Option<String>,
    pub action: String,
    pub object_type: Option<String>,
    pub object_id: Option<String>,
    pub ip: Option<String>,
    pub outcome: String,
    pub detail: Option<String>,
}

/// Appends one row. `object` is (type, id); `detail` is a short non-clinical note.
pub fn record(
    conn: &mut DbConn,
    actor: &Actor,
    action: Action,
    object: Option<(&str, &str)>,
    outcome: Outcome,
    detail: Option<String>,
) -> Result<(), AppError> {
    let entry = AuditEntry {
        id: uuid::Uuid::now_v7().to_string(),
        at: Utc::now().naive_utc(),
        actor_id: actor.user_id.clone(),
        actor_label: actor.label.clone(),
        action: action.as_str().to_owned(),
        object_type: object.map(|(kind, _)| kind.to_owned()),
        object_id: object.map(|(_, id)| id.to_owned()),
        ip: actor.ip.clone(),
        outcome: outcome.as_str().to_owned(),
        detail,
    };
    diesel::insert_into(audit_log::table).values(&entry).execute(conn)?;
    Ok(())
}

/// Filters for the audit page; every one is optional.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub action: Option<Action>,
    pub actor_id: Option<String>,
    pub object_id: Option<String>,
    pub outcome: Option<Outcome>,
    /// Only rows older than this id (keyset paging; ids are time-ordered UUIDv7).
    pub before: Option<String>,
}

/// Newest first, at most `limit` + 1 rows (the extra one tells the caller there is more).
pub fn list(conn: &mut DbConn, filter: &Filter, limit: i64) -> Result<Vec<AuditEntry>, AppError> {
    let mut query = audit_log::table.select(AuditEntry::as_select()).into_boxed();
    if let Some(action) = filter.action {
        query = query.filter(audit_log::action.eq(action.as_str()));
    }
    if let Some(actor) = &filter.actor_id {
        query = query.filter(audit_log::actor_id.eq(actor.clone()));
    }
    if let Some(object) = &filter.object_id {
        query = query.filter(audit_log::object_id.eq(object.clone()));
    }
    if let Some(outcome) = filter.outcome {
        query = query.filter(audit_log::outcome.eq(outcome.as_str()));
    }
    if let Some(before) = &filter.before {
        query = query.filter(audit_log::id.lt(before.clone()));
    }
    Ok(query.order(audit_log::id.desc()).limit(limit + 1).load(conn)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn action_names_round_trip() {
        for action in Action::ALL {
            assert_eq!(Action::parse(action.as_str()), Some(action));
        }
        assert_eq!(Action::parse("nope"), None);
    }
}
