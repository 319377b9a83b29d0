//! Cross-site request forgery: a state-changing POST without this session's token, or from
//! another origin, is refused and changes nothing.

use diesel::prelude::*;
use myochart::db::schema::users;

use crate::common::client::Forge;
use crate::common::{Backend, PASSWORD, TestApp};
use crate::on_both_backends;

fn user_count(app: &TestApp) -> i64 {
    app.with_conn(|conn| Ok(users::table.count().get_result(conn)?))
}

const NEW_ACCOUNT: [(&str, &str); 3] =
    [("display_name", "Mallory"), ("email", "mallory@example.com"), ("is_admin", "on")];

async fn forged_posts_are_refused_without_change(backend: Backend) {
    let app = TestApp::new(backend).await;
    let admin = app.signed_in("admin@example.com").await;
    let attacker = app.client();
    attacker.get("/login").await;
    let foreign_token = attacker.remembered_csrf().unwrap();
    let cases: Vec<(&str, Forge)> = vec![
        ("no token", Forge { csrf: Some(String::new()), ..Forge::default() }),
        ("another visitor's token", Forge { csrf: Some(foreign_token), ..Forge::default() }),
        (
            "made-up token",
            Forge { csrf: Some("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA".into()), ..Forge::default() },
        ),
        ("foreign Origin", Forge { origin: Some("https://evil.example".into()), ..Forge::default() }),
        ("Origin null", Forge { origin: Some("null".into()), ..Forge::default() }),
        (
            "cross-site fetch metadata",
            Forge { headers: vec![("Sec-Fetch-Site".into(), "cross-site".into())], ..Forge::default() },
        ),
        (
            "foreign Referer without Origin",
            Forge {
                origin: Some(String::new()),
                headers: vec![("Referer".into(), "https://evil.example/x".into())],
                ..Forge::default()
            },
        ),
    ];
    for (case, forge) in cases {
        let page = admin.post_forged("/admin/users/new", &NEW_ACCOUNT, forge).await;
        assert_eq!(page.status, 403, "{case}: {}", page.body);
        assert!(page.contains("This form has expired"), "{case}");
        assert_eq!(user_count(&app), 1, "{case} must change nothing");
    }
    assert!(!app.audit_actions().contains(&"user.create".to_owned()));
    // Fetch metadata outranks Origin: a same-origin form under a strict referrer policy
    // arrives with "Origin: null" and must pass; a same-site (sibling subdomain) one must not.
    let sibling = Forge { headers: vec![("Sec-Fetch-Site".into(), "same-site".into())], ..Forge::default() };
    assert_eq!(admin.post_forged("/admin/users/new", &NEW_ACCOUNT, sibling).await.status, 403);
    assert_eq!(user_count(&app), 1);
    // The genuine form still works, from the same session.
    admin.get("/admin/users/new").await;
    assert_eq!(admin.post("/admin/users/new", &NEW_ACCOUNT).await.status, 200);
    assert_eq!(user_count(&app), 2);
}

async fn sign_out_cannot_be_forged(backend: Backend) {
    let app = TestApp::new(backend).await;
    let admin = app.signed_in("admin@example.com").await;
    let page = admin
        .post_forged(
            "/logout",
            &[],
            Forge { origin: Some("https://evil.example".into()), ..Forge::default() },
        )
        .await;
    assert_eq!(page.status, 403);
    assert_eq!(admin.get("/").await.status, 200, "still signed in");
}

async fn sign_in_needs_the_pre_session_token(backend: Backend) {
    let app = TestApp::new(backend).await;
    let client = app.client();
    let page = client.post("/login", &[("email", "admin@example.com"), ("password", PASSWORD)]).await;
    assert_eq!(page.status, 403, "no page was loaded, so there is no token");
    client.get("/login").await;
    client
        .post("/login", &[("email", "admin@example.com"), ("password", PASSWORD)])
        .await
        .assert_redirect("/");
}

async fn a_browser_form_with_origin_null_passes_on_fetch_metadata(backend: Backend) {
    let app = TestApp::new(backend).await;
    let admin = app.signed_in("admin@example.com").await;
    let browser = Forge {
        origin: Some("null".into()),
        headers: vec![("Sec-Fetch-Site".into(), "same-origin".into())],
        ..Forge::default()
    };
    assert_eq!(admin.post_forged("/admin/users/new", &NEW_ACCOUNT, browser).await.status, 200);
    assert_eq!(user_count(&app), 2);
}

async fn the_token_also_travels_in_a_header(backend: Backend) {
    let app = TestApp::new(backend).await;
    let admin = app.signed_in("admin@example.com").await;
    let token = admin.remembered_csrf().unwrap();
    let forge = Forge {
        csrf: Some(String::new()),
        headers: vec![("X-CSRF-Token".into(), token)],
        ..Forge::default()
    };
    assert_eq!(admin.post_forged("/admin/users/new", &NEW_ACCOUNT, forge).await.status, 200);
}

on_both_backends!(
    forged_posts_are_refused_without_change,
    sign_out_cannot_be_forged,
    sign_in_needs_the_pre_session_token,
    a_browser_form_with_origin_null_passes_on_fetch_metadata,
    the_token_also_travels_in_a_header,
);
