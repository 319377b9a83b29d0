//! Resolves who is making each request, once, in a middleware: verifies the session cookie,
//! checks the server-side session (revocation, idle and absolute limits), slides the idle
//! timeout, computes the CSRF token, and sends everyone to /setup until the first account exists.

use actix_web::HttpMessage;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::web::Data;
use actix_web::{Error, HttpResponse, ResponseError};
use base64::Engine;
use chrono::{NaiveDateTime, Utc};

use crate::AppState;
use crate::accounts::model::User;
use crate::accounts::sessions::{self, Session};
use crate::auth::csrf;
use crate::auth::jwt::Purpose;
use crate::error::AppError;
use crate::web::flash::Flash;

/// Refresh the token (and the session's last-seen time) at most this often.
const TOUCH_EVERY_SECS: i64 = 60;

/// A signed-in user and the session they are using.
#[derive(Debug, Clone)]
pub struct Identity {
    pub user: User,
    pub session_id: String,
}

/// What the middleware learned about the request, stored in its extensions.
#[derive(Debug, Clone)]
pub struct RequestAuth {
    pub identity: Option<Identity>,
    pub csrf_token: String,
    pub ip: Option<String>,
    pub flash: Option<Flash>,
}

/// Cookie names; `__Host-` prefixed (which also demands Secure) when served over https.
#[derive(Debug, Clone)]
pub struct CookieNames {
    pub session: String,
    pub csrf: String,
    pub flash: String,
    pub secure: bool,
}

impl CookieNames {
    pub fn new(https: bool) -> CookieNames {
        let prefix = if https { "__Host-" } else { "" };
        CookieNames {
            session: format!("{prefix}myochart_session"),
            csrf: format!("{prefix}myochart_csrf"),
            flash: format!("{prefix}myochart_flash"),
            secure: https,
        }
    }

    /// HttpOnly, path=/ and SameSite=Lax: Lax keeps the user signed in when they follow a link
    /// to the app from an email or a calendar; forged POSTs are stopped by the CSRF token and
    /// Origin check, and GET never changes state.
    pub fn build(&self, name: &str, value: String) -> Cookie<'static> {
        Cookie::build(name.to_owned(), value)
            .path("/")
            .http_only(true)
            .secure(self.secure)
            .same_site(SameSite::Lax)
            .finish()
    }

    pub fn removal(&self, name: &str) -> Cookie<'static> {
        let mut cookie = self.build(name, String::new());
        cookie.set_max_age(CookieDuration::ZERO);
        cookie
    }
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

/// The client's IP. Behind a trusted proxy, the rightmost X-Forwarded-For entry: the one our
/// proxy appended. Entries to its left are whatever the client claimed and are ignored.
pub fn client_ip(req: &ServiceRequest, trust_proxy: bool) -> Option<String> {
    if trust_proxy
        && let Some(forwarded) = req.headers().get("x-forwarded-for").and_then(|v| v.to_str().ok())
        && let Some(Ok(ip)) = forwarded.rsplit(',').next().map(|last| last.trim().parse::<std::net::IpAddr>())
    {
        return Some(ip.to_string());
    }
    req.peer_addr().map(|addr| addr.ip().to_string())
}

/// Whether the Host header names this server.
fn host_allowed(req: &ServiceRequest, allowed: &[String]) -> bool {
    req.headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|host| allowed.iter().any(|a| a.eq_ignore_ascii_case(host)))
}

/// 32 random bytes, base64url: for pre-session cookies and the setup token.
pub fn random_value() -> String {
    let mut raw = [0u8; 32];
    getrandom::fill(&mut raw).expect("the operating system provides randomness");
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw)
}

fn redirect(req: ServiceRequest, to: &str) -> ServiceResponse<BoxBody> {
    req.into_response(HttpResponse::SeeOther().insert_header((header::LOCATION, to)).finish())
}

/// The live identity behind a token's claims, and a fresh token expiry if it was touched.
async fn load_identity(
    state: &AppState,
    session_id: String,
    user_id: String,
    now: NaiveDateTime,
) -> Result<Option<(Identity, Option<NaiveDateTime>)>, AppError> {
    let lifetimes = state.lifetimes();
    state
        .db
        .run(move |conn| {
            let Some((session, user)) = sessions::find_with_user(conn, &session_id)? else {
                return Ok(None);
            };
            if session.user_id != user_id || !user.is_active || !session.is_live(now, lifetimes) {
                return Ok(None);
            }
            let refreshed = if (now - session.last_seen_at).num_seconds() >= TOUCH_EVERY_SECS {
                sessions::touch(conn, &session.id, now)?;
                Some(Session::token_expiry(&session, now, lifetimes))
            } else {
                None
            };
            Ok(Some((Identity { user, session_id: session.id }, refreshed)))
        })
        .await
}

/// The middleware. Registered once around every route.
pub async fn resolve(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let state = req.app_data::<Data<AppState>>().expect("AppState is registered").clone();
    let path = req.path().to_owned();
    if !host_allowed(&req, &state.allowed_hosts) {
        return Ok(req.into_response(AppError::MisdirectedHost.error_response()));
    }
    if !open_before_setup(&path) {
        match state.is_set_up().await {
            Ok(true) => {}
            Ok(false) => return Ok(redirect(req, "/setup")),
            Err(err) => return Ok(req.into_response(err.error_response())),
        }
    }
    let names = state.cookie_names.clone();
    let now = Utc::now().naive_utc();
    let mut identity = None;
    let mut refreshed_token = None;
    let mut drop_session_cookie = false;
    if let Some(token) = req.cookie(&names.session).map(|c| c.value().to_owned()) {
        match state.keys.verify(&token, Purpose::Login) {
            None => drop_session_cookie = true,
            Some(claims) => match load_identity(&state, claims.sid, claims.sub, now).await {
                Ok(Some((found, refreshed))) => {
                    refreshed_token = refreshed.map(|exp| {
                        state.keys.issue(
                            Purpose::Login,
                            &found.user.id,
                            &found.session_id,
                            exp.and_utc().timestamp(),
                        )
                    });
                    identity = Some(found);
                }
                Ok(None) => drop_session_cookie = true,
                Err(err) => return Ok(req.into_response(err.error_response())),
            },
        }
    }
    let mut new_pre_session = None;
    let binding = match &identity {
        Some(found) => format!("s:{}", found.session_id),
        None => match req.cookie(&names.csrf) {
            Some(cookie) if cookie.value().len() == 43 => format!("a:{}", cookie.value()),
            _ => {
                let value = random_value();
                let binding = format!("a:{value}");
                new_pre_session = Some(value);
                binding
            }
        },
    };
    let must_change_password = identity.as_ref().is_some_and(|i| i.user.must_change_password);
    let flash = req.cookie(&names.flash).and_then(|c| Flash::decode(c.value()));
    let had_flash = flash.is_some();
    let auth = RequestAuth {
        identity,
        csrf_token: csrf::token_for(state.keys.csrf_key(), &binding),
        ip: client_ip(&req, state.config.trust_proxy_headers),
        flash,
    };
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
        }
    }
    if let Some(value) = new_pre_session {
        res.response_mut().add_cookie(&names.build(&names.csrf, value))?;
    }
    if had_flash && res.status().is_success() && !sets(&res, &names.flash) {
        res.response_mut().add_cookie(&names.removal(&names.flash))?;
    }
    Ok(res)
}
