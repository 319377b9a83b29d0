//! User accounts as stored: the rows and the lookups sign-in and sessions need. The rules of
//! managing accounts (the last admin, roles, resets) live in the `accounts` area.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::users;
use crate::error::AppError;

#[derive(Clone, Queryable, Selectable, Identifiable, Insertable)]
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

/// Leaves the password hash and the name out, so no log line or panic message can carry them.
impl std::fmt::Debug for User {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("User")
            .field("id", &self.id)
            .field("is_admin", &self.is_admin)
            .field("is_therapist", &self.is_therapist)
            .field("is_active", &self.is_active)
            .finish_non_exhaustive()
    }
}

/// What a new account starts with.
pub struct NewAccount<'a> {
    pub email: &'a str,
    pub display_name: &'a str,
    pub password_hash: String,
    pub is_admin: bool,
    pub is_therapist: bool,
    /// A temporary password (set by an admin) must be replaced at the first sign-in.
    pub must_change_password: bool,
}

impl User {
    /// A new, active account created at `now`.
    pub fn new(account: NewAccount, now: NaiveDateTime) -> User {
        User {
            id: uuid::Uuid::now_v7().to_string(),
            email: normalize_email(account.email),
            display_name: account.display_name.trim().to_owned(),
            name_key: name_key(account.display_name),
            password_hash: account.password_hash,
            is_admin: account.is_admin,
            is_therapist: account.is_therapist,
            is_active: true,
            must_change_password: account.must_change_password,
            failed_logins: 0,
            last_login_at: None,
            created_at: now,
            updated_at: now,
        }
    }

    /// "Admin, therapist" etc. for lists.
    pub fn roles_label(&self) -> &'static str {
        match (self.is_admin, self.is_therapist) {
            (true, true) => "Admin, therapist",
            (true, false) => "Admin",
            (false, true) => "Therapist",
            (false, false) => "No role",
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
pub fn insert(conn: &mut DbConn, user: &User) -> Result<User, AppError> {
    const TAKEN: &str = "An account with this email already exists.";
    if find_by_email(conn, &user.email)?.is_some() {
        return Err(AppError::field("email", TAKEN));
    }
    // A concurrent insert of the same email trips the unique index instead.
    diesel::insert_into(users::table).values(user).execute(conn).map_err(|e| match AppError::from(e) {
        AppError::Conflict(_) => AppError::field("email", TAKEN),
        other => other,
    })?;
    find_by_id(conn, &user.id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised() {
        assert_eq!(normalize_email("  Anna.Smith@Example.COM "), "anna.smith@example.com");
    }
}
