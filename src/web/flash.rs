//! One-shot messages shown on the page after a redirect ("Account created"). Kept in a cookie;
//! the session middleware clears it once a page has been shown.

use actix_web::HttpResponse;
use actix_web::http::header;

use crate::auth::identity::CookieNames;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Success,
    Info,
    Error,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flash {
    pub kind: Kind,
    pub message: String,
}

impl Flash {
    pub fn success(message: impl Into<String>) -> Flash {
        Flash { kind: Kind::Success, message: message.into() }
    }

    pub fn info(message: impl Into<String>) -> Flash {
        Flash { kind: Kind::Info, message: message.into() }
    }

    pub fn error(message: impl Into<String>) -> Flash {
        Flash { kind: Kind::Error, message: message.into() }
    }

    /// CSS class suffix for the template.
    pub fn css(&self) -> &'static str {
        match self.kind {
            Kind::Success => "success",
            Kind::Info => "info",
            Kind::Error => "error",
        }
    }

    pub fn encode(&self) -> String {
        let tag = match self.kind {
            Kind::Success => "s",
            Kind::Info => "i",
            Kind::Error => "e",
        };
        url::form_urlencoded::byte_serialize(format!("{tag}{}", self.message).as_bytes()).collect()
    }

    pub fn decode(raw: &str) -> Option<Flash> {
        let text: String = url::form_urlencoded::parse(format!("m={raw}").as_bytes()).next()?.1.into_owned();
        let message: String = text.get(1..)?.chars().take(300).collect();
        match text.as_bytes().first()? {
            b's' => Some(Flash::success(message)),
            b'i' => Some(Flash::info(message)),
            b'e' => Some(Flash::error(message)),
            _ => None,
        }
    }
}

/// A 303 redirect (the answer to every successful form POST).
pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther().insert_header((header::LOCATION, location)).finish()
}

/// A 303 redirect that shows `flash` on the next page.
pub fn see_other_with(names: &CookieNames, location: &str, flash: Flash) -> HttpResponse {
    let mut response = see_other(location);
    let _ = response.add_cookie(&names.build(&names.flash, flash.encode()));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flash_round_trips_through_the_cookie_value() {
        let flash = Flash::success("Account for anna@example.com created; <b>ok</b> 100%");
        assert_eq!(Flash::decode(&flash.encode()), Some(flash));
        for other in [Flash::info("Signed out"), Flash::error("No")] {
            assert_eq!(Flash::decode(&other.encode()), Some(other));
        }
        assert_eq!(Flash::decode("x"), None);
    }
}
