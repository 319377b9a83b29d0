//! Forged and tampered session tokens are all refused; a correctly forged one (same key, same
//! claims) is accepted, which proves the forgeries differ only in the way each case says.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Value, json};

use crate::common::{Backend, Role, SECRET, TestApp};
use crate::on_both_backends;

/// The HMAC algorithms a forger might try. Signed here by hand: the application installs a
/// jsonwebtoken provider that knows HS256 alone, process-wide, so the library cannot forge HS512.
#[derive(Clone, Copy)]
enum Algorithm {
    HS256,
    HS512,
}

fn sign(alg: Algorithm, key: &[u8], claims: &Value) -> String {
    let name = match alg {
        Algorithm::HS256 => "HS256",
        Algorithm::HS512 => "HS512",
    };
    let header = URL_SAFE_NO_PAD.encode(json!({ "alg": name, "typ": "JWT" }).to_string());
    let message = format!("{header}.{}", URL_SAFE_NO_PAD.encode(claims.to_string()));
    let signature = match alg {
        Algorithm::HS256 => {
            let mut mac = Hmac::<sha2::Sha256>::new_from_slice(key).unwrap();
            mac.update(message.as_bytes());
            mac.finalize().into_bytes().to_vec()
        }
        Algorithm::HS512 => {
            let mut mac = Hmac::<sha2::Sha512>::new_from_slice(key).unwrap();
            mac.update(message.as_bytes());
            mac.finalize().into_bytes().to_vec()
        }
    };
    format!("{message}.{}", URL_SAFE_NO_PAD.encode(signature))
}

fn unsigned(claims: &Value) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
    let body = URL_SAFE_NO_PAD.encode(claims.to_string());
    format!("{header}.{body}.")
}

fn with(claims: &Value, key: &str, value: Value) -> Value {
    let mut changed = claims.clone();
    changed[key] = value;
    changed
}

fn without(claims: &Value, key: &str) -> Value {
    let mut changed = claims.clone();
    changed.as_object_mut().unwrap().remove(key);
    changed
}

async fn forged_tokens_are_refused(backend: Backend) {
    let app = TestApp::new(backend).await;
    let other = app.create_user("tara@example.com", Role::Therapist);
    let client = app.signed_in("admin@example.com").await;
    let real = client.cookie("myochart_session").unwrap();
    let payload: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(real.split('.').nth(1).unwrap()).unwrap()).unwrap();
    let now = chrono::Utc::now().timestamp();
    let claims = json!({
        "iss": "myochart", "sub": payload["sub"], "sid": payload["sid"], "purpose": "login",
        "iat": now, "exp": now + 600,
    });

    let control = app.client();
    control.set_cookie("myochart_session", &sign(Algorithm::HS256, SECRET, &claims));
    assert_eq!(
        control.get("/").await.status,
        200,
        "a faithful token must work, or the cases below prove nothing"
    );

    let public_pem = include_str!("data/rsa_public.pem");
    let cases: Vec<(&str, String)> = vec![
        ("alg none", unsigned(&claims)),
        ("another algorithm (HS512, right key)", sign(Algorithm::HS512, SECRET, &claims)),
        ("HS256 keyed with a public key", sign(Algorithm::HS256, public_pem.as_bytes(), &claims)),
        ("wrong key", sign(Algorithm::HS256, b"some other secret some other secret", &claims)),
        ("expired", sign(Algorithm::HS256, SECRET, &with(&claims, "exp", json!(now - 5)))),
        ("missing exp", sign(Algorithm::HS256, SECRET, &without(&claims, "exp"))),
        ("wrong purpose", sign(Algorithm::HS256, SECRET, &with(&claims, "purpose", json!("reset")))),
        ("missing purpose", sign(Algorithm::HS256, SECRET, &without(&claims, "purpose"))),
        ("wrong issuer", sign(Algorithm::HS256, SECRET, &with(&claims, "iss", json!("elsewhere")))),
        (
            "unknown session",
            sign(Algorithm::HS256, SECRET, &with(&claims, "sid", json!(uuid::Uuid::now_v7().to_string()))),
        ),
        (
            "another user's id on this session",
            sign(Algorithm::HS256, SECRET, &with(&claims, "sub", json!(other.id))),
        ),
        ("tampered payload", {
            let mut parts: Vec<String> = real.split('.').map(str::to_owned).collect();
            parts[1] = URL_SAFE_NO_PAD.encode(with(&payload, "sub", json!(other.id)).to_string());
            parts.join(".")
        }),
        ("garbage", "not.a.token".to_owned()),
    ];
    for (case, token) in cases {
        let forger = app.client();
        forger.set_cookie("myochart_session", &token);
        let page = forger.get("/").await;
        assert_eq!(page.status, 303, "{case}: {}", page.body);
        assert_eq!(page.location(), Some("/login"), "{case}");
        forger.get("/admin/users").await.assert_sign_in_first("get", "/admin/users");
    }
}

on_both_backends!(forged_tokens_are_refused);
