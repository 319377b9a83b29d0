//! Visit pages: open a visit, edit the draft note, add findings, sign, add addenda.

use actix_web::{HttpResponse, web};
use chrono::{Timelike, Utc};

use crate::AppState;
use crate::audit::model::{self as audit, Action, Actor, Outcome};
use crate::auth::extractors::TherapistUser;
use crate::charting::bodymap::BodyMap;
use crate::charting::catalog;
use crate::charting::findings;
use crate::charting::forms::FindingForm;
use crate::charting::views::{FindingRow, Vocab};
use crate::clients::model as clients;
use crate::db::DbConn;
use crate::error::{AppError, FieldErrors};
use crate::visits::forms::{AddendumForm, NewVisitForm, VisitForm};
use crate::visits::model;
use crate::visits::views::{NewVisitPage, VisitPage};
use crate::web::flash::{Flash, see_other_with};
use crate::web::form::HtmlForm;
use crate::web::page::{Ctx, invalid, ok};

pub fn visit_url(id: &str) -> String {
    format!("/visits/{id}")
}

/// What a visit page is built from; the forms are filled in by the caller.
pub(crate) fn load_page(
    conn: &mut DbConn,
    visit_id: &str,
    actor: &Actor,
    ctx: Ctx,
    tz: chrono_tz::Tz,
) -> Result<VisitPage, AppError> {
    let therapist = actor.user_id.as_deref().unwrap_or_default();
    let (visit, client) = model::find_for_therapist(conn, visit_id, therapist)?;
    let with_muscles = findings::list_for_visit_with_muscles(conn, &visit.id)?;
    let catalog = if visit.is_signed() { Vec::new() } else { catalog::all(conn)? };
    let addenda = model::addenda_for_visit(conn, &visit.id)?;
    let signed_by_name = match &visit.signed_by {
        Some(id) => Some(crate::accounts::model::find_by_id(conn, id)?.display_name),
        None => None,
    };
    let seal_ok = !visit.is_signed() || model::verify_seal(conn, &visit)?;
    audit::record(conn, actor, Action::VisitView, Some(("visit", &visit.id)), Outcome::Success, None)?;
    let map = BodyMap::from_findings(with_muscles.iter().map(|(f, m)| (f, m)));
    Ok(VisitPage {
        ctx,
        v: Vocab,
        form: VisitForm::from_visit(&visit, tz),
        started_local: crate::followups::schedule::local_time(tz, visit.started_at),
        errors: FieldErrors::new(),
        findings: with_muscles.into_iter().map(|(f, m)| FindingRow::new(f, &m)).collect(),
        finding_form: FindingForm::default(),
        finding_errors: FieldErrors::new(),
        catalog,
        map,
        interactive: !visit.is_signed(),
        addenda,
        addendum_form: AddendumForm::default(),
        addendum_errors: FieldErrors::new(),
        signed_by_name,
        seal_ok,
        client,
        visit,
    })
}

/// The client (if this therapist's) and whether it has an earlier visit to copy from.
async fn client_and_history(
    state: &AppState,
    therapist: String,
    id: String,
) -> Result<(crate::clients::model::Client, bool), AppError> {
    state
        .db
        .run(move |conn| {
            let client = clients::find_for_therapist(conn, &id, &therapist)?;
            let has_previous = model::any_for_client(conn, &client.id)?;
            Ok((client, has_previous))
        })
        .await
}

pub async fn new_visit_form(
    state: web::Data<AppState>,
    me: TherapistUser,
    ctx: Ctx,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let (client, has_previous) = client_and_history(&state, me.id().to_owned(), id.into_inner()).await?;
    let now = crate::followups::schedule::local_time(state.config.tz(), Utc::now().naive_utc())
        .with_second(0)
        .unwrap_or_default();
    let form = NewVisitForm {
        started_at: now.format("%Y-%m-%dT%H:%M").to_string(),
        duration_minutes: "60".into(),
        copy_forward: has_previous.then(|| "on".into()),
    };
    ok(&NewVisitPage { ctx, client, form, errors: FieldErrors::new(), has_previous })
}

pub async fn create_visit(
    state: web::Data<AppState>,
    me: TherapistUser,
    ctx: Ctx,
    actor: Actor,
    id: web::Path<String>,
    form: web::Form<NewVisitForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let (id, therapist) = (id.into_inner(), me.id().to_owned());
    let (started_at, minutes) = match form.validate(state.config.tz()) {
        Ok(valid) => valid,
        Err(errors) => {
            let (client, has_previous) = client_and_history(&state, therapist, id).await?;
            return invalid(&NewVisitPage { ctx, client, form, errors, has_previous });
        }
    };
    let copy_forward = form.copy_forward.is_some();
    let visit = state
        .db
        .write(move |conn| {
            let client = clients::find_for_therapist(conn, &id, &therapist)?;
            let visit = model::create_draft(conn, &client, &therapist, started_at, minutes, copy_forward)?;
            audit::record(
                conn,
                &actor,
                Action::VisitCreate,
                Some(("visit", &visit.id)),
                Outcome::Success,
                None,
            )?;
            Ok(visit)
        })
        .await?;
    Ok(see_other_with(&state.cookie_names, &visit_url(&visit.id), Flash::success("Visit opened.")))
}

pub async fn show_visit(
    state: web::Data<AppState>,
    _me: TherapistUser,
    ctx: Ctx,
    actor: Actor,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let tz = state.config.tz();
    let id = id.into_inner();
    let page = state.db.run(move |conn| load_page(conn, &id, &actor, ctx, tz)).await?;
    ok(&page)
}

pub async fn update_visit(
    state: web::Data<AppState>,
    _me: TherapistUser,
    ctx: Ctx,
    actor: Actor,
    id: web::Path<String>,
    form: HtmlForm<VisitForm>,
) -> Result<HttpResponse, AppError> {
    let tz = state.config.tz();
    let (id, form) = (id.into_inner(), form.0);
    let fields = match form.validate(tz) {
        Ok(fields) => fields,
        Err(errors) => {
            let mut page = state.db.run(move |conn| load_page(conn, &id, &actor, ctx, tz)).await?;
            page.form = form;
            page.errors = errors;
            return invalid(&page);
        }
    };
    let (therapist, target) = (actor.user_id.clone().unwrap_or_default(), id.clone());
    state
        .db
        .write(move |conn| {
            let (visit, _) = model::find_for_therapist(conn, &target, &therapist)?;
            model::update_draft(conn, &visit, &fields)?;
            audit::record(
                conn,
                &actor,
                Action::VisitUpdate,
                Some(("visit", &visit.id)),
                Outcome::Success,
                None,
            )
        })
        .await?;
    Ok(see_other_with(&state.cookie_names, &visit_url(&id), Flash::success("Note saved.")))
}

pub async fn sign_visit(
    state: web::Data<AppState>,
    me: TherapistUser,
    actor: Actor,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let (id, therapist) = (id.into_inner(), me.id().to_owned());
    let visit = state
        .db
        .write(move |conn| {
            let (visit, _) = model::find_for_therapist(conn, &id, &therapist)?;
            let visit = model::sign(conn, &visit.id, &therapist)?;
            let detail = visit.content_hash.clone().map(|h| format!("sha256 {h}"));
            audit::record(
                conn,
                &actor,
                Action::VisitSign,
                Some(("visit", &visit.id)),
                Outcome::Success,
                detail,
            )?;
            Ok(visit)
        })
        .await?;
    let flash = Flash::success("Signed. The note is locked; corrections go in addenda.");
    Ok(see_other_with(&state.cookie_names, &visit_url(&visit.id), flash))
}

pub async fn add_addendum(
    state: web::Data<AppState>,
    _me: TherapistUser,
    ctx: Ctx,
    actor: Actor,
    id: web::Path<String>,
    form: web::Form<AddendumForm>,
) -> Result<HttpResponse, AppError> {
    let tz = state.config.tz();
    let (id, form) = (id.into_inner(), form.into_inner());
    let body = match form.validate() {
        Ok(body) => body,
        Err(errors) => {
            let mut page = state.db.run(move |conn| load_page(conn, &id, &actor, ctx, tz)).await?;
            page.addendum_form = form;
            page.addendum_errors = errors;
            return invalid(&page);
        }
    };
    let (therapist, target) = (actor.user_id.clone().unwrap_or_default(), id.clone());
    state
        .db
        .write(move |conn| {
            let (visit, _) = model::find_for_therapist(conn, &target, &therapist)?;
            let addendum = model::add_addendum(conn, &visit, &therapist, &body)?;
            audit::record(
                conn,
                &actor,
                Action::VisitAddendum,
                Some(("visit", &visit.id)),
                Outcome::Success,
                Some(format!("addendum {}", addendum.id)),
            )
        })
        .await?;
    Ok(see_other_with(&state.cookie_names, &visit_url(&id), Flash::success("Addendum added.")))
}
