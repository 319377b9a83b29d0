//! Admin pages for accounts: list and search, create, edit name and roles, deactivate and
//! reactivate, reset a password. Every change is audited; role and status changes and resets
//! end the account's sessions at once.

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use crate::AppState;
use crate::accounts::forms::{NewAccountForm, ProfileForm};
use crate::accounts::model::{self, NewUser, User};
use crate::accounts::sessions;
use crate::accounts::views::{EditUserPage, NewUserPage, TemporaryPasswordPage, UsersPage};
use crate::audit::model::{self as audit, Action, Actor, Outcome};
use crate::auth::extractors::AdminUser;
use crate::auth::password;
use crate::error::{AppError, FieldErrors};
use crate::web::flash::{Flash, see_other_with};
use crate::web::page::{Ctx, invalid, ok};

const PAGE_SIZE: i64 = 25;
/// Deep paging is refused rather than scanned.
const MAX_PAGE: i64 = 400;

#[derive(Debug, Deserialize)]
pub struct UserQuery {
    q: Option<String>,
    page: Option<i64>,
}

fn user_url(id: &str) -> String {
    format!("/admin/users/{id}")
}

pub async fn list_users(
    state: web::Data<AppState>,
    _admin: AdminUser,
    ctx: Ctx,
    query: web::Query<UserQuery>,
) -> Result<HttpResponse, AppError> {
    let q: String = query.q.clone().unwrap_or_default().chars().take(100).collect();
    let page = query.page.unwrap_or(1).clamp(1, MAX_PAGE);
    let search = q.clone();
    let mut users =
        state.db.run(move |conn| model::search(conn, &search, (page - 1) * PAGE_SIZE, PAGE_SIZE)).await?;
    let has_next = users.len() as i64 > PAGE_SIZE;
    users.truncate(PAGE_SIZE as usize);
    ok(&UsersPage { ctx, users, q, page, has_next })
}

pub async fn new_user_form(_admin: AdminUser, ctx: Ctx) -> Result<HttpResponse, AppError> {
    ok(&NewUserPage { ctx, form: NewAccountForm::initial(), errors: FieldErrors::new() })
}

pub async fn create_user(
    state: web::Data<AppState>,
    _admin: AdminUser,
    ctx: Ctx,
    actor: Actor,
    form: web::Form<NewAccountForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let errors = form.validate();
    if !errors.is_empty() {
        return invalid(&NewUserPage { ctx, form, errors });
    }
    let temporary = password::generate_temporary();
    let hash = state.passwords.hash(temporary.clone()).await?;
    let mut new = NewUser::new(
        &form.identity.email,
        &form.identity.display_name,
        hash,
        form.is_admin.is_some(),
        form.is_therapist.is_some(),
    );
    new.must_change_password = true;
    let created = state
        .db
        .write(move |conn| {
            let user = model::insert(conn, &new)?;
            let detail = format!("roles: {}", user.roles_label());
            audit::record(
                conn,
                &actor,
                Action::UserCreate,
                Some(("user", &user.id)),
                Outcome::Success,
                Some(detail),
            )?;
            Ok(user)
        })
        .await;
    match created {
        Ok(user) => ok(&TemporaryPasswordPage { ctx, user, password: temporary, created: true }),
        Err(AppError::Validation(errors)) => invalid(&NewUserPage { ctx, form, errors }),
        Err(err) => Err(err),
    }
}

pub async fn edit_user_form(
    state: web::Data<AppState>,
    _admin: AdminUser,
    ctx: Ctx,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let user = state.db.run(move |conn| model::find_by_id(conn, &id)).await?;
    let form = ProfileForm {
        display_name: user.display_name.clone(),
        is_admin: user.is_admin.then(|| "on".into()),
        is_therapist: user.is_therapist.then(|| "on".into()),
    };
    ok(&EditUserPage { ctx, user, form, errors: FieldErrors::new() })
}

pub async fn update_user(
    state: web::Data<AppState>,
    _admin: AdminUser,
    ctx: Ctx,
    actor: Actor,
    id: web::Path<String>,
    form: web::Form<ProfileForm>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let form = form.into_inner();
    let mut errors = form.validate();
    if errors.is_empty() {
        let (user_id, name) = (id.clone(), form.display_name.clone());
        let (is_admin, is_therapist) = (form.is_admin.is_some(), form.is_therapist.is_some());
        let updated = state
            .db
            .write(move |conn| {
                let (before, after) = model::update_profile(conn, &user_id, &name, is_admin, is_therapist)?;
                let roles_changed =
                    (before.is_admin, before.is_therapist) != (after.is_admin, after.is_therapist);
                if roles_changed {
                    // New rights (or fewer) take effect at the next sign-in, never on an old token.
                    sessions::delete_for_user(conn, &after.id)?;
                }
                let detail = format!("roles: {} -> {}", before.roles_label(), after.roles_label());
                audit::record(
                    conn,
                    &actor,
                    Action::UserUpdate,
                    Some(("user", &after.id)),
                    Outcome::Success,
                    Some(detail),
                )?;
                Ok(after)
            })
            .await;
        match updated {
            Ok(user) => {
                let flash = Flash::success(format!("Saved the changes to {}.", user.email));
                return Ok(see_other_with(&state.cookie_names, &user_url(&user.id), flash));
            }
            Err(AppError::Conflict(message)) => {
                errors.insert("roles", message);
            }
            Err(err) => return Err(err),
        }
    }
    let user = state.db.run(move |conn| model::find_by_id(conn, &id)).await?;
    invalid(&EditUserPage { ctx, user, form, errors })
}

/// Deactivates or reactivates; the last active admin cannot be deactivated.
async fn set_active(
    state: web::Data<AppState>,
    actor: Actor,
    id: String,
    active: bool,
) -> Result<HttpResponse, AppError> {
    let user_id = id.clone();
    let result = state
        .db
        .write(move |conn| {
            let user = model::set_active(conn, &user_id, active)?;
            let action = if active { Action::UserActivate } else { Action::UserDeactivate };
            if !active {
                sessions::delete_for_user(conn, &user.id)?;
                crate::followups::calendar::revoke(conn, &user.id, chrono::Utc::now().naive_utc())?;
            }
            audit::record(conn, &actor, action, Some(("user", &user.id)), Outcome::Success, None)?;
            Ok(user)
        })
        .await;
    let flash = match result {
        Ok(user) if active => Flash::success(format!("{} can sign in again.", user.email)),
        Ok(user) => Flash::success(format!("{} is deactivated and signed out everywhere.", user.email)),
        Err(AppError::Conflict(message)) => Flash::error(message),
        Err(err) => return Err(err),
    };
    Ok(see_other_with(&state.cookie_names, &user_url(&id), flash))
}

pub async fn deactivate_user(
    state: web::Data<AppState>,
    _admin: AdminUser,
    actor: Actor,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    set_active(state, actor, id.into_inner(), false).await
}

pub async fn activate_user(
    state: web::Data<AppState>,
    _admin: AdminUser,
    actor: Actor,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    set_active(state, actor, id.into_inner(), true).await
}

/// Sets a generated temporary password, shown once; the user must change it at next sign-in.
pub async fn reset_password(
    state: web::Data<AppState>,
    _admin: AdminUser,
    ctx: Ctx,
    actor: Actor,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let temporary = password::generate_temporary();
    let hash = state.passwords.hash(temporary.clone()).await?;
    let user: User = state
        .db
        .write(move |conn| {
            model::set_password(conn, &id, &hash, true)?;
            sessions::delete_for_user(conn, &id)?;
            audit::record(
                conn,
                &actor,
                Action::UserResetPassword,
                Some(("user", &id)),
                Outcome::Success,
                None,
            )?;
            model::find_by_id(conn, &id)
        })
        .await?;
    ok(&TemporaryPasswordPage { ctx, user, password: temporary, created: false })
}
