//! The one form extractor: an `application/x-www-form-urlencoded` body, with repeated keys
//! (`techniques=a&techniques=b`) collected into Vecs, and actix's limits and our error pages.

use actix_web::dev::Payload;
use actix_web::web::Bytes;
use actix_web::{FromRequest, HttpRequest};
use futures_util::future::LocalBoxFuture;
use serde::de::DeserializeOwned;

use crate::error::AppError;

/// A form body. Every field of a form struct is the text the user typed (see `web::fields`).
pub struct Form<T>(pub T);

impl<T> Form<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for Form<T> {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Form<T>, AppError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let body = Bytes::from_request(req, payload);
        Box::pin(async move {
            let body = body.await.map_err(|e| match e.as_response_error().status_code().as_u16() {
                413 => AppError::PayloadTooLarge,
                _ => AppError::BadRequest("The form could not be read.".into()),
            })?;
            serde_html_form::from_bytes(&body)
                .map(Form)
                .map_err(|_| AppError::BadRequest("The form could not be read.".into()))
        })
    }
}
