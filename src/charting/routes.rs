//! Charting pages: perpetuating factors of a client, and the muscle catalog with its reverse
//! lookup. (Trigger points are entered on the visit page: see `visits`.)

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use crate::audit::audited;
use crate::audit::model::Action;
use crate::auth::extractors::TherapistUser;
use crate::charting::catalog::{self, CatalogFilter};
use crate::charting::factors;
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

/// The factor form for a client of this therapist, new (`factor_id` None) or an existing one.
async fn factor_page(
    state: &AppState,
    me: &TherapistUser,
    ctx: Ctx,
    client_id: String,
    factor_id: Option<String>,
    form: FactorForm,
    errors: FieldErrors,
) -> Result<FactorPage, AppError> {
    let therapist = me.id().to_owned();
    let (client, findings) =
        state.db.run(move |conn| factors::form_context(conn, &therapist, &client_id)).await?;
    Ok(FactorPage { ctx, v: Vocab, client, factor_id, form, errors, findings })
}

pub async fn new_factor_form(req: TherapistRequest, id: web::Path<String>) -> Result<HttpResponse, AppError> {
    let TherapistRequest { state, me, ctx, .. } = req;
    let form = FactorForm::initial(state.clock.today());
    ok(&factor_page(&state, &me, ctx, id.into_inner(), None, form, FieldErrors::new()).await?)
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
        Err(errors) => return invalid(&factor_page(&state, &me, ctx, client_id, None, form, errors).await?),
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
    let (therapist, id) = (me.id().to_owned(), id.into_inner());
    let (factor, links) = state.db.run(move |conn| factors::find_with_links(conn, &therapist, &id)).await?;
    let form = FactorForm::from_factor(&factor, links);
    ok(&factor_page(&state, &me, ctx, factor.client_id, Some(factor.id), form, FieldErrors::new()).await?)
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
            let (owner, target) = (therapist.clone(), id.clone());
            let (factor, _) =
                state.db.run(move |conn| factors::find_with_links(conn, &owner, &target)).await?;
            return invalid(&factor_page(&state, &me, ctx, factor.client_id, Some(id), form, errors).await?);
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
}

/// The catalog, filtered by region or by where it hurts (the reverse lookup).
pub async fn list_muscles(
    req: TherapistRequest,
    params: web::Query<CatalogParams>,
) -> Result<HttpResponse, AppError> {
    let TherapistRequest { state, ctx, .. } = req;
    let filter = CatalogFilter { zone: Zone::parse(&params.zone), region: Region::parse(&params.region) };
    let muscles = state.db.run(move |conn| catalog::browse(conn, filter)).await?;
    let zone = filter.zone.map(|z| z.code().to_owned()).unwrap_or_default();
    let region = filter.region.map(|r| r.code().to_owned()).unwrap_or_default();
    ok(&MusclesPage { ctx, v: Vocab, muscles, zone, region })
}

pub async fn new_muscle_form(_me: TherapistUser, ctx: Ctx) -> Result<HttpResponse, AppError> {
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
