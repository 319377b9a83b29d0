//! Self-service account pages: first-run set-up, sign-in, sign-out, home, own password.

use actix_web::{HttpResponse, web};
use chrono::Utc;

use crate::AppState;
use crate::accounts::forms::{LoginForm, PasswordForm, SetupForm};
use crate::accounts::model::{self, NewUser, User, normalize_email};
use crate::accounts::sessions::{self, Session};
use crate::accounts::views::{HomePage, LoginPage, PasswordPage, SetupLinkPage, SetupPage};
use crate::audit::model::{self as audit, Action, Actor, Outcome};
use crate::auth::extractors::CurrentUser;
use crate::auth::jwt::Purpose;
use crate::error::{AppError, FieldErrors};
use crate::web::flash::{Flash, see_other, see_other_with};
use crate::web::page::{Ctx, invalid, ok, render};
use actix_web::http::StatusCode;

const WRONG_CREDENTIALS: &str = "The email or password is incorrect.";

/// Redirects to `to` with a fresh session cookie for `user`.
fn signed_in(
    state: &AppState,
    user: &User,
    session: &Session,
    to: &str,
    flash: Option<Flash>,
) -> Result<HttpResponse, AppError> {
    let now = Utc::now().naive_utc();
    let exp = session.token_expiry(now, state.lifetimes()).and_utc().timestamp();
    let token = state.keys.issue(Purpose::Login, &user.id, &session.id, exp);
    let names = &state.cookie_names;
    let mut response = match flash {
        Some(flash) => see_other_with(names, to, flash),
        None => see_other(to),
    };
    response.add_cookie(&names.build(&names.session, token)).map_err(|e| AppError::Internal(e.into()))?;
    Ok(response)
}

/// The label stored for a sign-in attempt: the typed email if it looks like one. Anything
/// else may be a password typed into the wrong field and must not be kept.
fn attempted_label(email: &str) -> String {
    if email.contains('@') && email.len() <= 254 && !email.contains(char::is_whitespace) {
        email.to_owned()
    } else {
        "(not an email address)".into()
    }
}

#[derive(serde::Deserialize)]
pub struct SetupQuery {
    token: Option<String>,
}

fn setup_token_matches(state: &AppState, supplied: &str) -> bool {
    use subtle::ConstantTimeEq;
    bool::from(state.setup_token.as_bytes().ct_eq(supplied.as_bytes()))
}

pub async fn setup_form(
    state: web::Data<AppState>,
    ctx: Ctx,
    query: web::Query<SetupQuery>,
) -> Result<HttpResponse, AppError> {
    if state.is_set_up().await? {
        return Err(AppError::NotFound);
    }
    let token = query.into_inner().token.unwrap_or_default();
    if !setup_token_matches(&state, &token) {
        return render(&SetupLinkPage { ctx }, StatusCode::FORBIDDEN);
    }
    ok(&SetupPage { ctx, form: SetupForm::initial(token), errors: FieldErrors::new() })
}

pub async fn setup(
    state: web::Data<AppState>,
    ctx: Ctx,
    actor: Actor,
    form: web::Form<SetupForm>,
) -> Result<HttpResponse, AppError> {
    if state.is_set_up().await? {
        return Err(AppError::NotFound);
    }
    let form = form.into_inner();
    if !setup_token_matches(&state, &form.setup_token) {
        return render(&SetupLinkPage { ctx }, StatusCode::FORBIDDEN);
    }
    let errors = form.validate();
    if !errors.is_empty() {
        return invalid(&SetupPage { ctx, form, errors });
    }
    let hash = state.passwords.hash(form.password.clone()).await?;
    let new = NewUser::new(
        &form.identity.email,
        &form.identity.display_name,
        hash,
        true,
        form.is_therapist.is_some(),
    );
    let lifetimes = state.lifetimes();
    let created = state
        .db
        .write(move |conn| {
            let user = model::insert_first_admin(conn, &new)?;
            let actor =
                Actor { user_id: Some(user.id.clone()), label: Some(user.email.clone()), ip: actor.ip };
            audit::record(
                conn,
                &actor,
                Action::SetupFirstAdmin,
                Some(("user", &user.id)),
                Outcome::Success,
                None,
            )?;
            let session =
                sessions::insert(conn, &user.id, actor.ip.clone(), Utc::now().naive_utc(), lifetimes)?;
            Ok((user, session))
        })
        .await;
    match created {
        Ok((user, session)) => {
            state.mark_set_up();
            tracing::info!(user_id = %user.id, "first admin account created");
            signed_in(&state, &user, &session, "/", Some(Flash::success("Welcome! Your practice is set up.")))
        }
        Err(AppError::Conflict(_)) => {
            state.mark_set_up();
            Ok(see_other_with(
                &state.cookie_names,
                "/login",
                Flash::error("This installation was already set up. Please sign in."),
            ))
        }
        Err(err) => Err(err),
    }
}

pub async fn login_form(ctx: Ctx) -> Result<HttpResponse, AppError> {
    if ctx.user.is_some() {
        return Ok(see_other("/"));
    }
    ok(&LoginPage { ctx, email: String::new(), error: None })
}

pub async fn login(
    state: web::Data<AppState>,
    ctx: Ctx,
    actor: Actor,
    form: web::Form<LoginForm>,
) -> Result<HttpResponse, AppError> {
    let LoginForm { email, password: typed } = form.into_inner();
    let email = normalize_email(&email);
    let label = attempted_label(&email);
    let ip = actor.ip.clone().unwrap_or_default();
    if let Err(retry_after_secs) = state.throttle.check(&email, &ip) {
        let actor = Actor { label: Some(label), ..actor };
        state
            .db
            .run(move |conn| audit::record(conn, &actor, Action::LoginThrottled, None, Outcome::Denied, None))
            .await?;
        return Err(AppError::TooManyRequests { retry_after_secs });
    }
    let lookup = email.clone();
    let found = state.db.run(move |conn| model::find_by_email(conn, &lookup)).await?;
    // Verify against a dummy hash for unknown emails, so both failures take the same time.
    let hash = found.as_ref().map_or_else(|| state.dummy_hash.clone(), |u| u.password_hash.clone());
    let matches = state.passwords.verify(typed, hash).await?;
    let lifetimes = state.lifetimes();
    match found {
        Some(user) if matches && user.is_active => {
            let session = state
                .db
                .write(move |conn| {
                    // The check above took a while: a password change or deactivation that
                    // committed meanwhile must still win.
                    let current = model::find_by_id(conn, &user.id)?;
                    if current.password_hash != user.password_hash || !current.is_active {
                        return Ok(None);
                    }
                    let now = Utc::now().naive_utc();
                    model::record_successful_login(conn, &user.id)?;
                    sessions::delete_expired(conn, now, lifetimes)?;
                    let session = sessions::insert(conn, &user.id, actor.ip.clone(), now, lifetimes)?;
                    let actor = Actor {
                        user_id: Some(user.id.clone()),
                        label: Some(user.email.clone()),
                        ip: actor.ip,
                    };
                    audit::record(
                        conn,
                        &actor,
                        Action::LoginSuccess,
                        Some(("user", &user.id)),
                        Outcome::Success,
                        None,
                    )?;
                    Ok(Some((user, session)))
                })
                .await?;
            match session {
                Some((user, session)) => signed_in(&state, &user, &session, "/", None),
                None => ok(&LoginPage { ctx, email, error: Some(WRONG_CREDENTIALS.into()) }),
            }
        }
        found => {
            let user_id = found.map(|u| u.id);
            state
                .db
                .write(move |conn| {
                    if let Some(id) = &user_id {
                        model::record_failed_login(conn, id)?;
                    }
                    let actor = Actor { user_id: None, label: Some(label), ip: actor.ip };
                    let object = user_id.as_deref().map(|id| ("user", id));
                    audit::record(conn, &actor, Action::LoginFailure, object, Outcome::Failure, None)
                })
                .await?;
            ok(&LoginPage { ctx, email, error: Some(WRONG_CREDENTIALS.into()) })
        }
    }
}

pub async fn logout(
    state: web::Data<AppState>,
    CurrentUser(me): CurrentUser,
    actor: Actor,
) -> Result<HttpResponse, AppError> {
    state
        .db
        .write(move |conn| {
            sessions::delete(conn, &me.session_id)?;
            audit::record(conn, &actor, Action::Logout, Some(("user", &me.user.id)), Outcome::Success, None)
        })
        .await?;
    let names = &state.cookie_names;
    let mut response = see_other_with(names, "/login", Flash::success("You have signed out."));
    response.add_cookie(&names.removal(&names.session)).map_err(|e| AppError::Internal(e.into()))?;
    Ok(response)
}

pub async fn home(
    state: web::Data<AppState>,
    CurrentUser(me): CurrentUser,
    ctx: Ctx,
) -> Result<HttpResponse, AppError> {
    let today = state.today();
    let dashboard = if me.user.is_therapist {
        let therapist = me.user.id.clone();
        let rows = state
            .db
            .run(move |conn| {
                crate::followups::model::open_until(conn, &therapist, today + chrono::Duration::days(7))
            })
            .await?;
        Some(crate::followups::views::Dashboard::from_rows(rows, today))
    } else {
        None
    };
    ok(&HomePage { ctx, name: me.user.display_name, dashboard, today })
}

pub async fn password_form(CurrentUser(me): CurrentUser, ctx: Ctx) -> Result<HttpResponse, AppError> {
    ok(&PasswordPage {
        ctx,
        form: PasswordForm::default(),
        errors: FieldErrors::new(),
        forced: me.user.must_change_password,
    })
}

pub async fn change_password(
    state: web::Data<AppState>,
    CurrentUser(me): CurrentUser,
    ctx: Ctx,
    actor: Actor,
    form: web::Form<PasswordForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    // The current-password check is a password guess like any sign-in: throttle it alike.
    if let Err(retry_after_secs) =
        state.throttle.check(&me.user.email, actor.ip.as_deref().unwrap_or_default())
    {
        return Err(AppError::TooManyRequests { retry_after_secs });
    }
    let mut errors = form.validate(&me.user.email, &me.user.display_name);
    if !state.passwords.verify(form.current_password.clone(), me.user.password_hash.clone()).await? {
        errors.insert("current_password", "This is not your current password.".into());
        let (actor, user_id) = (actor.clone(), me.user.id.clone());
        state
            .db
            .run(move |conn| {
                audit::record(
                    conn,
                    &actor,
                    Action::PasswordChange,
                    Some(("user", &user_id)),
                    Outcome::Failure,
                    None,
                )
            })
            .await?;
    }
    if !errors.is_empty() {
        // Passwords are never sent back to the browser.
        let forced = me.user.must_change_password;
        return invalid(&PasswordPage { ctx, form: PasswordForm::default(), errors, forced });
    }
    let hash = state.passwords.hash(form.password).await?;
    let lifetimes = state.lifetimes();
    let (user, session) = state
        .db
        .write(move |conn| {
            // The session may have been revoked, or the password reset, since this request began.
            if !sessions::delete(conn, &me.session_id)? {
                return Err(AppError::Unauthorized);
            }
            model::replace_password(conn, &me.user.id, &me.user.password_hash, &hash)?;
            // Every other session (a stolen cookie included) ends with the old password.
            sessions::delete_for_user(conn, &me.user.id)?;
            let session =
                sessions::insert(conn, &me.user.id, actor.ip.clone(), Utc::now().naive_utc(), lifetimes)?;
            audit::record(
                conn,
                &actor,
                Action::PasswordChange,
                Some(("user", &me.user.id)),
                Outcome::Success,
                None,
            )?;
            Ok((me.user, session))
        })
        .await?;
    signed_in(&state, &user, &session, "/", Some(Flash::success("Your password has been changed.")))
}
