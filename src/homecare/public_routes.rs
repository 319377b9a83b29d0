//! The client's side: no account, only the private link from the email. Every request checks
//! the token's signature and purpose, then that its link row is live and belongs to the same
//! client. Pages are noindex and no-store; requests are throttled per IP.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};

use crate::auth::extractors::Actor;
use crate::auth::jwt::Purpose;
use crate::error::AppError;
use crate::homecare::forms::{DoneForm, PainForm};
use crate::homecare::links::{self, Access};
use crate::homecare::views::ClientRoutinePage;
use crate::web::flash::see_other;
use crate::web::form::Form;
use crate::web::page::{Ctx, private, render};
use crate::web::request::PublicRequest;
use crate::web::state::AppState;

/// The live link behind `token`, or 404 (audited).
async fn resolve(state: &AppState, token: &str, actor: Actor) -> Result<Access, AppError> {
    state.throttle_link(actor.ip.as_deref())?;
    let (claims, now) = (state.keys.verify(token, Purpose::ClientLink), state.clock.now());
    state.db.run(move |conn| links::resolve(conn, claims, &actor, now)).await
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
    let today = state.clock.today();
    let (first_name, routine) = (access.client.greeting_name(), access.routine.clone());
    let shown = state.db.run(move |conn| links::open(conn, &access, today)).await?;
    let status = if pain_error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let page = ClientRoutinePage {
        ctx,
        practice_name: state.config.practice_name.clone(),
        first_name,
        token,
        routine,
        items: shown.items,
        done_today: shown.done,
        pain_today: shown.pain,
        pain_error,
    };
    Ok(private(render(&page, status)?))
}

pub async fn show(req: PublicRequest, token: web::Path<String>) -> Result<HttpResponse, AppError> {
    let PublicRequest { state, ctx, actor } = req;
    let token = token.into_inner();
    let access = resolve(&state, &token, actor).await?;
    page(&state, access, ctx, token, None).await
}

pub async fn mark_done(
    req: PublicRequest,
    token: web::Path<String>,
    form: Form<DoneForm>,
) -> Result<HttpResponse, AppError> {
    let PublicRequest { state, actor, .. } = req;
    let (token, form) = (token.into_inner(), form.into_inner());
    let access = resolve(&state, &token, actor).await?;
    let (today, now, done) = (state.clock.today(), state.clock.now(), form.done());
    let item = form.item_id.clone();
    state.db.write(move |conn| links::check_in(conn, &access, &form.item_id, today, done, now)).await?;
    // Back to the exercise just ticked, not the top of the page.
    Ok(private(see_other(&format!("{}#item-{item}", link_url(&token)))))
}

pub async fn report_pain(
    req: PublicRequest,
    token: web::Path<String>,
    form: Form<PainForm>,
) -> Result<HttpResponse, AppError> {
    let PublicRequest { state, ctx, actor } = req;
    let token = token.into_inner();
    let access = resolve(&state, &token, actor).await?;
    let Some(pain) = form.into_inner().pain() else {
        let message = "Choose a number from 0 (no pain) to 10 (worst imaginable).";
        return page(&state, access, ctx, token, Some(message.into())).await;
    };
    let (today, now) = (state.clock.today(), state.clock.now());
    state.db.write(move |conn| links::check_in_pain(conn, &access, today, pain, now)).await?;
    Ok(private(see_other(&format!("{}#pain-today", link_url(&token)))))
}
