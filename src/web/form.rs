//! A form extractor that understands repeated keys (`techniques=a&techniques=b` into a Vec),
//! which the standard urlencoded extractor does not.

use actix_web::dev::Payload;
use actix_web::web::Bytes;
use actix_web::{FromRequest, HttpRequest};
use futures_util::future::LocalBoxFuture;
use serde::de::DeserializeOwned;

use crate::error::AppError;

/// An `application/x-www-form-urlencoded` body, with repeated keys collected into Vecs.
pub struct HtmlForm<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for HtmlForm<T> {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<HtmlForm<T>, AppError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let body = Bytes::from_request(req, payload);
        Box::pin(async move {
            let body = body.await.map_err(|e| match e.as_response_error().status_code().as_u16() {
                413 => AppError::PayloadTooLarge,
                _ => AppError::BadRequest("The form could not be read.".into()),
            })?;
            serde_html_form::from_bytes(&body)
                .map(HtmlForm)
                .map_err(|_| AppError::BadRequest("The form could not be read.".into()))
        })
    }
}
