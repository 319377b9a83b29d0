//! Who is making a request, as the session middleware (in `web`) found out, and the cookies that
//! carry it. Stored in the request's extensions; read by the extractors.

use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::dev::ServiceRequest;
use base64::Engine;

use crate::auth::users::User;

/// A signed-in user and the session they are using.
#[derive(Debug, Clone)]
pub struct Identity {
    pub user: User,
    pub session_id: String,
}

/// What the middleware learned about the request.
#[derive(Debug, Clone)]
pub struct RequestAuth {
    pub identity: Option<Identity>,
    pub csrf_token: String,
    pub ip: Option<String>,
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

/// 32 random bytes, base64url: for pre-session cookies and the setup token.
pub fn random_value() -> Result<String, getrandom::Error> {
    let mut raw = [0u8; 32];
    getrandom::fill(&mut raw)?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw))
}
