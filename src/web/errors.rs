//! How an [`AppError`] reaches the user: its status, and an HTML error page that never
//! includes internal detail. Only server-side failures (5xx) log their cause.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, ResponseError};
use askama::Template;

use crate::error::AppError;
use crate::web::page::Ctx;

/// The title and explanation shown on the error page. Never includes internal detail.
fn public_text(err: &AppError) -> (&'static str, String) {
    match err {
        AppError::BadRequest(msg) => ("Bad request", msg.clone()),
        AppError::Unauthorized(_) => ("Please sign in", "You need to sign in to see this page.".into()),
        AppError::Forbidden => ("Not allowed", "Your account is not allowed to do this.".into()),
        AppError::CrossSite => (
            "Form expired",
            "This form has expired or was sent from another site. Go back, reload the page and try again."
                .into(),
        ),
        AppError::NotFound => ("Not found", "There is nothing at this address.".into()),
        AppError::MethodNotAllowed => {
            ("Not allowed", "This address does not accept that kind of request.".into())
        }
        AppError::MisdirectedHost => (
            "Wrong address",
            "This server does not answer to that host name. Use the address your administrator configured."
                .into(),
        ),
        AppError::Conflict(msg) => ("Conflict", msg.clone()),
        AppError::PayloadTooLarge => (
            "Too much data",
            "The form was larger than the server accepts. Shorten the text and try again.".into(),
        ),
        AppError::Validation(_) => ("Please check the form", "Some of the values were not accepted.".into()),
        AppError::TooManyRequests { .. } => (
            "Too many attempts",
            "Too many attempts in a short time. Please wait a little and try again.".into(),
        ),
        AppError::Unavailable(_) => (
            "Temporarily unavailable",
            "The service cannot reach its database right now. Please try again shortly.".into(),
        ),
        AppError::Internal(_) => (
            "Something went wrong",
            "An unexpected error occurred. It has been logged; please try again.".into(),
        ),
    }
}

#[derive(Template)]
#[template(path = "errors/error.html")]
pub struct ErrorPage {
    pub ctx: Ctx,
    pub status: u16,
    pub title: &'static str,
    pub message: String,
}

/// Renders the HTML error page for a status. Used for our own errors and for the bare error
/// responses actix produces itself (405, malformed requests).
pub fn error_page(status: StatusCode, title: &'static str, message: String) -> HttpResponse {
    let page = ErrorPage { ctx: Ctx::bare(), status: status.as_u16(), title, message };
    let body = page.render().unwrap_or_else(|_| title.to_owned());
    HttpResponse::build(status).insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8")).body(body)
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Unauthorized(_) => StatusCode::SEE_OTHER,
            AppError::Forbidden | AppError::CrossSite => StatusCode::FORBIDDEN,
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            AppError::MisdirectedHost => StatusCode::MISDIRECTED_REQUEST,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        match self {
            AppError::Unavailable(cause) => tracing::error!(%cause, "database unavailable"),
            AppError::Internal(cause) => tracing::error!(cause = ?cause, "internal error"),
            _ => {}
        }
        if let AppError::Unauthorized(next) = self {
            let location = match next {
                Some(next) => {
                    let next: String = url::form_urlencoded::byte_serialize(next.as_bytes()).collect();
                    format!("/login?next={next}")
                }
                None => "/login".to_owned(),
            };
            return HttpResponse::SeeOther().insert_header((header::LOCATION, location)).finish();
        }
        let (title, message) = public_text(self);
        let mut response = error_page(status, title, message);
        if let AppError::TooManyRequests { retry_after_secs } = self {
            response.headers_mut().insert(header::RETRY_AFTER, (*retry_after_secs).max(1).into());
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_error_maps_to_its_status() {
        let cases = [
            (AppError::BadRequest("x".into()), 400),
            (AppError::Unauthorized(None), 303),
            (AppError::Forbidden, 403),
            (AppError::CrossSite, 403),
            (AppError::NotFound, 404),
            (AppError::MethodNotAllowed, 405),
            (AppError::MisdirectedHost, 421),
            (AppError::Conflict("x".into()), 409),
            (AppError::PayloadTooLarge, 413),
            (AppError::field("email", "bad"), 422),
            (AppError::TooManyRequests { retry_after_secs: 3 }, 429),
            (AppError::Unavailable("down".into()), 503),
            (AppError::Internal(anyhow::anyhow!("boom")), 500),
        ];
        for (err, status) in cases {
            assert_eq!(err.status_code().as_u16(), status, "{err:?}");
            assert_eq!(err.error_response().status().as_u16(), status, "{err:?}");
        }
    }

    #[test]
    fn internal_detail_never_reaches_the_page() {
        let err = AppError::Internal(anyhow::anyhow!("secret internal detail"));
        let body = actix_web::body::to_bytes(err.error_response().into_body());
        let body = futures_util::FutureExt::now_or_never(body).unwrap().unwrap();
        let text = String::from_utf8_lossy(&body);
        assert!(!text.contains("secret internal detail"));
        assert!(text.contains("Something went wrong"));
    }

    #[test]
    fn too_many_requests_says_when_to_retry() {
        let response = AppError::TooManyRequests { retry_after_secs: 42 }.error_response();
        assert_eq!(response.headers().get(header::RETRY_AFTER).unwrap(), "42");
    }

    #[test]
    fn unauthorized_sends_the_browser_to_sign_in() {
        let response = AppError::Unauthorized(None).error_response();
        assert_eq!(response.headers().get(header::LOCATION).unwrap(), "/login");
        let back = AppError::Unauthorized(Some("/clients?q=a b&page=2".into())).error_response();
        assert_eq!(
            back.headers().get(header::LOCATION).unwrap(),
            "/login?next=%2Fclients%3Fq%3Da+b%26page%3D2"
        );
    }
}
