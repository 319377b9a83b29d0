//! First run: everything leads to /setup until the first account exists; set-up happens once.

use crate::common::{Backend, PASSWORD, TestApp};
use crate::on_both_backends;

async fn first_run_sends_every_page_to_setup(backend: Backend) {
    let app = TestApp::empty(backend).await;
    let client = app.client();
    for path in ["/", "/login", "/admin/users", "/no-such-page"] {
        client.get(path).await.assert_redirect("/setup");
    }
    assert_eq!(client.get("/healthz").await.status, 200);
    let page = client.get(&app.setup_link()).await;
    assert_eq!(page.status, 200);
    assert!(
        page.contains(r#"id="is_therapist" name="is_therapist" type="checkbox" checked"#),
        "therapist ticked by default"
    );
}

async fn setup_needs_the_link_from_the_server_log(backend: Backend) {
    let app = TestApp::empty(backend).await;
    let client = app.client();
    let page = client.get("/setup").await;
    assert_eq!(page.status, 403);
    assert!(page.contains("open the set-up link"), "{}", page.body);
    assert!(!page.contains("name=\"password\""));
    assert_eq!(client.get("/setup?token=guess").await.status, 403);
    // Even with a valid page token, a POST carrying a wrong set-up token creates nothing.
    client.get(&app.setup_link()).await;
    let fields = [
        ("setup_token", "guess"),
        ("display_name", "Mallory"),
        ("email", "mallory@example.com"),
        ("password", PASSWORD),
        ("password_confirm", PASSWORD),
    ];
    assert_eq!(client.post("/setup", &fields).await.status, 403);
    assert!(app.audit_actions().is_empty());
    client.get("/").await.assert_redirect("/setup");
}

async fn setup_creates_an_admin_therapist_and_signs_in(backend: Backend) {
    let app = TestApp::empty(backend).await;
    let client = app.client();
    client.get(&app.setup_link()).await;
    let token = app.state.setup_token.as_str();
    let page = client
        .post(
            "/setup",
            &[
                ("setup_token", token),
                ("display_name", "Anna Berg"),
                ("email", " Anna.Berg@Example.COM "),
                ("password", PASSWORD),
                ("password_confirm", PASSWORD),
                ("is_therapist", "on"),
            ],
        )
        .await;
    page.assert_redirect("/");
    let home = client.get("/").await;
    assert!(home.contains("Hello, Anna Berg"), "{}", home.body);
    let user = app.user("anna.berg@example.com");
    assert!(user.is_admin && user.is_therapist && user.is_active);
    assert_eq!(
        app.audit_actions(),
        ["setup.first_admin", "dashboard.view"],
        "the home page is an audited read"
    );
    // The set-up page is gone once an account exists.
    assert_eq!(client.get("/setup").await.status, 404);
    assert_eq!(app.client().get("/setup").await.status, 404);
    app.client().get("/").await.assert_redirect("/login");
}

async fn setup_without_therapist_role(backend: Backend) {
    let app = TestApp::empty(backend).await;
    let client = app.client();
    client.get(&app.setup_link()).await;
    let token = app.state.setup_token.as_str();
    let fields = [
        ("setup_token", token),
        ("display_name", "Office"),
        ("email", "office@example.com"),
        ("password", PASSWORD),
        ("password_confirm", PASSWORD),
    ];
    client.post("/setup", &fields).await.assert_redirect("/");
    let user = app.user("office@example.com");
    assert!(user.is_admin && !user.is_therapist);
}

async fn bad_setup_input_is_shown_again_with_messages(backend: Backend) {
    let app = TestApp::empty(backend).await;
    let client = app.client();
    client.get(&app.setup_link()).await;
    let token = app.state.setup_token.as_str();
    let page = client
        .post(
            "/setup",
            &[
                ("setup_token", token),
                ("display_name", "Anna <Berg>"),
                ("email", "anna-at-example"),
                ("password", "short"),
                ("password_confirm", "short"),
            ],
        )
        .await;
    assert_eq!(page.status, 422);
    assert!(page.contains("Enter an email address"), "{}", page.body);
    assert!(page.contains("Use at least 12 characters"));
    assert!(page.contains(r#"value="anna-at-example""#), "typed email kept");
    assert!(
        page.contains(r#"value="Anna &#60;Berg&#62;""#) || page.contains(r#"value="Anna &lt;Berg&gt;""#),
        "typed name kept, escaped: {}",
        page.body
    );
    assert!(!page.contains(r#"value="short""#), "passwords are never echoed");
    assert!(page.contains(r#"aria-invalid="true""#));
    let weak = client
        .post(
            "/setup",
            &[
                ("setup_token", token),
                ("display_name", "Anna"),
                ("email", "anna@example.com"),
                ("password", "password1234"),
                ("password_confirm", "password1234"),
            ],
        )
        .await;
    assert_eq!(weak.status, 422);
    assert!(weak.contains("too easy to guess"));
    let mismatch = client
        .post(
            "/setup",
            &[
                ("setup_token", token),
                ("display_name", "Anna"),
                ("email", "anna@example.com"),
                ("password", PASSWORD),
                ("password_confirm", "quiet-maple-lantern-48"),
            ],
        )
        .await;
    assert!(mismatch.contains("do not match"));
    assert!(app.audit_actions().is_empty());
    app.client().get("/").await.assert_redirect("/setup");
}

async fn racing_setups_cannot_both_win(backend: Backend) {
    let app = TestApp::empty(backend).await;
    let clients: Vec<_> = (0..4).map(|_| app.client()).collect();
    for client in &clients {
        client.get(&app.setup_link()).await;
    }
    let token = app.state.setup_token.as_str();
    let attempts = clients.iter().enumerate().map(|(n, client)| async move {
        let email = format!("admin{n}@example.com");
        let fields = [
            ("setup_token", token),
            ("display_name", "Admin"),
            ("email", email.as_str()),
            ("password", PASSWORD),
            ("password_confirm", PASSWORD),
        ];
        client.post("/setup", &fields).await
    });
    let pages = futures_util::future::join_all(attempts).await;
    let winners = pages.iter().filter(|p| p.location() == Some("/")).count();
    assert_eq!(
        winners,
        1,
        "{:?}",
        pages.iter().map(|p| (p.status, p.location().map(str::to_owned))).collect::<Vec<_>>()
    );
    for page in pages.iter().filter(|p| p.location() != Some("/")) {
        assert!(page.status == 404 || page.location() == Some("/login"), "{page:?}");
    }
    use diesel::prelude::*;
    use myochart::db::schema::users;
    let count: i64 = app.with_conn(|conn| Ok(users::table.count().get_result(conn)?));
    assert_eq!(count, 1);
}

/// The model-level guard, raced from threads that start together: exactly one insert wins
/// whatever the request timing (the HTTP race above may serialise by chance).
async fn first_admin_insert_is_serialised(backend: Backend) {
    use myochart::accounts::model::insert_first_admin;
    use myochart::auth::users::{NewAccount, User};
    let app = TestApp::empty(backend).await;
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(4));
    let handles: Vec<_> = (0..4)
        .map(|n| {
            let db = app.state.db.clone();
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                let mut conn = db.get().unwrap();
                let email = format!("a{n}@example.com");
                let account = NewAccount {
                    email: &email,
                    display_name: "Admin",
                    password_hash: "x".into(),
                    is_admin: true,
                    is_therapist: true,
                    must_change_password: false,
                };
                let new = User::new(account, chrono::Utc::now().naive_utc());
                barrier.wait();
                myochart::db::write_tx(&mut conn, |conn| insert_first_admin(conn, &new)).is_ok()
            })
        })
        .collect();
    let wins = handles.into_iter().filter(|_| true).map(|h| h.join().unwrap()).filter(|won| *won).count();
    assert_eq!(wins, 1);
}

on_both_backends!(
    setup_needs_the_link_from_the_server_log,
    first_admin_insert_is_serialised,
    first_run_sends_every_page_to_setup,
    setup_creates_an_admin_therapist_and_signs_in,
    setup_without_therapist_role,
    bad_setup_input_is_shown_again_with_messages,
    racing_setups_cannot_both_win,
);
