//! Charting pages: perpetuating factors of a client, and the muscle catalog with its reverse
//! lookup. (Trigger points are entered on the visit page: see `visits`.)

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use crate::audit::audited;
use crate::audit::model::Action;
use crate::auth::extractors::TherapistUser;
use crate::charting::catalog::{self, CatalogFilter};
use crate::charting::factors::{self, FormTarget};
use crate::charting::forms::{FactorForm, MuscleForm};
use crate::charting::views::{FactorPage, MuscleFormPage, MusclesPage, Vocab};
use crate::charting::vocab::{Region, Zone};
use crate::db::DbConn;
use crate::error::{AppError, FieldErrors};
use crate::web::flash::Flash;
use crate::web::form::Form;
use crate::web::page::{Ctx, invalid, ok};
use crate::web::request::TherapistRequest;
use crate::web::state::AppState;

fn chart_url(client_id: &str) -> String {
    format!("/clients/{client_id}")
}

/// The factor form of this therapist's client, in one read: blank, as stored, or as typed
/// with its errors.
async fn factor_page(
    state: &AppState,
    me: &TherapistUser,
    ctx: Ctx,
    target: FormTarget,
    typed: Option<(FactorForm, FieldErrors)>,
) -> Result<FactorPage, AppError> {
    let (therapist, clock, today) = (me.id().to_owned(), state.clock.clone(), state.clock.today());
    let context = state.db.run(move |conn| factors::form_context(conn, &therapist, &target, &clock)).await?;
    let factor_id = context.factor.as_ref().map(|(factor, _)| factor.id.clone());
    let (form, errors) = match (typed, context.factor) {
        (Some(typed), _) => typed,
        (None, Some((factor, links))) => (FactorForm::from_factor(&factor, links), FieldErrors::new()),
        (None, None) => (FactorForm::initial(today), FieldErrors::new()),
    };
    let (client, findings) = (context.client, context.findings);
    Ok(FactorPage { ctx, v: Vocab, client, factor_id, form, errors, findings })
}

pub async fn new_factor_form(req: TherapistRequest, id: web::Path<String>) -> Result<HttpResponse, AppError> {
    let TherapistRequest { state, me, ctx, .. } = req;
    let target = FormTarget::NewFor { client_id: id.into_inner() };
    ok(&factor_page(&state, &me, ctx, target, None).await?)
}

pub async fn create_factor(
    req: TherapistRequest,
    id: web::Path<String>,
    form: Form<FactorForm>,
) -> Result<HttpResponse, AppError> {
    let TherapistRequest { state, me, ctx, actor } = req;
    let (client_id, form) = (id.into_inner(), form.into_inner());
    let fields = match form.validate(state.clock.today()) {
        Ok(fields) => fields,
        Err(errors) => {
            let target = FormTarget::NewFor { client_id };
            return invalid(&factor_page(&state, &me, ctx, target, Some((form, errors))).await?);
        }
    };
    let (therapist, links, now) = (me.id().to_owned(), form.finding_ids, state.clock.now());
    let record = move |conn: &mut DbConn| factors::insert(conn, &therapist, &client_id, &fields, &links, now);
    let factor = audited::write(&state.db, actor, Action::FactorCreate, record).await?;
    Ok(state.see_other(&chart_url(&factor.client_id), Flash::success("Factor recorded.")))
}

pub async fn edit_factor_form(
    req: TherapistRequest,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let TherapistRequest { state, me, ctx, .. } = req;
    let target = FormTarget::Existing { factor_id: id.into_inner() };
    ok(&factor_page(&state, &me, ctx, target, None).await?)
}

pub async fn update_factor(
    req: TherapistRequest,
    id: web::Path<String>,
    form: Form<FactorForm>,
) -> Result<HttpResponse, AppError> {
    let TherapistRequest { state, me, ctx, actor } = req;
    let (id, form, therapist) = (id.into_inner(), form.into_inner(), me.id().to_owned());
    let fields = match form.validate(state.clock.today()) {
        Ok(fields) => fields,
        Err(errors) => {
            let target = FormTarget::Existing { factor_id: id };
            return invalid(&factor_page(&state, &me, ctx, target, Some((form, errors))).await?);
        }
    };
    let (links, now) = (form.finding_ids, state.clock.now());
    let change = move |conn: &mut DbConn| factors::update(conn, &therapist, &id, &fields, &links, now);
    let factor = audited::write(&state.db, actor, Action::FactorUpdate, change).await?;
    Ok(state.see_other(&chart_url(&factor.client_id), Flash::success("Factor saved.")))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CatalogParams {
    zone: String,
    region: String,
    name: String,
}

/// The catalog, filtered by region or by where it hurts (the reverse lookup).
pub async fn list_muscles(
    req: TherapistRequest,
    params: web::Query<CatalogParams>,
) -> Result<HttpResponse, AppError> {
    let TherapistRequest { state, ctx, .. } = req;
    let params = params.into_inner();
    let (zone, region) = (Zone::parse(&params.zone), Region::parse(&params.region));
    let filter = CatalogFilter { zone, region, name: params.name.clone() };
    let muscles = state.db.run(move |conn| catalog::browse(conn, filter)).await?;
    let zone = zone.map(|z| z.code().to_owned()).unwrap_or_default();
    let region = region.map(|r| r.code().to_owned()).unwrap_or_default();
    ok(&MusclesPage { ctx, v: Vocab, muscles, zone, region, name: params.name })
}

pub async fn new_muscle_form(req: TherapistRequest) -> Result<HttpResponse, AppError> {
    let ctx = req.ctx;
    ok(&MuscleFormPage { ctx, v: Vocab, form: MuscleForm::default(), errors: FieldErrors::new() })
}

pub async fn create_muscle(req: TherapistRequest, form: Form<MuscleForm>) -> Result<HttpResponse, AppError> {
    let TherapistRequest { state, me, ctx, actor } = req;
    let form = form.into_inner();
    let new = match form.validate() {
        Ok(new) => new,
        Err(errors) => return invalid(&MuscleFormPage { ctx, v: Vocab, form, errors }),
    };
    let (therapist, now) = (me.id().to_owned(), state.clock.now());
    let add = move |conn: &mut DbConn| catalog::insert_custom(conn, &new, &therapist, now);
    match audited::write(&state.db, actor, Action::MuscleCreate, add).await {
        Ok(muscle) => {
            let flash = Flash::success(format!("{} was added to the catalog.", muscle.name));
            Ok(state.see_other("/muscles", flash))
        }
        Err(AppError::Validation(errors)) => invalid(&MuscleFormPage { ctx, v: Vocab, form, errors }),
        Err(err) => Err(err),
    }
}
