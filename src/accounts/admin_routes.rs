//! Admin pages for accounts: list and search, create, edit name and roles, deactivate and
//! reactivate, reset a password. Every change is audited; role and status changes and resets
//! end the account's sessions at once.

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use crate::accounts::forms::{NewAccountForm, ProfileForm};
use crate::accounts::model;
use crate::accounts::views::{EditUserPage, NewUserPage, TemporaryPasswordPage, UsersPage};
use crate::auth::extractors::Actor;
use crate::auth::password;
use crate::auth::users::{self, NewAccount, User};
use crate::db::paging::{Page, PageRequest};
use crate::error::{AppError, FieldErrors};
use crate::web::flash::Flash;
use crate::web::form::Form;
use crate::web::page::{invalid, ok};
use crate::web::paging::{Pager, query};
use crate::web::request::AdminRequest;
use crate::web::state::AppState;

const PAGE_SIZE: i64 = 25;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct UserQuery {
    q: String,
    page: Option<i64>,
}

fn user_url(id: &str) -> String {
    format!("/admin/users/{id}")
}

pub async fn list_users(req: AdminRequest, params: web::Query<UserQuery>) -> Result<HttpResponse, AppError> {
    let AdminRequest { state, ctx, .. } = req;
    let q: String = params.q.chars().take(100).collect();
    let request = PageRequest::numbered(params.page, PAGE_SIZE);
    let (search, window) = (q.clone(), request.clone());
    let rows = state.db.run(move |conn| model::search(conn, &search, &window)).await?;
    let page = Page::from_fetched(rows, &request, |u| u.id.clone());
    let pager =
        Pager::numbered(&page, |n| format!("/admin/users{}", query(&[("q", &q), ("page", &n.to_string())])));
    ok(&UsersPage { ctx, users: page.rows, q, pager })
}

pub async fn new_user_form(req: AdminRequest) -> Result<HttpResponse, AppError> {
    let ctx = req.ctx;
    ok(&NewUserPage { ctx, form: NewAccountForm::initial(), errors: FieldErrors::new() })
}

pub async fn create_user(req: AdminRequest, form: Form<NewAccountForm>) -> Result<HttpResponse, AppError> {
    let AdminRequest { state, ctx, actor, .. } = req;
    let form = form.into_inner();
    let errors = form.validate();
    if !errors.is_empty() {
        return invalid(&NewUserPage { ctx, form, errors });
    }
    let temporary = password::generate_temporary()?;
    let account = NewAccount {
        email: &form.identity.email,
        display_name: &form.identity.display_name,
        password_hash: state.passwords.hash(temporary.clone()).await?,
        is_admin: form.is_admin.is_some(),
        is_therapist: form.is_therapist.is_some(),
        must_change_password: true,
    };
    let user = User::new(account, state.clock.now());
    match state.db.write(move |conn| model::create(conn, &user, &actor)).await {
        Ok(user) => ok(&TemporaryPasswordPage { ctx, user, password: temporary, created: true }),
        Err(AppError::Validation(errors)) => invalid(&NewUserPage { ctx, form, errors }),
        Err(err) => Err(err),
    }
}

pub async fn edit_user_form(req: AdminRequest, id: web::Path<String>) -> Result<HttpResponse, AppError> {
    let AdminRequest { state, ctx, .. } = req;
    let id = id.into_inner();
    let user = state.db.run(move |conn| users::find_by_id(conn, &id)).await?;
    let form = ProfileForm::from_user(&user);
    ok(&EditUserPage { ctx, user, form, errors: FieldErrors::new() })
}

pub async fn update_user(
    req: AdminRequest,
    id: web::Path<String>,
    form: Form<ProfileForm>,
) -> Result<HttpResponse, AppError> {
    let AdminRequest { state, ctx, actor, .. } = req;
    let (id, form) = (id.into_inner(), form.into_inner());
    let mut errors = form.validate();
    if errors.is_empty() {
        let (target, profile, now) = (id.clone(), form.profile(), state.clock.now());
        match state.db.write(move |conn| model::update_profile(conn, &target, &profile, &actor, now)).await {
            Ok(user) => {
                let flash = Flash::success(format!("Saved the changes to {}.", user.email));
                return Ok(state.see_other(&user_url(&user.id), flash));
            }
            Err(AppError::Conflict(message)) => {
                errors.insert("roles", message);
            }
            Err(err) => return Err(err),
        }
    }
    let user = state.db.run(move |conn| users::find_by_id(conn, &id)).await?;
    invalid(&EditUserPage { ctx, user, form, errors })
}

/// Deactivates or reactivates; the last active admin cannot be deactivated.
async fn set_active(
    state: &AppState,
    actor: Actor,
    id: String,
    active: bool,
) -> Result<HttpResponse, AppError> {
    let (target, now) = (id.clone(), state.clock.now());
    let flash = match state.db.write(move |conn| model::set_active(conn, &target, active, &actor, now)).await
    {
        Ok(user) if active => Flash::success(format!("{} can sign in again.", user.email)),
        Ok(user) => Flash::success(format!("{} is deactivated and signed out everywhere.", user.email)),
        Err(AppError::Conflict(message)) => Flash::error(message),
        Err(err) => return Err(err),
    };
    Ok(state.see_other(&user_url(&id), flash))
}

pub async fn deactivate_user(req: AdminRequest, id: web::Path<String>) -> Result<HttpResponse, AppError> {
    let AdminRequest { state, actor, .. } = req;
    set_active(&state, actor, id.into_inner(), false).await
}

pub async fn activate_user(req: AdminRequest, id: web::Path<String>) -> Result<HttpResponse, AppError> {
    let AdminRequest { state, actor, .. } = req;
    set_active(&state, actor, id.into_inner(), true).await
}

/// Sets a generated temporary password, shown once; the user must change it at next sign-in.
pub async fn reset_password(req: AdminRequest, id: web::Path<String>) -> Result<HttpResponse, AppError> {
    let AdminRequest { state, ctx, actor, .. } = req;
    let id = id.into_inner();
    let temporary = password::generate_temporary()?;
    let hash = state.passwords.hash(temporary.clone()).await?;
    let now = state.clock.now();
    let user = state.db.write(move |conn| model::reset_password(conn, &id, &hash, &actor, now)).await?;
    ok(&TemporaryPasswordPage { ctx, user, password: temporary, created: false })
}
