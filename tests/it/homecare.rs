//! Home care: the routine builder, sent routines kept as sent, the client's private page
//! (done today, pain, adherence), and links that work only for their client and purpose.

use chrono::{Duration, Utc};
use diesel::prelude::*;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use myochart::db::schema::client_links;

use crate::common::{Backend, PASSWORD, Role, SECRET, TestApp};
use crate::on_both_backends;

/// Sends the routine over HTTP and returns the client-link and unsubscribe tokens from the
/// queued email.
async fn send(app: &TestApp, browser: &crate::common::Client, routine_id: &str) -> (String, String) {
    browser.get(&format!("/routines/{routine_id}")).await;
    browser
        .post(&format!("/routines/{routine_id}/send"), &[])
        .await
        .assert_redirect(&format!("/routines/{routine_id}"));
    let row = app.with_conn(|conn| myochart::mail::outbox::recent(conn, 1)).remove(0);
    let token = |prefix: &str| {
        row.email
            .body_text
            .split(&format!("{}/{prefix}/", app.base))
            .nth(1)
            .unwrap()
            .split_whitespace()
            .next()
            .unwrap()
            .to_owned()
    };
    (token("r"), token("u"))
}

async fn the_builder_proposes_items_for_active_trigger_points(backend: Backend) {
    let app = TestApp::new(backend).await;
    let admin = app.user("admin@example.com");
    let client = app.create_client(&admin.id, "Clara", "Client");
    let visit = app.open_visit(&client);
    app.add_finding(&visit, "upper-trapezius", "left", "active");
    app.add_finding(&visit, "gastrocnemius", "right", "latent");
    let browser = app.signed_in("admin@example.com").await;
    let page = browser.get(&format!("/clients/{}/routine", client.id)).await;
    assert!(page.contains("Upper trapezius"), "{}", page.body);
    assert!(!page.contains("Gastrocnemius:"), "latent points are not proposed");
    let ids: Vec<String> = page
        .body
        .split("name=\"exercise_id\" value=\"")
        .skip(1)
        .map(|s| s.split('"').next().unwrap().to_owned())
        .collect();
    assert!(ids.len() >= 2, "{ids:?}");
    let mut fields: Vec<(&str, String)> = vec![("intro", "Gentle pressure only.".into())];
    for (n, id) in ids.iter().enumerate() {
        fields.push(("exercise_id", id.clone()));
        fields.push(("order", (ids.len() - n).to_string()));
        fields.push(("seconds", "40".into()));
        fields.push(("repetitions", "2".into()));
        fields.push(("times_per_day", "3".into()));
        fields.push(("notes", if n == 0 { "Left side".into() } else { String::new() }));
    }
    fields.push(("include", ids[0].clone()));
    fields.push(("include", ids[1].clone()));
    let borrowed: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let saved = browser.post(&format!("/clients/{}/routine", client.id), &borrowed).await;
    let routine_url = saved.location().expect("redirect to the draft").to_owned();
    let draft = browser.get(&routine_url).await;
    assert!(draft.contains("Version 1") || draft.contains("version 1"));
    assert!(draft.contains("Left side") && draft.contains("40 s × 2"));
    // Order follows the numbers typed: the second row was numbered lower.
    let first = draft.body.find("<li><strong>").unwrap();
    let routine_id = routine_url.trim_start_matches("/routines/");
    let items = app.with_conn(|conn| myochart::homecare::model::items(conn, routine_id));
    assert_eq!(items.len(), 2);
    assert_eq!(items[0].fields.exercise_id.as_deref(), Some(ids[1].as_str()));
    assert!(first > 0);

    let bad: Vec<(&str, &str)> =
        borrowed.iter().map(|(k, v)| if *k == "seconds" { (*k, "9999") } else { (*k, *v) }).collect();
    let refused = browser.post(&format!("/clients/{}/routine", client.id), &bad).await;
    assert_eq!(refused.status, 422);
    assert!(refused.contains("Seconds must be a whole number") && refused.contains(r#"value="9999""#));
    assert!(
        refused.contains(r#"value="9999" aria-invalid="true" aria-describedby="seconds-1-error""#),
        "the field itself is marked: {}",
        refused.body
    );
    let preview = browser.get(&format!("{routine_url}/email")).await;
    assert!(preview.contains("Gentle pressure only."));
    assert!(preview.header("content-security-policy").unwrap().contains("style-src 'unsafe-inline'"));
}

async fn a_sent_routine_is_kept_as_sent_and_the_next_is_a_new_version(backend: Backend) {
    let app = TestApp::new(backend).await;
    let admin = app.user("admin@example.com");
    let client = app.create_client(&admin.id, "Clara", "Client");
    let routine = app.draft_routine(&client);
    let browser = app.signed_in("admin@example.com").await;
    send(&app, &browser, &routine.id).await;
    assert_eq!(browser.post(&format!("/routines/{}/send", routine.id), &[]).await.status, 409);
    for statement in [
        format!("UPDATE routines SET intro = 'changed' WHERE id = '{}'", routine.id),
        format!("UPDATE routine_items SET seconds = 1 WHERE routine_id = '{}'", routine.id),
        format!("DELETE FROM routine_items WHERE routine_id = '{}'", routine.id),
    ] {
        let result = app.with_conn(|conn| Ok(diesel::sql_query(&statement).execute(conn)));
        assert!(result.unwrap_err().to_string().contains("sent routine is final"), "{statement}");
    }
    // The builder starts the next version from what the client has: items, doses, notes, intro.
    let sent_items = app.with_conn(|conn| myochart::homecare::model::items(conn, &routine.id));
    let builder = browser.get(&format!("/clients/{}/routine", client.id)).await;
    assert!(builder.contains("Little and often."), "{}", builder.body);
    for item in &sent_items {
        let id = item.fields.exercise_id.as_deref().unwrap();
        assert!(builder.contains(&format!(r#"name="include" value="{id}" checked"#)), "{id} is ticked");
    }
    let next = app.draft_routine(&client);
    assert_eq!(next.version, 2);
    assert_ne!(next.id, routine.id);
}

async fn the_client_records_home_care_and_the_therapist_sees_adherence(backend: Backend) {
    let app = TestApp::new(backend).await;
    let admin = app.user("admin@example.com");
    let client = app.create_client(&admin.id, "Clara", "Client");
    app.with_conn(|conn| {
        use myochart::db::schema::clients;
        diesel::update(clients::table.find(&client.id))
            .set(clients::red_flags.eq(Some("SECRET-RED-FLAG")))
            .execute(conn)?;
        Ok(())
    });
    let routine = app.draft_routine(&client);
    let therapist = app.signed_in("admin@example.com").await;
    let (token, _) = send(&app, &therapist, &routine.id).await;

    let phone = app.client();
    let page = phone.get(&format!("/r/{token}")).await;
    assert_eq!(page.status, 200);
    assert_eq!(page.header("x-robots-tag"), Some("noindex, nofollow"));
    assert_eq!(page.header("cache-control"), Some("no-store"));
    assert!(!page.contains("SECRET-RED-FLAG") && !page.contains("Sign out"), "only the routine is shown");
    assert!(
        page.contains("<title>Your home-care routine · Test Practice</title>") && !page.contains("myochart")
    );
    let item_id =
        page.body.split("name=\"item_id\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_owned();
    phone
        .post(&format!("/r/{token}/done"), &[("item_id", &item_id), ("done", "1")])
        .await
        .assert_redirect(&format!("/r/{token}#item-{item_id}"));
    assert!(phone.get(&format!("/r/{token}")).await.contains("Done today"));
    phone
        .post(&format!("/r/{token}/pain"), &[("pain", "4")])
        .await
        .assert_redirect(&format!("/r/{token}#pain-today"));
    let bad = phone.post(&format!("/r/{token}/pain"), &[("pain", "eleven")]).await;
    assert_eq!(bad.status, 422);
    assert!(bad.contains("Choose a number from 0"));
    // Another routine's item cannot be ticked through this link.
    let other_client = app.create_client(&admin.id, "Otto", "Other");
    let other = app.draft_routine(&other_client);
    let foreign_item = app.with_conn(|conn| myochart::homecare::model::items(conn, &other.id)).remove(0);
    assert_eq!(
        phone.post(&format!("/r/{token}/done"), &[("item_id", &foreign_item.id), ("done", "1")]).await.status,
        404
    );

    // One item of several done on the one day: that item fully, the routine in part.
    let asked = app.with_conn(|conn| myochart::homecare::model::items(conn, &routine.id)).len() as i64;
    assert!(asked > 1, "the fixture routine has several items");
    let overall = (100 + asked / 2) / asked;
    let view = therapist.get(&format!("/routines/{}", routine.id)).await;
    assert!(view.contains(&format!("Over 1 day, {overall}% of what was asked was done.")), "{}", view.body);
    assert!(view.contains("<td>1 of 1</td><td>100%</td>") && view.contains("<td>0 of 1</td><td>0%</td>"));
    assert!(view.contains("pain 4/10"));
    let chart = therapist.get(&format!("/clients/{}", client.id)).await;
    assert!(
        chart.contains(&format!("{overall}% of what was asked done over 1 day"))
            && chart.contains("last reported pain 4/10"),
        "adherence on the chart"
    );
    let actions = app.audit_actions();
    for action in ["routine.send", "link.open", "link.checkin"] {
        assert!(actions.contains(&action.to_owned()), "{action}");
    }
}

async fn links_work_only_for_their_client_purpose_and_lifetime(backend: Backend) {
    let app = TestApp::new(backend).await;
    let admin = app.user("admin@example.com");
    let clara = app.create_client(&admin.id, "Clara", "Client");
    let otto = app.create_client(&admin.id, "Otto", "Other");
    let browser = app.signed_in("admin@example.com").await;
    let (clara_link, clara_unsub) = send(&app, &browser, &app.draft_routine(&clara).id).await;
    let (otto_link, _) = send(&app, &browser, &app.draft_routine(&otto).id).await;
    let visitor = app.client();
    assert!(visitor.get(&format!("/r/{clara_link}")).await.contains("Hello Clara"));
    assert!(visitor.get(&format!("/r/{otto_link}")).await.contains("Hello Otto"));

    // Purposes do not mix: an unsubscribe token is no routine link and vice versa.
    assert_eq!(visitor.get(&format!("/r/{clara_unsub}")).await.status, 404);
    assert_eq!(visitor.get(&format!("/u/{clara_link}")).await.status, 404);
    // A correctly signed token pairing Clara with Otto's link is refused.
    let claims = |token: &str| -> serde_json::Value {
        use base64::Engine;
        let payload = token.split('.').nth(1).unwrap();
        serde_json::from_slice(&base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload).unwrap())
            .unwrap()
    };
    let mut mixed = claims(&clara_link);
    mixed["sid"] = claims(&otto_link)["sid"].clone();
    let forged =
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &mixed, &EncodingKey::from_secret(SECRET))
            .unwrap();
    assert_eq!(visitor.get(&format!("/r/{forged}")).await.status, 404);
    // A session cookie's token is no link either.
    let session = browser.cookie("myochart_session").unwrap();
    assert_eq!(visitor.get(&format!("/r/{session}")).await.status, 404);

    // Expiry.
    let clara_link_id = claims(&clara_link)["sid"].as_str().unwrap().to_owned();
    app.with_conn(|conn| {
        diesel::update(client_links::table.find(&clara_link_id))
            .set(client_links::expires_at.eq(Utc::now().naive_utc() - Duration::minutes(1)))
            .execute(conn)?;
        Ok(())
    });
    assert_eq!(visitor.get(&format!("/r/{clara_link}")).await.status, 404);
    // Revocation.
    browser.get(&format!("/clients/{}", otto.id)).await;
    browser
        .post(&format!("/clients/{}/links/revoke", otto.id), &[])
        .await
        .assert_redirect(&format!("/clients/{}", otto.id));
    assert_eq!(visitor.get(&format!("/r/{otto_link}")).await.status, 404);
    assert!(app.audit_actions().contains(&"link.refused".to_owned()));
    // Withdrawing consent still works after the routine links were revoked or expired.
    assert!(visitor.get(&format!("/u/{clara_unsub}")).await.contains("Stop home-care emails?"));
}

async fn unsubscribing_withdraws_consent(backend: Backend) {
    let app = TestApp::new(backend).await;
    let admin = app.user("admin@example.com");
    let client = app.create_client(&admin.id, "Clara", "Client");
    let browser = app.signed_in("admin@example.com").await;
    let (_, unsubscribe) = send(&app, &browser, &app.draft_routine(&client).id).await;
    let visitor = app.client();
    assert!(visitor.get(&format!("/u/{unsubscribe}")).await.contains("Stop home-care emails?"));
    let done = visitor.post(&format!("/u/{unsubscribe}"), &[]).await;
    assert!(done.contains("You will get no more emails"));
    let again = visitor.get(&format!("/u/{unsubscribe}")).await;
    assert!(!again.contains("Stop home-care emails?") && again.contains("no more emails"), "not asked twice");
    let refused = app.audit_actions().iter().filter(|a| *a == "link.refused").count();
    let forged = visitor.post(&format!("/u/{unsubscribe}x"), &[]).await;
    assert_eq!(forged.status, 404);
    let refused_after = app.audit_actions().iter().filter(|a| *a == "link.refused").count();
    assert_eq!(refused_after, refused + 1, "a refused withdrawal is audited");
    let stored =
        app.with_conn(|conn| myochart::clients::model::find_for_therapist(conn, &client.id, &admin.id));
    assert!(!stored.details.email_consent && stored.email_consent_at.is_some());
    assert!(app.audit_actions().contains(&"consent.withdraw".to_owned()));
    let next = app.draft_routine(&client);
    assert_eq!(browser.post(&format!("/routines/{}/send", next.id), &[]).await.status, 409);
}

async fn other_therapists_cannot_send_or_read_routines(backend: Backend) {
    let app = TestApp::new(backend).await;
    let admin = app.user("admin@example.com");
    app.create_user("bob@example.com", Role::Therapist);
    let client = app.create_client(&admin.id, "Clara", "Client");
    let routine = app.draft_routine(&client);
    let bob = app.client();
    bob.sign_in("bob@example.com", PASSWORD).await;
    for path in [
        format!("/routines/{}", routine.id),
        format!("/routines/{}/email", routine.id),
        format!("/clients/{}/routine", client.id),
    ] {
        assert_eq!(bob.get(&path).await.status, 404, "{path}");
    }
    assert_eq!(bob.post(&format!("/routines/{}/send", routine.id), &[]).await.status, 404);
    assert!(app.outbox_statuses().is_empty());
}

async fn therapists_add_exercises_that_the_builder_then_proposes(backend: Backend) {
    let app = TestApp::new(backend).await;
    let admin = app.user("admin@example.com");
    let client = app.create_client(&admin.id, "Clara", "Client");
    let visit = app.open_visit(&client);
    app.add_finding(&visit, "masseter", "left", "active");
    let browser = app.signed_in("admin@example.com").await;
    let url = format!("/exercises/new?client={}", client.id);
    browser.get(&url).await;
    let bad = browser
        .post(
            &url,
            &[
                ("muscle_id", "masseter"),
                ("kind", "stretch"),
                ("tool", "none"),
                ("title", ""),
                ("seconds", "0"),
            ],
        )
        .await;
    assert_eq!(bad.status, 422);
    assert!(bad.contains("Enter a title") && bad.contains(r#"value="0""#));
    let fields = [
        ("muscle_id", "masseter"),
        ("kind", "self_massage"),
        ("tool", "hands"),
        ("title", "Warm jaw circles (practice)"),
        ("instructions", "Rest two fingertips on the cheek muscle and make slow circles."),
        ("seconds", "30"),
        ("repetitions", "3"),
        ("times_per_day", "2"),
    ];
    browser.post(&url, &fields).await.assert_redirect(&format!("/clients/{}/routine", client.id));
    let builder = browser.get(&format!("/clients/{}/routine", client.id)).await;
    assert!(builder.contains("Warm jaw circles (practice)"), "{}", builder.body);
    assert!(app.audit_actions().contains(&"exercise.create".to_owned()));
}

on_both_backends!(
    therapists_add_exercises_that_the_builder_then_proposes,
    the_builder_proposes_items_for_active_trigger_points,
    a_sent_routine_is_kept_as_sent_and_the_next_is_a_new_version,
    the_client_records_home_care_and_the_therapist_sees_adherence,
    links_work_only_for_their_client_purpose_and_lifetime,
    unsubscribing_withdraws_consent,
    other_therapists_cannot_send_or_read_routines,
);
