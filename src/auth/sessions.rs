//! Server-side session rows. A login token is only honoured while its row exists, so deleting
//! rows revokes tokens at once (sign-out, password change, deactivation, role change).

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use crate::auth::users::User;
use crate::db::DbConn;
use crate::db::schema::{sessions, users};
use crate::error::AppError;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = sessions)]
pub struct Session {
    pub id: String,
    pub user_id: String,
    pub created_at: NaiveDateTime,
    pub last_seen_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub ip: Option<String>,
}

/// How long sessions live.
#[derive(Debug, Clone, Copy)]
pub struct Lifetimes {
    pub idle: Duration,
    pub absolute: Duration,
}

impl Session {
    /// Whether the session is still usable at `now`.
    pub fn is_live(&self, now: NaiveDateTime, lifetimes: Lifetimes) -> bool {
        now < self.expires_at && now < self.last_seen_at + lifetimes.idle
    }

    /// When a token issued at `now` should expire: the idle limit, capped by the absolute one.
    pub fn token_expiry(&self, now: NaiveDateTime, lifetimes: Lifetimes) -> NaiveDateTime {
        (now + lifetimes.idle).min(self.expires_at)
    }
}

pub fn insert(
    conn: &mut DbConn,
    user_id: &str,
    ip: Option<String>,
    now: NaiveDateTime,
    lifetimes: Lifetimes,
) -> Result<Session, AppError> {
    let session = Session {
        id: uuid::Uuid::now_v7().to_string(),
        user_id: user_id.to_owned(),
        created_at: now,
        last_seen_at: now,
        expires_at: now + lifetimes.absolute,
        ip,
    };
    diesel::insert_into(sessions::table).values(&session).execute(conn)?;
    Ok(session)
}

/// The session and its user, in one query.
pub fn find_with_user(conn: &mut DbConn, id: &str) -> Result<Option<(Session, User)>, AppError> {
    Ok(sessions::table
        .inner_join(users::table)
        .filter(sessions::id.eq(id))
        .select((Session::as_select(), User::as_select()))
        .first(conn)
        .optional()?)
}

pub fn touch(conn: &mut DbConn, id: &str, now: NaiveDateTime) -> Result<(), AppError> {
    diesel::update(sessions::table.find(id)).set(sessions::last_seen_at.eq(now)).execute(conn)?;
    Ok(())
}

/// Ends one session. Returns whether it still existed.
pub fn delete(conn: &mut DbConn, id: &str) -> Result<bool, AppError> {
    Ok(diesel::delete(sessions::table.find(id)).execute(conn)? == 1)
}

/// Ends every session of a user. Returns how many were ended.
pub fn delete_for_user(conn: &mut DbConn, user_id: &str) -> Result<usize, AppError> {
    Ok(diesel::delete(sessions::table.filter(sessions::user_id.eq(user_id))).execute(conn)?)
}

/// Removes sessions that can no longer be used.
pub fn delete_expired(
    conn: &mut DbConn,
    now: NaiveDateTime,
    lifetimes: Lifetimes,
) -> Result<usize, AppError> {
    Ok(diesel::delete(
        sessions::table
            .filter(sessions::expires_at.le(now).or(sessions::last_seen_at.le(now - lifetimes.idle))),
    )
    .execute(conn)?)
}
