//! The therapist's side of home care: build a routine from the client's active trigger points,
//! preview it, send it (queued in the same transaction), revoke links, add library items.

use std::collections::HashMap;

use actix_web::http::header;
use actix_web::{HttpResponse, web};

use crate::audit::audited;
use crate::audit::model::Action;
use crate::auth::extractors::TherapistUser;
use crate::charting::catalog;
use crate::db::DbConn;
use crate::error::{AppError, FieldErrors};
use crate::homecare::emails::{self, Sender};
use crate::homecare::forms::{ExerciseForm, RoutineForm, RowInput};
use crate::homecare::views::{BuilderPage, ExerciseFormPage, RoutinePage};
use crate::homecare::{builder, library, links, model, show};
use crate::mail::practice::Practice;
use crate::web::flash::Flash;
use crate::web::form::Form;
use crate::web::page::{Ctx, invalid, ok};
use crate::web::request::TherapistRequest;
use crate::web::state::AppState;

fn routine_url(id: &str) -> String {
    format!("/routines/{id}")
}

/// The builder for a client of this therapist; rows as typed when a form came back.
async fn builder_page(
    state: &AppState,
    me: &TherapistUser,
    ctx: Ctx,
    client_id: String,
    typed: Option<(RoutineForm, FieldErrors)>,
) -> Result<BuilderPage, AppError> {
    let therapist = me.id().to_owned();
    let proposal = state.db.run(move |conn| builder::propose(conn, &therapist, &client_id)).await?;
    let mut page = BuilderPage {
        ctx,
        client: proposal.client,
        intro: proposal.intro,
        rows: proposal.rows,
        errors: FieldErrors::new(),
        active_muscles: proposal.active_muscles,
    };
    if let Some((form, errors)) = typed {
        let typed: HashMap<String, RowInput> =
            form.rows().into_iter().map(|r| (r.exercise_id.clone(), r)).collect();
        let mut marked = form.row_errors();
        for row in &mut page.rows {
            if let Some(input) = typed.get(&row.exercise.id) {
                row.input = input.clone();
            }
            row.errors = marked.remove(&row.exercise.id).unwrap_or_default();
        }
        page.intro = form.intro;
        page.errors = errors;
    }
    Ok(page)
}

pub async fn build_routine_form(
    req: TherapistRequest,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let TherapistRequest { state, me, ctx, .. } = req;
    ok(&builder_page(&state, &me, ctx, id.into_inner(), None).await?)
}

pub async fn save_routine(
    req: TherapistRequest,
    id: web::Path<String>,
    form: Form<RoutineForm>,
) -> Result<HttpResponse, AppError> {
    let TherapistRequest { state, me, ctx, actor } = req;
    let (client_id, form) = (id.into_inner(), form.into_inner());
    let (therapist, target, now) = (me.id().to_owned(), client_id.clone(), state.clock.now());
    let result = match form.validate() {
        Err(errors) => Err(AppError::Validation(errors)),
        Ok((intro, chosen)) => {
            let save = move |conn: &mut DbConn| builder::save(conn, &therapist, &target, &intro, chosen, now);
            audited::write(&state.db, actor, Action::RoutineSave, save).await
        }
    };
    match result {
        Ok(routine) => {
            let flash = Flash::success("Draft saved. Check the preview, then send.");
            Ok(state.see_other(&routine_url(&routine.id), flash))
        }
        Err(AppError::Validation(errors)) => {
            invalid(&builder_page(&state, &me, ctx, client_id, Some((form, errors))).await?)
        }
        Err(err) => Err(err),
    }
}

pub async fn show_routine(req: TherapistRequest, id: web::Path<String>) -> Result<HttpResponse, AppError> {
    let TherapistRequest { state, me, ctx, .. } = req;
    let (therapist, id) = (me.id().to_owned(), id.into_inner());
    let (practice, clock) = (Practice::from_config(&state.config), state.clock.clone());
    let shown = state.db.run(move |conn| show::routine(conn, &therapist, &id, &practice, &clock)).await?;
    ok(&RoutinePage {
        ctx,
        client: shown.client,
        routine: shown.routine,
        items: shown.items,
        preview_html: shown.preview_html,
        adherence: shown.adherence,
        blocked: shown.blocked,
        emails: shown.emails,
    })
}

/// The email preview on its own, for the sandboxed frame on the routine page. Email HTML needs
/// inline styles, so this one response relaxes the style policy and may be framed by our pages.
pub async fn routine_email_preview(
    req: TherapistRequest,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let TherapistRequest { state, me, .. } = req;
    let (therapist, id) = (me.id().to_owned(), id.into_inner());
    let (routine, client, items) =
        state.db.run(move |conn| model::find_with_items(conn, &id, &therapist)).await?;
    let practice = Practice::from_config(&state.config);
    let html = emails::preview(&practice, &client, &routine, &items, "#")
        .unwrap_or_else(|| "<p>No email address.</p>".into());
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_SECURITY_POLICY, "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'self'; base-uri 'none'; form-action 'none'"))
        .insert_header((header::X_FRAME_OPTIONS, "SAMEORIGIN"))
        .content_type("text/html; charset=utf-8")
        .body(html))
}

pub async fn send_routine(req: TherapistRequest, id: web::Path<String>) -> Result<HttpResponse, AppError> {
    let TherapistRequest { state, me, actor, .. } = req;
    let (therapist, id, now) = (me.id().to_owned(), id.into_inner(), state.clock.now());
    let sender = Sender::from_state(&state);
    let send = move |conn: &mut DbConn| emails::send(conn, &therapist, &id, &sender, now);
    let sent = audited::write(&state.db, actor, Action::RoutineSend, send).await?;
    state.mail_queued.notify_one();
    let flash = Flash::success(format!("Version {} is on its way to {}.", sent.routine.version, sent.to));
    Ok(state.see_other(&routine_url(&sent.routine.id), flash))
}

pub async fn revoke_links(req: TherapistRequest, id: web::Path<String>) -> Result<HttpResponse, AppError> {
    let TherapistRequest { state, me, actor, .. } = req;
    let (therapist, id, now) = (me.id().to_owned(), id.into_inner(), state.clock.now());
    let revoke = move |conn: &mut DbConn| links::revoke_for_therapist(conn, &therapist, &id, now);
    let revoked = audited::write(&state.db, actor, Action::LinksRevoke, revoke).await?;
    let flash = Flash::success(format!("{} private links no longer work.", revoked.count));
    Ok(state.see_other(&format!("/clients/{}", revoked.client_id), flash))
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct BackQuery {
    /// A client id whose builder to return to.
    client: String,
}

async fn exercise_page(
    state: &AppState,
    ctx: Ctx,
    form: ExerciseForm,
    errors: FieldErrors,
    back: String,
) -> Result<HttpResponse, AppError> {
    let muscles = state.db.run(catalog::all).await?;
    let page = ExerciseFormPage { ctx, form, errors, muscles, back };
    if page.errors.is_empty() { ok(&page) } else { invalid(&page) }
}

pub async fn new_exercise_form(
    req: TherapistRequest,
    query: web::Query<BackQuery>,
) -> Result<HttpResponse, AppError> {
    let TherapistRequest { state, ctx, .. } = req;
    exercise_page(&state, ctx, ExerciseForm::initial(), FieldErrors::new(), query.into_inner().client).await
}

/// Back to the builder the therapist came from, if it names a client id we can put in a path.
fn back_to(client_id: &str) -> String {
    if !client_id.is_empty() && client_id.chars().all(|c| c.is_ascii_hexdigit() || c == '-') {
        format!("/clients/{client_id}/routine")
    } else {
        "/".to_owned()
    }
}

pub async fn create_exercise(
    req: TherapistRequest,
    query: web::Query<BackQuery>,
    form: Form<ExerciseForm>,
) -> Result<HttpResponse, AppError> {
    let TherapistRequest { state, me, ctx, actor } = req;
    let (form, back) = (form.into_inner(), query.into_inner().client);
    let item = match form.validate(me.id()) {
        Ok(item) => item,
        Err(errors) => return exercise_page(&state, ctx, form, errors, back).await,
    };
    let now = state.clock.now();
    let add = move |conn: &mut DbConn| library::insert_custom(conn, &item, now);
    match audited::write(&state.db, actor, Action::ExerciseCreate, add).await {
        Ok(row) => {
            let flash = Flash::success(format!("\"{}\" was added to the library.", row.title));
            Ok(state.see_other(&back_to(&back), flash))
        }
        Err(AppError::Validation(errors)) => exercise_page(&state, ctx, form, errors, back).await,
        Err(err) => Err(err),
    }
}
