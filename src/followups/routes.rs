//! Follow-up pages: schedule one for a client, complete or cancel it, and the calendar feed.

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use chrono::{Duration, Utc};
use serde::Deserialize;

use crate::AppState;
use crate::audit::model::{self as audit, Action, Actor, Outcome};
use crate::auth::extractors::TherapistUser;
use crate::auth::jwt::Purpose;
use crate::clients::model as clients;
use crate::error::{AppError, FieldErrors};
use crate::followups::calendar;
use crate::followups::forms::FollowupForm;
use crate::followups::model;
use crate::followups::views::{CalendarPage, FollowupPage, FollowupVocab};
use crate::web::flash::{Flash, see_other_with};
use crate::web::page::{Ctx, invalid, ok};

/// (id, label) pairs for a select box.
type Choices = Vec<(String, String)>;

/// The client's findings and factors, as (id, label) choices.
fn choices(conn: &mut crate::db::DbConn, client_id: &str) -> Result<(Choices, Choices), AppError> {
    let mut findings: Vec<(String, String)> = crate::charting::findings::list_for_client(conn, client_id)?
        .into_iter()
        .map(|(f, m, date)| (f.id, format!("{} ({}), {}", m.name, f.side, date.format("%Y-%m-%d"))))
        .collect();
    findings.reverse();
    let factors = crate::charting::factors::list_for_client(conn, client_id)?
        .into_iter()
        .map(|f| (f.id, f.factor))
        .collect();
    Ok((findings, factors))
}

/// The form page for a client of this therapist.
async fn form_page(
    state: &AppState,
    therapist: String,
    client_id: String,
    ctx: Ctx,
    form: FollowupForm,
    errors: FieldErrors,
) -> Result<FollowupPage, AppError> {
    let (client, (findings, factors)) = state
        .db
        .run(move |conn| {
            let client = clients::find_for_therapist(conn, &client_id, &therapist)?;
            let lists = choices(conn, &client.id)?;
            Ok((client, lists))
        })
        .await?;
    Ok(FollowupPage {
        ctx,
        v: FollowupVocab,
        client,
        form,
        errors,
        timezone: state.config.timezone.clone(),
        findings,
        factors,
    })
}

pub async fn new_followup_form(
    state: web::Data<AppState>,
    me: TherapistUser,
    ctx: Ctx,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let form = FollowupForm::initial(state.today());
    ok(&form_page(&state, me.id().to_owned(), id.into_inner(), ctx, form, FieldErrors::new()).await?)
}

pub async fn create_followup(
    state: web::Data<AppState>,
    me: TherapistUser,
    ctx: Ctx,
    actor: Actor,
    id: web::Path<String>,
    form: web::Form<FollowupForm>,
) -> Result<HttpResponse, AppError> {
    let (id, therapist, form) = (id.into_inner(), me.id().to_owned(), form.into_inner());
    let tz = state.config.tz();
    let result = match form.validate(state.today()) {
        Err(errors) => Err(AppError::Validation(errors)),
        Ok(fields) => {
            let (id, therapist) = (id.clone(), therapist.clone());
            state
                .db
                .write(move |conn| {
                    let client = clients::find_for_therapist(conn, &id, &therapist)?;
                    // Only this client's findings and factors can be linked.
                    let (findings, factors) = choices(conn, &client.id)?;
                    if fields.finding_id.as_ref().is_some_and(|f| !findings.iter().any(|(id, _)| id == f)) {
                        return Err(AppError::field(
                            "finding_id",
                            "Choose one of this client's trigger points.",
                        ));
                    }
                    if fields.factor_id.as_ref().is_some_and(|f| !factors.iter().any(|(id, _)| id == f)) {
                        return Err(AppError::field("factor_id", "Choose one of this client's factors."));
                    }
                    let followup = model::insert(conn, &client, &therapist, &fields, tz)?;
                    let detail = Some(format!("client {}", client.id));
                    audit::record(
                        conn,
                        &actor,
                        Action::FollowupCreate,
                        Some(("followup", &followup.id)),
                        Outcome::Success,
                        detail,
                    )?;
                    Ok(client.id)
                })
                .await
        }
    };
    match result {
        Ok(client_id) => Ok(see_other_with(
            &state.cookie_names,
            &format!("/clients/{client_id}"),
            Flash::success("Follow-up scheduled."),
        )),
        Err(AppError::Validation(errors)) => {
            invalid(&form_page(&state, therapist, id, ctx, form, errors).await?)
        }
        Err(err) => Err(err),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct BackForm {
    /// "dashboard" to return to the home page; otherwise the client's chart.
    back: String,
}

async fn close(
    state: web::Data<AppState>,
    me: TherapistUser,
    actor: Actor,
    id: String,
    back: String,
    done: bool,
) -> Result<HttpResponse, AppError> {
    let therapist = me.id().to_owned();
    let tz = state.config.tz();
    let (client_id, next) = state
        .db
        .write(move |conn| {
            let followup = model::find_for_therapist(conn, &id, &therapist)?;
            let next = if done {
                model::complete(conn, &followup, tz)?
            } else {
                model::cancel(conn, &followup)?;
                None
            };
            let action = if done { Action::FollowupDone } else { Action::FollowupCancel };
            audit::record(conn, &actor, action, Some(("followup", &followup.id)), Outcome::Success, None)?;
            Ok((followup.client_id, next))
        })
        .await?;
    let message = match (done, next) {
        (true, Some(next)) => format!("Done. The next one is due {}.", next.due_date.format("%Y-%m-%d")),
        (true, None) => "Done.".to_owned(),
        (false, _) => "Cancelled.".to_owned(),
    };
    let to = if back == "dashboard" { "/".to_owned() } else { format!("/clients/{client_id}") };
    Ok(see_other_with(&state.cookie_names, &to, Flash::success(message)))
}

pub async fn complete_followup(
    state: web::Data<AppState>,
    me: TherapistUser,
    actor: Actor,
    id: web::Path<String>,
    form: web::Form<BackForm>,
) -> Result<HttpResponse, AppError> {
    close(state, me, actor, id.into_inner(), form.into_inner().back, true).await
}

pub async fn cancel_followup(
    state: web::Data<AppState>,
    me: TherapistUser,
    actor: Actor,
    id: web::Path<String>,
    form: web::Form<BackForm>,
) -> Result<HttpResponse, AppError> {
    close(state, me, actor, id.into_inner(), form.into_inner().back, false).await
}

fn feed_url(state: &AppState, feed: &calendar::Feed) -> String {
    let exp = (feed.created_at + Duration::days(365 * calendar::FEED_YEARS)).and_utc().timestamp();
    let token = state.keys.issue(Purpose::CalendarFeed, &feed.therapist_id, &feed.id, exp);
    format!("{}/calendar/feed/{token}", state.config.public_url)
}

pub async fn calendar_page(
    state: web::Data<AppState>,
    me: TherapistUser,
    ctx: Ctx,
) -> Result<HttpResponse, AppError> {
    let therapist = me.id().to_owned();
    let feed = state.db.run(move |conn| calendar::current(conn, &therapist)).await?;
    ok(&CalendarPage { ctx, url: feed.map(|f| feed_url(&state, &f)) })
}

pub async fn rotate_calendar(
    state: web::Data<AppState>,
    me: TherapistUser,
    actor: Actor,
) -> Result<HttpResponse, AppError> {
    let therapist = me.id().to_owned();
    state
        .db
        .write(move |conn| {
            let feed = calendar::rotate(conn, &therapist, Utc::now().naive_utc())?;
            audit::record(
                conn,
                &actor,
                Action::CalendarRotate,
                Some(("calendar", &feed.id)),
                Outcome::Success,
                None,
            )
        })
        .await?;
    Ok(see_other_with(
        &state.cookie_names,
        "/calendar",
        Flash::success("A new calendar link is ready; any older link has stopped working."),
    ))
}

pub async fn revoke_calendar(
    state: web::Data<AppState>,
    me: TherapistUser,
    actor: Actor,
) -> Result<HttpResponse, AppError> {
    let therapist = me.id().to_owned();
    state
        .db
        .write(move |conn| {
            calendar::revoke(conn, &therapist, Utc::now().naive_utc())?;
            audit::record(conn, &actor, Action::CalendarRevoke, None, Outcome::Success, None)
        })
        .await?;
    Ok(see_other_with(&state.cookie_names, "/calendar", Flash::success("The calendar link no longer works.")))
}

/// The feed itself, fetched by calendar apps without a session.
pub async fn calendar_feed(
    state: web::Data<AppState>,
    actor: Actor,
    token: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    if let Err(retry_after_secs) = state.link_throttle.check(actor.ip.as_deref().unwrap_or_default()) {
        return Err(AppError::TooManyRequests { retry_after_secs });
    }
    let claims = state.keys.verify(&token.into_inner(), Purpose::CalendarFeed).ok_or(AppError::NotFound)?;
    let today = state.today();
    let rows = state
        .db
        .run(move |conn| {
            calendar::find_live(conn, &claims.sid, &claims.sub)?.ok_or(AppError::NotFound)?;
            let rows = model::open_from(conn, &claims.sub, today - Duration::days(30))?;
            let actor =
                Actor { user_id: Some(claims.sub.clone()), label: Some("calendar app".into()), ..actor };
            audit::record(
                conn,
                &actor,
                Action::CalendarFetch,
                Some(("calendar", &claims.sid)),
                Outcome::Success,
                None,
            )?;
            Ok(rows)
        })
        .await?;
    let body = calendar::render(&rows, &state.config.practice_name, state.config.tz());
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/calendar; charset=utf-8"))
        .insert_header((header::CONTENT_DISPOSITION, "inline; filename=\"myochart-follow-ups.ics\""))
        .insert_header((header::HeaderName::from_static("x-robots-tag"), "noindex"))
        .body(body))
}
