//! Charting pages: trigger-point findings of a draft visit, perpetuating factors of a client,
//! and the muscle catalog with its reverse lookup.

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use crate::AppState;
use crate::audit::model::{self as audit, Action, Actor, Outcome};
use crate::auth::extractors::TherapistUser;
use crate::charting::bodymap::BodyMap;
use crate::charting::catalog;
use crate::charting::factors;
use crate::charting::findings::{self, FindingFields};
use crate::charting::forms::{FactorForm, FindingForm, MuscleForm};
use crate::charting::views::{
    FactorPage, FindingChoice, FindingEditPage, MuscleFormPage, MuscleRow, MusclesPage, Vocab,
};
use crate::charting::vocab::{Region, Side, Zone};
use crate::clients::model as clients;
use crate::db::DbConn;
use crate::error::{AppError, FieldErrors};
use crate::visits::model as visits;
use crate::visits::routes::{load_page, visit_url};
use crate::web::flash::{Flash, see_other_with};
use crate::web::form::HtmlForm;
use crate::web::page::{Ctx, invalid, ok};

/// Refuses a muscle id that is not in the catalog.
fn check_muscle(conn: &mut DbConn, fields: &FindingFields) -> Result<(), AppError> {
    match catalog::find(conn, &fields.muscle_id)? {
        Some(_) => Ok(()),
        None => Err(AppError::field("muscle_id", "Choose a muscle from the catalog.")),
    }
}

pub async fn add_finding(
    state: web::Data<AppState>,
    _me: TherapistUser,
    ctx: Ctx,
    actor: Actor,
    id: web::Path<String>,
    form: web::Form<FindingForm>,
) -> Result<HttpResponse, AppError> {
    let tz = state.config.tz();
    let (id, form) = (id.into_inner(), form.into_inner());
    let (therapist, target, audit_actor) =
        (actor.user_id.clone().unwrap_or_default(), id.clone(), actor.clone());
    let result = match form.validate() {
        Err(errors) => Err(AppError::Validation(errors)),
        Ok(fields) => {
            state
                .db
                .write(move |conn| {
                    let (visit, client) = visits::find_for_therapist(conn, &target, &therapist)?;
                    check_muscle(conn, &fields)?;
                    let finding = findings::insert(conn, &visit.id, &client.id, &fields)?;
                    let object = Some(("finding", finding.id.as_str()));
                    audit::record(
                        conn,
                        &audit_actor,
                        Action::FindingCreate,
                        object,
                        Outcome::Success,
                        Some(format!("visit {}", visit.id)),
                    )
                })
                .await
        }
    };
    match result {
        Ok(()) => Ok(see_other_with(
            &state.cookie_names,
            &visit_url(&id),
            Flash::success("Trigger point recorded."),
        )),
        Err(AppError::Validation(errors)) => {
            let mut page = state.db.run(move |conn| load_page(conn, &id, &actor, ctx, tz)).await?;
            page.finding_form = form;
            page.finding_errors = errors;
            invalid(&page)
        }
        Err(err) => Err(err),
    }
}

async fn finding_page(
    state: &AppState,
    actor: Actor,
    ctx: Ctx,
    id: String,
    form: Option<FindingForm>,
    errors: FieldErrors,
) -> Result<FindingEditPage, AppError> {
    state
        .db
        .run(move |conn| {
            let therapist = actor.user_id.clone().unwrap_or_default();
            let finding = findings::find_for_therapist(conn, &id, &therapist)?;
            let (visit, client) = visits::find_for_therapist(conn, &finding.visit_id, &therapist)?;
            let catalog = catalog::all(conn)?;
            audit::record(
                conn,
                &actor,
                Action::VisitView,
                Some(("visit", &visit.id)),
                Outcome::Success,
                None,
            )?;
            let others = findings::list_for_visit_with_muscles(conn, &visit.id)?;
            let map = BodyMap::from_findings(
                others.iter().filter(|(f, _)| f.id != finding.id).map(|(f, m)| (f, m)),
            );
            Ok(FindingEditPage {
                ctx,
                v: Vocab,
                finding_form: form.unwrap_or_else(|| FindingForm::from_finding(&finding)),
                finding_errors: errors,
                finding_id: finding.id,
                client,
                visit,
                catalog,
                map,
                interactive: true,
            })
        })
        .await
}

pub async fn edit_finding_form(
    state: web::Data<AppState>,
    _me: TherapistUser,
    ctx: Ctx,
    actor: Actor,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let page = finding_page(&state, actor, ctx, id.into_inner(), None, FieldErrors::new()).await?;
    if page.visit.is_signed() {
        return Err(AppError::Conflict(
            "This visit is signed and can no longer be changed. Add an addendum instead.".into(),
        ));
    }
    ok(&page)
}

pub async fn update_finding(
    state: web::Data<AppState>,
    _me: TherapistUser,
    ctx: Ctx,
    actor: Actor,
    id: web::Path<String>,
    form: web::Form<FindingForm>,
) -> Result<HttpResponse, AppError> {
    let (id, form) = (id.into_inner(), form.into_inner());
    let (therapist, target, audit_actor) =
        (actor.user_id.clone().unwrap_or_default(), id.clone(), actor.clone());
    let result = match form.validate() {
        Err(errors) => Err(AppError::Validation(errors)),
        Ok(fields) => {
            state
                .db
                .write(move |conn| {
                    let finding = findings::find_for_therapist(conn, &target, &therapist)?;
                    check_muscle(conn, &fields)?;
                    findings::update(conn, &finding, &fields)?;
                    audit::record(
                        conn,
                        &audit_actor,
                        Action::FindingUpdate,
                        Some(("finding", &finding.id)),
                        Outcome::Success,
                        None,
                    )?;
                    Ok(finding.visit_id)
                })
                .await
        }
    };
    match result {
        Ok(visit_id) => Ok(see_other_with(
            &state.cookie_names,
            &visit_url(&visit_id),
            Flash::success("Trigger point saved."),
        )),
        Err(AppError::Validation(errors)) => {
            invalid(&finding_page(&state, actor, ctx, id, Some(form), errors).await?)
        }
        Err(err) => Err(err),
    }
}

pub async fn delete_finding(
    state: web::Data<AppState>,
    me: TherapistUser,
    actor: Actor,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let (id, therapist) = (id.into_inner(), me.id().to_owned());
    let visit_id = state
        .db
        .write(move |conn| {
            let finding = findings::find_for_therapist(conn, &id, &therapist)?;
            findings::delete(conn, &finding)?;
            audit::record(
                conn,
                &actor,
                Action::FindingDelete,
                Some(("finding", &finding.id)),
                Outcome::Success,
                Some(format!("visit {}", finding.visit_id)),
            )?;
            Ok(finding.visit_id)
        })
        .await?;
    Ok(see_other_with(&state.cookie_names, &visit_url(&visit_id), Flash::success("Trigger point removed.")))
}

/// The client's findings, as choices to link a factor to (newest first).
fn finding_choices(conn: &mut DbConn, client_id: &str) -> Result<Vec<FindingChoice>, AppError> {
    let mut choices: Vec<FindingChoice> = findings::list_for_client(conn, client_id)?
        .into_iter()
        .map(|(f, m, date)| FindingChoice {
            label: format!(
                "{} ({}), {}, {}",
                m.name,
                Side::label_of(&f.side).to_lowercase(),
                f.classification,
                date.format("%Y-%m-%d")
            ),
            id: f.id,
        })
        .collect();
    choices.reverse();
    Ok(choices)
}

/// The client (if this therapist's) and the findings a factor can be linked to.
async fn client_with_choices(
    state: &AppState,
    therapist: String,
    id: String,
) -> Result<(crate::clients::model::Client, Vec<FindingChoice>), AppError> {
    state
        .db
        .run(move |conn| {
            let client = clients::find_for_therapist(conn, &id, &therapist)?;
            let choices = finding_choices(conn, &client.id)?;
            Ok((client, choices))
        })
        .await
}

pub async fn new_factor_form(
    state: web::Data<AppState>,
    me: TherapistUser,
    ctx: Ctx,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let (client, findings) = client_with_choices(&state, me.id().to_owned(), id.into_inner()).await?;
    let form = FactorForm::initial();
    ok(&FactorPage { ctx, v: Vocab, client, factor_id: None, form, errors: FieldErrors::new(), findings })
}

pub async fn create_factor(
    state: web::Data<AppState>,
    me: TherapistUser,
    ctx: Ctx,
    actor: Actor,
    id: web::Path<String>,
    form: HtmlForm<FactorForm>,
) -> Result<HttpResponse, AppError> {
    let (id, form, therapist) = (id.into_inner(), form.0, me.id().to_owned());
    let fields = match form.validate() {
        Ok(fields) => fields,
        Err(errors) => {
            let (client, findings) = client_with_choices(&state, therapist, id).await?;
            return invalid(&FactorPage { ctx, v: Vocab, client, factor_id: None, form, errors, findings });
        }
    };
    let links = form.finding_ids.clone();
    let client_id = state
        .db
        .write(move |conn| {
            let client = clients::find_for_therapist(conn, &id, &therapist)?;
            let factor = factors::insert(conn, &client.id, &therapist, &fields, &links)?;
            audit::record(
                conn,
                &actor,
                Action::FactorCreate,
                Some(("factor", &factor.id)),
                Outcome::Success,
                Some(format!("client {}", client.id)),
            )?;
            Ok(client.id)
        })
        .await?;
    Ok(see_other_with(
        &state.cookie_names,
        &format!("/clients/{client_id}"),
        Flash::success("Factor recorded."),
    ))
}

async fn factor_page(
    state: &AppState,
    me: &TherapistUser,
    ctx: Ctx,
    id: String,
    form: Option<FactorForm>,
    errors: FieldErrors,
) -> Result<FactorPage, AppError> {
    let therapist = me.id().to_owned();
    state
        .db
        .run(move |conn| {
            let factor = factors::find_for_therapist(conn, &id, &therapist)?;
            let client = clients::find_for_therapist(conn, &factor.client_id, &therapist)?;
            let form = match form {
                Some(form) => form,
                None => FactorForm::from_factor(&factor, factors::links_for_factor(conn, &factor.id)?),
            };
            let findings = finding_choices(conn, &client.id)?;
            Ok(FactorPage { ctx, v: Vocab, client, factor_id: Some(factor.id), form, errors, findings })
        })
        .await
}

pub async fn edit_factor_form(
    state: web::Data<AppState>,
    me: TherapistUser,
    ctx: Ctx,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    ok(&factor_page(&state, &me, ctx, id.into_inner(), None, FieldErrors::new()).await?)
}

pub async fn update_factor(
    state: web::Data<AppState>,
    me: TherapistUser,
    ctx: Ctx,
    actor: Actor,
    id: web::Path<String>,
    form: HtmlForm<FactorForm>,
) -> Result<HttpResponse, AppError> {
    let (id, form) = (id.into_inner(), form.0);
    let fields = match form.validate() {
        Ok(fields) => fields,
        Err(errors) => return invalid(&factor_page(&state, &me, ctx, id, Some(form), errors).await?),
    };
    let (therapist, links) = (me.id().to_owned(), form.finding_ids.clone());
    let client_id = state
        .db
        .write(move |conn| {
            let factor = factors::find_for_therapist(conn, &id, &therapist)?;
            factors::update(conn, &factor, &fields, &links)?;
            audit::record(
                conn,
                &actor,
                Action::FactorUpdate,
                Some(("factor", &factor.id)),
                Outcome::Success,
                Some(format!("client {}", factor.client_id)),
            )?;
            Ok(factor.client_id)
        })
        .await?;
    Ok(see_other_with(&state.cookie_names, &format!("/clients/{client_id}"), Flash::success("Factor saved.")))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CatalogParams {
    zone: String,
    region: String,
}

/// The catalog, filtered by region or by where it hurts (the reverse lookup).
pub async fn list_muscles(
    state: web::Data<AppState>,
    _me: TherapistUser,
    ctx: Ctx,
    params: web::Query<CatalogParams>,
) -> Result<HttpResponse, AppError> {
    let zone = Zone::parse(&params.zone);
    let region = Region::parse(&params.region);
    let mut muscles = state
        .db
        .run(move |conn| {
            let muscles = match zone {
                Some(zone) => catalog::candidates_for_zone(conn, zone)?,
                None => catalog::all(conn)?,
            };
            Ok((muscles, catalog::zones_by_muscle(conn)?))
        })
        .await
        .map(|(muscles, mut zones)| {
            muscles
                .into_iter()
                .map(|muscle| MuscleRow {
                    zones: zones
                        .remove(&muscle.id)
                        .unwrap_or_default()
                        .iter()
                        .filter_map(|z| Zone::parse(z))
                        .map(Zone::label)
                        .collect(),
                    muscle,
                })
                .collect::<Vec<_>>()
        })?;
    if let Some(region) = region {
        muscles.retain(|row| row.muscle.region == region.code());
    }
    ok(&MusclesPage {
        ctx,
        v: Vocab,
        muscles,
        zone: zone.map(|z| z.code().to_owned()).unwrap_or_default(),
        region: region.map(|r| r.code().to_owned()).unwrap_or_default(),
    })
}

pub async fn new_muscle_form(_me: TherapistUser, ctx: Ctx) -> Result<HttpResponse, AppError> {
    ok(&MuscleFormPage { ctx, v: Vocab, form: MuscleForm::default(), errors: FieldErrors::new() })
}

pub async fn create_muscle(
    state: web::Data<AppState>,
    me: TherapistUser,
    ctx: Ctx,
    actor: Actor,
    form: HtmlForm<MuscleForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.0;
    let new = match form.validate() {
        Ok(new) => new,
        Err(errors) => return invalid(&MuscleFormPage { ctx, v: Vocab, form, errors }),
    };
    let therapist = me.id().to_owned();
    let created = state
        .db
        .write(move |conn| {
            let muscle = catalog::insert_custom(conn, &new, &therapist)?;
            audit::record(
                conn,
                &actor,
                Action::MuscleCreate,
                Some(("muscle", &muscle.id)),
                Outcome::Success,
                None,
            )?;
            Ok(muscle)
        })
        .await;
    match created {
        Ok(muscle) => Ok(see_other_with(
            &state.cookie_names,
            "/muscles",
            Flash::success(format!("{} was added to the catalog.", muscle.name)),
        )),
        Err(AppError::Validation(errors)) => invalid(&MuscleFormPage { ctx, v: Vocab, form, errors }),
        Err(err) => Err(err),
    }
}
