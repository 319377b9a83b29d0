//! Mail pages: the client's unsubscribe link, a therapist's "try again" on a failed email, and
//! the admin's view of delivery (status only, never the contents).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};

use crate::audit::audited;
use crate::audit::model::Action;
use crate::auth::jwt::Purpose;
use crate::error::AppError;
use crate::mail::views::{OutboxPage, UnsubscribePage};
use crate::mail::{outbox, unsubscribe};
use crate::web::flash::Flash;
use crate::web::page::{Ctx, ok, private, render};
use crate::web::request::{AdminRequest, PublicRequest, TherapistRequest};
use crate::web::state::AppState;

/// Rows on the admin's outbox page.
const OUTBOX_ROWS: i64 = 100;

fn unsubscribe_page(state: &AppState, ctx: Ctx, token: String, done: bool) -> Result<HttpResponse, AppError> {
    let page = UnsubscribePage { ctx, practice_name: state.config.practice_name.clone(), token, done };
    Ok(private(render(&page, StatusCode::OK)?))
}

pub async fn unsubscribe_form(
    req: PublicRequest,
    token: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let PublicRequest { state, ctx, actor } = req;
    let token = token.into_inner();
    state.throttle_link(actor.ip.as_deref())?;
    let claims = state.keys.verify(&token, Purpose::Unsubscribe);
    let client = state.db.run(move |conn| unsubscribe::find_client(conn, claims, &actor)).await?;
    let client = client.ok_or(AppError::NotFound)?;
    // Someone who already unsubscribed is told so, not asked again.
    unsubscribe_page(&state, ctx, token, !client.details.email_consent)
}

pub async fn unsubscribe(req: PublicRequest, token: web::Path<String>) -> Result<HttpResponse, AppError> {
    let PublicRequest { state, ctx, actor } = req;
    let token = token.into_inner();
    state.throttle_link(actor.ip.as_deref())?;
    let (claims, now) = (state.keys.verify(&token, Purpose::Unsubscribe), state.clock.now());
    if !state.db.write(move |conn| unsubscribe::withdraw(conn, claims, &actor, now)).await? {
        return Err(AppError::NotFound);
    }
    unsubscribe_page(&state, ctx, token, true)
}

pub async fn retry_email(req: TherapistRequest, id: web::Path<String>) -> Result<HttpResponse, AppError> {
    let TherapistRequest { state, me, actor, .. } = req;
    let (id, therapist, now) = (id.into_inner(), me.id().to_owned(), state.clock.now());
    let retry = move |conn: &mut crate::db::DbConn| outbox::retry_for_therapist(conn, &id, &therapist, now);
    let retried = audited::write(&state.db, actor, Action::EmailRetry, retry).await?;
    state.mail_queued.notify_one();
    let to = format!("/clients/{}", retried.client_id);
    Ok(state.see_other(&to, Flash::success("The email will be tried again.")))
}

/// Recent messages: who, what kind, and how delivery went. Never the bodies.
pub async fn list_outbox(req: AdminRequest) -> Result<HttpResponse, AppError> {
    let AdminRequest { state, ctx, .. } = req;
    let rows = state.db.run(move |conn| outbox::recent(conn, OUTBOX_ROWS)).await?;
    ok(&OutboxPage { ctx, rows })
}
