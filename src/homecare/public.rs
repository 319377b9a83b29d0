//! The client's side: no account, only the private link from the email. Every request checks
//! the token's signature and purpose, then that its link row is live and belongs to the same
//! client. Pages are noindex and no-store; requests are throttled per IP.

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use chrono::Utc;

use crate::AppState;
use crate::audit::model::{self as audit, Action, Actor, Outcome};
use crate::auth::jwt::{Claims, Purpose};
use crate::clients::model::Client;
use crate::db::schema::clients;
use crate::error::AppError;
use crate::homecare::forms::{DoneForm, PainForm};
use crate::homecare::links::{self, ClientLink};
use crate::homecare::model::{self as routines, Routine};
use crate::homecare::views::{ClientRoutinePage, UnsubscribePage};
use crate::web::flash::see_other;
use crate::web::page::{Ctx, render};

/// What a valid link gives access to: that routine, for that client, and nothing else.
struct Access {
    link: ClientLink,
    client: Client,
    routine: Routine,
    actor: Actor,
}

/// Resolves a token for `purpose` into its live link, or refuses with 404 (audited).
async fn resolve(state: &AppState, token: &str, purpose: Purpose, actor: Actor) -> Result<Access, AppError> {
    if let Err(retry_after_secs) = state.link_throttle.check(actor.ip.as_deref().unwrap_or_default()) {
        return Err(AppError::TooManyRequests { retry_after_secs });
    }
    let claims: Option<Claims> = state.keys.verify(token, purpose);
    state
        .db
        .run(move |conn| {
            use diesel::prelude::*;
            let found = match &claims {
                Some(c) => links::find_live(conn, &c.sid, &c.sub, Utc::now().naive_utc())?,
                None => None,
            };
            let Some(link) = found else {
                let actor = Actor { label: Some("client link".into()), ..actor };
                audit::record(conn, &actor, Action::LinkRefused, None, Outcome::Denied, None)?;
                return Err(AppError::NotFound);
            };
            let client: Client =
                clients::table.find(&link.client_id).select(Client::as_select()).first(conn)?;
            let routine = routines::find_for_therapist(conn, &link.routine_id, &client.therapist_id)?.0;
            let actor = Actor { user_id: None, label: Some("client via private link".into()), ip: actor.ip };
            Ok(Access { link, client, routine, actor })
        })
        .await
}

/// Client pages are private: never indexed, never cached.
fn private(mut response: HttpResponse) -> HttpResponse {
    response.headers_mut().insert(
        header::HeaderName::from_static("x-robots-tag"),
        header::HeaderValue::from_static("noindex, nofollow"),
    );
    response
}

fn link_url(token: &str) -> String {
    format!("/r/{token}")
}

async fn page(
    state: &AppState,
    access: Access,
    ctx: Ctx,
    token: String,
    pain_error: Option<String>,
) -> Result<HttpResponse, AppError> {
    let routine_id = access.routine.id.clone();
    let today = state.today();
    let (items, done_today, pain_today) = state
        .db
        .run(move |conn| {
            let items = routines::items(conn, &routine_id)?;
            let done = links::done_on(conn, &routine_id, today)?;
            let pain = links::adherence(conn, &routine_id, today, today)?
                .pain
                .into_iter()
                .find(|(d, _)| *d == today)
                .map(|(_, p)| p);
            audit::record(
                conn,
                &access.actor,
                Action::LinkOpen,
                Some(("client", &access.client.id)),
                Outcome::Success,
                None,
            )?;
            Ok((items, done, pain))
        })
        .await?;
    let page = ClientRoutinePage {
        ctx,
        practice_name: state.config.practice_name.clone(),
        first_name: access.client.preferred_name.clone().unwrap_or(access.client.first_name),
        token,
        routine: access.routine,
        items,
        done_today,
        pain_today,
        pain_error: pain_error.clone(),
    };
    let status = if pain_error.is_some() {
        actix_web::http::StatusCode::UNPROCESSABLE_ENTITY
    } else {
        actix_web::http::StatusCode::OK
    };
    Ok(private(render(&page, status)?))
}

pub async fn show(
    state: web::Data<AppState>,
    ctx: Ctx,
    actor: Actor,
    token: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let token = token.into_inner();
    let access = resolve(&state, &token, Purpose::ClientLink, actor).await?;
    page(&state, access, ctx, token, None).await
}

pub async fn mark_done(
    state: web::Data<AppState>,
    actor: Actor,
    token: web::Path<String>,
    form: web::Form<DoneForm>,
) -> Result<HttpResponse, AppError> {
    let token = token.into_inner();
    let access = resolve(&state, &token, Purpose::ClientLink, actor).await?;
    let form = form.into_inner();
    let today = state.today();
    let done = form.done != "0";
    state
        .db
        .write(move |conn| {
            links::set_done(conn, &access.routine.id, &form.item_id, today, done)?;
            audit::record(
                conn,
                &access.actor,
                Action::LinkCheckin,
                Some(("client", &access.client.id)),
                Outcome::Success,
                Some(format!("link {}", access.link.id)),
            )
        })
        .await?;
    Ok(private(see_other(&link_url(&token))))
}

pub async fn report_pain(
    state: web::Data<AppState>,
    ctx: Ctx,
    actor: Actor,
    token: web::Path<String>,
    form: web::Form<PainForm>,
) -> Result<HttpResponse, AppError> {
    let token = token.into_inner();
    let access = resolve(&state, &token, Purpose::ClientLink, actor).await?;
    let today = state.today();
    let pain = match form.pain.trim().parse::<i32>() {
        Ok(p) if (0..=10).contains(&p) => p,
        _ => {
            return page(
                &state,
                access,
                ctx,
                token,
                Some("Choose a number from 0 (no pain) to 10 (worst imaginable).".into()),
            )
            .await;
        }
    };
    state
        .db
        .write(move |conn| {
            links::report_pain(conn, &access.routine.id, today, pain)?;
            audit::record(
                conn,
                &access.actor,
                Action::LinkCheckin,
                Some(("client", &access.client.id)),
                Outcome::Success,
                Some("pain".into()),
            )
        })
        .await?;
    Ok(private(see_other(&link_url(&token))))
}

/// The client an unsubscribe token names. Only the signature, purpose and expiry count: a
/// revoked or expired routine link must not stop anyone from withdrawing consent.
async fn unsubscribing(state: &AppState, token: &str, actor: Actor) -> Result<(Client, Actor), AppError> {
    if let Err(retry_after_secs) = state.link_throttle.check(actor.ip.as_deref().unwrap_or_default()) {
        return Err(AppError::TooManyRequests { retry_after_secs });
    }
    let claims = state.keys.verify(token, Purpose::Unsubscribe);
    state
        .db
        .run(move |conn| {
            use diesel::prelude::*;
            let client: Option<Client> = match &claims {
                Some(c) => clients::table.find(&c.sub).select(Client::as_select()).first(conn).optional()?,
                None => None,
            };
            let Some(client) = client else {
                let actor = Actor { label: Some("unsubscribe link".into()), ..actor };
                audit::record(conn, &actor, Action::LinkRefused, None, Outcome::Denied, None)?;
                return Err(AppError::NotFound);
            };
            Ok((
                client,
                Actor { user_id: None, label: Some("client via unsubscribe link".into()), ip: actor.ip },
            ))
        })
        .await
}

pub async fn unsubscribe_form(
    state: web::Data<AppState>,
    ctx: Ctx,
    actor: Actor,
    token: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let token = token.into_inner();
    unsubscribing(&state, &token, actor).await?;
    let page = UnsubscribePage { ctx, practice_name: state.config.practice_name.clone(), token, done: false };
    Ok(private(render(&page, actix_web::http::StatusCode::OK)?))
}

pub async fn unsubscribe(
    state: web::Data<AppState>,
    ctx: Ctx,
    actor: Actor,
    token: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let token = token.into_inner();
    let (client, actor) = unsubscribing(&state, &token, actor).await?;
    state
        .db
        .write(move |conn| {
            use diesel::prelude::*;
            let now = Utc::now().naive_utc();
            diesel::update(clients::table.find(&client.id))
                .set((
                    clients::email_consent.eq(false),
                    clients::email_consent_at.eq(Some(now)),
                    clients::updated_at.eq(now),
                ))
                .execute(conn)?;
            audit::record(
                conn,
                &actor,
                Action::ConsentWithdraw,
                Some(("client", &client.id)),
                Outcome::Success,
                None,
            )
        })
        .await?;
    let page = UnsubscribePage { ctx, practice_name: state.config.practice_name.clone(), token, done: true };
    Ok(private(render(&page, actix_web::http::StatusCode::OK)?))
}
