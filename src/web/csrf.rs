//! The middleware that guards every state-changing request with the checks of `auth::csrf`:
//! same origin, and a token bound to the session, before any handler runs.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::{Method, header};
use actix_web::middleware::Next;
use actix_web::web::{Bytes, BytesMut, Data};
use actix_web::{Error, HttpMessage, ResponseError};
use futures_util::StreamExt;

use crate::auth::csrf::{self, Site};
use crate::auth::identity::RequestAuth;
use crate::error::AppError;
use crate::web::resume;
use crate::web::state::AppState;

/// Middleware: refuses unsafe methods that fail the origin or token checks, before any handler.
pub async fn verify(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return Ok(next.call(req).await?.map_into_boxed_body());
    }
    let Some(state) = req.app_data::<Data<AppState>>().cloned() else {
        return Ok(refuse(req, AppError::Internal(anyhow::anyhow!("AppState is not registered"))));
    };
    let site = csrf::site(req.headers(), &state.config.public_origin());
    if site == Site::Cross {
        tracing::warn!(route = %route_of(&req), "cross-origin state-changing request refused");
        return Ok(refuse(req, AppError::CrossSite));
    }
    let body = match read_body(&mut req, state.config.max_form_bytes).await {
        Ok(body) => body,
        Err(err) => return Ok(refuse(req, err)),
    };
    let expected = req.extensions().get::<RequestAuth>().map(|auth| auth.csrf_token.clone());
    let supplied = csrf::supplied_token(req.headers(), &body);
    let valid = match (expected, supplied) {
        (Some(expected), Some(supplied)) => csrf::matches(&expected, &supplied),
        _ => false,
    };
    // A form from one of our own pages, by the browser's word, with the genuine token of a
    // session that is not this one (it ended, or the user has signed in again since): keep what
    // it carried, never carry it out.
    if !valid
        && site == Site::Same
        && (csrf::is_form(req.headers()) || body.is_empty())
        && from_another_session(&req, &state, &body)
        && let Some(answer) = resume::answer_stale_form(req.request(), &body)
    {
        tracing::info!(route = %route_of(&req), "a form with an ended session's token was kept, not carried out");
        return Ok(req.into_response(answer));
    }
    if !valid {
        tracing::warn!(route = %route_of(&req), "request with a missing or wrong CSRF token refused");
        return Ok(refuse(req, AppError::CrossSite));
    }
    req.set_payload(Payload::from(body));
    Ok(next.call(req).await?.map_into_boxed_body())
}

/// Whether the request carries the genuine token of a session other than its own.
fn from_another_session(req: &ServiceRequest, state: &AppState, body: &[u8]) -> bool {
    let Some(supplied) = csrf::supplied_token(req.headers(), body) else {
        return false;
    };
    let current =
        req.extensions().get::<RequestAuth>().and_then(|auth| auth.identity.clone()).map(|i| i.session_id);
    csrf::session_of_token(state.keys.csrf_key(), &supplied)
        .is_some_and(|sid| Some(sid) != current.as_deref())
}

/// The route pattern, never the concrete path (which may carry ids or tokens).
fn route_of(req: &ServiceRequest) -> String {
    req.match_pattern().unwrap_or_else(|| "(unmatched)".into())
}

fn refuse(req: ServiceRequest, err: AppError) -> ServiceResponse<BoxBody> {
    req.into_response(err.error_response())
}

async fn read_body(req: &mut ServiceRequest, limit: usize) -> Result<Bytes, AppError> {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|len| len > limit) {
        return Err(AppError::PayloadTooLarge);
    }
    let mut payload = req.take_payload();
    let mut body = BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| AppError::BadRequest("The request body could not be read.".into()))?;
        if body.len() + chunk.len() > limit {
            return Err(AppError::PayloadTooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}
