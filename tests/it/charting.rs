//! The catalog and its reverse lookup, perpetuating factors, the chart page and its queries.

use myochart::charting::vocab::Zone;
use myochart::pages::chart;

use crate::common::{Backend, Role, TestApp};
use crate::on_both_backends;

async fn the_catalog_is_seeded_and_answers_where_it_hurts(backend: Backend) {
    let app = TestApp::new(backend).await;
    let count = app.with_conn(myochart::charting::catalog::all).len();
    assert!(count >= 80, "{count} muscles");
    let temple: Vec<String> = app
        .with_conn(|conn| myochart::charting::catalog::candidates_for_zone(conn, Zone::Temple))
        .into_iter()
        .map(|m| m.code)
        .collect();
    for expected in ["upper-trapezius", "temporalis"] {
        assert!(temple.iter().any(|c| c == expected), "{expected} refers to the temple: {temple:?}");
    }
    let tara = app.create_user("tara@example.com", Role::Therapist);
    let client = app.create_client(&tara.id, "Clara", "Client");
    let browser = app.signed_in("tara@example.com").await;
    let page = browser.get("/muscles?zone=lower_back").await;
    assert!(page.contains("Quadratus lumborum"), "{}", page.body);
    assert!(!page.contains("Temporalis"));
    let by_name = browser.get("/muscles?name=TRAPEZ").await;
    assert!(by_name.contains("Upper trapezius") && by_name.contains("Lower trapezius"), "{}", by_name.body);
    assert!(!by_name.contains("Temporalis") && by_name.contains(r#"value="TRAPEZ""#));
    let chart = browser.get(&format!("/clients/{}?zone=temple", client.id)).await;
    assert!(chart.contains("Temporalis") && chart.contains("Upper trapezius"));
    // Seeding again changes nothing.
    assert_eq!(app.with_conn(myochart::charting::catalog::seed), 0);
}

async fn therapists_add_practice_muscles(backend: Backend) {
    let app = TestApp::new(backend).await;
    app.create_user("tara@example.com", Role::Therapist);
    let tara = app.signed_in("tara@example.com").await;
    tara.get("/muscles/new").await;
    let fields = [
        ("name", "Pectoralis minor (practice note)"),
        ("region", "trunk"),
        ("map_view", "front"),
        ("map_x", "120"),
        ("map_y", "105"),
        ("trp_sites", "Below the coracoid."),
        ("referral", "Front of the shoulder."),
        ("zones", "shoulder_front"),
        ("zones", "chest"),
    ];
    tara.post("/muscles/new", &fields).await.assert_redirect("/muscles");
    assert!(tara.get("/muscles?zone=chest").await.contains("Pectoralis minor (practice note)"));
    let again = tara.post("/muscles/new", &fields).await;
    assert_eq!(again.status, 422);
    assert!(again.contains("already has a muscle with this name"));
    let bad = tara.post("/muscles/new", &[("name", "X"), ("map_x", "999")]).await;
    assert_eq!(bad.status, 422);
    assert!(bad.contains("Choose at least one zone") && bad.contains("must lie on the body map"));
}

async fn perpetuating_factors_follow_the_scope_rules(backend: Backend) {
    let app = TestApp::new(backend).await;
    let tara = app.create_user("tara@example.com", Role::Therapist);
    let client = app.create_client(&tara.id, "Clara", "Client");
    let visit = app.open_visit(&client);
    let finding = app.add_finding(&visit, "upper-trapezius", "left", "active");
    let browser = app.signed_in("tara@example.com").await;
    let url = format!("/clients/{}/factors/new", client.id);
    let form = browser.get(&url).await;
    assert!(form.contains("Upper trapezius"), "findings offered for linking");
    let fields = [
        ("category", "nutritional"),
        ("factor", "Low vitamin D suspected (indoor work, winter)"),
        ("source", "client"),
        ("status", ""),
        ("identified_on", "2026-11-01"),
        ("finding_ids", finding.id.as_str()),
    ];
    browser.post(&url, &fields).await.assert_redirect(&format!("/clients/{}", client.id));
    let chart = browser.get(&format!("/clients/{}", client.id)).await;
    assert!(chart.contains("Suspected — refer to a physician"), "{}", chart.body);
    assert!(chart.contains("Low vitamin D suspected"));
    let factor =
        app.with_conn(|conn| myochart::charting::factors::list_for_client(conn, &client.id)).remove(0);
    assert_eq!(
        app.with_conn(|conn| myochart::charting::factors::links_for_factor(conn, &factor.id)),
        vec![finding.id.clone()]
    );
    let edit = format!("/factors/{}/edit", factor.id);
    browser.get(&edit).await;
    let confirm = browser
        .post(
            &edit,
            &[
                ("category", "nutritional"),
                ("factor", "Low vitamin D"),
                ("source", "client"),
                ("status", "confirmed"),
                ("identified_on", "2026-11-01"),
            ],
        )
        .await;
    assert_eq!(confirm.status, 422);
    assert!(confirm.contains("Only a physician or lab can confirm"));
    assert!(confirm.contains(r#"value="Low vitamin D""#));
    let by_lab = [
        ("category", "nutritional"),
        ("factor", "Vitamin D 18 ng/ml"),
        ("source", "physician"),
        ("status", "confirmed"),
        ("identified_on", "2026-11-01"),
        ("reviewed_on", "2026-11-15"),
    ];
    browser.post(&edit, &by_lab).await.assert_redirect(&format!("/clients/{}", client.id));
    assert!(
        app.with_conn(|conn| myochart::charting::factors::links_for_factor(conn, &factor.id)).is_empty(),
        "links follow the form"
    );
    let future = browser
        .post(
            &edit,
            &[("category", "sleep"), ("factor", "x"), ("source", "client"), ("identified_on", "2999-01-01")],
        )
        .await;
    assert_eq!(future.status, 422);
    let actions = app.audit_actions();
    assert!(actions.contains(&"factor.create".to_owned()) && actions.contains(&"factor.update".to_owned()));
}

async fn the_chart_shows_status_history_and_markers(backend: Backend) {
    let app = TestApp::new(backend).await;
    let tara = app.create_user("tara@example.com", Role::Therapist);
    let client = app.create_client(&tara.id, "Clara", "Client");
    let first = app.open_visit(&client);
    app.add_finding(&first, "upper-trapezius", "left", "active");
    app.add_finding(&first, "infraspinatus", "right", "latent");
    app.sign_visit(&first);
    let second = app.open_visit(&client);
    app.add_finding(&second, "upper-trapezius", "left", "latent");
    let browser = app.signed_in("tara@example.com").await;
    let page = browser.get(&format!("/clients/{}", client.id)).await;
    assert_eq!(page.status, 200);
    // The latest of each muscle and side: trapezius now latent, infraspinatus latent.
    assert_eq!(page.body.matches("marker marker-latent").count(), 2, "{}", page.body);
    assert_eq!(page.body.matches("marker marker-active").count(), 0);
    assert!(page.contains("Upper trapezius") && page.contains("Infraspinatus"));
    assert!(app.audit_actions().contains(&"client.view".to_owned()));
}

/// The chart runs the same number of queries for 1 finding as for 40.
async fn the_chart_runs_a_fixed_number_of_queries(backend: Backend) {
    let app = TestApp::new(backend).await;
    let tara = app.create_user("tara@example.com", Role::Therapist);
    let client = app.create_client(&tara.id, "Clara", "Client");
    let visit = app.open_visit(&client);
    let finding = app.add_finding(&visit, "upper-trapezius", "left", "active");
    app.add_factor(&client, std::slice::from_ref(&finding.id));
    let clock = app.state.clock.clone();
    let count_queries = |zone| {
        let before = app.state.db.queries_run();
        app.with_conn(|conn| chart::load(conn, &tara.id, &client.id, zone, &clock).map(|_| ()));
        app.state.db.queries_run() - before
    };
    let small = count_queries(Some(Zone::Temple));
    for n in 0..8 {
        let visit = app.open_visit(&client);
        for muscle in ["upper-trapezius", "levator-scapulae", "infraspinatus", "temporalis", "masseter"] {
            let f = app.add_finding(&visit, muscle, if n % 2 == 0 { "left" } else { "right" }, "active");
            app.add_factor(&client, &[f.id]);
        }
    }
    let large = count_queries(Some(Zone::Temple));
    assert_eq!(small, large, "queries grow with the record");
    // Client, visits, finding counts, findings, factors, factor links, candidates, routines,
    // emails, and the audit row.
    assert!(large <= 12, "{large} queries");
}

on_both_backends!(
    the_catalog_is_seeded_and_answers_where_it_hurts,
    therapists_add_practice_muscles,
    perpetuating_factors_follow_the_scope_rules,
    the_chart_shows_status_history_and_markers,
    the_chart_runs_a_fixed_number_of_queries,
);
