//! Visit pages: open a visit, edit the draft note, sign, add addenda. (Its trigger points:
//! `finding_routes`.)

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};

use crate::audit::Audited;
use crate::audit::audited;
use crate::audit::model::Action;
use crate::auth::extractors::{Actor, TherapistUser};
use crate::db::DbConn;
use crate::error::{AppError, FieldErrors};
use crate::visits::draft::{self, Outcome, Typed};
use crate::visits::forms::{AddendumForm, NewVisitForm, Step, VisitControls, VisitForm};
use crate::visits::model::Signed;
use crate::visits::views::{NewVisitPage, SignPage, VisitPage};
use crate::visits::{model, show};
use crate::web::flash::{Flash, see_other};
use crate::web::form::{Form, FormBody};
use crate::web::page::{Ctx, invalid, ok, render};
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

/// Reads the visit page as sent: the note, the trigger point being entered, and the button.
fn typed_page(body: &FormBody) -> Result<(Typed, Step), AppError> {
    let controls: VisitControls = body.parse()?;
    let typed = Typed { note: body.parse()?, finding: body.parse()?, base: controls.base_version() };
    Ok((typed, controls.step()))
}

/// Saves the page in one write transaction; a trigger point the catalog refuses is an invalid page.
async fn save_page(
    state: &AppState,
    me: &TherapistUser,
    actor: Actor,
    id: &str,
    typed: &Typed,
    step: &Step,
) -> Result<Outcome, AppError> {
    let (therapist, target, clock) = (me.id().to_owned(), id.to_owned(), state.clock.clone());
    let (page, next) = (typed.clone(), step.clone());
    let saved = state
        .db
        .write(move |conn| draft::save(conn, &actor, &therapist, &target, &page, &next, &clock))
        .await;
    match saved {
        Err(AppError::Validation(finding)) => Ok(Outcome::Invalid { note: FieldErrors::new(), finding }),
        other => other,
    }
}

/// Every button of a draft's page: save what is typed, then do what the button says.
pub async fn update_visit(
    req: TherapistRequest,
    id: web::Path<String>,
    body: FormBody,
) -> Result<HttpResponse, AppError> {
    let TherapistRequest { state, me, ctx, actor } = req;
    let id = id.into_inner();
    let (typed, step) = typed_page(&body)?;
    match save_page(&state, &me, actor, &id, &typed, &step).await? {
        Outcome::Saved { added, removed, .. } => Ok(match step {
            Step::EditFinding(finding) => see_other(&format!("/findings/{finding}/edit")),
            Step::RemoveFinding { id: finding, confirmed: false } => {
                see_other(&format!("/findings/{finding}/delete"))
            }
            Step::Sign => see_other(&format!("{}/sign", visit_url(&id))),
            _ if added => state.see_other(
                &format!("{}#trigger-points", visit_url(&id)),
                Flash::success("Trigger point recorded."),
            ),
            _ if removed => state.see_other(
                &format!("{}#trigger-points", visit_url(&id)),
                Flash::success("Trigger point removed."),
            ),
            _ => state.see_other(&format!("{}#note", visit_url(&id)), Flash::success("Note saved.")),
        }),
        Outcome::Invalid { note, finding } => {
            let page = visit_page(&state, &me, ctx, id).await?;
            invalid(&VisitPage {
                form: typed.note,
                errors: note,
                finding_form: typed.finding,
                finding_errors: finding,
                ..page
            })
        }
        Outcome::Conflict { current } => {
            let page = visit_page(&state, &me, ctx, id).await?;
            let theirs = Some(VisitForm::from_visit(&current, &state.clock));
            let page = VisitPage {
                form: typed.note,
                finding_form: typed.finding,
                theirs,
                version: current.version,
                ..page
            };
            render(&page, StatusCode::CONFLICT)
        }
    }
}

/// The page's script saving as the therapist types: the answer says whether it was saved.
pub async fn autosave_visit(
    req: TherapistRequest,
    id: web::Path<String>,
    body: FormBody,
) -> Result<HttpResponse, AppError> {
    let TherapistRequest { state, me, actor, .. } = req;
    let id = id.into_inner();
    let (typed, _) = typed_page(&body)?;
    Ok(match save_page(&state, &me, actor, &id, &typed, &Step::Autosave).await? {
        Outcome::Saved { visit, .. } => HttpResponse::Ok().json(serde_json::json!({
            "status": "saved",
            "version": visit.version,
            "saved_at": state.clock.local(state.clock.now()).format("%H:%M").to_string(),
        })),
        Outcome::Invalid { note, .. } => HttpResponse::Ok().json(serde_json::json!({
            "status": "invalid",
            "errors": note,
        })),
        Outcome::Conflict { current } => HttpResponse::Conflict().json(serde_json::json!({
            "status": "conflict",
            "version": current.version,
            "theirs": VisitForm::from_visit(&current, &state.clock),
        })),
    })
}

/// What signing will lock, to confirm (or why it cannot be signed yet).
pub async fn sign_form(req: TherapistRequest, id: web::Path<String>) -> Result<HttpResponse, AppError> {
    let TherapistRequest { state, me, ctx, .. } = req;
    let (therapist, id) = (me.id().to_owned(), id.into_inner());
    let signing = state.db.run(move |conn| show::signing(conn, &therapist, &id)).await?;
    if signing.visit.is_signed() {
        return Ok(see_other(&visit_url(&signing.visit.id)));
    }
    ok(&SignPage::new(ctx, signing, &state.clock))
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct SignForm {
    /// The content hash the signing page showed.
    seal: String,
}

/// Signs the draft as reviewed on the signing page, or sends the therapist back to review it.
pub async fn sign_visit(
    req: TherapistRequest,
    id: web::Path<String>,
    form: Form<SignForm>,
) -> Result<HttpResponse, AppError> {
    let TherapistRequest { state, me, actor, .. } = req;
    let (therapist, id, now, seal) =
        (me.id().to_owned(), id.into_inner(), state.clock.now(), form.into_inner().seal);
    let target = id.clone();
    let signed = state
        .db
        .write(move |conn| {
            let signed = model::sign(conn, &therapist, &target, &seal, now)?;
            if let Signed::Done(visit) = &signed {
                audited::record(conn, &actor, Action::VisitSign, &visit.subject())?;
            }
            Ok(signed)
        })
        .await?;
    Ok(match signed {
        Signed::Done(_) => state.see_other(
            &visit_url(&id),
            Flash::success("Signed. The note is locked; corrections go in addenda."),
        ),
        Signed::Refused(reason) => state.see_other(&format!("{}/sign", visit_url(&id)), Flash::error(reason)),
    })
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
