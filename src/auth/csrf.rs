//! Cross-site request forgery defence for every state-changing request: the Origin /
//! Sec-Fetch-Site headers must say same-origin, and the body (or X-CSRF-Token header) must carry
//! a token bound to the session (or, before sign-in, to a random pre-session cookie).

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::{Method, header};
use actix_web::middleware::Next;
use actix_web::web::{Bytes, BytesMut, Data};
use actix_web::{Error, HttpMessage, ResponseError};
use base64::Engine;
use futures_util::StreamExt;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

use crate::AppState;
use crate::auth::session::RequestAuth;
use crate::error::AppError;

pub const FIELD: &str = "csrf_token";
pub const HEADER: &str = "x-csrf-token";

/// The token for a binding ("s:<session id>" or "a:<pre-session value>").
pub fn token_for(key: &[u8], binding: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC accepts any key length");
    mac.update(binding.as_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
}

/// Middleware: refuses unsafe methods that fail the origin or token checks, before any handler.
pub async fn verify(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return Ok(next.call(req).await?.map_into_boxed_body());
    }
    let state = req.app_data::<Data<AppState>>().expect("AppState is registered").clone();
    if !same_origin(&req, &state.config.public_origin()) {
        tracing::warn!(route = %route_of(&req), "cross-origin state-changing request refused");
        return Ok(refuse(req, AppError::CrossSite));
    }
    let body = match read_body(&mut req, state.config.max_form_bytes).await {
        Ok(body) => body,
        Err(err) => return Ok(refuse(req, err)),
    };
    let expected = req.extensions().get::<RequestAuth>().map(|auth| auth.csrf_token.clone());
    let supplied = supplied_token(&req, &body);
    let valid = match (expected, supplied) {
        (Some(expected), Some(supplied)) => bool::from(expected.as_bytes().ct_eq(supplied.as_bytes())),
        _ => false,
    };
    if !valid {
        tracing::warn!(route = %route_of(&req), "request with a missing or wrong CSRF token refused");
        return Ok(refuse(req, AppError::CrossSite));
    }
    req.set_payload(Payload::from(body));
    Ok(next.call(req).await?.map_into_boxed_body())
}

/// The route pattern, never the concrete path (which may carry ids or tokens).
fn route_of(req: &ServiceRequest) -> String {
    req.match_pattern().unwrap_or_else(|| "(unmatched)".into())
}

fn refuse(req: ServiceRequest, err: AppError) -> ServiceResponse<BoxBody> {
    req.into_response(err.error_response())
}

/// True when the request comes from our own pages. Browsers send Sec-Fetch-Site, which page
/// scripts cannot set; when it is present it decides. Otherwise Origin (or Referer) must name
/// this site. Note `Origin: null` is what a browser sends under a no-referrer policy, so it is
/// only refused when nothing better is known.
fn same_origin(req: &ServiceRequest, public_origin: &str) -> bool {
    let headers = req.headers();
    if let Some(site) = headers.get("sec-fetch-site") {
        return site.as_bytes() == b"same-origin";
    }
    let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()).map(str::to_owned).or_else(|| {
        let referer = headers.get(header::REFERER)?.to_str().ok()?;
        Some(url::Url::parse(referer).ok()?.origin().ascii_serialization())
    });
    let Some(origin) = origin else {
        // Non-browser clients send neither header; the token check still applies.
        return true;
    };
    if origin == public_origin {
        return true;
    }
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    match (url::Url::parse(&origin), host) {
        (Ok(url), Some(host)) => {
            let origin_host = match url.port() {
                Some(port) => format!("{}:{port}", url.host_str().unwrap_or_default()),
                None => url.host_str().unwrap_or_default().to_owned(),
            };
            origin_host.eq_ignore_ascii_case(host)
        }
        _ => false,
    }
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

fn supplied_token(req: &ServiceRequest, body: &Bytes) -> Option<String> {
    if let Some(value) = req.headers().get(HEADER).and_then(|v| v.to_str().ok()) {
        return Some(value.to_owned());
    }
    let is_form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return None;
    }
    url::form_urlencoded::parse(body).find(|(key, _)| key == FIELD).map(|(_, value)| value.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_depend_on_key_and_binding() {
        let a = token_for(b"key-one", "s:abc");
        assert_eq!(a, token_for(b"key-one", "s:abc"));
        assert_ne!(a, token_for(b"key-two", "s:abc"));
        assert_ne!(a, token_for(b"key-one", "s:abd"));
        assert_ne!(a, token_for(b"key-one", "a:abc"));
    }
}
