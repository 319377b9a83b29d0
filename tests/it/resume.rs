//! Nothing typed is lost when a session ends: a form sent after it ended is kept (never carried
//! out) and sent on after signing in again; a page opened before the user signed in again asks
//! before sending; sign-in returns to the page asked for, and only to a local one.

use chrono::Duration;

use crate::common::client::{Client, Forge};
use crate::common::{Backend, PASSWORD, TestApp};
use crate::on_both_backends;

/// Posts `fields` exactly as given (their own csrf_token included), as a browser on this site.
async fn post_fields(browser: &Client, action: &str, fields: &[(String, String)]) -> crate::common::Page {
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    browser.post_forged(action, &fields, Forge { csrf: Some(String::new()), ..Forge::default() }).await
}

async fn a_note_sent_after_the_session_ended_is_saved_after_signing_in_again(backend: Backend) {
    let app = TestApp::at(backend, chrono::Utc::now().naive_utc(), |c| c.session_idle_minutes = 1).await;
    let admin = app.user("admin@example.com");
    let client = app.create_client(&admin.id, "Clara", "Client");
    let visit = app.open_visit(&client);
    let browser = app.signed_in("admin@example.com").await;
    let url = format!("/visits/{}", visit.id);
    let page = browser.get(&url).await;
    let (started_at, version) = (page.input_value("started_at"), page.input_value("version"));
    app.state.clock.advance(Duration::seconds(61));

    let typed = "Neck & shoulder <worse> after \"long\" days at the desk";
    let note = [
        ("started_at", started_at.as_str()),
        ("version", version.as_str()),
        ("do", "save"),
        ("duration_minutes", "60"),
        ("subjective", typed),
        ("techniques", "ischemic_compression"),
        ("techniques", "stretching"),
    ];
    let ended = browser.post(&url, &note).await;
    assert_eq!(ended.status, 401, "{}", ended.body);
    assert!(ended.contains("Your session has ended") && !ended.contains("another site"));
    assert!(
        app.with_conn(|conn| myochart::visits::model::find_for_therapist(conn, &visit.id, &admin.id))
            .0
            .note
            .subjective
            .is_empty(),
        "nothing is carried out without a session"
    );
    let kept = ended.hidden_fields("/login");
    let kept_body = kept.iter().find(|(k, _)| k == "kept_body").map(|(_, v)| v.clone()).unwrap();
    assert!(!kept_body.contains("csrf_token"), "the old token is not kept");

    // A wrong password keeps the form too.
    let mut sign_in: Vec<(String, String)> = kept.clone();
    sign_in.push(("email".into(), "admin@example.com".into()));
    sign_in.push(("password".into(), "not the password".into()));
    let wrong = post_fields(&browser, "/login", &sign_in).await;
    assert_eq!(wrong.status, 200);
    assert!(wrong.contains("The email or password is incorrect"));
    let mut sign_in = wrong.hidden_fields("/login");
    assert!(sign_in.iter().any(|(k, v)| k == "kept_body" && *v == kept_body));
    sign_in.push(("email".into(), "admin@example.com".into()));
    sign_in.push(("password".into(), PASSWORD.into()));
    let signed_in = post_fields(&browser, "/login", &sign_in).await;
    assert_eq!(signed_in.status, 200, "{}", signed_in.body);
    assert!(signed_in.contains("data-autosubmit"));
    let resend = signed_in.hidden_fields(&url);
    let techniques: Vec<&str> =
        resend.iter().filter(|(k, _)| k == "techniques").map(|(_, v)| v.as_str()).collect();
    assert_eq!(techniques, ["ischemic_compression", "stretching"], "repeated fields survive in order");
    post_fields(&browser, &url, &resend).await.assert_redirect(&format!("{url}#note"));
    let saved = app.with_conn(|conn| myochart::visits::model::find_for_therapist(conn, &visit.id, &admin.id));
    assert_eq!(saved.0.note.subjective, typed);
}

async fn a_page_from_before_signing_in_again_asks_before_sending(backend: Backend) {
    let app = TestApp::new(backend).await;
    let admin = app.user("admin@example.com");
    let client = app.create_client(&admin.id, "Clara", "Client");
    let browser = app.signed_in("admin@example.com").await;
    let edit = format!("/clients/{}/edit", client.id);
    let form = browser.get(&edit).await;
    let old_token = form.csrf_token().unwrap();
    browser.post("/logout", &[]).await;
    browser.sign_in("admin@example.com", PASSWORD).await;
    let fields = [
        ("first_name", "Clarissa"),
        ("last_name", "Client"),
        ("email", "clara@example.com"),
        ("email_consent", "on"),
    ];
    let asked =
        browser.post_forged(&edit, &fields, Forge { csrf: Some(old_token), ..Forge::default() }).await;
    assert_eq!(asked.status, 409, "{}", asked.body);
    assert!(asked.contains("Send this form?") && !asked.contains("data-autosubmit"));
    let unchanged =
        app.with_conn(|conn| myochart::clients::model::find_for_therapist(conn, &client.id, &admin.id));
    assert_eq!(unchanged.details.first_name, "Clara", "not sent until the user says so");
    let send = asked.hidden_fields(&edit);
    post_fields(&browser, &edit, &send).await.assert_redirect(&format!("/clients/{}", client.id));
    let changed =
        app.with_conn(|conn| myochart::clients::model::find_for_therapist(conn, &client.id, &admin.id));
    assert_eq!(changed.details.first_name, "Clarissa");
}

async fn forged_forms_are_never_kept(backend: Backend) {
    let app = TestApp::at(backend, chrono::Utc::now().naive_utc(), |c| c.session_idle_minutes = 1).await;
    let admin = app.user("admin@example.com");
    let client = app.create_client(&admin.id, "Clara", "Client");
    let browser = app.signed_in("admin@example.com").await;
    let edit = format!("/clients/{}/edit", client.id);
    let token = browser.get(&edit).await.csrf_token().unwrap();
    app.state.clock.advance(Duration::seconds(61));
    let fields = [("first_name", "Mallory"), ("last_name", "Client")];
    let (sid, _) = token.rsplit_once('.').unwrap();
    let cases = [
        ("from another site", Forge { origin: Some("https://evil.example".into()), ..Forge::default() }),
        ("a made-up session token", Forge { csrf: Some(format!("{sid}.AAAA")), ..Forge::default() }),
        ("no Origin at all", Forge { origin: Some(String::new()), ..Forge::default() }),
    ];
    for (case, forge) in cases {
        let page = browser.post_forged(&edit, &fields, forge).await;
        assert_eq!(page.status, 403, "{case}: {}", page.body);
        assert!(!page.contains("Mallory"), "{case}: nothing is echoed");
    }
}

async fn sign_in_returns_to_the_page_asked_for_and_only_a_local_one(backend: Backend) {
    let app = TestApp::at(backend, chrono::Utc::now().naive_utc(), |c| c.session_idle_minutes = 1).await;
    let admin = app.user("admin@example.com");
    let client = app.create_client(&admin.id, "Clara", "Client");
    let chart = format!("/clients/{}?zone=front", client.id);
    let anonymous = app.client();
    let asked = anonymous.get(&chart).await;
    let next = format!("/login?next=%2Fclients%2F{}%3Fzone%3Dfront", client.id);
    asked.assert_redirect(&next);
    let form = anonymous.get(&next).await;
    assert_eq!(form.input_value("next"), chart);
    anonymous
        .post("/login", &[("email", "admin@example.com"), ("password", PASSWORD), ("next", &chart)])
        .await
        .assert_redirect(&chart);
    for evil in ["https://evil.example/", "//evil.example", "/\\evil.example", "/login"] {
        let visitor = app.client();
        let form = visitor.get(&format!("/login?next={}", urlencode(evil))).await;
        assert!(!form.contains(r#"name="next""#), "{evil} is not offered");
        let page = visitor
            .post("/login", &[("email", "admin@example.com"), ("password", PASSWORD), ("next", evil)])
            .await;
        page.assert_redirect("/");
    }
    // A session that ended says so on the way to sign in.
    app.state.clock.advance(Duration::seconds(61));
    anonymous.get(&chart).await.assert_redirect(&next);
    let page = anonymous.get(&next).await;
    assert!(page.contains("Your session has ended"), "{}", page.body);
}

async fn scripts_learn_that_the_session_ended(backend: Backend) {
    let app = TestApp::at(backend, chrono::Utc::now().naive_utc(), |c| c.session_idle_minutes = 1).await;
    let browser = app.signed_in("admin@example.com").await;
    let script = |token: String| Forge {
        csrf: Some(String::new()),
        headers: vec![("X-CSRF-Token".into(), token), ("Accept".into(), "application/json".into())],
        ..Forge::default()
    };
    let token = browser.remembered_csrf().unwrap();
    for _ in 0..4 {
        app.state.clock.advance(Duration::seconds(30));
        assert_eq!(browser.post_forged("/session/keep-alive", &[], script(token.clone())).await.status, 204);
    }
    app.state.clock.advance(Duration::seconds(61));
    let ended = browser.post_forged("/session/keep-alive", &[], script(token.clone())).await;
    assert_eq!(ended.status, 401);
    assert_eq!(ended.body, r#"{"status":"signed_out"}"#);
    browser.sign_in("admin@example.com", PASSWORD).await;
    let stale = browser.post_forged("/session/keep-alive", &[], script(token)).await;
    assert_eq!(stale.status, 409);
    let fresh = browser.remembered_csrf().unwrap();
    assert!(stale.contains(&format!(r#""csrf_token":"{fresh}""#)), "{}", stale.body);
}

fn urlencode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

on_both_backends!(
    a_note_sent_after_the_session_ended_is_saved_after_signing_in_again,
    a_page_from_before_signing_in_again_asks_before_sending,
    forged_forms_are_never_kept,
    sign_in_returns_to_the_page_asked_for_and_only_a_local_one,
    scripts_learn_that_the_session_ended,
);
