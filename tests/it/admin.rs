//! Admin account management and the access every route declares.

use diesel::prelude::*;
use myochart::db::schema::users;
use myochart::routes::{Access, ROUTES};

use crate::common::{Backend, Role, TestApp};
use crate::on_both_backends;

fn concrete(path: &str, id: &str) -> String {
    path.replace("{id}", id).replace("{hash}", "0").replace("{name}", "app.css")
}

async fn every_route_enforces_its_declared_access(backend: Backend) {
    let app = TestApp::new(backend).await;
    let admin_user = app.user("admin@example.com");
    app.create_user("tara@example.com", Role::Therapist);
    let anonymous = app.client();
    anonymous.get("/login").await;
    let therapist = app.signed_in("tara@example.com").await;
    let admin = app.signed_in("admin@example.com").await;
    let audit_before = app.audit_actions().len();
    let mut checked = 0;
    for route in ROUTES {
        let path = concrete(route.path, &admin_user.id);
        let call = |client: &'static str| {
            let c = match client {
                "anonymous" => &anonymous,
                "therapist" => &therapist,
                _ => &admin,
            };
            let path = path.clone();
            async move { if route.method == "get" { c.get(&path).await } else { c.post(&path, &[]).await } }
        };
        match route.access {
            // Walked with real records, per owner, in ownership.rs.
            Access::Public | Access::Therapist => {}
            Access::SignedIn => {
                call("anonymous").await.assert_sign_in_first(route.method, &path);
                checked += 1;
            }
            Access::Admin => {
                call("anonymous").await.assert_sign_in_first(route.method, &path);
                let page = call("therapist").await;
                assert_eq!(page.status, 403, "therapist on {} {}", route.method, route.path);
                if route.method == "get" {
                    let page = call("admin").await;
                    assert_eq!(page.status, 200, "admin on GET {}", route.path);
                }
                checked += 1;
            }
        }
    }
    assert!(checked >= 12, "walked {checked} protected routes");
    let admin_user = app.user("admin@example.com");
    assert!(
        admin_user.is_admin && admin_user.is_active && !admin_user.must_change_password,
        "refused requests changed nothing"
    );
    let new_rows: Vec<String> = app.audit_actions().split_off(audit_before);
    // Only the admin's own reads of admin pages were recorded.
    assert!(new_rows.iter().all(|a| a.ends_with(".view")), "{new_rows:?}");
}

async fn unknown_paths_and_methods(backend: Backend) {
    let app = TestApp::new(backend).await;
    let admin = app.signed_in("admin@example.com").await;
    assert_eq!(admin.get("/no/such/page").await.status, 404);
    assert_eq!(admin.get("/admin/users/00000000-0000-0000-0000-000000000000").await.status, 404);
    assert_eq!(admin.get("/logout").await.status, 405);
}

async fn the_last_active_admin_is_protected(backend: Backend) {
    let app = TestApp::new(backend).await;
    let me = app.user("admin@example.com");
    let admin = app.signed_in("admin@example.com").await;
    let url = format!("/admin/users/{}", me.id);
    admin.get(&url).await;
    let page = admin.post(&url, &[("display_name", "Admin"), ("is_therapist", "on")]).await;
    assert_eq!(page.status, 422);
    assert!(page.contains("last active admin"), "{}", page.body);
    let page = admin.post(&format!("{url}/deactivate"), &[]).await;
    page.assert_redirect(&url);
    assert!(admin.get(&url).await.contains("last active admin"));
    let me = app.user("admin@example.com");
    assert!(me.is_admin && me.is_active);

    // A deactivated second admin does not count.
    let second = app.create_user("second@example.com", Role::Admin);
    let (system, now) = (myochart::auth::extractors::Actor::system("test"), chrono::Utc::now().naive_utc());
    app.with_conn(|conn| myochart::accounts::model::set_active(conn, &second.id, false, &system, now));
    assert_eq!(admin.post(&url, &[("display_name", "Admin"), ("is_therapist", "on")]).await.status, 422);
    // An active one does.
    app.with_conn(|conn| myochart::accounts::model::set_active(conn, &second.id, true, &system, now));
    admin.post(&url, &[("display_name", "Admin"), ("is_therapist", "on")]).await.assert_redirect(&url);
    assert!(!app.user("admin@example.com").is_admin);
}

async fn an_admin_creates_an_account(backend: Backend) {
    let app = TestApp::new(backend).await;
    let admin = app.signed_in("admin@example.com").await;
    admin.get("/admin/users/new").await;
    let page = admin
        .post(
            "/admin/users/new",
            &[("display_name", "Tara Quinn"), ("email", "Tara@Example.com"), ("is_therapist", "on")],
        )
        .await;
    assert_eq!(page.status, 200);
    assert!(page.contains("Account created"));
    assert!(page.contains("tara@example.com"));
    let tara = app.user("tara@example.com");
    assert!(tara.is_therapist && !tara.is_admin && tara.must_change_password);
    assert_eq!(app.audit_actions().last().unwrap(), "user.create");

    let duplicate = admin
        .post(
            "/admin/users/new",
            &[("display_name", "Again"), ("email", "tara@example.com"), ("is_admin", "on")],
        )
        .await;
    assert_eq!(duplicate.status, 422);
    assert!(duplicate.contains("already exists"));
    assert!(duplicate.contains(r#"value="Again""#));
    let invalid = admin.post("/admin/users/new", &[("display_name", ""), ("email", "nope")]).await;
    assert_eq!(invalid.status, 422);
    assert!(invalid.contains("Enter a name"));
    assert!(invalid.contains("Enter an email address"));
    assert!(invalid.contains("Choose at least one role"));
    assert!(invalid.contains(r#"value="nope""#));
    let count: i64 = app.with_conn(|conn| Ok(users::table.count().get_result(conn)?));
    assert_eq!(count, 2);
}

async fn the_account_list_searches_and_pages(backend: Backend) {
    let app = TestApp::new(backend).await;
    for n in 0..30 {
        app.create_user(&format!("user{n:02}@example.com"), Role::Therapist);
    }
    let admin = app.signed_in("admin@example.com").await;
    let first = admin.get("/admin/users?q=user").await;
    assert_eq!(first.body.matches("@example.com</td>").count(), 25);
    assert!(first.body.replace("&#38;", "&").contains("?q=user&page=2"), "{}", first.body);
    let second = admin.get("/admin/users?q=user&page=2").await;
    assert_eq!(second.body.matches("@example.com</td>").count(), 5);
    assert!(!second.contains("page=3"));
    let one = admin.get("/admin/users?q=USER07").await;
    assert_eq!(one.body.matches("@example.com</td>").count(), 1);
    let literal = admin.get("/admin/users?q=%25").await;
    assert!(literal.contains("No accounts match."), "a % is matched literally");
    assert_eq!(admin.get("/admin/users?page=999999").await.status, 200);
}

async fn reactivation_restores_sign_in(backend: Backend) {
    let app = TestApp::new(backend).await;
    let tara = app.create_user("tara@example.com", Role::Therapist);
    let admin = app.signed_in("admin@example.com").await;
    let url = format!("/admin/users/{}", tara.id);
    admin.get(&url).await;
    admin.post(&format!("{url}/deactivate"), &[]).await.assert_redirect(&url);
    assert!(admin.get(&url).await.contains("deactivated and signed out everywhere"));
    admin.post(&format!("{url}/activate"), &[]).await.assert_redirect(&url);
    assert!(app.user("tara@example.com").is_active);
    app.signed_in("tara@example.com").await;
}

/// Two admins demoting each other at the same moment must not leave the practice without one.
async fn concurrent_demotions_keep_an_admin(backend: Backend) {
    use myochart::accounts::model::{Profile, update_profile};
    let app = TestApp::new(backend).await;
    let first = app.user("admin@example.com");
    let second = app.create_user("second@example.com", Role::Admin);
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(2));
    let handles: Vec<_> = [first.id.clone(), second.id.clone()]
        .into_iter()
        .map(|id| {
            let db = app.state.db.clone();
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                let mut conn = db.get().unwrap();
                barrier.wait();
                let profile = Profile { display_name: "Demoted".into(), is_admin: false, is_therapist: true };
                let (system, now) =
                    (myochart::auth::extractors::Actor::system("test"), chrono::Utc::now().naive_utc());
                myochart::db::write_tx(&mut conn, |conn| update_profile(conn, &id, &profile, &system, now))
                    .is_ok()
            })
        })
        .collect();
    let demoted = handles.into_iter().map(|h| h.join().unwrap()).filter(|ok| *ok).count();
    assert_eq!(demoted, 1);
    let admins: i64 = app.with_conn(|conn| {
        Ok(users::table
            .filter(users::is_admin.eq(true))
            .filter(users::is_active.eq(true))
            .count()
            .get_result(conn)?)
    });
    assert_eq!(admins, 1);
}

on_both_backends!(
    concurrent_demotions_keep_an_admin,
    every_route_enforces_its_declared_access,
    unknown_paths_and_methods,
    the_last_active_admin_is_protected,
    an_admin_creates_an_account,
    the_account_list_searches_and_pages,
    reactivation_restores_sign_in,
);
