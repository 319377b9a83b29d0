//! The audit log: written for every admin action and sign-in event, readable by admins, and
//! refused by the database itself when anything tries to change or remove a row.

use diesel::prelude::*;
use myochart::audit::model::{self as audit, Action, Outcome};
use myochart::auth::extractors::Actor;
use myochart::db::schema::audit_log;
use myochart::routes::{Access, ROUTES};

use crate::common::{Backend, Role, TestApp};
use crate::on_both_backends;

async fn admin_actions_are_audited_with_actor_object_and_ip(backend: Backend) {
    let app = TestApp::new(backend).await;
    let me = app.user("admin@example.com");
    let tara = app.create_user("tara@example.com", Role::Therapist);
    let admin = app.signed_in("admin@example.com").await;
    let url = format!("/admin/users/{}", tara.id);
    admin.get(&url).await;
    admin.post(&url, &[("display_name", "Tara"), ("is_therapist", "on"), ("is_admin", "on")]).await;
    admin.post(&format!("{url}/deactivate"), &[]).await;
    admin.post(&format!("{url}/activate"), &[]).await;
    admin.post(&format!("{url}/reset-password"), &[]).await;
    let rows: Vec<audit::AuditEntry> = app.with_conn(|conn| {
        Ok(audit_log::table
            .filter(audit_log::object_id.eq(&tara.id))
            .order(audit_log::id.asc())
            .select(audit::AuditEntry::as_select())
            .load(conn)?)
    });
    let actions: Vec<&str> = rows.iter().map(|r| r.action.code()).collect();
    assert_eq!(actions, ["user.update", "user.deactivate", "user.activate", "user.reset_password"]);
    for row in &rows {
        assert_eq!(row.actor_id.as_deref(), Some(me.id.as_str()));
        assert_eq!(row.object_type.as_deref(), Some("user"));
        assert_eq!(row.ip.as_deref(), Some("127.0.0.1"));
        assert_eq!(row.outcome, Outcome::Success);
    }
    let detail: Option<String> = app.with_conn(|conn| {
        Ok(audit_log::table
            .filter(audit_log::action.eq("user.update"))
            .select(audit_log::detail)
            .first(conn)?)
    });
    assert_eq!(detail.as_deref(), Some("roles: Therapist -> Admin, therapist"));
}

async fn the_database_refuses_to_change_audit_rows(backend: Backend) {
    let app = TestApp::new(backend).await;
    app.with_conn(|conn| {
        audit::record(conn, &Actor::default(), Action::Logout, None, Outcome::Success, None)
    });
    let mut statements = vec!["UPDATE audit_log SET action = 'tampered'", "DELETE FROM audit_log"];
    if backend == Backend::Postgres {
        statements.push("TRUNCATE audit_log");
    }
    for statement in statements {
        let result = app.with_conn(|conn| Ok(diesel::sql_query(statement).execute(conn)));
        let err = result.expect_err(statement).to_string();
        assert!(err.contains("append-only"), "{statement}: {err}");
    }
    assert_eq!(app.audit_actions(), ["logout"]);
}

async fn admins_read_and_filter_the_log(backend: Backend) {
    let app = TestApp::new(backend).await;
    let tara = app.create_user("tara@example.com", Role::Therapist);
    let actor = Actor {
        user_id: Some(tara.id.clone()),
        label: Some("tara@example.com".into()),
        ip: Some("192.0.2.7".into()),
    };
    app.with_conn(|conn| {
        for _ in 0..60 {
            audit::record(
                conn,
                &actor,
                Action::LoginFailure,
                Some(("user", &tara.id)),
                Outcome::Failure,
                None,
            )?;
        }
        audit::record(conn, &actor, Action::PasswordChange, Some(("user", &tara.id)), Outcome::Success, None)
    });
    let admin = app.signed_in("admin@example.com").await;
    let page = admin.get("/admin/audit?action=login.failure&actor=tara%40example.com").await;
    assert_eq!(page.status, 200);
    assert_eq!(page.body.matches("<td>login.failure</td>").count(), 50);
    assert!(!page.contains("<td>password.change</td>"));
    let next = page
        .body
        .split("href=\"/admin/audit?")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .replace("&#38;", "&");
    let older = admin.get(&format!("/admin/audit?{next}")).await;
    assert_eq!(older.body.matches("<td>login.failure</td>").count(), 10);
    assert!(!older.contains("Older entries"));
    let by_outcome = admin.get("/admin/audit?outcome=success&actor=tara%40example.com").await;
    assert_eq!(by_outcome.body.matches("<td>password.change</td>").count(), 1);
    let nobody = admin.get("/admin/audit?actor=nobody%40example.com").await;
    assert!(nobody.contains("No account has the email"));
    assert!(app.audit_actions().contains(&"audit.view".to_owned()), "reading the log is itself logged");
}

/// An audit row as (action, object type, object id, actor id).
type Row = (String, Option<String>, Option<String>, Option<String>);

/// The audit rows written since `before` rows existed.
fn rows_since(app: &TestApp, before: usize) -> Vec<Row> {
    let rows: Vec<audit::AuditEntry> = app.with_conn(|conn| {
        Ok(audit_log::table.order(audit_log::id.asc()).select(audit::AuditEntry::as_select()).load(conn)?)
    });
    rows.into_iter()
        .skip(before)
        .map(|r| (r.action.code().to_owned(), r.object_type, r.object_id, r.actor_id))
        .collect()
}

/// The route table declares which pages read health information. Walking it: every declared
/// page writes its read, about the record its `{id}` names; every other page a signed-in user
/// can open shows nothing of a client and writes nothing; HEAD shows nothing, so writes nothing.
async fn every_declared_read_is_audited_and_no_other_page_shows_a_client(backend: Backend) {
    let app = TestApp::new(backend).await;
    let me = app.user("admin@example.com");
    let records = app.client_with_records(&me, "Zephyrine", "Quillfeather");
    let browser = app.signed_in("admin@example.com").await;
    let mut declared = 0;
    for route in ROUTES.iter().filter(|r| r.method == "get" && r.access != Access::Public) {
        let path = if route.path.starts_with("/admin/users/{id}") {
            route.path.replace("{id}", &me.id)
        } else {
            records.path(route.path)
        };
        let before = app.audit_actions().len();
        assert_eq!(browser.head(&path).await.status, 200, "HEAD {path}");
        assert_eq!(rows_since(&app, before), [], "HEAD {path} shows nothing and records nothing");
        let page = browser.get(&path).await;
        assert_eq!(page.status, 200, "GET {path}");
        let written = rows_since(&app, before);
        match route.reads {
            Some(reads) => {
                declared += 1;
                let object =
                    reads.object.map(|kind| (kind.to_owned(), records.id_for(route.path).to_owned()));
                let expected = (
                    reads.action.to_owned(),
                    object.as_ref().map(|o| o.0.clone()),
                    object.map(|o| o.1),
                    Some(me.id.clone()),
                );
                assert_eq!(written, [expected], "GET {path} records its declared read");
            }
            None => {
                assert!(!page.contains("Quillfeather"), "GET {path} shows a client but declares no read");
                assert_eq!(written, [], "GET {path} declares no read and records nothing");
            }
        }
    }
    assert!(declared >= 15, "walked {declared} declared reads");
    // A form sent back with errors shows the record again: that is a read too.
    let before = app.audit_actions().len();
    let edit = format!("/clients/{}/edit", records.client.id);
    browser.get(&edit).await;
    let refused = browser.post(&edit, &[("first_name", ""), ("last_name", "Quillfeather")]).await;
    assert_eq!(refused.status, 422);
    let actions: Vec<String> = rows_since(&app, before).into_iter().map(|r| r.0).collect();
    assert_eq!(actions, ["client.view", "client.view"]);
}

/// When the read cannot be audited, the page is not shown.
async fn a_read_that_cannot_be_audited_is_not_shown(backend: Backend) {
    let app = TestApp::new(backend).await;
    let me = app.user("admin@example.com");
    let client = app.create_client(&me.id, "Zephyrine", "Quillfeather");
    let browser = app.signed_in("admin@example.com").await;
    let refuse_chart_reads: &[&str] = match backend {
        Backend::Sqlite => &["CREATE TRIGGER refuse_reads BEFORE INSERT ON audit_log \
             WHEN NEW.action = 'client.view' BEGIN SELECT RAISE(ABORT, 'audit disk full'); END"],
        Backend::Postgres => &[
            "CREATE FUNCTION refuse_reads() RETURNS trigger LANGUAGE plpgsql AS \
             $$ BEGIN RAISE EXCEPTION 'audit disk full'; END $$",
            "CREATE TRIGGER refuse_reads BEFORE INSERT ON audit_log FOR EACH ROW \
             WHEN (NEW.action = 'client.view') EXECUTE FUNCTION refuse_reads()",
        ],
    };
    app.with_conn(|conn| {
        for statement in refuse_chart_reads {
            diesel::sql_query(*statement).execute(conn)?;
        }
        Ok(())
    });
    let page = browser.get(&format!("/clients/{}", client.id)).await;
    assert_eq!(page.status, 503);
    assert!(!page.contains("Quillfeather"), "nothing of the chart is sent");
    assert_eq!(browser.get("/clients").await.status, 200, "other reads are still recorded");
}

on_both_backends!(
    every_declared_read_is_audited_and_no_other_page_shows_a_client,
    a_read_that_cannot_be_audited_is_not_shown,
    admin_actions_are_audited_with_actor_object_and_ip,
    the_database_refuses_to_change_audit_rows,
    admins_read_and_filter_the_log,
);
