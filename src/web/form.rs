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
        let body = FormBody::from_request(req, payload);
        Box::pin(async move { body.await?.parse().map(Form) })
    }
}

/// A form body read once and checked (a form, within the size limit, no NUL), for a page whose
/// one form carries several parts (the visit page: the note, a trigger point, its buttons).
pub struct FormBody(Bytes);

impl FormBody {
    /// The fields of `T`; fields of the other parts are ignored.
    pub fn parse<T: DeserializeOwned>(&self) -> Result<T, AppError> {
        serde_html_form::from_bytes(&self.0)
            .map_err(|_| AppError::BadRequest("The form could not be read.".into()))
    }
}

impl FromRequest for FormBody {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<FormBody, AppError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let body = Bytes::from_request(req, payload);
        let is_form = req
            .headers()
            .get(actix_web::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
        Box::pin(async move {
            if !is_form {
                return Err(AppError::BadRequest("The request was not a form.".into()));
            }
            let body = body.await.map_err(|e| match e.as_response_error().status_code().as_u16() {
                413 => AppError::PayloadTooLarge,
                _ => AppError::BadRequest("The form could not be read.".into()),
            })?;
            if has_nul(&body) {
                return Err(nul_refused());
            }
            Ok(FormBody(body))
        })
    }
}

/// Whether url-encoded text carries a NUL character, raw or as `%00`. No field may hold one:
/// PostgreSQL refuses it in text and SQLite would store it, truncating what other tools read.
pub fn has_nul(encoded: &[u8]) -> bool {
    encoded.contains(&0) || encoded.windows(3).any(|w| w[0] == b'%' && w[1] == b'0' && w[2] == b'0')
}

/// The answer to input with a NUL character.
pub fn nul_refused() -> AppError {
    AppError::BadRequest(
        "The request contains a NUL character, which cannot be stored. Remove it and try again.".into(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nul_characters_are_found_raw_and_encoded() {
        assert!(has_nul(b"name=a%00b"));
        assert!(has_nul(b"name=a\0b"));
        assert!(!has_nul(b"name=100%25&x=%0A"));
        assert!(!has_nul(b"n=a%2500"), "an encoded percent sign followed by 00 is text");
    }
}
