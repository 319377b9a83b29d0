//! User accounts: the rows, their queries, and the rules that keep at least one active admin.

use chrono::{NaiveDateTime, Utc};
use diesel::prelude::*;

use crate::db::schema::users;
use crate::db::{DbConn, lock_accounts};
use crate::error::AppError;

#[derive(Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = users)]
pub struct User {
    pub id: String,
    pub email: String,
    pub display_name: String,
    pub name_key: String,
    pub password_hash: String,
    pub is_admin: bool,
    pub is_therapist: bool,
    pub is_active: bool,
    pub must_change_password: bool,
    pub failed_logins: i32,
    pub last_login_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// Leaves the password hash out, so no log line or panic message can carry it.
impl std::fmt::Debug for User {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("User")
            .field("id", &self.id)
            .field("email", &self.email)
            .field("is_admin", &self.is_admin)
            .field("is_therapist", &self.is_therapist)
            .field("is_active", &self.is_active)
            .finish_non_exhaustive()
    }
}

impl User {
    /// "Admin, therapist" etc. for lists.
    pub fn roles_label(&self) -> String {
        match (self.is_admin, self.is_therapist) {
            (true, true) => "Admin, therapist".into(),
            (true, false) => "Admin".into(),
            (false, true) => "Therapist".into(),
            (false, false) => "No role".into(),
        }
    }
}

#[derive(Insertable)]
#[diesel(table_name = users)]
pub struct NewUser {
    pub id: String,
    pub email: String,
    pub display_name: String,
    pub name_key: String,
    pub password_hash: String,
    pub is_admin: bool,
    pub is_therapist: bool,
    pub is_active: bool,
    pub must_change_password: bool,
    pub failed_logins: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl NewUser {
    pub fn new(
        email: &str,
        display_name: &str,
        password_hash: String,
        is_admin: bool,
        is_therapist: bool,
    ) -> NewUser {
        let now = Utc::now().naive_utc();
        NewUser {
            id: uuid::Uuid::now_v7().to_string(),
            email: normalize_email(email),
            display_name: display_name.trim().to_owned(),
            name_key: name_key(display_name),
            password_hash,
            is_admin,
            is_therapist,
            is_active: true,
            must_change_password: false,
            failed_logins: 0,
            created_at: now,
            updated_at: now,
        }
    }
}

/// The search and sort form of a name: trimmed and lowercased (Unicode-aware, which SQLite's
/// own lower() is not).
pub fn name_key(name: &str) -> String {
    name.trim().to_lowercase()
}

/// Emails are compared and stored trimmed and lowercased.
pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

pub fn any_exists(conn: &mut DbConn) -> Result<bool, AppError> {
    let found: Option<String> = users::table.select(users::id).first(conn).optional()?;
    Ok(found.is_some())
}

pub fn find_by_id(conn: &mut DbConn, id: &str) -> Result<User, AppError> {
    Ok(users::table.find(id).select(User::as_select()).first(conn)?)
}

pub fn find_by_email(conn: &mut DbConn, email: &str) -> Result<Option<User>, AppError> {
    Ok(users::table
        .filter(users::email.eq(normalize_email(email)))
        .select(User::as_select())
        .first(conn)
        .optional()?)
}

/// Inserts a user; a taken email is a validation error on the email field.
pub fn insert(conn: &mut DbConn, new: &NewUser) -> Result<User, AppError> {
    const TAKEN: &str = "An account with this email already exists.";
    if find_by_email(conn, &new.email)?.is_some() {
        return Err(AppError::field("email", TAKEN));
    }
    // A concurrent insert of the same email trips the unique index instead.
    diesel::insert_into(users::table).values(new).execute(conn).map_err(|e| match AppError::from(e) {
        AppError::Conflict(_) => AppError::field("email", TAKEN),
        other => other,
    })?;
    find_by_id(conn, &new.id)
}

/// Creates the first account, unless any account exists already. Call inside a write
/// transaction: two racing set-ups are serialised and the second gets `Conflict`.
pub fn insert_first_admin(conn: &mut DbConn, new: &NewUser) -> Result<User, AppError> {
    lock_accounts(conn)?;
    if any_exists(conn)? {
        return Err(AppError::Conflict("This installation has already been set up.".into()));
    }
    insert(conn, new)
}

/// One page of users matching `query` (name or email, case-insensitive), ordered by name.
/// Fetches one row more than `limit` so the caller knows whether there is a next page.
pub fn search(conn: &mut DbConn, query: &str, offset: i64, limit: i64) -> Result<Vec<User>, AppError> {
    let mut select = users::table.select(User::as_select()).into_boxed();
    let query = query.trim().to_lowercase();
    if !query.is_empty() {
        let pattern = format!("%{}%", escape_like(&query));
        select = select.filter(
            users::name_key.like(pattern.clone()).escape('\\').or(users::email.like(pattern).escape('\\')),
        );
    }
    Ok(select.order((users::name_key.asc(), users::id.asc())).offset(offset).limit(limit + 1).load(conn)?)
}

/// Escapes LIKE wildcards so user input matches literally.
pub fn escape_like(text: &str) -> String {
    text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}

/// Refuses a change that would leave no active admin. Call inside a write transaction.
fn ensure_another_active_admin(conn: &mut DbConn, except_id: &str) -> Result<(), AppError> {
    let others: i64 = users::table
        .filter(users::is_admin.eq(true))
        .filter(users::is_active.eq(true))
        .filter(users::id.ne(except_id))
        .count()
        .get_result(conn)?;
    if others == 0 {
        return Err(AppError::Conflict(
            "This is the last active admin account. Make another account an admin first.".into(),
        ));
    }
    Ok(())
}

/// Changes name and roles. Returns the user before and after. Call inside a write transaction.
pub fn update_profile(
    conn: &mut DbConn,
    id: &str,
    display_name: &str,
    is_admin: bool,
    is_therapist: bool,
) -> Result<(User, User), AppError> {
    // Lock before reading, so two concurrent changes cannot both see "another admin remains".
    lock_accounts(conn)?;
    let before = find_by_id(conn, id)?;
    if before.is_admin && before.is_active && !is_admin {
        ensure_another_active_admin(conn, id)?;
    }
    diesel::update(users::table.find(id))
        .set((
            users::display_name.eq(display_name.trim()),
            users::name_key.eq(name_key(display_name)),
            users::is_admin.eq(is_admin),
            users::is_therapist.eq(is_therapist),
            users::updated_at.eq(Utc::now().naive_utc()),
        ))
        .execute(conn)?;
    Ok((before, find_by_id(conn, id)?))
}

/// Activates or deactivates an account. Call inside a write transaction.
pub fn set_active(conn: &mut DbConn, id: &str, active: bool) -> Result<User, AppError> {
    lock_accounts(conn)?;
    let user = find_by_id(conn, id)?;
    if user.is_admin && user.is_active && !active {
        ensure_another_active_admin(conn, id)?;
    }
    diesel::update(users::table.find(id))
        .set((users::is_active.eq(active), users::updated_at.eq(Utc::now().naive_utc())))
        .execute(conn)?;
    find_by_id(conn, id)
}

/// Replaces the password hash only if it is still `expected` (compare-and-swap), so a change
/// based on a stale read (say, racing an admin reset) fails instead of overwriting it.
pub fn replace_password(conn: &mut DbConn, id: &str, expected: &str, hash: &str) -> Result<(), AppError> {
    let changed = diesel::update(users::table.find(id))
        .filter(users::password_hash.eq(expected))
        .set((
            users::password_hash.eq(hash),
            users::must_change_password.eq(false),
            users::failed_logins.eq(0),
            users::updated_at.eq(Utc::now().naive_utc()),
        ))
        .execute(conn)?;
    if changed == 0 {
        return Err(AppError::Conflict("The password was changed meanwhile. Please sign in again.".into()));
    }
    Ok(())
}

/// Stores a new password hash; `must_change` forces a change at the next sign-in.
pub fn set_password(conn: &mut DbConn, id: &str, hash: &str, must_change: bool) -> Result<(), AppError> {
    let changed = diesel::update(users::table.find(id))
        .set((
            users::password_hash.eq(hash),
            users::must_change_password.eq(must_change),
            users::failed_logins.eq(0),
            users::updated_at.eq(Utc::now().naive_utc()),
        ))
        .execute(conn)?;
    if changed == 0 {
        return Err(AppError::NotFound);
    }
    Ok(())
}

pub fn record_failed_login(conn: &mut DbConn, id: &str) -> Result<(), AppError> {
    diesel::update(users::table.find(id))
        .set(users::failed_logins.eq(users::failed_logins + 1))
        .execute(conn)?;
    Ok(())
}

pub fn record_successful_login(conn: &mut DbConn, id: &str) -> Result<(), AppError> {
    diesel::update(users::table.find(id))
        .set((users::failed_logins.eq(0), users::last_login_at.eq(Some(Utc::now().naive_utc()))))
        .execute(conn)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_wildcards_are_escaped() {
        assert_eq!(escape_like("50%_a\\b"), "50\\%\\_a\\\\b");
    }

    #[test]
    fn emails_are_normalised() {
        assert_eq!(normalize_email("  Anna.Smith@Example.COM "), "anna.smith@example.com");
    }
}
