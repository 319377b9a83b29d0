//! What a handler always needs together, in one extractor: the application state, the page
//! context, who acts (for audit rows) and, for the role-bound kinds, who is asking. The role
//! check happens here, so a handler that takes a [`TherapistRequest`] cannot forget it.

use std::future::{Ready, ready};

use actix_web::dev::Payload;
use actix_web::web::Data;
use actix_web::{FromRequest, HttpRequest};

use crate::auth::extractors::{Actor, AdminUser, CurrentUser, TherapistUser};
use crate::error::AppError;
use crate::web::page::Ctx;
use crate::web::state::AppState;

fn state(req: &HttpRequest) -> Result<Data<AppState>, AppError> {
    req.app_data::<Data<AppState>>()
        .cloned()
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("no AppState")))
}

/// Runs a ready extractor (every one here is: they read what the middleware stored).
fn take<T: FromRequest<Future = Ready<Result<T, E>>>, E>(req: &HttpRequest) -> Result<T, E> {
    T::extract(req).into_inner()
}

/// A request from anyone: client links, sign-in, public pages.
pub struct PublicRequest {
    pub state: Data<AppState>,
    pub ctx: Ctx,
    pub actor: Actor,
}

/// A request from a signed-in therapist; `me.id()` scopes every clinical query.
pub struct TherapistRequest {
    pub state: Data<AppState>,
    pub me: TherapistUser,
    pub ctx: Ctx,
    pub actor: Actor,
}

/// A request from any signed-in user (their own account, the home page).
pub struct SignedInRequest {
    pub state: Data<AppState>,
    pub me: CurrentUser,
    pub ctx: Ctx,
    pub actor: Actor,
}

/// A request from a signed-in admin.
pub struct AdminRequest {
    pub state: Data<AppState>,
    pub me: AdminUser,
    pub ctx: Ctx,
    pub actor: Actor,
}

impl FromRequest for PublicRequest {
    type Error = AppError;
    type Future = Ready<Result<PublicRequest, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready((|| Ok(PublicRequest { state: state(req)?, ctx: take(req)?, actor: take(req)? }))())
    }
}

impl FromRequest for TherapistRequest {
    type Error = AppError;
    type Future = Ready<Result<TherapistRequest, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready((|| {
            let me = take(req)?;
            Ok(TherapistRequest { state: state(req)?, me, ctx: take(req)?, actor: take(req)? })
        })())
    }
}

impl FromRequest for SignedInRequest {
    type Error = AppError;
    type Future = Ready<Result<SignedInRequest, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready((|| {
            let me = take(req)?;
            Ok(SignedInRequest { state: state(req)?, me, ctx: take(req)?, actor: take(req)? })
        })())
    }
}

impl FromRequest for AdminRequest {
    type Error = AppError;
    type Future = Ready<Result<AdminRequest, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready((|| {
            let me = take(req)?;
            Ok(AdminRequest { state: state(req)?, me, ctx: take(req)?, actor: take(req)? })
        })())
    }
}
