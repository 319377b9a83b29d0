//! Clients: create, edit, list with search and paging, archive and restore.

use crate::common::{Backend, Role, TestApp};
use crate::on_both_backends;

const NEW: [(&str, &str); 9] = [
    ("first_name", "Émile"),
    ("last_name", "Zola"),
    ("date_of_birth", "1980-04-02"),
    ("email", "Emile@Example.com"),
    ("phone", "+33 6 12 34 56 78"),
    ("email_consent", "on"),
    ("occupation", "Writer"),
    ("work_setup", "Standing desk, long hours"),
    ("red_flags", "Anticoagulants: no deep pressure"),
];

async fn a_therapist_creates_and_edits_a_client(backend: Backend) {
    let app = TestApp::new(backend).await;
    app.create_user("tara@example.com", Role::Therapist);
    let tara = app.signed_in("tara@example.com").await;
    tara.get("/clients/new").await;
    let page = tara.post("/clients/new", &NEW).await;
    let chart_url = page.location().expect("redirect to the chart").to_owned();
    let chart = tara.get(&chart_url).await;
    assert!(chart.contains("Émile Zola"));
    assert!(
        chart.contains("Anticoagulants: no deep pressure") && chart.contains("redflags"),
        "red flags banner"
    );
    let edit_url = format!("{chart_url}/edit");
    let form = tara.get(&edit_url).await;
    assert!(form.contains(r#"value="emile@example.com""#));
    let mut changed = NEW.to_vec();
    changed[0] = ("first_name", "Emile");
    changed.retain(|(k, _)| *k != "email_consent");
    tara.post(&edit_url, &changed).await.assert_redirect(&chart_url);
    let id = chart_url.trim_start_matches("/clients/");
    let tara_id = app.user("tara@example.com").id;
    let stored = app.with_conn(|conn| myochart::clients::model::find_for_therapist(conn, id, &tara_id));
    assert_eq!(stored.details.first_name, "Emile");
    assert!(!stored.details.email_consent && stored.email_consent_at.is_some(), "withdrawal is dated");
    let actions = app.audit_actions();
    for action in ["client.create", "client.view", "client.update"] {
        assert!(actions.contains(&action.to_owned()), "{action}");
    }
}

async fn bad_client_input_is_shown_again(backend: Backend) {
    let app = TestApp::new(backend).await;
    app.create_user("tara@example.com", Role::Therapist);
    let tara = app.signed_in("tara@example.com").await;
    tara.get("/clients/new").await;
    let page = tara
        .post(
            "/clients/new",
            &[
                ("first_name", "Ada"),
                ("last_name", ""),
                ("date_of_birth", "2999-01-01"),
                ("email", "ada@"),
                ("notes", "typed <notes>"),
            ],
        )
        .await;
    assert_eq!(page.status, 422);
    assert!(
        page.contains("Enter a last name")
            && page.contains("cannot be after")
            && page.contains("Enter an email address")
    );
    assert!(page.contains(r#"value="Ada""#) && page.contains("typed &#60;notes&#62;"), "{}", page.body);
    let first_page = myochart::db::paging::PageRequest::numbered(None, 10);
    assert!(
        app.with_conn(|conn| myochart::clients::model::list_assignments(conn, "", &first_page)).is_empty()
    );
}

async fn the_list_searches_sorts_and_pages(backend: Backend) {
    let app = TestApp::new(backend).await;
    let tara = app.create_user("tara@example.com", Role::Therapist);
    let other = app.create_user("other@example.com", Role::Therapist);
    for n in 0..30 {
        app.create_client(&tara.id, &format!("Person{n:02}"), "Smith");
    }
    app.create_client(&tara.id, "Ångström", "Öberg");
    app.create_client(&other.id, "Hidden", "Smith");
    let browser = app.signed_in("tara@example.com").await;
    let first = browser.get("/clients?q=smith").await;
    assert!(!first.contains("Hidden"), "other therapists' clients never appear");
    assert!(first.contains("Person00") && !first.contains("Person29"));
    let second = browser.get("/clients?q=smith&page=2").await;
    assert!(second.contains("Person29"));
    assert!(browser.get("/clients?q=%C3%B6berg").await.contains("Ångström"), "case-insensitive beyond ASCII");
    assert!(browser.get("/clients?q=171%20234").await.contains("Person"), "phone search by digits");
    assert!(browser.get("/clients?sort=new").await.contains("Ångström"));
    assert_eq!(browser.get("/clients?page=-5&sort=bogus").await.status, 200);
}

/// The search index follows every change of a client's details, and any text is a safe query.
async fn the_search_follows_edits_and_takes_any_text(backend: Backend) {
    let app = TestApp::new(backend).await;
    app.create_user("tara@example.com", Role::Therapist);
    let tara = app.signed_in("tara@example.com").await;
    let chart_url =
        tara.post("/clients/new", &NEW).await.location().expect("redirect to the chart").to_owned();
    assert!(tara.get("/clients?q=zola").await.contains("Émile Zola"));
    assert!(tara.get("/clients?q=mile%20zo").await.contains("Émile Zola"), "across the name's parts");
    assert!(tara.get("/clients?q=zo").await.contains("Émile Zola"), "shorter than a trigram");
    let mut renamed = NEW.to_vec();
    renamed[1] = ("last_name", "Rougon");
    tara.post(&format!("{chart_url}/edit"), &renamed).await.assert_redirect(&chart_url);
    assert!(!tara.get("/clients?q=zola").await.contains("Émile"), "the old name is gone from the index");
    assert!(tara.get("/clients?q=rougon").await.contains("Émile Rougon"));
    for odd in ["%22", "%22%22%22", "%25", "_", "a%22%20OR%20%22b", "*", "NEAR(a", "%27%3B--", "%5C"] {
        let page = tara.get(&format!("/clients?q={odd}")).await;
        assert_eq!(page.status, 200, "{odd}");
        assert!(!page.contains("Émile"), "{odd} matches nothing here");
    }
    let id = chart_url.trim_start_matches("/clients/").to_owned();
    app.with_conn(|conn| {
        use diesel::prelude::*;
        use myochart::db::schema::clients;
        Ok(diesel::delete(clients::table.find(&id)).execute(conn)?)
    });
    assert!(!tara.get("/clients?q=rougon").await.contains("Émile"), "a deleted client leaves the index");
}

async fn archiving_hides_and_restoring_returns(backend: Backend) {
    let app = TestApp::new(backend).await;
    let tara = app.create_user("tara@example.com", Role::Therapist);
    let client = app.create_client(&tara.id, "Clara", "Client");
    let browser = app.signed_in("tara@example.com").await;
    browser.get("/clients").await;
    let url = format!("/clients/{}", client.id);
    browser.post(&format!("{url}/archive"), &[]).await.assert_redirect(&url);
    assert!(browser.get(&url).await.contains("archived; the record is kept"));
    assert!(!browser.get("/clients").await.contains("Clara"));
    assert!(browser.get("/clients?archived=1").await.contains("Clara"));
    assert_eq!(browser.get(&url).await.status, 200, "archived records stay readable");
    browser.post(&format!("{url}/restore"), &[]).await.assert_redirect(&url);
    browser.get(&url).await;
    assert!(browser.get("/clients").await.contains("Clara"));
    let actions = app.audit_actions();
    assert!(actions.contains(&"client.archive".to_owned()) && actions.contains(&"client.restore".to_owned()));
}

on_both_backends!(
    a_therapist_creates_and_edits_a_client,
    bad_client_input_is_shown_again,
    the_list_searches_sorts_and_pages,
    the_search_follows_edits_and_takes_any_text,
    archiving_hides_and_restoring_returns,
);
