//! Extractors that state what a handler requires. Anonymous requests to a page that needs an
//! account are sent to sign in; signed-in users without the role get 403.

use std::future::{Ready, ready};

use actix_web::dev::Payload;
use actix_web::http::Method;
use actix_web::{FromRequest, HttpMessage, HttpRequest};

use crate::auth::identity::{Identity, RequestAuth};
use crate::error::AppError;

fn request_auth(req: &HttpRequest) -> Option<RequestAuth> {
    req.extensions().get::<RequestAuth>().cloned()
}

fn identity(req: &HttpRequest) -> Result<Identity, AppError> {
    request_auth(req).and_then(|a| a.identity).ok_or_else(|| AppError::Unauthorized(come_back_to(req)))
}

/// The page to return to after signing in: the one asked for, when it was a plain page view.
fn come_back_to(req: &HttpRequest) -> Option<String> {
    let viewing = matches!(*req.method(), Method::GET | Method::HEAD) && req.path() != "/";
    viewing
        .then(|| req.uri().path_and_query().map_or_else(|| req.path().to_owned(), |p| p.as_str().to_owned()))
}

/// Any signed-in, active user.
#[derive(Debug, Clone)]
pub struct CurrentUser(pub Identity);

impl FromRequest for CurrentUser {
    type Error = AppError;
    type Future = Ready<Result<CurrentUser, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(identity(req).map(CurrentUser))
    }
}

/// A signed-in user with the admin role.
#[derive(Debug, Clone)]
pub struct AdminUser(pub Identity);

impl FromRequest for AdminUser {
    type Error = AppError;
    type Future = Ready<Result<AdminUser, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(identity(req).and_then(|found| match found.user.is_admin {
            true => Ok(AdminUser(found)),
            false => Err(AppError::Forbidden),
        }))
    }
}

/// A signed-in user with the therapist role: the only kind who reads clinical records.
#[derive(Debug, Clone)]
pub struct TherapistUser(pub Identity);

impl TherapistUser {
    /// The therapist's user id, which scopes every clinical query.
    pub fn id(&self) -> &str {
        &self.0.user.id
    }
}

impl FromRequest for TherapistUser {
    type Error = AppError;
    type Future = Ready<Result<TherapistUser, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(identity(req).and_then(|found| match found.user.is_therapist {
            true => Ok(TherapistUser(found)),
            false => Err(AppError::Forbidden),
        }))
    }
}

/// Who is acting and from where, for audit rows. It names; it never authorises: queries are
/// scoped by the role extractors above.
#[derive(Debug, Clone, Default)]
pub struct Actor {
    pub user_id: Option<String>,
    /// The email at the time (or the one typed into a failed sign-in, or "mail worker").
    pub label: Option<String>,
    pub ip: Option<String>,
}

impl Actor {
    /// A process acting on its own (the mail worker, the command line).
    pub fn system(label: &str) -> Actor {
        Actor { user_id: None, label: Some(label.to_owned()), ip: None }
    }

    /// The same request, acting as `label` without an account (client links, calendar apps).
    pub fn anonymous(&self, label: &str) -> Actor {
        Actor { user_id: None, label: Some(label.to_owned()), ip: self.ip.clone() }
    }

    /// The same request, acting as `user` (just signed in or created).
    pub fn as_user(&self, user_id: &str, label: &str) -> Actor {
        Actor { user_id: Some(user_id.to_owned()), label: Some(label.to_owned()), ip: self.ip.clone() }
    }
}

impl Actor {
    /// Whoever made `req`: the signed-in user, or nobody, with the address it came from.
    pub fn of(req: &HttpRequest) -> Actor {
        let auth = request_auth(req);
        let identity = auth.as_ref().and_then(|a| a.identity.as_ref());
        Actor {
            user_id: identity.map(|i| i.user.id.clone()),
            label: identity.map(|i| i.user.email.clone()),
            ip: auth.and_then(|a| a.ip),
        }
    }
}

impl FromRequest for Actor {
    type Error = AppError;
    type Future = Ready<Result<Actor, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(Actor::of(req)))
    }
}
