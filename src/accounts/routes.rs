//! Self-service account pages: first-run set-up, sign-in, sign-out, own password.

use std::time::Instant;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};

use crate::accounts::forms::{LoginForm, PasswordForm, SetupForm};
use crate::accounts::model::{self, SignIn};
use crate::accounts::views::{PasswordPage, SetupLinkPage, SetupPage};
use crate::auth::csrf;
use crate::auth::extractors::CurrentUser;
use crate::auth::jwt::Purpose;
use crate::auth::sessions::Session;
use crate::auth::throttle;
use crate::auth::users::{self, NewAccount, User, normalize_email};
use crate::error::{AppError, FieldErrors};
use crate::web::flash::{Flash, see_other};
use crate::web::form::Form;
use crate::web::page::{Ctx, invalid, ok, render};
use crate::web::request::{PublicRequest, SignedInRequest};
use crate::web::resume::{KeptForm, SendKeptPage, SignInPage, local_path};
use crate::web::state::AppState;

const WRONG_CREDENTIALS: &str = "The email or password is incorrect.";

/// Redirects to `to` with a fresh session cookie for `user`.
fn signed_in(
    state: &AppState,
    user: &User,
    session: &Session,
    to: &str,
    flash: Option<Flash>,
) -> HttpResponse {
    let response = match flash {
        Some(flash) => state.see_other(to, flash),
        None => see_other(to),
    };
    with_session_cookie(state, user, session, response)
}

/// `response`, setting the session cookie for `user`.
fn with_session_cookie(
    state: &AppState,
    user: &User,
    session: &Session,
    mut response: HttpResponse,
) -> HttpResponse {
    let exp = session.token_expiry(state.clock.now(), state.lifetimes()).and_utc().timestamp();
    let token = state.keys.issue(Purpose::Login, &user.id, &session.id, exp);
    let names = &state.cookie_names;
    // Adding a cookie to a fresh response only fails on an invalid header value, which ours are not.
    let _ = response.add_cookie(&names.build(&names.session, token));
    response
}

#[derive(serde::Deserialize)]
pub struct SetupQuery {
    token: Option<String>,
}

fn setup_token_matches(state: &AppState, supplied: &str) -> bool {
    crate::auth::csrf::matches(&state.setup_token, supplied)
}

pub async fn setup_form(req: PublicRequest, query: web::Query<SetupQuery>) -> Result<HttpResponse, AppError> {
    let PublicRequest { state, ctx, .. } = req;
    if state.is_set_up().await? {
        return Err(AppError::NotFound);
    }
    let token = query.into_inner().token.unwrap_or_default();
    if !setup_token_matches(&state, &token) {
        return render(&SetupLinkPage { ctx }, StatusCode::FORBIDDEN);
    }
    ok(&SetupPage { ctx, form: SetupForm::initial(token), errors: FieldErrors::new() })
}

pub async fn setup(req: PublicRequest, form: Form<SetupForm>) -> Result<HttpResponse, AppError> {
    let PublicRequest { state, ctx, actor } = req;
    let form = form.into_inner();
    if state.is_set_up().await? {
        return Err(AppError::NotFound);
    }
    if !setup_token_matches(&state, &form.setup_token) {
        return render(&SetupLinkPage { ctx }, StatusCode::FORBIDDEN);
    }
    let errors = form.validate();
    if !errors.is_empty() {
        return invalid(&SetupPage { ctx, form, errors });
    }
    let password_hash = state.passwords.hash(form.password.expose().clone()).await?;
    let (now, lifetimes) = (state.clock.now(), state.lifetimes());
    let account = NewAccount {
        email: &form.identity.email,
        display_name: &form.identity.display_name,
        password_hash,
        is_admin: true,
        is_therapist: form.is_therapist.is_some(),
        must_change_password: false,
    };
    let user = User::new(account, now);
    match state.db.write(move |conn| model::set_up(conn, &user, &actor, now, lifetimes)).await {
        Ok((user, session)) => {
            state.mark_set_up();
            tracing::info!(user_id = %user.id, "first admin account created");
            let welcome = Flash::success("Welcome! Your practice is set up.");
            Ok(signed_in(&state, &user, &session, "/", Some(welcome)))
        }
        Err(AppError::Conflict(_)) => {
            state.mark_set_up();
            Ok(state
                .see_other("/login", Flash::error("This installation was already set up. Please sign in.")))
        }
        Err(err) => Err(err),
    }
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct LoginQuery {
    next: String,
}

pub async fn login_form(ctx: Ctx, query: web::Query<LoginQuery>) -> Result<HttpResponse, AppError> {
    let next = local_path(&query.next).unwrap_or_default();
    if ctx.user.is_some() {
        return Ok(see_other(if next.is_empty() { "/" } else { &next }));
    }
    ok(&SignInPage { next, ..SignInPage::new(ctx) })
}

pub async fn login(req: PublicRequest, form: Form<LoginForm>) -> Result<HttpResponse, AppError> {
    let PublicRequest { state, ctx, actor } = req;
    let LoginForm { email, password, next, kept_to, kept_body } = form.into_inner();
    let next = local_path(&next).unwrap_or_default();
    let kept = KeptForm::from_fields(&kept_to, &kept_body);
    let email = normalize_email(&email);
    let label = model::attempted_label(&email);
    let ip = actor.ip.as_deref().unwrap_or_default();
    if let Err(retry_after_secs) = state.throttle.check(&email, ip) {
        if let Some(report) = state.refusals.refused(&throttle::ip_key(ip), &label, Instant::now()) {
            state.db.run(move |conn| model::record_throttled(conn, &report)).await?;
        }
        return Err(AppError::TooManyRequests { retry_after_secs });
    }
    let lookup = email.clone();
    let account = state.db.run(move |conn| users::find_by_email(conn, &lookup)).await?;
    // Verify against a dummy hash for unknown emails, so both failures take the same time.
    let hash = account.as_ref().map_or_else(|| state.dummy_hash.clone(), |u| u.password_hash.clone());
    let password_matches = state.passwords.verify(password.into_inner(), hash).await?;
    let attempt = SignIn { account, password_matches, label };
    let (now, lifetimes) = (state.clock.now(), state.lifetimes());
    let Some((user, session)) =
        state.db.write(move |conn| model::sign_in(conn, attempt, &actor, now, lifetimes)).await?
    else {
        let ended = kept.is_some();
        let error = Some(WRONG_CREDENTIALS.into());
        return ok(&SignInPage { email, error, next, kept, ended, ..SignInPage::new(ctx) });
    };
    match kept {
        // Sent on with the new session's token: what was typed before the session ended is saved now.
        Some(kept) => {
            let token = csrf::session_token(state.keys.csrf_key(), &session.id);
            let page = render(&SendKeptPage { ctx, kept, token, automatic: true }, StatusCode::OK)?;
            Ok(with_session_cookie(&state, &user, &session, page))
        }
        None => Ok(signed_in(&state, &user, &session, if next.is_empty() { "/" } else { &next }, None)),
    }
}

/// Keeps the session alive while the user is at the page (the idle warning's "Stay signed
/// in"): the session middleware has already slid the idle window.
pub async fn keep_alive(_req: SignedInRequest) -> HttpResponse {
    HttpResponse::NoContent().finish()
}

pub async fn logout(req: SignedInRequest) -> Result<HttpResponse, AppError> {
    let SignedInRequest { state, me: CurrentUser(me), actor, .. } = req;
    state.db.write(move |conn| model::sign_out(conn, &me.user, &me.session_id, &actor)).await?;
    let names = &state.cookie_names;
    let mut response = state.see_other("/login", Flash::success("You have signed out."));
    let _ = response.add_cookie(&names.removal(&names.session));
    Ok(response)
}

pub async fn password_form(req: SignedInRequest) -> Result<HttpResponse, AppError> {
    let SignedInRequest { me: CurrentUser(me), ctx, .. } = req;
    let forced = me.user.must_change_password;
    ok(&PasswordPage { ctx, form: PasswordForm::default(), errors: FieldErrors::new(), forced })
}

pub async fn change_password(
    req: SignedInRequest,
    form: Form<PasswordForm>,
) -> Result<HttpResponse, AppError> {
    let SignedInRequest { state, me: CurrentUser(me), ctx, actor } = req;
    let form = form.into_inner();
    // The current-password check is a password guess like any sign-in: throttle it alike.
    if let Err(retry_after_secs) =
        state.throttle.check(&me.user.email, actor.ip.as_deref().unwrap_or_default())
    {
        return Err(AppError::TooManyRequests { retry_after_secs });
    }
    let mut errors = form.validate(&me.user.email, &me.user.display_name);
    let current = form.current_password.expose().clone();
    if !state.passwords.verify(current, me.user.password_hash.clone()).await? {
        errors.insert("current_password", "This is not your current password.".into());
        let (user, audit_actor) = (me.user.clone(), actor.clone());
        state.db.run(move |conn| model::record_wrong_password(conn, &user, &audit_actor)).await?;
    }
    if !errors.is_empty() {
        // Passwords are never sent back to the browser.
        let forced = me.user.must_change_password;
        return invalid(&PasswordPage { ctx, form: PasswordForm::default(), errors, forced });
    }
    let hash = state.passwords.hash(form.password.into_inner()).await?;
    let (now, lifetimes) = (state.clock.now(), state.lifetimes());
    let user = me.user.clone();
    let session = state
        .db
        .write(move |conn| model::change_password(conn, &user, &me.session_id, &hash, &actor, now, lifetimes))
        .await?;
    let changed = Flash::success("Your password has been changed.");
    Ok(signed_in(&state, &me.user, &session, "/", Some(changed)))
}
