//! The audit log: written for every admin action and sign-in event, readable by admins, and
//! refused by the database itself when anything tries to change or remove a row.

use diesel::prelude::*;
use myochart::audit::model::{self as audit, Action, Outcome};
use myochart::auth::extractors::Actor;
use myochart::db::schema::audit_log;

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

on_both_backends!(
    admin_actions_are_audited_with_actor_object_and_ip,
    the_database_refuses_to_change_audit_rows,
    admins_read_and_filter_the_log,
);
