//! The rules of accounts: first-run set-up, signing in and out, changing and resetting
//! passwords, roles, and deactivation, with at least one active admin kept at all times. Each
//! function that changes something runs inside the caller's write transaction and writes its
//! own audit row there.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::accounts::feeds;
use crate::audit::model::{self as audit, Action, Outcome};
use crate::auth::extractors::Actor;
use crate::auth::refusals::{ACCOUNTS_TOLD_APART, RefusalReport};
use crate::auth::sessions::{self, Lifetimes, Session};
use crate::auth::users::{self, User, name_key};
use crate::db::paging::PageRequest;
use crate::db::schema::users as users_table;
use crate::db::{DbConn, escape_like, lock_accounts};
use crate::error::AppError;

/// Creates the first account and its session, unless any account exists already: two racing
/// set-ups are serialised and the second gets `Conflict`.
pub fn insert_first_admin(conn: &mut DbConn, user: &User) -> Result<User, AppError> {
    lock_accounts(conn)?;
    if users::any_exists(conn)? {
        return Err(AppError::Conflict("This installation has already been set up.".into()));
    }
    users::insert(conn, user)
}

/// First-run set-up: the first admin, audited, signed in.
pub fn set_up(
    conn: &mut DbConn,
    user: &User,
    actor: &Actor,
    now: NaiveDateTime,
    lifetimes: Lifetimes,
) -> Result<(User, Session), AppError> {
    let user = insert_first_admin(conn, user)?;
    let actor = actor.as_user(&user.id, &user.email);
    audit::record(conn, &actor, Action::SetupFirstAdmin, Some(("user", &user.id)), Outcome::Success, None)?;
    let session = sessions::insert(conn, &user.id, actor.ip.clone(), now, lifetimes)?;
    Ok((user, session))
}

/// An admin (or the command line) creating an account, audited with its roles.
pub fn create(conn: &mut DbConn, user: &User, actor: &Actor) -> Result<User, AppError> {
    let user = users::insert(conn, user)?;
    let detail = Some(format!("roles: {}", user.roles_label()));
    audit::record(conn, actor, Action::UserCreate, Some(("user", &user.id)), Outcome::Success, detail)?;
    Ok(user)
}

/// A sign-in attempt after the password was checked (slowly, outside any transaction).
pub struct SignIn {
    /// The account the typed email names, as read before the check.
    pub account: Option<User>,
    pub password_matches: bool,
    /// The typed email if it looks like one; anything else may be a password in the wrong field.
    pub label: String,
}

impl SignIn {
    fn account_is_active(&self) -> bool {
        self.account.as_ref().is_some_and(|user| user.is_active)
    }
}

/// The label stored for a sign-in attempt: the typed email if it looks like one. Anything
/// else may be a password typed into the wrong field and must not be kept.
pub fn attempted_label(email: &str) -> String {
    if email.contains('@') && email.len() <= 254 && !email.contains(char::is_whitespace) {
        email.to_owned()
    } else {
        "(not an email address)".into()
    }
}

/// Records a sign-in attempt and, when it succeeded, opens a session. A password change or
/// deactivation that committed while the password was being checked still wins.
pub fn sign_in(
    conn: &mut DbConn,
    attempt: SignIn,
    actor: &Actor,
    now: NaiveDateTime,
    lifetimes: Lifetimes,
) -> Result<Option<(User, Session)>, AppError> {
    if let (Some(user), true) = (&attempt.account, attempt.password_matches && attempt.account_is_active()) {
        let current = users::find_by_id(conn, &user.id)?;
        if current.password_hash == user.password_hash && current.is_active {
            diesel::update(users_table::table.find(&user.id))
                .set((users_table::failed_logins.eq(0), users_table::last_login_at.eq(Some(now))))
                .execute(conn)?;
            sessions::delete_expired(conn, now, lifetimes)?;
            let session = sessions::insert(conn, &user.id, actor.ip.clone(), now, lifetimes)?;
            let actor = actor.as_user(&user.id, &user.email);
            audit::record(
                conn,
                &actor,
                Action::LoginSuccess,
                Some(("user", &user.id)),
                Outcome::Success,
                None,
            )?;
            return Ok(Some((current, session)));
        }
        return Ok(None);
    }
    let user_id = attempt.account.map(|u| u.id);
    if let Some(id) = &user_id {
        diesel::update(users_table::table.find(id))
            .set(users_table::failed_logins.eq(users_table::failed_logins + 1))
            .execute(conn)?;
    }
    let actor = Actor { user_id: None, label: Some(attempt.label), ip: actor.ip.clone() };
    let object = user_id.as_deref().map(|id| ("user", id));
    audit::record(conn, &actor, Action::LoginFailure, object, Outcome::Failure, None)?;
    Ok(None)
}

/// Records sign-ins refused by throttling: `report.refused` of them from one address (see
/// `auth::refusals`).
pub fn record_throttled(conn: &mut DbConn, report: &RefusalReport) -> Result<(), AppError> {
    let actor = Actor { user_id: None, label: Some(report.label.clone()), ip: Some(report.ip.clone()) };
    let attempts = match report.refused {
        1 => "1 attempt refused".to_owned(),
        n => format!("{n} attempts refused"),
    };
    let detail = match report.accounts {
        0 | 1 => attempts,
        n if n >= ACCOUNTS_TOLD_APART => format!("{attempts}, at {n} or more accounts"),
        n => format!("{attempts}, at {n} accounts"),
    };
    audit::record(conn, &actor, Action::LoginThrottled, None, Outcome::Denied, Some(detail))
}

/// Ends the session, audited.
pub fn sign_out(conn: &mut DbConn, user: &User, session_id: &str, actor: &Actor) -> Result<(), AppError> {
    sessions::delete(conn, session_id)?;
    audit::record(conn, actor, Action::Logout, Some(("user", &user.id)), Outcome::Success, None)
}

/// Records a wrong current password on the password page.
pub fn record_wrong_password(conn: &mut DbConn, user: &User, actor: &Actor) -> Result<(), AppError> {
    audit::record(conn, actor, Action::PasswordChange, Some(("user", &user.id)), Outcome::Failure, None)
}

/// Replaces the user's own password and every session with one new session. The change is
/// based on what the request read: if the session was revoked or the password changed since,
/// it fails instead of overwriting.
pub fn change_password(
    conn: &mut DbConn,
    user: &User,
    session_id: &str,
    new_hash: &str,
    actor: &Actor,
    now: NaiveDateTime,
    lifetimes: Lifetimes,
) -> Result<Session, AppError> {
    if !sessions::delete(conn, session_id)? {
        return Err(AppError::Unauthorized(None));
    }
    let changed = diesel::update(users_table::table.find(&user.id))
        .filter(users_table::password_hash.eq(&user.password_hash))
        .set((
            users_table::password_hash.eq(new_hash),
            users_table::must_change_password.eq(false),
            users_table::failed_logins.eq(0),
            users_table::updated_at.eq(now),
        ))
        .execute(conn)?;
    if changed == 0 {
        return Err(AppError::Conflict("The password was changed meanwhile. Please sign in again.".into()));
    }
    // Every other session (a stolen cookie included) ends with the old password.
    sessions::delete_for_user(conn, &user.id)?;
    let session = sessions::insert(conn, &user.id, actor.ip.clone(), now, lifetimes)?;
    audit::record(conn, actor, Action::PasswordChange, Some(("user", &user.id)), Outcome::Success, None)?;
    Ok(session)
}

/// An admin's reset: a temporary password that must be changed at the next sign-in, and every
/// session ended.
pub fn reset_password(
    conn: &mut DbConn,
    id: &str,
    temporary_hash: &str,
    actor: &Actor,
    now: NaiveDateTime,
) -> Result<User, AppError> {
    let changed = diesel::update(users_table::table.find(id))
        .set((
            users_table::password_hash.eq(temporary_hash),
            users_table::must_change_password.eq(true),
            users_table::failed_logins.eq(0),
            users_table::updated_at.eq(now),
        ))
        .execute(conn)?;
    if changed == 0 {
        return Err(AppError::NotFound);
    }
    sessions::delete_for_user(conn, id)?;
    audit::record(conn, actor, Action::UserResetPassword, Some(("user", id)), Outcome::Success, None)?;
    users::find_by_id(conn, id)
}

/// One page of users matching `query` (name or email, case-insensitive), ordered by name.
pub fn search(conn: &mut DbConn, query: &str, page: &PageRequest) -> Result<Vec<User>, AppError> {
    let mut select = users_table::table.select(User::as_select()).into_boxed();
    let query = query.trim().to_lowercase();
    if !query.is_empty() {
        let pattern = format!("%{}%", escape_like(&query));
        select = select.filter(
            users_table::name_key
                .like(pattern.clone())
                .escape('\\')
                .or(users_table::email.like(pattern).escape('\\')),
        );
    }
    Ok(select
        .order((users_table::name_key.asc(), users_table::id.asc()))
        .offset(page.offset())
        .limit(page.fetch())
        .load(conn)?)
}

/// Refuses a change that would leave no active admin. Call inside a write transaction, after
/// `lock_accounts`.
fn ensure_another_active_admin(conn: &mut DbConn, except_id: &str) -> Result<(), AppError> {
    let others: i64 = users_table::table
        .filter(users_table::is_admin.eq(true))
        .filter(users_table::is_active.eq(true))
        .filter(users_table::id.ne(except_id))
        .count()
        .get_result(conn)?;
    if others == 0 {
        return Err(AppError::Conflict(
            "This is the last active admin account. Make another account an admin first.".into(),
        ));
    }
    Ok(())
}

/// The name and roles an admin sets.
pub struct Profile {
    pub display_name: String,
    pub is_admin: bool,
    pub is_therapist: bool,
}

/// Changes name and roles, audited. A change of roles ends the account's sessions, so new
/// rights (or fewer) take effect at the next sign-in, never on an old token.
pub fn update_profile(
    conn: &mut DbConn,
    id: &str,
    profile: &Profile,
    actor: &Actor,
    now: NaiveDateTime,
) -> Result<User, AppError> {
    // Lock before reading, so two concurrent changes cannot both see "another admin remains".
    lock_accounts(conn)?;
    let before = users::find_by_id(conn, id)?;
    if before.is_admin && before.is_active && !profile.is_admin {
        ensure_another_active_admin(conn, id)?;
    }
    diesel::update(users_table::table.find(id))
        .set((
            users_table::display_name.eq(profile.display_name.trim()),
            users_table::name_key.eq(name_key(&profile.display_name)),
            users_table::is_admin.eq(profile.is_admin),
            users_table::is_therapist.eq(profile.is_therapist),
            users_table::updated_at.eq(now),
        ))
        .execute(conn)?;
    let after = users::find_by_id(conn, id)?;
    if (before.is_admin, before.is_therapist) != (after.is_admin, after.is_therapist) {
        sessions::delete_for_user(conn, id)?;
    }
    let detail = Some(format!("roles: {} -> {}", before.roles_label(), after.roles_label()));
    audit::record(conn, actor, Action::UserUpdate, Some(("user", id)), Outcome::Success, detail)?;
    Ok(after)
}

/// Activates or deactivates an account, audited; the last active admin cannot be deactivated.
/// Deactivation ends every session and calendar feed of the account at once.
pub fn set_active(
    conn: &mut DbConn,
    id: &str,
    active: bool,
    actor: &Actor,
    now: NaiveDateTime,
) -> Result<User, AppError> {
    lock_accounts(conn)?;
    let user = users::find_by_id(conn, id)?;
    if user.is_admin && user.is_active && !active {
        ensure_another_active_admin(conn, id)?;
    }
    diesel::update(users_table::table.find(id))
        .set((users_table::is_active.eq(active), users_table::updated_at.eq(now)))
        .execute(conn)?;
    if !active {
        sessions::delete_for_user(conn, id)?;
        feeds::revoke(conn, id, now)?;
    }
    let action = if active { Action::UserActivate } else { Action::UserDeactivate };
    audit::record(conn, actor, action, Some(("user", id)), Outcome::Success, None)?;
    users::find_by_id(conn, id)
}

/// Whether `id` is an active account with the therapist role (who may be given clients).
pub fn is_active_therapist(conn: &mut DbConn, id: &str) -> Result<bool, AppError> {
    let found: Option<String> = users_table::table
        .filter(users_table::id.eq(id))
        .filter(users_table::is_therapist.eq(true))
        .filter(users_table::is_active.eq(true))
        .select(users_table::id)
        .first(conn)
        .optional()?;
    Ok(found.is_some())
}

/// Active therapists as (id, name), for choosing who treats a client.
pub fn active_therapists(conn: &mut DbConn) -> Result<Vec<(String, String)>, AppError> {
    Ok(users_table::table
        .filter(users_table::is_therapist.eq(true))
        .filter(users_table::is_active.eq(true))
        .select((users_table::id, users_table::display_name))
        .order(users_table::display_name.asc())
        .limit(1000)
        .load(conn)?)
}
