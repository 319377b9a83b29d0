//! Client pages: the list, create and edit, archive and restore. Every handler is scoped to the
//! signed-in therapist's own clients.

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use crate::audit::audited;
use crate::audit::model::Action;
use crate::auth::extractors::{Actor, TherapistUser};
use crate::clients::forms::ClientForm;
use crate::clients::model::{self, ListQuery, Sort};
use crate::clients::views::{ClientFormPage, ClientsPage};
use crate::db::DbConn;
use crate::db::paging::{Page, PageRequest};
use crate::error::{AppError, FieldErrors};
use crate::web::flash::Flash;
use crate::web::form::Form;
use crate::web::page::{invalid, ok};
use crate::web::paging::{Pager, query};
use crate::web::request::TherapistRequest;
use crate::web::state::AppState;

const PAGE_SIZE: i64 = 25;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ListParams {
    q: String,
    sort: String,
    archived: String,
    page: Option<i64>,
}

impl ListParams {
    fn query(&self) -> ListQuery {
        ListQuery {
            text: self.q.chars().take(100).collect(),
            archived: !self.archived.is_empty(),
            sort: Sort::parse(&self.sort),
        }
    }
}

pub fn client_url(id: &str) -> String {
    format!("/clients/{id}")
}

pub async fn list_clients(
    req: TherapistRequest,
    params: web::Query<ListParams>,
) -> Result<HttpResponse, AppError> {
    let TherapistRequest { state, me, ctx, .. } = req;
    let (list, request) = (params.query(), PageRequest::numbered(params.page, PAGE_SIZE));
    let (therapist, search, window) = (me.id().to_owned(), list.clone(), request.clone());
    let rows =
        state.db.run(move |conn| model::list_for_therapist(conn, &therapist, &search, &window)).await?;
    let page = Page::from_fetched(rows, &request, |c| c.id.clone());
    let archived = if list.archived { "1" } else { "" };
    let pager = Pager::numbered(&page, |n| {
        let n = n.to_string();
        format!(
            "/clients{}",
            query(&[("q", &list.text), ("sort", list.sort.code()), ("archived", archived), ("page", &n)])
        )
    });
    ok(&ClientsPage {
        ctx,
        clients: page.rows,
        q: list.text,
        sort: list.sort.code(),
        archived: list.archived,
        pager,
    })
}

pub async fn new_client_form(req: TherapistRequest) -> Result<HttpResponse, AppError> {
    let ctx = req.ctx;
    ok(&ClientFormPage { ctx, client: None, form: ClientForm::default(), errors: FieldErrors::new() })
}

pub async fn create_client(req: TherapistRequest, form: Form<ClientForm>) -> Result<HttpResponse, AppError> {
    let TherapistRequest { state, me, ctx, actor } = req;
    let form = form.into_inner();
    let fields = match form.validate(state.clock.today()) {
        Ok(fields) => fields,
        Err(errors) => return invalid(&ClientFormPage { ctx, client: None, form, errors }),
    };
    let (therapist, now) = (me.id().to_owned(), state.clock.now());
    let client = audited::write(&state.db, actor, Action::ClientCreate, move |conn| {
        model::insert(conn, &therapist, &fields, now)
    })
    .await?;
    let flash = Flash::success(format!("{} was added.", client.display_name()));
    Ok(state.see_other(&client_url(&client.id), flash))
}

pub async fn edit_client_form(
    req: TherapistRequest,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let TherapistRequest { state, me, ctx, .. } = req;
    let (therapist, id) = (me.id().to_owned(), id.into_inner());
    let client = state.db.run(move |conn| model::find_for_therapist(conn, &id, &therapist)).await?;
    let form = ClientForm::from_client(&client);
    ok(&ClientFormPage { ctx, client: Some(client), form, errors: FieldErrors::new() })
}

pub async fn update_client(
    req: TherapistRequest,
    id: web::Path<String>,
    form: Form<ClientForm>,
) -> Result<HttpResponse, AppError> {
    let TherapistRequest { state, me, ctx, actor } = req;
    let (therapist, id, form) = (me.id().to_owned(), id.into_inner(), form.into_inner());
    let fields = match form.validate(state.clock.today()) {
        Ok(fields) => fields,
        Err(errors) => {
            let client = state.db.run(move |conn| model::find_for_therapist(conn, &id, &therapist)).await?;
            return invalid(&ClientFormPage { ctx, client: Some(client), form, errors });
        }
    };
    let now = state.clock.now();
    let change = move |conn: &mut DbConn| model::update(conn, &therapist, &id, &fields, now);
    let client = audited::write(&state.db, actor, Action::ClientUpdate, change).await?;
    Ok(state.see_other(&client_url(&client.id), Flash::success("Saved.")))
}

async fn set_archived(
    state: &AppState,
    me: &TherapistUser,
    actor: Actor,
    id: String,
    archived: bool,
) -> Result<HttpResponse, AppError> {
    let (therapist, now) = (me.id().to_owned(), state.clock.now());
    let action = if archived { Action::ClientArchive } else { Action::ClientRestore };
    let change = move |conn: &mut DbConn| model::set_archived(conn, &therapist, &id, archived, now);
    let client = audited::write(&state.db, actor, action, change).await?;
    let message = if archived { "archived; the record is kept" } else { "restored" };
    let flash = Flash::success(format!("{} was {message}.", client.display_name()));
    Ok(state.see_other(&client_url(&client.id), flash))
}

pub async fn archive_client(req: TherapistRequest, id: web::Path<String>) -> Result<HttpResponse, AppError> {
    let TherapistRequest { state, me, actor, .. } = req;
    set_archived(&state, &me, actor, id.into_inner(), true).await
}

pub async fn restore_client(req: TherapistRequest, id: web::Path<String>) -> Result<HttpResponse, AppError> {
    let TherapistRequest { state, me, actor, .. } = req;
    set_archived(&state, &me, actor, id.into_inner(), false).await
}
