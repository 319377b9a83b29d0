//! What every page template receives: who is signed in (for navigation), the CSRF token for its
//! forms, and the flash message; and the functions that render a template into a response.

use std::future::{Ready, ready};

use chrono::NaiveDateTime;

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::web::Data;
use actix_web::{FromRequest, HttpMessage, HttpRequest, HttpResponse};

use crate::auth::identity::RequestAuth;
use crate::error::AppError;
use crate::time::Clock;
use crate::web::assets;
use crate::web::flash::Flash;
use crate::web::state::AppState;

/// A stored instant, however a template holds it (by value or through references).
pub trait Instant {
    fn instant(&self) -> NaiveDateTime;
}

impl Instant for NaiveDateTime {
    fn instant(&self) -> NaiveDateTime {
        *self
    }
}

impl<T: Instant> Instant for &T {
    fn instant(&self) -> NaiveDateTime {
        (**self).instant()
    }
}

#[derive(Debug, Clone)]
pub struct NavUser {
    pub name: String,
    pub is_admin: bool,
    pub is_therapist: bool,
}

#[derive(Debug, Clone)]
pub struct Ctx {
    pub user: Option<NavUser>,
    pub csrf_token: String,
    pub flash: Option<Flash>,
    /// The practice's clock: every time on a page is shown in its zone.
    pub clock: Clock,
    /// Seconds without a request after which the session ends (0 when nobody is signed in):
    /// the page script warns before then.
    pub idle_seconds: i64,
}

impl Ctx {
    /// A context with nobody signed in and no forms (error pages).
    pub fn bare() -> Ctx {
        Ctx {
            user: None,
            csrf_token: String::new(),
            flash: None,
            clock: Clock::system(chrono_tz::UTC),
            idle_seconds: 0,
        }
    }

    /// A stored (UTC) instant as the practice reads it: "2026-11-25 15:58 CET".
    pub fn time(&self, at_utc: impl Instant) -> String {
        self.clock.zoned(at_utc.instant()).format("%Y-%m-%d %H:%M %Z").to_string()
    }

    /// The abbreviation of the practice's zone at a stored (UTC) instant: "CET" or "CEST".
    pub fn zone(&self, at_utc: impl Instant) -> String {
        self.clock.zoned(at_utc.instant()).format("%Z").to_string()
    }

    /// The practice's date of a stored (UTC) instant: "2026-11-25".
    pub fn date(&self, at_utc: impl Instant) -> String {
        self.clock.day_of(at_utc.instant()).format("%Y-%m-%d").to_string()
    }

    /// The cache-busting URL of a file in static/.
    pub fn asset(&self, name: &str) -> String {
        assets::url(name)
    }
}

impl FromRequest for Ctx {
    type Error = AppError;
    type Future = Ready<Result<Ctx, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let Some(auth) = req.extensions().get::<RequestAuth>().cloned() else {
            return ready(Ok(Ctx::bare()));
        };
        let state = req.app_data::<Data<AppState>>();
        let flash = state
            .and_then(|state| req.cookie(&state.cookie_names.flash))
            .and_then(|cookie| Flash::decode(cookie.value()));
        let clock = state.map_or_else(|| Clock::system(chrono_tz::UTC), |state| state.clock.clone());
        let idle_seconds = match (&auth.identity, state) {
            (Some(_), Some(state)) => state.lifetimes().idle.num_seconds(),
            _ => 0,
        };
        ready(Ok(Ctx {
            idle_seconds,
            user: auth.identity.map(|i| NavUser {
                name: i.user.display_name,
                is_admin: i.user.is_admin,
                is_therapist: i.user.is_therapist,
            }),
            csrf_token: auth.csrf_token,
            flash,
            clock,
        }))
    }
}

/// Renders a template into an HTML response with `status` (200 for pages, 422 for a form
/// shown again with errors).
pub fn render<T: askama::Template>(template: &T, status: StatusCode) -> Result<HttpResponse, AppError> {
    let body = template.render().map_err(|e| AppError::Internal(e.into()))?;
    Ok(HttpResponse::build(status).content_type("text/html; charset=utf-8").body(body))
}

/// A page with 200 OK.
pub fn ok<T: askama::Template>(template: &T) -> Result<HttpResponse, AppError> {
    render(template, StatusCode::OK)
}

/// A form shown again with its errors: 422 Unprocessable Content.
pub fn invalid<T: askama::Template>(template: &T) -> Result<HttpResponse, AppError> {
    render(template, StatusCode::UNPROCESSABLE_ENTITY)
}

/// Marks a page reached by a private link (a client's routine, unsubscribe): never indexed.
/// (Every response is already `no-store`.)
pub fn private(mut response: HttpResponse) -> HttpResponse {
    response.headers_mut().insert(
        actix_web::http::header::HeaderName::from_static("x-robots-tag"),
        actix_web::http::header::HeaderValue::from_static("noindex, nofollow"),
    );
    response
}
