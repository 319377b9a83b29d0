//! The middleware that runs before every handler: refuses other host names, sends everyone to
//! /setup until the first account exists, resolves the session cookie (checking the server-side
//! session for revocation and the idle and absolute limits, sliding the idle timeout), binds
//! the CSRF token, and keeps the cookies up to date on the way out.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::web::Data;
use actix_web::{Error, HttpMessage, HttpResponse, ResponseError};
use chrono::NaiveDateTime;

use crate::auth::csrf;
use crate::auth::identity::{Identity, RequestAuth, client_ip, random_value};
use crate::auth::jwt::Purpose;
use crate::auth::sessions::{self, Lifetimes};
use crate::error::AppError;
use crate::web::flash::Flash;
use crate::web::form::{has_nul, nul_refused};
use crate::web::state::AppState;

/// How often a session's last-seen time (and the token) is refreshed: at most once a minute, to
/// spare the database, but always several times within the idle window, so a session in use
/// never runs out whatever `session_idle_minutes` is.
fn touch_every_secs(lifetimes: Lifetimes) -> i64 {
    (lifetimes.idle.num_seconds() / 4).clamp(1, 60)
}

/// Paths that work before the first account exists.
fn open_before_setup(path: &str) -> bool {
    path == "/setup" || path == "/healthz" || path == "/readyz" || path.starts_with("/static/")
}

/// Paths a user who must change their password may still reach.
fn open_while_password_expired(path: &str) -> bool {
    path == "/account/password"
        || path == "/logout"
        || path.starts_with("/static/")
        || path == "/healthz"
        || path == "/readyz"
}

/// Whether the Host header names this server.
fn host_allowed(req: &ServiceRequest, allowed: &[String]) -> bool {
    req.headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|host| allowed.iter().any(|a| a.eq_ignore_ascii_case(host)))
}

fn redirect(req: ServiceRequest, to: &str) -> ServiceResponse<BoxBody> {
    req.into_response(HttpResponse::SeeOther().insert_header((header::LOCATION, to)).finish())
}

fn refuse(req: ServiceRequest, err: &AppError) -> ServiceResponse<BoxBody> {
    req.into_response(err.error_response())
}

/// Whether the answer sends the browser to the sign-in page.
fn sends_to_sign_in(res: &ServiceResponse<BoxBody>) -> bool {
    res.status() == actix_web::http::StatusCode::SEE_OTHER
        && res
            .headers()
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|to| to == "/login" || to.starts_with("/login?"))
}

/// What the session cookie says, checked against the server-side session.
enum Session {
    /// No cookie.
    None,
    /// A cookie that no longer counts: it is removed.
    Stale,
    /// A live session, with a fresh token when it was touched.
    Live(Box<Identity>, Option<String>),
}

/// The live identity behind the session cookie, sliding the idle timeout at most once a minute.
async fn resolve_session(
    state: &AppState,
    token: Option<String>,
    now: NaiveDateTime,
) -> Result<Session, AppError> {
    let Some(token) = token else {
        return Ok(Session::None);
    };
    let Some(claims) = state.keys.verify(&token, Purpose::Login) else {
        return Ok(Session::Stale);
    };
    let lifetimes = state.lifetimes();
    let found = state
        .db
        .run(move |conn| {
            let Some((session, user)) = sessions::find_with_user(conn, &claims.sid)? else {
                return Ok(None);
            };
            if session.user_id != claims.sub || !user.is_active || !session.is_live(now, lifetimes) {
                return Ok(None);
            }
            let refreshed = if (now - session.last_seen_at).num_seconds() >= touch_every_secs(lifetimes) {
                sessions::touch(conn, &session.id, now)?;
                Some(session.token_expiry(now, lifetimes))
            } else {
                None
            };
            Ok(Some((Identity { user, session_id: session.id }, refreshed)))
        })
        .await?;
    Ok(match found {
        None => Session::Stale,
        Some((identity, refreshed)) => {
            let token = refreshed.map(|exp| {
                let exp = exp.and_utc().timestamp();
                state.keys.issue(Purpose::Login, &identity.user.id, &identity.session_id, exp)
            });
            Session::Live(Box::new(identity), token)
        }
    })
}

/// The middleware. Registered once around every route.
pub async fn resolve(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let Some(state) = req.app_data::<Data<AppState>>().cloned() else {
        return Ok(refuse(req, &AppError::Internal(anyhow::anyhow!("AppState is not registered"))));
    };
    let path = req.path().to_owned();
    if !host_allowed(&req, &state.allowed_hosts) {
        return Ok(refuse(req, &AppError::MisdirectedHost));
    }
    if has_nul(req.path().as_bytes()) || has_nul(req.query_string().as_bytes()) {
        return Ok(refuse(req, &nul_refused()));
    }
    if !open_before_setup(&path) {
        match state.is_set_up().await {
            Ok(true) => {}
            Ok(false) => return Ok(redirect(req, "/setup")),
            Err(err) => return Ok(refuse(req, &err)),
        }
    }
    let names = state.cookie_names.clone();
    let token = req.cookie(&names.session).map(|c| c.value().to_owned());
    let (identity, refreshed_token, drop_session_cookie) =
        match resolve_session(&state, token, state.clock.now()).await {
            Ok(Session::None) => (None, None, false),
            Ok(Session::Stale) => (None, None, true),
            Ok(Session::Live(identity, token)) => (Some(*identity), token, false),
            Err(err) => return Ok(refuse(req, &err)),
        };
    let mut new_pre_session = None;
    let key = state.keys.csrf_key();
    let csrf_token = match &identity {
        Some(found) => csrf::session_token(key, &found.session_id),
        None => match req.cookie(&names.csrf) {
            Some(cookie) if cookie.value().len() == 43 => {
                csrf::token_for(key, &format!("a:{}", cookie.value()))
            }
            _ => match random_value() {
                Ok(value) => {
                    let token = csrf::token_for(key, &format!("a:{value}"));
                    new_pre_session = Some(value);
                    token
                }
                Err(err) => {
                    return Ok(refuse(req, &AppError::Internal(anyhow::anyhow!("no randomness: {err}"))));
                }
            },
        },
    };
    let must_change_password = identity.as_ref().is_some_and(|i| i.user.must_change_password);
    let had_flash = req.cookie(&names.flash).is_some_and(|c| Flash::decode(c.value()).is_some());
    let auth = RequestAuth { identity, csrf_token, ip: client_ip(&req, state.config.trust_proxy_headers) };
    req.extensions_mut().insert(auth);

    // A user who must change their password sees only that page; cookie upkeep below still runs.
    let mut res = if must_change_password && !open_while_password_expired(&path) {
        redirect(req, "/account/password")
    } else {
        next.call(req).await?.map_into_boxed_body()
    };
    let sets =
        |res: &ServiceResponse<BoxBody>, name: &str| res.response().cookies().any(|c| c.name() == name);
    if !sets(&res, &names.session) {
        if let Some(token) = refreshed_token {
            res.response_mut().add_cookie(&names.build(&names.session, token))?;
        } else if drop_session_cookie {
            res.response_mut().add_cookie(&names.removal(&names.session))?;
            if sends_to_sign_in(&res) && !sets(&res, &names.flash) {
                let ended = Flash::info("Your session has ended. Sign in again to carry on where you were.");
                res.response_mut().add_cookie(&names.build(&names.flash, ended.encode()))?;
            }
        }
    }
    if let Some(value) = new_pre_session {
        res.response_mut().add_cookie(&names.build(&names.csrf, value))?;
    }
    // A flash is shown once: by the first page that renders successfully.
    if had_flash && res.status().is_success() && !sets(&res, &names.flash) {
        res.response_mut().add_cookie(&names.removal(&names.flash))?;
    }
    Ok(res)
}
