//! Sign-in: success, failure that reveals nothing, throttling.

use crate::common::{Backend, PASSWORD, Role, TestApp};
use crate::on_both_backends;

async fn sign_in_sets_a_protected_session_cookie(backend: Backend) {
    let app = TestApp::new(backend).await;
    app.create_user("tara@example.com", Role::Therapist);
    let client = app.client();
    client.get("/login").await;
    let page = client.post("/login", &[("email", "Tara@Example.com"), ("password", PASSWORD)]).await;
    page.assert_redirect("/");
    let cookie = page.set_cookie("myochart_session").expect("session cookie");
    assert_eq!(cookie.http_only(), Some(true));
    assert_eq!(cookie.same_site(), Some(actix_web::cookie::SameSite::Lax));
    assert_eq!(cookie.path(), Some("/"));
    assert!(client.get("/").await.contains("Hello, tara"));
    assert_eq!(app.audit_actions(), ["login.success", "dashboard.view"], "the home page is an audited read");
    let user = app.user("tara@example.com");
    assert!(user.last_login_at.is_some());
    // Signed-in users are sent on from the sign-in page.
    client.get("/login").await.assert_redirect("/");
}

async fn wrong_password_and_unknown_email_look_the_same(backend: Backend) {
    let app = TestApp::new(backend).await;
    let client = app.client();
    client.get("/login").await;
    let wrong = client
        .post("/login", &[("email", "admin@example.com"), ("password", "not-the-password-at-all")])
        .await;
    let unknown = client
        .post("/login", &[("email", "nobody@example.com"), ("password", "not-the-password-at-all")])
        .await;
    for (page, email) in [(&wrong, "admin@example.com"), (&unknown, "nobody@example.com")] {
        assert_eq!(page.status, 200);
        assert!(page.contains("The email or password is incorrect."));
        assert!(page.contains(&format!(r#"value="{email}""#)), "typed email kept");
        assert!(page.set_cookie("myochart_session").is_none());
    }
    assert_eq!(
        wrong.body.replace("admin@example.com", "X").replace(&wrong.csrf_token().unwrap(), "T"),
        unknown.body.replace("nobody@example.com", "X").replace(&unknown.csrf_token().unwrap(), "T"),
    );
    assert_eq!(app.audit_actions(), ["login.failure", "login.failure"]);
    assert_eq!(app.user("admin@example.com").failed_logins, 1);
    client.get("/").await.assert_redirect("/login");
}

async fn deactivated_accounts_cannot_sign_in(backend: Backend) {
    let app = TestApp::new(backend).await;
    let user = app.create_user("gone@example.com", Role::Therapist);
    let (system, now) = (myochart::auth::extractors::Actor::system("test"), chrono::Utc::now().naive_utc());
    app.with_conn(|conn| myochart::accounts::model::set_active(conn, &user.id, false, &system, now));
    let client = app.client();
    client.get("/login").await;
    let page = client.post("/login", &[("email", "gone@example.com"), ("password", PASSWORD)]).await;
    assert_eq!(page.status, 200);
    assert!(page.contains("The email or password is incorrect."));
    assert_eq!(
        app.audit_actions().last().map(String::as_str),
        Some("login.failure"),
        "the refusal is audited"
    );
    assert_eq!(app.user("gone@example.com").failed_logins, 1);
}

async fn an_account_is_throttled_after_repeated_failures(backend: Backend) {
    let app = TestApp::with_config(backend, |c| c.throttle_account_attempts = 3).await;
    app.create_user("admin@example.com", Role::AdminTherapist);
    let client = app.client();
    client.get("/login").await;
    for _ in 0..3 {
        let page = client
            .post("/login", &[("email", "admin@example.com"), ("password", "wrong-password-guess")])
            .await;
        assert_eq!(page.status, 200);
    }
    // Even the right password waits now, and an unknown address is treated the same way.
    let page = client.post("/login", &[("email", "admin@example.com"), ("password", PASSWORD)]).await;
    assert_eq!(page.status, 429);
    let retry: u64 = page.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=61).contains(&retry), "{retry}");
    assert!(page.contains("Too many attempts"));
    assert!(page.header("content-security-policy").is_some());
    assert_eq!(app.audit_actions().last().unwrap(), "login.throttled");
    for _ in 0..3 {
        client.post("/login", &[("email", "ghost@example.com"), ("password", "x")]).await;
    }
    assert_eq!(client.post("/login", &[("email", "ghost@example.com"), ("password", "x")]).await.status, 429);

    // A flood is not a row per refusal: one now, and the rest counted in one more once the
    // address has been quiet for a minute.
    let throttled = |app: &TestApp| -> Vec<Option<String>> {
        use diesel::prelude::*;
        use myochart::db::schema::audit_log;
        app.with_conn(|conn| {
            Ok(audit_log::table
                .filter(audit_log::action.eq("login.throttled"))
                .select(audit_log::detail)
                .order(audit_log::id.asc())
                .load(conn)?)
        })
    };
    for _ in 0..3 {
        let page = client.post("/login", &[("email", "admin@example.com"), ("password", "x")]).await;
        assert_eq!(page.status, 429);
    }
    assert_eq!(throttled(&app), [Some("1 attempt refused".to_owned())]);
    let later = std::time::Instant::now() + myochart::auth::refusals::REPORT_EVERY;
    app.jobs.report_refusals(later, false).await.unwrap();
    assert_eq!(
        throttled(&app),
        [Some("1 attempt refused".to_owned()), Some("4 attempts refused, at 2 accounts".to_owned())]
    );
    app.jobs.report_refusals(later, false).await.unwrap();
    assert_eq!(throttled(&app).len(), 2, "each refusal is counted once");
}

async fn an_ip_is_throttled_across_accounts(backend: Backend) {
    let app = TestApp::with_config(backend, |c| c.throttle_ip_attempts = 4).await;
    app.create_user("admin@example.com", Role::AdminTherapist);
    let client = app.client();
    client.get("/login").await;
    for n in 0..4 {
        let email = format!("guess{n}@example.com");
        assert_eq!(client.post("/login", &[("email", &email), ("password", "x")]).await.status, 200);
    }
    let page = client.post("/login", &[("email", "admin@example.com"), ("password", PASSWORD)]).await;
    assert_eq!(page.status, 429);
    assert!(page.header("retry-after").is_some());
}

on_both_backends!(
    sign_in_sets_a_protected_session_cookie,
    wrong_password_and_unknown_email_look_the_same,
    deactivated_accounts_cannot_sign_in,
    an_account_is_throttled_after_repeated_failures,
    an_ip_is_throttled_across_accounts,
);
