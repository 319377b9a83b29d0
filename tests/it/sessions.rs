//! Session lifetime and revocation: a copied cookie stops working the moment the session ends.

use chrono::{Duration, Utc};
use diesel::prelude::*;
use myochart::db::schema::sessions;

use crate::common::{Backend, Client, PASSWORD, Role, TestApp};
use crate::on_both_backends;

/// A second client holding a copy of `client`'s session cookie.
fn stolen_copy(app: &TestApp, client: &Client) -> Client {
    let thief = app.client();
    thief.set_cookie("myochart_session", &client.cookie("myochart_session").expect("signed in"));
    thief
}

async fn sign_out_revokes_the_cookie(backend: Backend) {
    let app = TestApp::new(backend).await;
    let client = app.signed_in("admin@example.com").await;
    let copy = stolen_copy(&app, &client);
    assert_eq!(copy.get("/").await.status, 200);
    let page = client.post("/logout", &[]).await;
    page.assert_redirect("/login");
    assert!(page.set_cookie("myochart_session").is_some_and(|c| c.value().is_empty()));
    client.get("/").await.assert_redirect("/login");
    let replay = copy.get("/").await;
    replay.assert_redirect("/login");
    assert!(
        replay.set_cookie("myochart_session").is_some_and(|c| c.value().is_empty()),
        "a dead cookie is cleared"
    );
    assert!(app.audit_actions().contains(&"logout".to_owned()));
}

async fn password_change_revokes_other_sessions(backend: Backend) {
    let app = TestApp::new(backend).await;
    let client = app.signed_in("admin@example.com").await;
    let other_device = app.signed_in("admin@example.com").await;
    let copy = stolen_copy(&app, &client);
    let new_password = "amber-violin-harbor-93";
    let page = client
        .post(
            "/account/password",
            &[("current_password", PASSWORD), ("password", new_password), ("password_confirm", new_password)],
        )
        .await;
    page.assert_redirect("/");
    assert!(client.get("/").await.contains("Your password has been changed."));
    other_device.get("/").await.assert_redirect("/login");
    copy.get("/").await.assert_redirect("/login");
    let fresh = app.client();
    fresh.sign_in("admin@example.com", new_password).await;
    assert!(app.audit_actions().contains(&"password.change".to_owned()));
}

async fn password_change_with_bad_input_changes_nothing(backend: Backend) {
    let app = TestApp::new(backend).await;
    let client = app.signed_in("admin@example.com").await;
    let page = client
        .post(
            "/account/password",
            &[("current_password", "wrong-current-pw"), ("password", "short"), ("password_confirm", "short")],
        )
        .await;
    assert_eq!(page.status, 422);
    assert!(page.contains("This is not your current password."));
    assert!(page.contains("Use at least 12 characters"));
    let same = client
        .post(
            "/account/password",
            &[("current_password", PASSWORD), ("password", PASSWORD), ("password_confirm", PASSWORD)],
        )
        .await;
    assert!(same.contains("different from the current one"));
    assert_eq!(client.get("/").await.status, 200, "still signed in");
    app.client().sign_in("admin@example.com", PASSWORD).await;
    let failures: i64 = app.with_conn(|conn| {
        use myochart::db::schema::audit_log;
        Ok(audit_log::table
            .filter(audit_log::action.eq("password.change"))
            .filter(audit_log::outcome.eq("failure"))
            .count()
            .get_result(conn)?)
    });
    assert_eq!(failures, 1, "a wrong current password is audited");
}

async fn guessing_the_current_password_is_throttled(backend: Backend) {
    let app = TestApp::with_config(backend, |c| c.throttle_account_attempts = 3).await;
    app.create_user("admin@example.com", Role::AdminTherapist);
    let client = app.signed_in("admin@example.com").await;
    let guess = [("current_password", "guess-guess-guess"), ("password", "x"), ("password_confirm", "x")];
    // Signing in used one attempt of this account from this address.
    for _ in 0..2 {
        assert_eq!(client.post("/account/password", &guess).await.status, 422);
    }
    let page = client.post("/account/password", &guess).await;
    assert_eq!(page.status, 429);
    assert!(page.header("retry-after").is_some());
}

async fn deactivation_revokes_at_once(backend: Backend) {
    let app = TestApp::new(backend).await;
    let therapist = app.create_user("tara@example.com", Role::Therapist);
    let tara = app.signed_in("tara@example.com").await;
    let admin = app.signed_in("admin@example.com").await;
    admin.get(&format!("/admin/users/{}", therapist.id)).await;
    admin
        .post(&format!("/admin/users/{}/deactivate", therapist.id), &[])
        .await
        .assert_redirect(&format!("/admin/users/{}", therapist.id));
    tara.get("/").await.assert_redirect("/login");
    assert!(!app.user("tara@example.com").is_active);
    let sessions_left: i64 = app.with_conn(|conn| {
        Ok(sessions::table.filter(sessions::user_id.eq(&therapist.id)).count().get_result(conn)?)
    });
    assert_eq!(sessions_left, 0, "the sessions are gone, not just ignored");
    // Reactivation does not bring the old cookie back to life.
    admin.post(&format!("/admin/users/{}/activate", therapist.id), &[]).await;
    tara.get("/").await.assert_redirect("/login");
}

async fn role_change_revokes_at_once(backend: Backend) {
    let app = TestApp::new(backend).await;
    let therapist = app.create_user("tara@example.com", Role::Therapist);
    let tara = app.signed_in("tara@example.com").await;
    let admin = app.signed_in("admin@example.com").await;
    let url = format!("/admin/users/{}", therapist.id);
    admin.get(&url).await;
    admin
        .post(&url, &[("display_name", "Tara"), ("is_therapist", "on"), ("is_admin", "on")])
        .await
        .assert_redirect(&url);
    tara.get("/").await.assert_redirect("/login");
    // A rename alone keeps the session.
    let tara = app.signed_in("tara@example.com").await;
    admin
        .post(&url, &[("display_name", "Tara Q"), ("is_therapist", "on"), ("is_admin", "on")])
        .await
        .assert_redirect(&url);
    assert_eq!(tara.get("/").await.status, 200);
}

async fn idle_sessions_expire(backend: Backend) {
    let app = TestApp::new(backend).await;
    let client = app.signed_in("admin@example.com").await;
    let idle = Duration::minutes(i64::from(app.state.config.session_idle_minutes) + 1);
    app.with_conn(|conn| {
        diesel::update(sessions::table)
            .set(sessions::last_seen_at.eq(Utc::now().naive_utc() - idle))
            .execute(conn)?;
        Ok(())
    });
    client.get("/").await.assert_redirect("/login");
}

async fn sessions_end_at_their_absolute_limit(backend: Backend) {
    let app = TestApp::new(backend).await;
    let client = app.signed_in("admin@example.com").await;
    app.with_conn(|conn| {
        diesel::update(sessions::table)
            .set(sessions::expires_at.eq(Utc::now().naive_utc() - Duration::seconds(1)))
            .execute(conn)?;
        Ok(())
    });
    client.get("/").await.assert_redirect("/login");
}

async fn activity_slides_the_idle_timeout(backend: Backend) {
    let app = TestApp::new(backend).await;
    let client = app.signed_in("admin@example.com").await;
    let seen = Utc::now().naive_utc() - Duration::minutes(5);
    app.with_conn(|conn| {
        diesel::update(sessions::table).set(sessions::last_seen_at.eq(seen)).execute(conn)?;
        Ok(())
    });
    let page = client.get("/").await;
    assert_eq!(page.status, 200);
    assert!(page.set_cookie("myochart_session").is_some_and(|c| !c.value().is_empty()), "token re-issued");
    let last_seen: chrono::NaiveDateTime =
        app.with_conn(|conn| Ok(sessions::table.select(sessions::last_seen_at).first(conn)?));
    assert!(last_seen > seen + Duration::minutes(4));
}

async fn admin_reset_forces_a_new_password(backend: Backend) {
    let app = TestApp::new(backend).await;
    let therapist = app.create_user("tara@example.com", Role::Therapist);
    let tara_before = app.signed_in("tara@example.com").await;
    let admin = app.signed_in("admin@example.com").await;
    admin.get(&format!("/admin/users/{}", therapist.id)).await;
    let page = admin.post(&format!("/admin/users/{}/reset-password", therapist.id), &[]).await;
    assert_eq!(page.status, 200);
    let temporary = page.body.split("<code>").nth(1).unwrap().split("</code>").next().unwrap().to_owned();
    tara_before.get("/").await.assert_redirect("/login");
    let tara = app.client();
    tara.get("/login").await;
    tara.post("/login", &[("email", "tara@example.com"), ("password", &temporary)])
        .await
        .assert_redirect("/");
    tara.get("/").await.assert_redirect("/account/password");
    tara.get("/admin/users").await.assert_redirect("/account/password");
    let form = tara.get("/account/password").await;
    assert!(form.contains("Choose your own before you continue"));
    let mine = "copper-lantern-meadow-58";
    tara.post(
        "/account/password",
        &[("current_password", &temporary), ("password", mine), ("password_confirm", mine)],
    )
    .await
    .assert_redirect("/");
    assert_eq!(tara.get("/").await.status, 200);
    assert!(!app.user("tara@example.com").must_change_password);
}

on_both_backends!(
    sign_out_revokes_the_cookie,
    password_change_revokes_other_sessions,
    password_change_with_bad_input_changes_nothing,
    guessing_the_current_password_is_throttled,
    deactivation_revokes_at_once,
    role_change_revokes_at_once,
    idle_sessions_expire,
    sessions_end_at_their_absolute_limit,
    activity_slides_the_idle_timeout,
    admin_reset_forces_a_new_password,
);
