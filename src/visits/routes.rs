//! Visit pages: open a visit, edit the draft note, sign, add addenda. (Its trigger points:
//! `finding_routes`.)

use actix_web::{HttpResponse, web};

use crate::audit::audited;
use crate::audit::model::Action;
use crate::auth::extractors::TherapistUser;
use crate::db::DbConn;
use crate::error::{AppError, FieldErrors};
use crate::visits::forms::{AddendumForm, NewVisitForm, VisitForm};
use crate::visits::views::{NewVisitPage, VisitPage};
use crate::visits::{model, show};
use crate::web::flash::Flash;
use crate::web::form::Form;
use crate::web::page::{Ctx, invalid, ok};
use crate::web::request::TherapistRequest;
use crate::web::state::AppState;

pub fn visit_url(id: &str) -> String {
    format!("/visits/{id}")
}

/// The visit page of this therapist's client, audited as a read; the caller fills in what was
/// typed when a form comes back with errors.
pub async fn visit_page(
    state: &AppState,
    me: &TherapistUser,
    ctx: Ctx,
    id: String,
) -> Result<VisitPage, AppError> {
    let therapist = me.id().to_owned();
    let shown = state.db.run(move |conn| show::visit(conn, &therapist, &id)).await?;
    Ok(VisitPage::new(ctx, shown, &state.clock))
}

/// The new-visit form for a client of this therapist.
async fn new_visit_page(
    state: &AppState,
    me: &TherapistUser,
    ctx: Ctx,
    client_id: String,
    typed: Option<(NewVisitForm, FieldErrors)>,
) -> Result<NewVisitPage, AppError> {
    let therapist = me.id().to_owned();
    let (client, has_previous) =
        state.db.run(move |conn| model::client_with_history(conn, &therapist, &client_id)).await?;
    let (form, errors) =
        typed.unwrap_or_else(|| (NewVisitForm::initial(&state.clock, has_previous), FieldErrors::new()));
    Ok(NewVisitPage { ctx, client, form, errors, has_previous })
}

pub async fn new_visit_form(req: TherapistRequest, id: web::Path<String>) -> Result<HttpResponse, AppError> {
    let TherapistRequest { state, me, ctx, .. } = req;
    ok(&new_visit_page(&state, &me, ctx, id.into_inner(), None).await?)
}

pub async fn create_visit(
    req: TherapistRequest,
    id: web::Path<String>,
    form: Form<NewVisitForm>,
) -> Result<HttpResponse, AppError> {
    let TherapistRequest { state, me, ctx, actor } = req;
    let (client_id, form) = (id.into_inner(), form.into_inner());
    let opening = match form.validate(&state.clock) {
        Ok(opening) => opening,
        Err(errors) => {
            return invalid(&new_visit_page(&state, &me, ctx, client_id, Some((form, errors))).await?);
        }
    };
    let (therapist, now) = (me.id().to_owned(), state.clock.now());
    let open = move |conn: &mut DbConn| model::create_draft(conn, &therapist, &client_id, opening, now);
    let visit = audited::write(&state.db, actor, Action::VisitCreate, open).await?;
    Ok(state.see_other(&visit_url(&visit.id), Flash::success("Visit opened.")))
}

pub async fn show_visit(req: TherapistRequest, id: web::Path<String>) -> Result<HttpResponse, AppError> {
    let TherapistRequest { state, me, ctx, .. } = req;
    ok(&visit_page(&state, &me, ctx, id.into_inner()).await?)
}

pub async fn update_visit(
    req: TherapistRequest,
    id: web::Path<String>,
    form: Form<VisitForm>,
) -> Result<HttpResponse, AppError> {
    let TherapistRequest { state, me, ctx, actor } = req;
    let (id, form) = (id.into_inner(), form.into_inner());
    let note = match form.validate(&state.clock) {
        Ok(note) => note,
        Err(errors) => {
            let page = visit_page(&state, &me, ctx, id).await?;
            return invalid(&VisitPage { form, errors, ..page });
        }
    };
    let (therapist, target, now) = (me.id().to_owned(), id.clone(), state.clock.now());
    let save = move |conn: &mut DbConn| model::update_note(conn, &therapist, &target, &note, now);
    audited::write(&state.db, actor, Action::VisitUpdate, save).await?;
    Ok(state.see_other(&visit_url(&id), Flash::success("Note saved.")))
}

pub async fn sign_visit(req: TherapistRequest, id: web::Path<String>) -> Result<HttpResponse, AppError> {
    let TherapistRequest { state, me, actor, .. } = req;
    let (therapist, id, now) = (me.id().to_owned(), id.into_inner(), state.clock.now());
    let sign = move |conn: &mut DbConn| model::sign(conn, &therapist, &id, now);
    let visit = audited::write(&state.db, actor, Action::VisitSign, sign).await?;
    let flash = Flash::success("Signed. The note is locked; corrections go in addenda.");
    Ok(state.see_other(&visit_url(&visit.id), flash))
}

pub async fn add_addendum(
    req: TherapistRequest,
    id: web::Path<String>,
    form: Form<AddendumForm>,
) -> Result<HttpResponse, AppError> {
    let TherapistRequest { state, me, ctx, actor } = req;
    let (id, form) = (id.into_inner(), form.into_inner());
    let body = match form.validate() {
        Ok(body) => body,
        Err(errors) => {
            let page = visit_page(&state, &me, ctx, id).await?;
            return invalid(&VisitPage { addendum_form: form, addendum_errors: errors, ..page });
        }
    };
    let (therapist, target, now) = (me.id().to_owned(), id.clone(), state.clock.now());
    let add = move |conn: &mut DbConn| model::add_addendum(conn, &therapist, &target, &body, now);
    audited::write(&state.db, actor, Action::VisitAddendum, add).await?;
    Ok(state.see_other(&visit_url(&id), Flash::success("Addendum added.")))
}
