//! `myochart seed-demo`: a made-up practice that is a valid record by the app's own rules
//! (sealed visits verify, the latest visit is a draft, the benchmark chart has its shape), that
//! the app serves, and that is only ever written into an empty database.

use std::process::Command;

use diesel::prelude::*;
use myochart::db::schema::{factors, findings, followups, visits};
use myochart::demo::{self, Options};
use myochart::visits::model as visit_model;

use crate::common::{Backend, PASSWORD, TestApp, TestDb};
use crate::on_both_backends;

fn options(clients: usize, therapists: usize) -> Options {
    Options { clients, therapists, password: PASSWORD.to_owned() }
}

async fn the_demo_practice_is_a_valid_record_the_app_serves(backend: Backend) {
    let app = TestApp::empty(backend).await;
    let clock = app.state.clock.clone();
    let seeded = demo::seed(&app.state.db, &options(45, 2), &clock, |_| {}).unwrap();
    let counts = seeded.counts;
    assert_eq!(counts.clients, 45);
    let stored: Vec<visit_model::Visit> =
        app.with_conn(|conn| Ok(visits::table.select(visit_model::Visit::as_select()).load(conn)?));
    assert_eq!(stored.len(), counts.visits);
    assert!(counts.visits > 45 * 3 && counts.findings > counts.visits / 2, "{counts:?}");
    assert!(
        counts.factors > 0 && counts.routines > 0 && counts.checkins > 0 && counts.audit > counts.visits / 2
    );

    // Every client's latest visit is a draft; every other visit is signed and its seal holds.
    let mut by_client: std::collections::HashMap<&str, Vec<&visit_model::Visit>> = Default::default();
    for visit in &stored {
        by_client.entry(visit.client_id.as_str()).or_default().push(visit);
    }
    assert_eq!(by_client.len(), 45);
    for visits in by_client.values_mut() {
        visits.sort_by_key(|v| v.note.started_at);
        let (latest, earlier) = visits.split_last().unwrap();
        assert!(!latest.is_signed(), "the latest visit is a draft");
        for visit in earlier {
            assert!(visit.is_signed());
            assert!(app.with_conn(|conn| visit_model::verify_seal(conn, visit)), "the seal holds");
        }
    }
    let open: i64 = app.with_conn(|conn| {
        Ok(followups::table.filter(followups::status.eq("open")).count().get_result(conn)?)
    });
    assert_eq!(open, 45, "one open follow-up per client");

    // The benchmark charts have their shape, and the app serves them to their therapist.
    assert_eq!(seeded.therapists.len(), 2);
    for therapist in &seeded.therapists {
        let client_id = therapist.benchmark_chart.trim_start_matches("/clients/").to_owned();
        let (visit_count, finding_count, factor_count): (i64, i64, i64) = app.with_conn(|conn| {
            Ok((
                visits::table.filter(visits::client_id.eq(&client_id)).count().get_result(conn)?,
                findings::table.filter(findings::client_id.eq(&client_id)).count().get_result(conn)?,
                factors::table.filter(factors::client_id.eq(&client_id)).count().get_result(conn)?,
            ))
        });
        assert_eq!((visit_count, finding_count, factor_count), (10, 30, 5));
        let browser = app.client();
        browser.sign_in(&therapist.email, PASSWORD).await;
        let chart = browser.get(&therapist.benchmark_chart).await;
        assert_eq!(chart.status, 200, "{}", chart.body);
        assert!(chart.contains("Trigger points") && chart.contains("Signed"));
        assert_eq!(browser.get("/").await.status, 200);
        assert_eq!(browser.get("/clients?q=meyer").await.status, 200);
    }

    let again = demo::seed(&app.state.db, &options(5, 1), &clock, |_| {});
    assert!(matches!(again, Err(myochart::error::AppError::Conflict(_))), "only an empty database is seeded");
}

async fn seed_demo_prints_each_therapist_and_their_benchmark_chart(backend: Backend) {
    let db = TestDb::new(backend);
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_myochart"))
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("MYOCHART_DATABASE_URL", &db.url)
            .env("MYOCHART_DATA_DIR", dir.path())
            .env("MYOCHART_LOG", "warn")
            .current_dir(dir.path())
            .args(args)
            .output()
            .unwrap()
    };
    let refused = run(&["seed-demo", "--clients", "2", "--therapists", "3", "--password", PASSWORD]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--clients must be from 3"));
    let output = run(&["seed-demo", "--clients", "12", "--therapists", "3", "--password", PASSWORD]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let charts: Vec<&str> = stdout.lines().filter(|line| line.contains("@example.com /clients/")).collect();
    assert_eq!(charts.len(), 3, "{stdout}");
    assert!(charts[0].starts_with("demo.therapist1@example.com /clients/"));
    assert!(stdout.contains("Seeded 12 clients"));
    let again = run(&["seed-demo", "--clients", "12", "--password", PASSWORD]);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("empty database"));
}

on_both_backends!(
    the_demo_practice_is_a_valid_record_the_app_serves,
    seed_demo_prints_each_therapist_and_their_benchmark_chart,
);
