//! Cross-site request forgery defence for every state-changing request: the Origin /
//! Sec-Fetch-Site headers must say same-origin, and the body (or X-CSRF-Token header) must carry
//! a token bound to the session (or, before sign-in, to a random pre-session cookie). These are
//! the checks; `web::csrf` applies them to every request.

use actix_web::http::header::{self, HeaderMap};
use base64::Engine;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

pub const FIELD: &str = "csrf_token";
pub const HEADER: &str = "x-csrf-token";

/// The token for a binding ("s:<session id>" or "a:<pre-session value>").
#[expect(clippy::expect_used, reason = "HMAC accepts keys of any length")]
pub fn token_for(key: &[u8], binding: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC accepts any key length");
    mac.update(binding.as_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
}

/// Where a request says it comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Site {
    /// One of our own pages, by the browser's word.
    Same,
    /// Another site.
    Cross,
    /// Nothing says: a non-browser client (the token check still applies).
    Unknown,
}

/// Where the request comes from. Browsers send Sec-Fetch-Site, which page scripts cannot set;
/// when it is present it decides. Otherwise Origin (or Referer) must name this site. Note
/// `Origin: null` is what a browser sends under a no-referrer policy, so it is only refused
/// when nothing better is known.
pub fn site(headers: &HeaderMap, public_origin: &str) -> Site {
    let same = |yes: bool| if yes { Site::Same } else { Site::Cross };
    if let Some(site) = headers.get("sec-fetch-site") {
        return same(site.as_bytes() == b"same-origin");
    }
    let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()).map(str::to_owned).or_else(|| {
        let referer = headers.get(header::REFERER)?.to_str().ok()?;
        Some(url::Url::parse(referer).ok()?.origin().ascii_serialization())
    });
    let Some(origin) = origin else {
        return Site::Unknown;
    };
    if origin == public_origin {
        return Site::Same;
    }
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    same(match (url::Url::parse(&origin), host) {
        (Ok(url), Some(host)) => {
            let origin_host = match url.port() {
                Some(port) => format!("{}:{port}", url.host_str().unwrap_or_default()),
                None => url.host_str().unwrap_or_default().to_owned(),
            };
            origin_host.eq_ignore_ascii_case(host)
        }
        _ => false,
    })
}

fn session_binding(session_id: &str) -> String {
    format!("s:{session_id}")
}

/// The token of a signed-in session: its id and a MAC over it. The id lets a form from a
/// session that has since ended be recognised as one of our own pages (and kept for after
/// sign-in, never carried out); only the MAC makes it valid.
pub fn session_token(key: &[u8], session_id: &str) -> String {
    format!("{session_id}.{}", token_for(key, &session_binding(session_id)))
}

/// The session a token was issued for, if it is a genuine session token of ours.
pub fn session_of_token<'a>(key: &[u8], token: &'a str) -> Option<&'a str> {
    let (session_id, mac) = token.rsplit_once('.')?;
    matches(&token_for(key, &session_binding(session_id)), mac).then_some(session_id)
}

/// Whether the body is an HTML form's (the only kind a kept form can be sent on as).
pub fn is_form(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"))
}

/// Whether `supplied` is the `expected` token, compared in constant time.
pub fn matches(expected: &str, supplied: &str) -> bool {
    bool::from(expected.as_bytes().ct_eq(supplied.as_bytes()))
}

/// The token a request carries: the X-CSRF-Token header, or the form field.
pub fn supplied_token(headers: &HeaderMap, body: &[u8]) -> Option<String> {
    if let Some(value) = headers.get(HEADER).and_then(|v| v.to_str().ok()) {
        return Some(value.to_owned());
    }
    if !is_form(headers) {
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

    #[test]
    fn a_session_token_names_its_session_only_when_genuine() {
        let token = session_token(b"key-one", "sid-1");
        assert_eq!(session_of_token(b"key-one", &token), Some("sid-1"));
        assert_eq!(session_of_token(b"key-two", &token), None);
        let (_, mac) = token.rsplit_once('.').unwrap();
        assert_eq!(session_of_token(b"key-one", &format!("sid-2.{mac}")), None, "the MAC binds the id");
        assert_eq!(session_of_token(b"key-one", "no-dot"), None);
    }
}
