//! What the outside security test found, each pinned by a test: the signed and append-only
//! records hold against REPLACE and TRUNCATE, NUL bytes are refused, files are the service's
//! own, a slow or missing database is reported quickly, sessions in use stay alive, and dates
//! follow the practice's day.

use chrono::Duration;
use diesel::RunQueryDsl;
use myochart::db::DbConn;

use crate::common::{Backend, TestApp};
use crate::on_both_backends;

/// A signed visit with a trigger point and an addendum, and a sent routine: the protected rows.
struct Protected {
    visit: String,
    finding: String,
    addendum: String,
    routine: String,
}

async fn protected_rows(app: &TestApp) -> Protected {
    let admin = app.user("admin@example.com");
    let client = app.create_client(&admin.id, "Clara", "Client");
    let visit = app.open_visit(&client);
    let finding = app.add_finding(&visit, "upper-trapezius", "left", "active");
    app.sign_visit(&visit);
    let browser = app.signed_in("admin@example.com").await;
    let url = format!("/visits/{}", visit.id);
    browser.get(&url).await;
    browser.post(&format!("{url}/addenda"), &[("body", "Left side, not right.")]).await.assert_redirect(&url);
    let routine = app.draft_routine(&client);
    browser.get(&format!("/routines/{}", routine.id)).await;
    browser.post(&format!("/routines/{}/send", routine.id), &[]).await;
    let addendum: String = app.with_conn(|conn| {
        use diesel::prelude::*;
        use myochart::db::schema::addenda;
        Ok(addenda::table.select(addenda::id).first(conn)?)
    });
    Protected { visit: visit.id, finding: finding.id, addendum, routine: routine.id }
}

fn run(app: &TestApp, sql: &str) -> Result<usize, String> {
    let mut conn = app.state.db.get().unwrap();
    diesel::sql_query(sql).execute(&mut *conn as &mut DbConn).map_err(|e| e.to_string())
}

/// Counts rows with a condition, to prove a refused statement changed nothing.
fn count(app: &TestApp, table: &str, condition: &str) -> i64 {
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let mut conn = app.state.db.get().unwrap();
    let sql = format!("SELECT COUNT(*) AS n FROM {table} WHERE {condition}");
    diesel::sql_query(sql).get_result::<Count>(&mut *conn as &mut DbConn).unwrap().n
}

async fn replacing_protected_rows_is_refused(backend: Backend) {
    let app = TestApp::new(backend).await;
    let rows = protected_rows(&app).await;
    let audit_id: String = app.with_conn(|conn| {
        use diesel::prelude::*;
        use myochart::db::schema::audit_log;
        Ok(audit_log::table.select(audit_log::id).first(conn)?)
    });
    let targets = [
        ("audit_log", audit_id.as_str(), "action = 'changed'"),
        ("visits", rows.visit.as_str(), "subjective = 'changed'"),
        ("findings", rows.finding.as_str(), "notes = 'changed'"),
        ("addenda", rows.addendum.as_str(), "body = 'changed'"),
        ("routines", rows.routine.as_str(), "intro = 'changed'"),
    ];
    for (table, id, change) in targets {
        // SQLite's REPLACE deletes the old row first; PostgreSQL's upsert updates it.
        let sql = match backend {
            Backend::Sqlite => {
                format!("INSERT OR REPLACE INTO {table} SELECT * FROM {table} WHERE id = '{id}'")
            }
            Backend::Postgres => format!(
                "INSERT INTO {table} SELECT * FROM {table} WHERE id = '{id}' ON CONFLICT (id) DO UPDATE SET {change}"
            ),
        };
        assert!(run(&app, &sql).is_err(), "{table}: {sql} must be refused");
        assert_eq!(count(&app, table, &format!("id = '{id}'")), 1, "{table} keeps its row");
    }
    let page = app.signed_in("admin@example.com").await.get(&format!("/visits/{}", rows.visit)).await;
    assert!(!page.contains("does not match"), "the seal still holds");
}

async fn emptying_the_clinical_record_is_refused(backend: Backend) {
    let app = TestApp::new(backend).await;
    let rows = protected_rows(&app).await;
    let statements: Vec<String> = match backend {
        Backend::Postgres => ["audit_log", "visits", "findings", "addenda", "routines", "routine_items"]
            .iter()
            .map(|table| format!("TRUNCATE {table} CASCADE"))
            .collect(),
        // SQLite has no TRUNCATE: an unqualified DELETE is the same attempt.
        Backend::Sqlite => ["audit_log", "visits", "findings", "addenda", "routines", "routine_items"]
            .iter()
            .map(|table| format!("DELETE FROM {table}"))
            .collect(),
    };
    for sql in &statements {
        assert!(run(&app, sql).is_err(), "{sql} must be refused");
    }
    for (table, id) in [("visits", &rows.visit), ("findings", &rows.finding), ("routines", &rows.routine)] {
        assert_eq!(count(&app, table, &format!("id = '{id}'")), 1, "{table} keeps its row");
    }
    assert!(count(&app, "audit_log", "1 = 1") > 0);
}

async fn nul_bytes_are_refused_and_nothing_is_stored(backend: Backend) {
    let app = TestApp::new(backend).await;
    let browser = app.signed_in("admin@example.com").await;
    assert_eq!(browser.get("/clients?q=a%00b").await.status, 400);
    assert_eq!(browser.get("/clients/%00").await.status, 400);
    browser.get("/clients/new").await;
    let page = browser.post("/clients/new", &[("first_name", "Ada\0"), ("last_name", "Byron")]).await;
    assert_eq!(page.status, 400);
    assert!(page.contains("NUL"), "{}", page.body);
    assert_eq!(count(&app, "clients", "1 = 1"), 0);
}

async fn database_and_mail_files_are_the_services_own(backend: Backend) {
    use std::os::unix::fs::PermissionsExt;
    let app = TestApp::new(backend).await;
    let admin = app.user("admin@example.com");
    let client = app.create_client(&admin.id, "Clara", "Client");
    let routine = app.draft_routine(&client);
    let browser = app.signed_in("admin@example.com").await;
    browser.get(&format!("/routines/{}", routine.id)).await;
    browser.post(&format!("/routines/{}/send", routine.id), &[]).await;
    assert_eq!(app.jobs.run_once(chrono::Utc::now().naive_utc()).await.unwrap().sent, 1);
    let mode = |path: &std::path::Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    let mail: Vec<_> = std::fs::read_dir(app.mail_dir.path()).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(mail.len(), 1);
    assert_eq!(mode(&mail[0]), 0o600, "{}", mail[0].display());
    if let myochart::config::DatabaseUrl::Sqlite(path) = &app.state.config.database_url {
        for suffix in ["", "-wal", "-shm"] {
            let file = std::path::PathBuf::from(format!("{}{suffix}", path.display()));
            assert_eq!(mode(&file), 0o600, "{}", file.display());
        }
    }
}

/// With every pooled connection taken (as when the database stops answering), a request gets
/// its 503 within seconds, and the readiness probe within two.
async fn an_unavailable_database_is_reported_quickly(backend: Backend) {
    let app = TestApp::new(backend).await;
    let browser = app.signed_in("admin@example.com").await;
    let held: Vec<_> =
        (0..app.state.config.database_pool_size).map(|_| app.state.db.get().unwrap()).collect();
    let started = std::time::Instant::now();
    assert_eq!(app.client().get("/readyz").await.status, 503);
    assert!(started.elapsed() < std::time::Duration::from_secs(2), "readyz took {:?}", started.elapsed());
    let started = std::time::Instant::now();
    assert_eq!(browser.get("/clients").await.status, 503);
    assert!(started.elapsed() < std::time::Duration::from_secs(4), "a page took {:?}", started.elapsed());
    drop(held);
    assert_eq!(app.client().get("/readyz").await.status, 200);
}

/// A one-minute idle limit: a request every 20 seconds keeps the session; a minute of silence
/// ends it.
async fn the_idle_window_slides_for_short_settings(backend: Backend) {
    let start = chrono::Utc::now().naive_utc();
    let app = TestApp::at(backend, start, |c| c.session_idle_minutes = 1).await;
    let browser = app.signed_in("admin@example.com").await;
    for _ in 0..6 {
        app.state.clock.advance(Duration::seconds(20));
        assert_eq!(browser.get("/").await.status, 200, "still signed in");
    }
    app.state.clock.advance(Duration::seconds(61));
    browser.get("/").await.assert_redirect("/login");
}

/// In Sydney (UTC+10 or +11), 22:00 UTC is already the next morning: "today" is the next day.
async fn dates_are_checked_against_the_practice_day(backend: Backend) {
    // The next 22:00 UTC, so the session tokens the app signs are still valid in real time.
    let real = chrono::Utc::now().naive_utc();
    let mut now = real.date().and_hms_opt(22, 0, 0).unwrap();
    if now < real {
        now += Duration::days(1);
    }
    let (today, tomorrow) = (now.date() + Duration::days(1), now.date() + Duration::days(2));
    let app = TestApp::at(backend, now, |c| c.timezone = chrono_tz::Australia::Sydney).await;
    let admin = app.user("admin@example.com");
    let client = app.create_client(&admin.id, "Clara", "Client");
    let browser = app.signed_in("admin@example.com").await;
    let new_factor = format!("/clients/{}/factors/new", client.id);
    let (today, tomorrow) = (today.to_string(), tomorrow.to_string());
    let form = browser.get(&new_factor).await;
    assert!(form.contains(&format!(r#"value="{today}""#)), "the form starts on the practice's day");
    let fields = [
        ("category", "posture"),
        ("factor", "Laptop on the sofa"),
        ("source", "client"),
        ("identified_on", &today),
    ];
    browser.post(&new_factor, &fields).await.assert_redirect(&format!("/clients/{}", client.id));
    let later =
        [("category", "posture"), ("factor", "x"), ("source", "client"), ("identified_on", &tomorrow)];
    assert_eq!(browser.post(&new_factor, &later).await.status, 422);
    browser.get("/clients/new").await;
    let born_today = [("first_name", "Baby"), ("last_name", "Born"), ("date_of_birth", today.as_str())];
    assert_eq!(browser.post("/clients/new", &born_today).await.status, 303);
    let new_visit = format!("/clients/{}/visits/new", client.id);
    browser.get(&new_visit).await;
    for far in ["99999-01-01T09:00", "+262000-01-01T09:00", "0001-01-01T09:00"] {
        let page = browser.post(&new_visit, &[("started_at", far), ("duration_minutes", "60")]).await;
        assert_eq!(page.status, 422, "{far}: {}", page.body);
    }
    // A visit at 08:00 Sydney time is stored on the previous UTC day; lists show the practice's.
    let morning = format!("{today}T08:00");
    browser.post(&new_visit, &[("started_at", &morning), ("duration_minutes", "60")]).await;
    let utc_day = now.date().to_string();
    let list = browser.get("/clients").await;
    assert!(
        list.contains(&format!("<td>{today}</td>")) && !list.contains(&format!("<td>{utc_day}</td>")),
        "{}",
        list.body
    );
}

on_both_backends!(
    database_and_mail_files_are_the_services_own,
    replacing_protected_rows_is_refused,
    emptying_the_clinical_record_is_refused,
    nul_bytes_are_refused_and_nothing_is_stored,
    an_unavailable_database_is_reported_quickly,
    the_idle_window_slides_for_short_settings,
    dates_are_checked_against_the_practice_day,
);
