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

/// True when the request comes from our own pages. Browsers send Sec-Fetch-Site, which page
/// scripts cannot set; when it is present it decides. Otherwise Origin (or Referer) must name
/// this site. Note `Origin: null` is what a browser sends under a no-referrer policy, so it is
/// only refused when nothing better is known.
pub fn same_origin(headers: &HeaderMap, public_origin: &str) -> bool {
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

/// Whether `supplied` is the `expected` token, compared in constant time.
pub fn matches(expected: &str, supplied: &str) -> bool {
    bool::from(expected.as_bytes().ct_eq(supplied.as_bytes()))
}

/// The token a request carries: the X-CSRF-Token header, or the form field.
pub fn supplied_token(headers: &HeaderMap, body: &[u8]) -> Option<String> {
    if let Some(value) = headers.get(HEADER).and_then(|v| v.to_str().ok()) {
        return Some(value.to_owned());
    }
    let is_form = headers
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
