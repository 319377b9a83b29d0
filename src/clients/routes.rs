//! Client pages: the list, create and edit, archive and restore, the chart, and the admin's
//! reassignment page. Every handler is scoped to the signed-in therapist's own clients.

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use crate::AppState;
use crate::audit::model::{self as audit, Action, Actor, Outcome};
use crate::auth::extractors::{AdminUser, TherapistUser};
use crate::charting::views::Vocab;
use crate::charting::vocab::Zone;
use crate::clients::forms::ClientForm;
use crate::clients::model::{self, ListQuery, MAX_PAGE, Sort};
use crate::clients::views::{AdminClientsPage, ChartPage, ClientFormPage, ClientsPage};
use crate::clients::{chart, model::Client};
use crate::error::{AppError, FieldErrors};
use crate::web::flash::{Flash, see_other_with};
use crate::web::page::{Ctx, invalid, ok};

const PAGE_SIZE: i64 = 25;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ListParams {
    q: String,
    sort: String,
    archived: String,
    page: Option<i64>,
}

fn client_url(id: &str) -> String {
    format!("/clients/{id}")
}

pub async fn list_clients(
    state: web::Data<AppState>,
    me: TherapistUser,
    ctx: Ctx,
    actor: Actor,
    params: web::Query<ListParams>,
) -> Result<HttpResponse, AppError> {
    let params = params.into_inner();
    let q: String = params.q.chars().take(100).collect();
    let sort = Sort::parse(&params.sort);
    let archived = !params.archived.is_empty();
    let page = params.page.unwrap_or(1).clamp(1, MAX_PAGE);
    let (therapist, text) = (me.id().to_owned(), q.clone());
    let mut clients = state
        .db
        .run(move |conn| {
            let query =
                ListQuery { text: &text, archived, sort, offset: (page - 1) * PAGE_SIZE, limit: PAGE_SIZE };
            let rows = model::list_for_therapist(conn, &therapist, &query)?;
            audit::record(conn, &actor, Action::ClientList, None, Outcome::Success, None)?;
            Ok(rows)
        })
        .await?;
    let has_next = clients.len() as i64 > PAGE_SIZE;
    clients.truncate(PAGE_SIZE as usize);
    ok(&ClientsPage { ctx, clients, q, sort: sort.code().into(), archived, page, has_next })
}

pub async fn new_client_form(_me: TherapistUser, ctx: Ctx) -> Result<HttpResponse, AppError> {
    ok(&ClientFormPage { ctx, client: None, form: ClientForm::default(), errors: FieldErrors::new() })
}

pub async fn create_client(
    state: web::Data<AppState>,
    me: TherapistUser,
    ctx: Ctx,
    actor: Actor,
    form: web::Form<ClientForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let fields = match form.validate() {
        Ok(fields) => fields,
        Err(errors) => return invalid(&ClientFormPage { ctx, client: None, form, errors }),
    };
    let therapist = me.id().to_owned();
    let client = state
        .db
        .write(move |conn| {
            let client = model::insert(conn, &therapist, &fields)?;
            audit::record(
                conn,
                &actor,
                Action::ClientCreate,
                Some(("client", &client.id)),
                Outcome::Success,
                None,
            )?;
            Ok(client)
        })
        .await?;
    let flash = Flash::success(format!("{} was added.", client.display_name()));
    Ok(see_other_with(&state.cookie_names, &client_url(&client.id), flash))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ChartParams {
    zone: String,
}

pub async fn show_chart(
    state: web::Data<AppState>,
    _me: TherapistUser,
    ctx: Ctx,
    actor: Actor,
    id: web::Path<String>,
    params: web::Query<ChartParams>,
) -> Result<HttpResponse, AppError> {
    let zone = Zone::parse(&params.zone);
    let id = id.into_inner();
    let tz = state.config.tz();
    let chart = state.db.run(move |conn| chart::load(conn, &id, &actor, zone, tz)).await?;
    let today = state.today();
    ok(&ChartPage {
        ctx,
        v: Vocab,
        age: chart.client.age_on(today),
        active_count: chart.muscles.iter().filter(|m| m.latest.css == "active").count(),
        client: chart.client,
        visits: chart.visits,
        muscles: chart.muscles,
        factors: chart.factors,
        zone: zone.map(|z| z.code().to_owned()).unwrap_or_default(),
        candidates: chart.candidates,
        map: chart.map,
        interactive: false,
        routines: chart.routines,
        emails: chart.emails,
        followups: chart.followups,
        adherence: chart.adherence,
    })
}

/// Loads a client of this therapist (404 for anyone else's) and audits the read.
async fn own_client(
    state: &AppState,
    me: &TherapistUser,
    actor: &Actor,
    id: String,
) -> Result<Client, AppError> {
    let (therapist, actor) = (me.id().to_owned(), actor.clone());
    state
        .db
        .run(move |conn| {
            let client = model::find_for_therapist(conn, &id, &therapist)?;
            audit::record(
                conn,
                &actor,
                Action::ClientView,
                Some(("client", &client.id)),
                Outcome::Success,
                None,
            )?;
            Ok(client)
        })
        .await
}

pub async fn edit_client_form(
    state: web::Data<AppState>,
    me: TherapistUser,
    ctx: Ctx,
    actor: Actor,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let client = own_client(&state, &me, &actor, id.into_inner()).await?;
    let form = ClientForm::from_client(&client);
    ok(&ClientFormPage { ctx, client: Some(client), form, errors: FieldErrors::new() })
}

pub async fn update_client(
    state: web::Data<AppState>,
    me: TherapistUser,
    ctx: Ctx,
    actor: Actor,
    id: web::Path<String>,
    form: web::Form<ClientForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let fields = match form.validate() {
        Ok(fields) => fields,
        Err(errors) => {
            let client = own_client(&state, &me, &actor, id.into_inner()).await?;
            return invalid(&ClientFormPage { ctx, client: Some(client), form, errors });
        }
    };
    let (therapist, id) = (me.id().to_owned(), id.into_inner());
    let client = state
        .db
        .write(move |conn| {
            let client = model::find_for_therapist(conn, &id, &therapist)?;
            let client = model::update(conn, &client, &fields)?;
            audit::record(
                conn,
                &actor,
                Action::ClientUpdate,
                Some(("client", &client.id)),
                Outcome::Success,
                None,
            )?;
            Ok(client)
        })
        .await?;
    Ok(see_other_with(&state.cookie_names, &client_url(&client.id), Flash::success("Saved.")))
}

async fn set_archived(
    state: web::Data<AppState>,
    me: TherapistUser,
    actor: Actor,
    id: String,
    archived: bool,
) -> Result<HttpResponse, AppError> {
    let therapist = me.id().to_owned();
    let client = state
        .db
        .write(move |conn| {
            let client = model::find_for_therapist(conn, &id, &therapist)?;
            model::set_archived(conn, &client, archived)?;
            let action = if archived { Action::ClientArchive } else { Action::ClientRestore };
            audit::record(conn, &actor, action, Some(("client", &client.id)), Outcome::Success, None)?;
            Ok(client)
        })
        .await?;
    let message = if archived { "archived; the record is kept" } else { "restored" };
    let flash = Flash::success(format!("{} was {message}.", client.display_name()));
    Ok(see_other_with(&state.cookie_names, &client_url(&client.id), flash))
}

pub async fn archive_client(
    state: web::Data<AppState>,
    me: TherapistUser,
    actor: Actor,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    set_archived(state, me, actor, id.into_inner(), true).await
}

pub async fn restore_client(
    state: web::Data<AppState>,
    me: TherapistUser,
    actor: Actor,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    set_archived(state, me, actor, id.into_inner(), false).await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct AssignmentParams {
    q: String,
    page: Option<i64>,
}

/// Who treats whom. Names only: admins without the therapist role never see clinical content.
pub async fn list_assignments(
    state: web::Data<AppState>,
    _admin: AdminUser,
    ctx: Ctx,
    params: web::Query<AssignmentParams>,
) -> Result<HttpResponse, AppError> {
    let q: String = params.q.chars().take(100).collect();
    let page = params.page.unwrap_or(1).clamp(1, MAX_PAGE);
    let text = q.clone();
    let (mut rows, therapists) = state
        .db
        .run(move |conn| {
            let rows = model::list_assignments(conn, &text, (page - 1) * PAGE_SIZE, PAGE_SIZE)?;
            Ok((rows, model::therapists(conn)?))
        })
        .await?;
    let has_next = rows.len() as i64 > PAGE_SIZE;
    rows.truncate(PAGE_SIZE as usize);
    ok(&AdminClientsPage { ctx, rows, therapists, q, page, has_next })
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ReassignForm {
    therapist_id: String,
}

pub async fn reassign_client(
    state: web::Data<AppState>,
    _admin: AdminUser,
    actor: Actor,
    id: web::Path<String>,
    form: web::Form<ReassignForm>,
) -> Result<HttpResponse, AppError> {
    let (id, therapist) = (id.into_inner(), form.into_inner().therapist_id);
    let result = state
        .db
        .write(move |conn| {
            let (from, to) = model::reassign(conn, &id, &therapist)?;
            let detail = format!("therapist {from} -> {to}");
            audit::record(
                conn,
                &actor,
                Action::ClientReassign,
                Some(("client", &id)),
                Outcome::Success,
                Some(detail),
            )?;
            Ok(())
        })
        .await;
    let flash = match result {
        Ok(()) => Flash::success("The client was reassigned."),
        Err(AppError::Validation(errors)) => Flash::error(errors.into_values().next().unwrap_or_default()),
        Err(err) => return Err(err),
    };
    Ok(see_other_with(&state.cookie_names, "/admin/clients", flash))
}
