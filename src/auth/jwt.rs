//! Signed tokens. HS256 only (the one algorithm our provider in [`super::hs256`] knows), pinned
//! on both sides, always with `exp`, the issuer and a purpose claim, so a token minted for one
//! purpose can never pass as another.

use std::path::Path;

use base64::Engine;
use hmac::{Hmac, KeyInit, Mac};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

pub const ISSUER: &str = "myochart";

/// What a token may be used for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// The signed-in session cookie; `sid` names the server-side session row.
    Login,
    /// A client's private routine page; `sub` is the client, `sid` the link row.
    ClientLink,
    /// Withdrawing email consent from a link in an email; `sub` is the client, `sid` the link row.
    Unsubscribe,
    /// A therapist's calendar feed; `sub` is the therapist, `sid` the feed row.
    CalendarFeed,
}

impl Purpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Login => "login",
            Purpose::ClientLink => "client-link",
            Purpose::Unsubscribe => "unsubscribe",
            Purpose::CalendarFeed => "calendar-feed",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub iss: String,
    /// The user (or other subject) the token speaks for.
    pub sub: String,
    /// The server-side record that must still exist for the token to count.
    pub sid: String,
    pub purpose: String,
    pub iat: i64,
    pub exp: i64,
}

/// Keys derived from the one server secret.
#[derive(Clone)]
pub struct Keys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    csrf: Vec<u8>,
}

impl Keys {
    #[expect(clippy::expect_used, reason = "HMAC accepts keys of any length")]
    pub fn new(secret: &[u8]) -> Keys {
        crate::auth::hs256::install();
        let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC accepts any key length");
        mac.update(b"myochart csrf key v1");
        Keys {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            csrf: mac.finalize().into_bytes().to_vec(),
        }
    }

    pub fn csrf_key(&self) -> &[u8] {
        &self.csrf
    }

    /// Signs a token for `purpose` about `sub`/`sid`, valid until `exp` (Unix seconds).
    #[expect(clippy::expect_used, reason = "HS256 over serialisable claims cannot fail")]
    pub fn issue(&self, purpose: Purpose, sub: &str, sid: &str, exp: i64) -> String {
        let claims = Claims {
            iss: ISSUER.into(),
            sub: sub.into(),
            sid: sid.into(),
            purpose: purpose.as_str().into(),
            iat: chrono::Utc::now().timestamp(),
            exp,
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .expect("HS256 signing cannot fail")
    }

    /// The claims of a token that is well-signed with HS256, unexpired, ours and for `purpose`.
    pub fn verify(&self, token: &str, purpose: Purpose) -> Option<Claims> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_required_spec_claims(&["exp", "iss", "sub"]);
        validation.leeway = 0;
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &validation).ok()?;
        (data.claims.purpose == purpose.as_str()).then_some(data.claims)
    }
}

/// The signing secret: the configured one, else the one kept in `<data_dir>/jwt_secret`, else a
/// new random one written there with mode 0600.
pub fn load_or_create_secret(configured: &str, data_dir: &Path) -> Result<Vec<u8>, String> {
    if !configured.is_empty() {
        return Ok(configured.as_bytes().to_vec());
    }
    let path = data_dir.join("jwt_secret");
    if let Ok(existing) = std::fs::read_to_string(&path) {
        let existing = existing.trim();
        if existing.len() >= 32 {
            return Ok(existing.as_bytes().to_vec());
        }
        return Err(format!(
            "{} is shorter than 32 characters; delete it to generate a new one (jwt_secret)",
            path.display()
        ));
    }
    crate::sensitive::create_private_dir(data_dir)
        .map_err(|e| format!("cannot create data_dir {}: {e}", data_dir.display()))?;
    let mut raw = [0u8; 48];
    getrandom::fill(&mut raw).map_err(|e| format!("no randomness for jwt_secret: {e}"))?;
    let secret = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw);
    write_private(&path, &secret)
        .map_err(|e| format!("cannot write {} (jwt_secret): {e}", path.display()))?;
    tracing::info!(path = %path.display(), "generated a new token signing secret");
    Ok(secret.into_bytes())
}

#[cfg(unix)]
fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path)?;
    file.write_all(contents.as_bytes())
}

#[cfg(not(unix))]
fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    std::fs::write(path, contents)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> Keys {
        Keys::new(b"0123456789abcdef0123456789abcdef")
    }

    #[test]
    fn a_token_verifies_only_for_its_purpose_and_key() {
        let exp = chrono::Utc::now().timestamp() + 60;
        let token = keys().issue(Purpose::Login, "user-1", "session-1", exp);
        let claims = keys().verify(&token, Purpose::Login).unwrap();
        assert_eq!((claims.sub.as_str(), claims.sid.as_str()), ("user-1", "session-1"));
        assert!(Keys::new(b"another secret another secret!!!").verify(&token, Purpose::Login).is_none());
    }

    #[test]
    fn purposes_never_stand_in_for_each_other() {
        let exp = chrono::Utc::now().timestamp() + 60;
        let link = keys().issue(Purpose::ClientLink, "client-1", "link-1", exp);
        assert!(keys().verify(&link, Purpose::ClientLink).is_some());
        assert!(keys().verify(&link, Purpose::Unsubscribe).is_none());
        assert!(keys().verify(&link, Purpose::Login).is_none());
    }

    #[test]
    fn expired_tokens_are_refused() {
        let exp = chrono::Utc::now().timestamp() - 1;
        let token = keys().issue(Purpose::Login, "user-1", "session-1", exp);
        assert!(keys().verify(&token, Purpose::Login).is_none());
    }

    #[cfg(unix)]
    #[test]
    fn generated_secret_is_private_and_stable() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let first = load_or_create_secret("", dir.path()).unwrap();
        let second = load_or_create_secret("", dir.path()).unwrap();
        assert_eq!(first, second);
        let mode = std::fs::metadata(dir.path().join("jwt_secret")).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}
