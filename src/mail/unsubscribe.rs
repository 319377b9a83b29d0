//! The unsubscribe link every email to a client carries: a signed token naming the client,
//! valid long after any routine link, since withdrawing consent must stay possible.

use chrono::{Duration, NaiveDateTime};

use crate::audit::model::{self as audit, Action, Outcome};
use crate::auth::extractors::Actor;
use crate::auth::jwt::{Claims, Keys, Purpose};
use crate::clients::model::{self as clients, Client};
use crate::db::DbConn;
use crate::error::AppError;

/// How long an unsubscribe link works.
pub const UNSUBSCRIBE_DAYS: i64 = 730;

/// The unsubscribe address for `client_id`; `sid` names what the email came with.
pub fn url(keys: &Keys, public_base: &str, client_id: &str, sid: &str, now: NaiveDateTime) -> String {
    let exp = (now + Duration::days(UNSUBSCRIBE_DAYS)).and_utc().timestamp();
    format!("{public_base}/u/{}", keys.issue(Purpose::Unsubscribe, client_id, sid, exp))
}

/// The client a verified unsubscribe token names, or `None` after auditing the refusal. Only
/// the signature, purpose and expiry count: a revoked routine link must not stop anyone from
/// withdrawing consent.
pub fn find_client(
    conn: &mut DbConn,
    claims: Option<Claims>,
    actor: &Actor,
) -> Result<Option<Client>, AppError> {
    let client = match &claims {
        Some(claims) => clients::find_by_link(conn, &claims.sub)?,
        None => None,
    };
    if client.is_none() {
        let actor = actor.anonymous("unsubscribe link");
        audit::record(conn, &actor, Action::LinkRefused, None, Outcome::Denied, None)?;
    }
    Ok(client)
}

/// Withdraws the named client's consent to email, audited. `false` when the token names no
/// client: the refusal is audited and kept (the caller answers 404 without rolling it back).
pub fn withdraw(
    conn: &mut DbConn,
    claims: Option<Claims>,
    actor: &Actor,
    now: NaiveDateTime,
) -> Result<bool, AppError> {
    let Some(client) = find_client(conn, claims, actor)? else {
        return Ok(false);
    };
    if client.details.email_consent {
        clients::withdraw_consent(conn, &client, now)?;
        let actor = actor.anonymous("client via unsubscribe link");
        audit::record(
            conn,
            &actor,
            Action::ConsentWithdraw,
            Some(("client", &client.id)),
            Outcome::Success,
            None,
        )?;
    }
    Ok(true)
}
