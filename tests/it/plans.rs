//! The query plans of the pages a therapist opens all day (the chart, the client list and its
//! searches, the dashboard and the follow-up lists) on a seeded practice, on both backends.
//! Every statement the area functions run is captured as it runs and explained; the test fails
//! when a plan reads all of a table that grows with the practice, naming the statement.
//!
//! SQLite explains a statement with its parameters unbound. PostgreSQL explains its generic
//! plan (the one it would cache for any values) with sequential scans priced out, so a
//! `Seq Scan` there means no index can serve the statement at all.

use std::sync::{Arc, Mutex};

use diesel::connection::{Instrumentation, InstrumentationEvent, SimpleConnection};
use diesel::prelude::*;
use diesel::sql_types::Text;
use myochart::clients::model::{self as clients, ListQuery, Sort};
use myochart::db::DbConn;
use myochart::db::paging::PageRequest;
use myochart::demo::{self, Options};
use myochart::followups::model as followups;
use myochart::followups::schedule::Bucket;
use myochart::pages::chart;

use crate::common::{Backend, PASSWORD, TestApp};
use crate::on_both_backends;

/// Tables whose rows grow with clients and visits. Catalogs (muscles, exercises) and accounts
/// stay small and may be read whole.
const GROWING: &[&str] = &[
    "clients",
    "visits",
    "findings",
    "addenda",
    "factors",
    "factor_findings",
    "followups",
    "routines",
    "routine_items",
    "client_links",
    "checkins",
    "pain_reports",
    "outbox",
    "audit_log",
];

/// Collects the SQL of every statement a connection runs.
#[derive(Clone, Default)]
struct Statements(Arc<Mutex<Vec<String>>>);

impl Instrumentation for Statements {
    fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
        if let InstrumentationEvent::StartQuery { query, .. } = event {
            let text = query.to_string();
            let sql = text.split(" -- binds: ").next().unwrap_or(&text).trim().to_owned();
            if sql.to_uppercase().starts_with("SELECT") {
                self.0.lock().unwrap().push(sql);
            }
        }
    }
}

/// Runs `pages` on a connection that records its statements, and returns them.
fn captured(
    app: &TestApp,
    pages: impl FnOnce(&mut DbConn) -> Result<(), myochart::error::AppError>,
) -> Vec<String> {
    let statements = Statements::default();
    let mut conn = app.state.db.get().unwrap();
    conn.set_instrumentation(statements.clone());
    pages(&mut conn).unwrap();
    conn.set_instrumentation(myochart::db::QueryCounter::default());
    let mut all = statements.0.lock().unwrap().clone();
    all.dedup();
    all
}

#[derive(QueryableByName)]
struct SqlitePlanRow {
    #[diesel(sql_type = Text)]
    detail: String,
}

#[derive(QueryableByName)]
struct PostgresPlan {
    #[diesel(sql_type = Text, column_name = "QUERY PLAN")]
    plan: String,
}

/// The whole-table reads of growing tables in the plan of `sql`, as readable lines.
fn full_scans(conn: &mut DbConn, sql: &str) -> Vec<String> {
    match conn {
        DbConn::Sqlite(lite) => {
            let rows: Vec<SqlitePlanRow> =
                diesel::sql_query(format!("EXPLAIN QUERY PLAN {sql}")).load(lite).unwrap();
            rows.into_iter()
                .map(|row| row.detail)
                .filter(|detail| {
                    let mut words = detail.split_whitespace();
                    words.next() == Some("SCAN")
                        && words.next().is_some_and(|table| GROWING.contains(&table))
                        && !detail.contains("VIRTUAL TABLE")
                })
                .collect()
        }
        DbConn::Postgres(pg) => {
            let parameters = (1..=100).take_while(|n| sql.contains(&format!("${n}"))).count();
            let nulls = vec!["NULL"; parameters].join(", ");
            pg.batch_execute(&format!(
                "SET plan_cache_mode = force_generic_plan; SET enable_seqscan = off; PREPARE explained AS {sql}"
            ))
            .unwrap();
            let execute = if parameters == 0 {
                "EXECUTE explained".to_owned()
            } else {
                format!("EXECUTE explained({nulls})")
            };
            let plan: PostgresPlan =
                diesel::sql_query(format!("EXPLAIN (FORMAT JSON) {execute}")).get_result(pg).unwrap();
            pg.batch_execute("DEALLOCATE explained; RESET plan_cache_mode; RESET enable_seqscan").unwrap();
            let plan: serde_json::Value = serde_json::from_str(&plan.plan).unwrap();
            let mut scans = Vec::new();
            collect_postgres_scans(&plan[0]["Plan"], &mut scans);
            scans
        }
    }
}

/// Sequential scans, and index scans without a condition (the whole index), of growing tables.
fn collect_postgres_scans(node: &serde_json::Value, scans: &mut Vec<String>) {
    let kind = node["Node Type"].as_str().unwrap_or_default();
    let table = node["Relation Name"].as_str().unwrap_or_default();
    let whole = match kind {
        "Seq Scan" => true,
        "Index Scan" | "Index Only Scan" | "Bitmap Index Scan" => node.get("Index Cond").is_none(),
        _ => false,
    };
    if whole && GROWING.contains(&table) {
        scans.push(format!("{kind} on {table}"));
    }
    for child in node["Plans"].as_array().into_iter().flatten() {
        collect_postgres_scans(child, scans);
    }
}

async fn the_daily_pages_never_read_a_whole_growing_table(backend: Backend) {
    let app = TestApp::empty(backend).await;
    let clock = app.state.clock.clone();
    let options = Options { clients: 300, therapists: 2, password: PASSWORD.to_owned() };
    let seeded = demo::seed(&app.state.db, &options, &clock, |_| {}).unwrap();
    let therapist = seeded.therapists[0].clone();
    let (therapist_id, client_id) = app.with_conn(|conn| {
        use myochart::db::schema::{clients as c, users};
        let id: String =
            users::table.filter(users::email.eq(&therapist.email)).select(users::id).first(conn)?;
        let client = therapist.benchmark_chart.trim_start_matches("/clients/").to_owned();
        let _: String = c::table.find(&client).select(c::id).first(conn)?;
        Ok((id, client))
    });
    let surname =
        app.with_conn(|conn| clients::find_for_therapist(conn, &client_id, &therapist_id)).details.last_name;
    let today = clock.today();

    let statements = captured(&app, |conn| {
        chart::load(conn, &therapist_id, &client_id, None, &clock)?;
        for (text, sort) in [
            ("", Sort::Name),
            ("", Sort::RecentVisit),
            ("", Sort::Newest),
            (surname.as_str(), Sort::Name),
            (&surname[..2], Sort::Name),
            ("0171 234", Sort::Name),
        ] {
            let query = ListQuery { text: text.to_owned(), archived: false, sort };
            for page in [1, 3] {
                clients::list_for_therapist(
                    conn,
                    &therapist_id,
                    &query,
                    &PageRequest::numbered(Some(page), 25),
                )?;
            }
        }
        followups::dashboard(conn, &therapist_id, today, 8)?;
        for bucket in Bucket::ALL.iter().copied().map(Some).chain([None]) {
            let (_, first) =
                followups::due_page(conn, &therapist_id, bucket, today, &PageRequest::after("", 50))?;
            if let Some(row) = first.first() {
                let after = PageRequest::after(&row.followup.id, 50);
                followups::due_page(conn, &therapist_id, bucket, today, &after)?;
            }
        }
        Ok(())
    });
    assert!(statements.len() >= 15, "the pages ran their queries: {statements:#?}");

    let mut conn = app.state.db.get().unwrap();
    let unindexed = "SELECT id FROM clients WHERE occupation = 'Writer' ORDER BY id";
    assert!(!full_scans(&mut conn, unindexed).is_empty(), "the check sees a whole-table read");
    let offenders: Vec<String> = statements
        .iter()
        .filter_map(|sql| {
            let scans = full_scans(&mut conn, sql);
            (!scans.is_empty()).then(|| format!("{}\n    in: {sql}", scans.join("; ")))
        })
        .collect();
    assert!(offenders.is_empty(), "whole-table reads on {backend:?}:\n{}", offenders.join("\n"));
}

on_both_backends!(the_daily_pages_never_read_a_whole_growing_table);
