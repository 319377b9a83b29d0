//! The ownership matrix: every clinical route, walked from the route table, for the treating
//! therapist, another therapist, an admin without the therapist role, and an anonymous visitor.
//! Another therapist's records answer 404, and refused requests change nothing.

use myochart::routes::{Access, ROUTES};

use crate::common::{Backend, Role, TestApp};
use crate::on_both_backends;

async fn every_clinical_route_is_limited_to_the_treating_therapist(backend: Backend) {
    let app = TestApp::new(backend).await;
    let alice = app.create_user("alice@example.com", Role::Therapist);
    app.create_user("bob@example.com", Role::Therapist);
    app.create_user("office@example.com", Role::Admin);
    let ids = app.client_with_records(&alice, "Clara", "Client");
    let client = ids.client.clone();

    let alice_client = app.signed_in("alice@example.com").await;
    let bob = app.signed_in("bob@example.com").await;
    let office = app.signed_in("office@example.com").await;
    let anonymous = app.client();
    anonymous.get("/login").await;
    let actions_before = app.audit_actions().len();

    let mut walked = 0;
    for route in ROUTES.iter().filter(|r| r.access == Access::Therapist) {
        let path = ids.path(route.path);
        let call = |who: &'static str| {
            let c = match who {
                "bob" => &bob,
                "office" => &office,
                "alice" => &alice_client,
                _ => &anonymous,
            };
            let path = path.clone();
            async move { if route.method == "get" { c.get(&path).await } else { c.post(&path, &[]).await } }
        };
        call("anonymous").await.assert_sign_in_first(route.method, &path);
        assert_eq!(
            call("office").await.status,
            403,
            "admin without therapist role on {} {}",
            route.method,
            route.path
        );
        if route.path.contains("{id}") {
            let page = call("bob").await;
            assert_eq!(
                page.status, 404,
                "another therapist on {} {}: {}",
                route.method, route.path, page.status
            );
            assert!(!page.contains("Clara"), "nothing of the record leaks");
        }
        if route.method == "get" {
            assert_eq!(call("alice").await.status, 200, "the treating therapist on GET {}", route.path);
        }
        walked += 1;
    }
    assert!(walked >= 20, "walked {walked} clinical routes");

    // Nothing was written for the refused requests: only Alice's declared reads were audited.
    let new_actions: Vec<String> = app.audit_actions().split_off(actions_before);
    let declared_reads: Vec<&str> = ROUTES.iter().filter_map(|r| r.reads).map(|r| r.action).collect();
    let writes: Vec<&String> = new_actions.iter().filter(|a| !declared_reads.contains(&a.as_str())).collect();
    assert!(writes.is_empty(), "{writes:?}");
    let unchanged =
        app.with_conn(|conn| myochart::clients::model::find_for_therapist(conn, &client.id, &alice.id));
    assert_eq!(unchanged.details.first_name, "Clara");
    assert!(!unchanged.archived);
}

async fn an_admin_reassigns_without_reading_the_record(backend: Backend) {
    let app = TestApp::new(backend).await;
    let alice = app.create_user("alice@example.com", Role::Therapist);
    let bob = app.create_user("bob@example.com", Role::Therapist);
    app.create_user("office@example.com", Role::Admin);
    let client = app.create_client(&alice.id, "Clara", "Client");
    let followup = app.with_conn(|conn| {
        let fields = myochart::followups::model::FollowupFields {
            due_date: chrono::Utc::now().date_naive() + chrono::Duration::days(1),
            due_time: None,
            reason_kind: "other".into(),
            reason: Some("FOLLOWUP-TEXT".into()),
            finding_id: None,
            factor_id: None,
            repeat: None,
            remind: true,
        };
        let clock = myochart::time::Clock::system(chrono_tz::UTC);
        myochart::db::write_tx(conn, |conn| {
            myochart::followups::model::insert(conn, &alice.id, &client.id, &fields, &clock)
        })
    });
    let office = app.signed_in("office@example.com").await;
    let list = office.get("/admin/clients").await;
    assert!(list.contains("Clara") && list.contains("alice"));
    assert!(!list.contains("kitchen table"), "no clinical content on the admin page");
    office
        .post(&format!("/admin/clients/{}/reassign", client.id), &[("therapist_id", &bob.id)])
        .await
        .assert_redirect("/admin/clients");
    let bob_client = app.signed_in("bob@example.com").await;
    assert_eq!(bob_client.get(&format!("/clients/{}", client.id)).await.status, 200);
    let alice_client = app.signed_in("alice@example.com").await;
    assert_eq!(alice_client.get(&format!("/clients/{}", client.id)).await.status, 404);
    // The open follow-ups moved with the client.
    assert!(!alice_client.get("/").await.contains("FOLLOWUP-TEXT"));
    assert!(bob_client.get("/").await.contains("FOLLOWUP-TEXT"));
    assert_eq!(alice_client.post(&format!("/followups/{}/done", followup.id), &[]).await.status, 404);
    let refused =
        office.post(&format!("/admin/clients/{}/reassign", client.id), &[("therapist_id", "nobody")]).await;
    refused.assert_redirect("/admin/clients");
    assert!(office.get("/admin/clients").await.contains("Choose an active therapist"));
    assert!(app.audit_actions().contains(&"client.reassign".to_owned()));
}

on_both_backends!(
    every_clinical_route_is_limited_to_the_treating_therapist,
    an_admin_reassigns_without_reading_the_record
);
