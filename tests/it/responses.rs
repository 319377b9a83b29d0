//! What every response carries: security headers (errors included), no-store on pages, error
//! pages that leak nothing, cacheable static files, health probes, HTTPS hardening.

use crate::common::{Backend, PASSWORD, TestApp};
use crate::on_both_backends;

fn assert_security_headers(page: &crate::common::Page, what: &str) {
    let csp = page.header("content-security-policy").unwrap_or_else(|| panic!("{what}: no CSP"));
    for directive in [
        "default-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ] {
        assert!(csp.contains(directive), "{what}: CSP lacks {directive}");
    }
    assert_eq!(page.header("x-content-type-options"), Some("nosniff"), "{what}");
    assert_eq!(page.header("referrer-policy"), Some("same-origin"), "{what}");
    assert_eq!(page.header("x-frame-options"), Some("DENY"), "{what}");
}

async fn security_headers_on_success_and_errors(backend: Backend) {
    let app = TestApp::new(backend).await;
    let client = app.client();
    let ok = client.get("/login").await;
    assert_eq!(ok.status, 200);
    assert_security_headers(&ok, "200");
    assert_eq!(ok.header("cache-control"), Some("no-store"));
    assert!(ok.header("strict-transport-security").is_none(), "no HSTS over plain http");

    let missing = client.get("/definitely/not/here").await;
    assert_eq!(missing.status, 404);
    assert_security_headers(&missing, "404");
    assert!(missing.contains("Not found"));

    let huge = format!("email=a%40b.c&password={}", "x".repeat(300 * 1024));
    let too_large = client.post_body("/login", "application/x-www-form-urlencoded", huge.into_bytes()).await;
    assert_eq!(too_large.status, 413);
    assert_security_headers(&too_large, "413");
    assert!(too_large.contains("larger than the server accepts"));

    let wrong_method = client.get("/logout").await;
    assert_eq!(wrong_method.status, 405);
    assert_security_headers(&wrong_method, "405");

    let signed_in = app.signed_in("admin@example.com").await;
    let home = signed_in.get("/").await;
    assert_eq!(home.header("cache-control"), Some("no-store"));
    assert_security_headers(&home, "signed-in page");
}

async fn long_forms_fit_under_the_limit(backend: Backend) {
    let app = TestApp::new(backend).await;
    let client = app.client();
    client.get("/login").await;
    let token = client.remembered_csrf().unwrap();
    let body = format!(
        "email=admin%40example.com&password={PASSWORD}&notes={}&csrf_token={token}",
        "y".repeat(200 * 1024)
    );
    let page = client.post_body("/login", "application/x-www-form-urlencoded", body.into_bytes()).await;
    page.assert_redirect("/");
}

async fn error_pages_leak_nothing(backend: Backend) {
    let app = TestApp::new(backend).await;
    let client = app.client();
    let page = client.get("/admin/users/%27%20OR%201=1").await;
    assert!(page.status == 303 || page.status == 404);
    let admin = app.signed_in("admin@example.com").await;
    let page = admin.get("/admin/users/%27%20OR%201=1--").await;
    assert_eq!(page.status, 404);
    for leak in ["diesel", "sqlite", "postgres", "panicked", "src/", "SELECT"] {
        assert!(!page.body.to_lowercase().contains(&leak.to_lowercase()), "404 page mentions {leak}");
    }
    let bad_query = admin.get("/admin/users?page=not-a-number").await;
    assert_eq!(bad_query.status, 400);
    assert_security_headers(&bad_query, "400");
}

async fn static_files_are_cached_by_content_hash(backend: Backend) {
    let app = TestApp::new(backend).await;
    let client = app.client();
    let page = client.get("/login").await;
    let href =
        page.body.split("rel=\"stylesheet\" href=\"").nth(1).unwrap().split('"').next().unwrap().to_owned();
    assert!(href.starts_with("/static/") && href.ends_with("/app.css"), "{href}");
    let css = client.get(&href).await;
    assert_eq!(css.status, 200);
    assert!(css.header("content-type").unwrap().starts_with("text/css"));
    assert_eq!(css.header("cache-control"), Some("public, max-age=31536000, immutable"));
    let stale = client.get("/static/0/app.css").await;
    assert_eq!(stale.header("cache-control"), Some("no-cache"));
    assert_eq!(client.get("/static/0/missing.css").await.status, 404);
}

async fn requests_for_other_hosts_are_refused(backend: Backend) {
    let app = TestApp::empty(backend).await;
    let client = app.client();
    let page = client.get_with_host("/setup", "evil.example:8080").await;
    assert_eq!(page.status, 421, "a DNS-rebinding request never reaches the app");
    assert_security_headers(&page, "421");
    let local = client.get_with_host("/healthz", &app.base.replace("http://127.0.0.1", "localhost")).await;
    assert_eq!(local.status, 200);
}

async fn health_probes(backend: Backend) {
    let app = TestApp::new(backend).await;
    let client = app.client();
    assert_eq!(client.head("/healthz").await.status, 200);
    assert_eq!(client.head("/login").await.status, 200);
    let health = client.get("/healthz").await;
    assert_eq!((health.status, health.body.as_str()), (200, "ok"));
    let ready = client.get("/readyz").await;
    assert_eq!((ready.status, ready.body.as_str()), (200, "ready"));
}

async fn https_deployments_harden_cookies_and_send_hsts(backend: Backend) {
    let app =
        TestApp::with_config(backend, |c| c.public_url = Some("https://practice.example".parse().unwrap()))
            .await;
    app.create_user("admin@example.com", crate::common::Role::AdminTherapist);
    let client = app.client();
    let page = client.get("/login").await;
    assert_eq!(page.header("strict-transport-security"), Some("max-age=63072000; includeSubDomains"));
    let pre = page.set_cookie("__Host-myochart_csrf").expect("__Host- prefixed pre-session cookie");
    assert_eq!(pre.secure(), Some(true));
    let forge = crate::common::client::Forge {
        origin: Some("https://practice.example".into()),
        ..Default::default()
    };
    let signed =
        client.post_forged("/login", &[("email", "admin@example.com"), ("password", PASSWORD)], forge).await;
    signed.assert_redirect("/");
    let session = signed.set_cookie("__Host-myochart_session").expect("__Host- prefixed session cookie");
    assert_eq!(session.secure(), Some(true));
    assert_eq!(session.http_only(), Some(true));
    assert_eq!(session.path(), Some("/"));
    assert!(session.domain().is_none(), "__Host- cookies carry no Domain");
}

on_both_backends!(
    security_headers_on_success_and_errors,
    long_forms_fit_under_the_limit,
    error_pages_leak_nothing,
    static_files_are_cached_by_content_hash,
    health_probes,
    requests_for_other_hosts_are_refused,
    https_deployments_harden_cookies_and_send_hsts,
);
