//! Follow-up pages: schedule one for a client, complete or cancel it, and the calendar feed.

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use crate::accounts::feeds;
use crate::audit::audited;
use crate::audit::model::Action;
use crate::auth::extractors::{Actor, TherapistUser};
use crate::auth::jwt::Purpose;
use crate::db::DbConn;
use crate::db::paging::{Page, PageRequest};
use crate::error::{AppError, FieldErrors};
use crate::followups::calendar;
use crate::followups::forms::FollowupForm;
use crate::followups::model;
use crate::followups::schedule::Bucket;
use crate::followups::views::{CalendarPage, DueListPage, FollowupPage, FollowupVocab};
use crate::web::flash::Flash;
use crate::web::form::Form;
use crate::web::page::{Ctx, invalid, ok};
use crate::web::paging::{Pager, query};
use crate::web::request::{PublicRequest, TherapistRequest};
use crate::web::state::AppState;

/// Follow-ups per page of a bucket's list.
const PAGE_SIZE: i64 = 50;

/// The form page for a client of this therapist.
async fn form_page(
    state: &AppState,
    me: &TherapistUser,
    client_id: String,
    ctx: Ctx,
    form: FollowupForm,
    errors: FieldErrors,
) -> Result<FollowupPage, AppError> {
    let therapist = me.id().to_owned();
    let clock = state.clock.clone();
    let context = state.db.run(move |conn| model::form_context(conn, &therapist, &client_id, &clock)).await?;
    let timezone = state.clock.tz().name().to_owned();
    let model::FormContext { client, findings, factors } = context;
    let (reminder_days, today) = (state.config.reminder_days_before, state.clock.today());
    Ok(FollowupPage {
        ctx,
        v: FollowupVocab,
        client,
        form,
        errors,
        timezone,
        findings,
        factors,
        reminder_days,
        today,
    })
}

pub async fn new_followup_form(
    req: TherapistRequest,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let TherapistRequest { state, me, ctx, .. } = req;
    let form = FollowupForm::initial(state.clock.today());
    ok(&form_page(&state, &me, id.into_inner(), ctx, form, FieldErrors::new()).await?)
}

pub async fn create_followup(
    req: TherapistRequest,
    id: web::Path<String>,
    form: Form<FollowupForm>,
) -> Result<HttpResponse, AppError> {
    let TherapistRequest { state, me, ctx, actor } = req;
    let (client_id, form) = (id.into_inner(), form.into_inner());
    let (therapist, target, clock) = (me.id().to_owned(), client_id.clone(), state.clock.clone());
    let result = match form.validate(clock.today()) {
        Err(errors) => Err(AppError::Validation(errors)),
        Ok(fields) => {
            let schedule = move |conn: &mut DbConn| model::insert(conn, &therapist, &target, &fields, &clock);
            audited::write(&state.db, actor, Action::FollowupCreate, schedule).await
        }
    };
    match result {
        Ok(followup) => {
            let chart = format!("/clients/{}", followup.client_id);
            Ok(state.see_other(&chart, Flash::success("Follow-up scheduled.")))
        }
        Err(AppError::Validation(errors)) => {
            invalid(&form_page(&state, &me, client_id, ctx, form, errors).await?)
        }
        Err(err) => Err(err),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DueParams {
    due: String,
    after: String,
}

/// The therapist's open follow-ups, all of them or one bucket's (overdue, today, the next seven
/// days, later), soonest due first, in pages.
pub async fn list_due(
    req: TherapistRequest,
    params: web::Query<DueParams>,
) -> Result<HttpResponse, AppError> {
    let TherapistRequest { state, me, ctx, .. } = req;
    let bucket = match params.due.as_str() {
        "" => None,
        code => Some(Bucket::parse(code).ok_or(AppError::NotFound)?),
    };
    let (therapist, today, request) =
        (me.id().to_owned(), state.clock.today(), PageRequest::after(&params.after, PAGE_SIZE));
    let window = request.clone();
    let (total, rows) =
        state.db.run(move |conn| model::due_page(conn, &therapist, bucket, today, &window)).await?;
    let page = Page::from_fetched(rows, &request, |row| row.followup.id.clone());
    let pager = Pager::more(&page, "More", |after| {
        let due = bucket.map(Bucket::code).unwrap_or_default();
        format!("/followups{}", query(&[("due", due), ("after", after)]))
    });
    ok(&DueListPage { ctx, bucket, total, rows: page.rows, pager })
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct BackForm {
    /// "dashboard" to return to the home page, "due:<bucket>" to a follow-up list; otherwise
    /// the client's chart.
    back: String,
}

async fn close(
    state: &AppState,
    me: &TherapistUser,
    actor: Actor,
    id: String,
    back: &str,
    done: bool,
) -> Result<HttpResponse, AppError> {
    let (therapist, clock) = (me.id().to_owned(), state.clock.clone());
    let action = if done { Action::FollowupDone } else { Action::FollowupCancel };
    let close = move |conn: &mut DbConn| model::close(conn, &therapist, &id, done, &clock);
    let closed = audited::write(&state.db, actor, action, close).await?;
    let message = match (done, closed.next) {
        (true, Some(next)) => format!("Done. The next one is due {}.", next.due_date.format("%Y-%m-%d")),
        (true, None) => "Done.".to_owned(),
        (false, _) => "Cancelled.".to_owned(),
    };
    let to = match back.strip_prefix("due:") {
        _ if back == "dashboard" => "/".to_owned(),
        Some("") => "/followups".to_owned(),
        Some(code) if Bucket::parse(code).is_some() => format!("/followups?due={code}"),
        _ => format!("/clients/{}", closed.followup.client_id),
    };
    Ok(state.see_other(&to, Flash::success(message)))
}

pub async fn complete_followup(
    req: TherapistRequest,
    id: web::Path<String>,
    form: Form<BackForm>,
) -> Result<HttpResponse, AppError> {
    let TherapistRequest { state, me, actor, .. } = req;
    close(&state, &me, actor, id.into_inner(), &form.into_inner().back, true).await
}

pub async fn cancel_followup(
    req: TherapistRequest,
    id: web::Path<String>,
    form: Form<BackForm>,
) -> Result<HttpResponse, AppError> {
    let TherapistRequest { state, me, actor, .. } = req;
    close(&state, &me, actor, id.into_inner(), &form.into_inner().back, false).await
}

pub async fn calendar_page(req: TherapistRequest) -> Result<HttpResponse, AppError> {
    let TherapistRequest { state, me, ctx, .. } = req;
    let therapist = me.id().to_owned();
    let feed = state.db.run(move |conn| feeds::current(conn, &therapist)).await?;
    let url = feed.map(|feed| feeds::url(&state.keys, &state.config.public_base(), &feed));
    ok(&CalendarPage { ctx, url })
}

pub async fn rotate_calendar(req: TherapistRequest) -> Result<HttpResponse, AppError> {
    let TherapistRequest { state, me, actor, .. } = req;
    let (therapist, now) = (me.id().to_owned(), state.clock.now());
    audited::write(&state.db, actor, Action::CalendarRotate, move |conn| {
        feeds::rotate(conn, &therapist, now)
    })
    .await?;
    let flash = Flash::success("A new calendar link is ready; any older link has stopped working.");
    Ok(state.see_other("/calendar", flash))
}

pub async fn revoke_calendar(req: TherapistRequest) -> Result<HttpResponse, AppError> {
    let TherapistRequest { state, me, actor, .. } = req;
    let (therapist, now) = (me.id().to_owned(), state.clock.now());
    state.db.write(move |conn| feeds::revoke_audited(conn, &therapist, &actor, now)).await?;
    Ok(state.see_other("/calendar", Flash::success("The calendar link no longer works.")))
}

/// The feed itself, fetched by calendar apps without a session.
pub async fn calendar_feed(req: PublicRequest, token: web::Path<String>) -> Result<HttpResponse, AppError> {
    let PublicRequest { state, actor, .. } = req;
    state.throttle_link(actor.ip.as_deref())?;
    let claims = state.keys.verify(&token.into_inner(), Purpose::CalendarFeed).ok_or(AppError::NotFound)?;
    let today = state.clock.today();
    let rows = state.db.run(move |conn| calendar::feed_rows(conn, &claims, &actor, today)).await?;
    let body = calendar::render(&rows, &state.config.practice_name, state.clock.tz());
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/calendar; charset=utf-8"))
        .insert_header((header::CONTENT_DISPOSITION, "inline; filename=\"myochart-follow-ups.ics\""))
        .insert_header((header::HeaderName::from_static("x-robots-tag"), "noindex"))
        .body(body))
}
