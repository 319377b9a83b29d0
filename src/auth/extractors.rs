//! Extractors that state what a handler requires. Anonymous requests to a page that needs an
//! account are sent to sign in; signed-in users without the role get 403.

use std::future::{Ready, ready};

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpMessage, HttpRequest};

use crate::audit::model::Actor;
use crate::auth::session::{Identity, RequestAuth};
use crate::error::AppError;

fn request_auth(req: &HttpRequest) -> Option<RequestAuth> {
    req.extensions().get::<RequestAuth>().cloned()
}

/// Any signed-in, active user.
#[derive(Debug, Clone)]
pub struct CurrentUser(pub Identity);

impl FromRequest for CurrentUser {
    type Error = AppError;
    type Future = Ready<Result<CurrentUser, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(request_auth(req).and_then(|a| a.identity).map(CurrentUser).ok_or(AppError::Unauthorized))
    }
}

/// A signed-in user with the admin role.
#[derive(Debug, Clone)]
pub struct AdminUser(pub Identity);

impl FromRequest for AdminUser {
    type Error = AppError;
    type Future = Ready<Result<AdminUser, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(match request_auth(req).and_then(|a| a.identity) {
            None => Err(AppError::Unauthorized),
            Some(identity) if identity.user.is_admin => Ok(AdminUser(identity)),
            Some(_) => Err(AppError::Forbidden),
        })
    }
}

/// Who is acting, for audit rows: the signed-in user (if any) and the client IP.
impl FromRequest for Actor {
    type Error = AppError;
    type Future = Ready<Result<Actor, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let auth = request_auth(req);
        let identity = auth.as_ref().and_then(|a| a.identity.as_ref());
        ready(Ok(Actor {
            user_id: identity.map(|i| i.user.id.clone()),
            label: identity.map(|i| i.user.email.clone()),
            ip: auth.and_then(|a| a.ip),
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
        ready(match request_auth(req).and_then(|a| a.identity) {
            None => Err(AppError::Unauthorized),
            Some(identity) if identity.user.is_therapist => Ok(TherapistUser(identity)),
            Some(_) => Err(AppError::Forbidden),
        })
    }
}
