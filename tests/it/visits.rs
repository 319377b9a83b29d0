//! Visits: the SOAP note, findings, signing that locks every path, addenda, copy-forward.

use diesel::prelude::*;
use myochart::db::schema::{findings, visits};
use myochart::visits::model as visit_model;

use crate::common::{Backend, Client, Page, Role, TestApp};
use crate::on_both_backends;

async fn setup_visit(
    app: &TestApp,
) -> (Client, myochart::clients::model::Client, myochart::visits::model::Visit) {
    let tara = app.create_user("tara@example.com", Role::Therapist);
    let client = app.create_client(&tara.id, "Clara", "Client");
    let visit = app.open_visit(&client);
    (app.signed_in("tara@example.com").await, client, visit)
}

const NOTE: [(&str, &str); 8] = [
    ("started_at", "2026-11-20T09:30"),
    ("duration_minutes", "60"),
    ("subjective", "Headache at the right temple, worse after long screen days."),
    ("objective", "Taut band in right upper trapezius."),
    ("assessment", "Active TrP upper trapezius referring to the temple."),
    ("plan", "Ischemic compression; ball work at home."),
    ("techniques", "ischemic_compression"),
    ("techniques", "stretching"),
];

const FINDING: [(&str, &str); 7] = [
    ("muscle_id", "upper-trapezius"),
    ("side", "right"),
    ("classification", "active"),
    ("taut_band", "yes"),
    ("referred_sensation", "yes"),
    ("pain_nrs", "7"),
    ("ppt_value", "2.5"),
];

/// Sends the visit page as it is now (its version) with `fields` typed, pressing `step`.
async fn press(tara: &Client, url: &str, fields: &[(&str, &str)], step: &str) -> Page {
    let version = tara.get(url).await.input_value("version");
    let mut sent = fields.to_vec();
    sent.extend([("version", version.as_str()), ("do", step)]);
    tara.post(url, &sent).await
}

/// Signs through the pages: *Review and sign* with `note` on the page, then the confirmation.
async fn sign_through_the_pages(tara: &Client, url: &str, note: &[(&str, &str)]) -> Page {
    press(tara, url, note, "sign").await.assert_redirect(&format!("{url}/sign"));
    let review = tara.get(&format!("{url}/sign")).await;
    assert_eq!(review.status, 200, "{}", review.body);
    tara.post(&format!("{url}/sign"), &[("seal", &review.input_value("seal"))]).await
}

async fn a_therapist_writes_and_signs_a_visit(backend: Backend) {
    let app = TestApp::new(backend).await;
    let (tara, client, visit) = setup_visit(&app).await;
    let url = format!("/visits/{}", visit.id);
    press(&tara, &url, &NOTE, "save").await.assert_redirect(&format!("{url}#note"));
    let with_point = [NOTE.as_slice(), FINDING.as_slice()].concat();
    press(&tara, &url, &with_point, "add_finding").await.assert_redirect(&format!("{url}#trigger-points"));
    let page = tara.get(&url).await;
    assert!(
        page.contains("Upper trapezius") && page.contains("worse after long screen days"),
        "{}",
        page.body
    );
    press(&tara, &url, &NOTE, "sign").await.assert_redirect(&format!("{url}/sign"));
    let review = tara.get(&format!("{url}/sign")).await;
    assert!(
        review.contains("Trigger points: 1 active, 0 latent")
            && review.contains("worse after long screen days")
    );
    assert_eq!(
        app.with_conn(|conn| visit_model::find_for_therapist(conn, &visit.id, &client.therapist_id))
            .0
            .signed_at,
        None,
        "nothing is signed before the therapist confirms"
    );
    tara.post(&format!("{url}/sign"), &[("seal", &review.input_value("seal"))]).await.assert_redirect(&url);
    let signed = tara.get(&url).await;
    assert!(signed.contains("Signed by"), "{}", signed.body);
    let stored =
        app.with_conn(|conn| visit_model::find_for_therapist(conn, &visit.id, &client.therapist_id)).0;
    assert_eq!(stored.note.techniques, "ischemic_compression,stretching");
    assert!(stored.signed_at.is_some() && stored.content_hash.as_ref().is_some_and(|h| h.len() == 64));
    assert!(app.with_conn(|conn| visit_model::verify_seal(conn, &stored)));
    let actions = app.audit_actions();
    for action in ["visit.update", "finding.create", "visit.sign", "visit.view"] {
        assert!(actions.contains(&action.to_owned()), "{action} audited");
    }
}

async fn nothing_changes_a_signed_visit(backend: Backend) {
    let app = TestApp::new(backend).await;
    let (tara, client, visit) = setup_visit(&app).await;
    let finding = app.add_finding(&visit, "upper-trapezius", "left", "active");
    let signed = app.sign_visit(&visit);
    let url = format!("/visits/{}", visit.id);
    tara.get(&url).await;
    let version = signed.version.to_string();
    let mut note = NOTE.to_vec();
    note.extend([("version", version.as_str()), ("do", "save")]);
    let mut point = [NOTE.as_slice(), FINDING.as_slice()].concat();
    point.extend([("version", version.as_str()), ("do", "add_finding")]);
    let seal = signed.content_hash.clone().unwrap();
    let attempts = [
        (url.clone(), note),
        (url.clone(), point),
        (format!("{url}/sign"), vec![("seal", seal.as_str())]),
        (format!("{url}/autosave"), NOTE.to_vec()),
        (format!("/findings/{}/edit", finding.id), FINDING.to_vec()),
        (format!("/findings/{}/delete", finding.id), vec![]),
    ];
    for (path, fields) in attempts {
        let page = tara.post(&path, &fields).await;
        assert_eq!(page.status, 409, "POST {path}: {}", page.body);
        assert!(page.contains("signed"), "{path}");
    }
    assert_eq!(tara.get(&format!("/findings/{}/edit", finding.id)).await.status, 409);
    assert_eq!(tara.get(&format!("/findings/{}/delete", finding.id)).await.status, 409);
    tara.get(&format!("{url}/sign")).await.assert_redirect(&url);
    // Direct SQL is refused by the database too.
    for statement in [
        format!("UPDATE visits SET subjective = 'changed' WHERE id = '{}'", visit.id),
        format!("DELETE FROM visits WHERE id = '{}'", visit.id),
        format!("UPDATE findings SET pain_nrs = 1 WHERE id = '{}'", finding.id),
        format!("DELETE FROM findings WHERE id = '{}'", finding.id),
    ] {
        let result = app.with_conn(|conn| Ok(diesel::sql_query(&statement).execute(conn)));
        assert!(result.unwrap_err().to_string().contains("signed visit is locked"), "{statement}");
    }
    let after =
        app.with_conn(|conn| visit_model::find_for_therapist(conn, &visit.id, &client.therapist_id)).0;
    assert_eq!(after.content_hash, signed.content_hash);
    assert!(app.with_conn(|conn| visit_model::verify_seal(conn, &after)));
    let count: i64 = app.with_conn(|conn| {
        Ok(findings::table.filter(findings::visit_id.eq(&visit.id)).count().get_result(conn)?)
    });
    assert_eq!(count, 1);
}

/// Signing (what was reviewed) and adding a finding race from two threads: exactly one wins, a
/// change that lands first is never signed unseen, and the seal holds.
async fn signing_races_with_editing_and_the_seal_holds(backend: Backend) {
    let app = TestApp::new(backend).await;
    let (_, client, visit) = setup_visit(&app).await;
    for round in 0..5 {
        let visit = if round == 0 { visit.clone() } else { app.open_visit(&client) };
        app.add_finding(&visit, "upper-trapezius", "right", "active");
        let reviewed = app.with_conn(|conn| visit_model::seal_now(conn, &visit.id));
        let barrier = std::sync::Arc::new(std::sync::Barrier::new(2));
        let (db1, db2) = (app.state.db.clone(), app.state.db.clone());
        let (v1, v2) = (visit.clone(), visit.clone());
        let (b1, b2) = (barrier.clone(), barrier);
        let signer = std::thread::spawn(move || {
            let mut conn = db1.get().unwrap();
            b1.wait();
            let now = chrono::Utc::now().naive_utc();
            let signed = myochart::db::write_tx(&mut conn, |conn| {
                visit_model::sign(conn, &v1.therapist_id, &v1.id, &reviewed, now)
            });
            matches!(signed, Ok(visit_model::Signed::Done(_)))
        });
        let editor = std::thread::spawn(move || {
            let mut conn = db2.get().unwrap();
            let fields = myochart::charting::forms::FindingForm {
                muscle_id: "temporalis".into(),
                side: "left".into(),
                ..Default::default()
            }
            .validate()
            .unwrap();
            b2.wait();
            let now = chrono::Utc::now().naive_utc();
            myochart::db::write_tx(&mut conn, |conn| {
                visit_model::add_finding(conn, &v2.therapist_id, &v2.id, &fields, now)
            })
            .is_ok()
        });
        let (signed, edited) = (signer.join().unwrap(), editor.join().unwrap());
        assert!(signed != edited, "round {round}: exactly one of signing and editing wins");
        let stored =
            app.with_conn(|conn| visit_model::find_for_therapist(conn, &visit.id, &client.therapist_id)).0;
        if signed {
            assert!(
                app.with_conn(|conn| visit_model::verify_seal(conn, &stored)),
                "round {round}: the hash covers exactly what is stored"
            );
        } else {
            assert!(
                !stored.is_signed(),
                "round {round}: the change landed first, so nothing was signed unseen"
            );
        }
    }
}

async fn corrections_are_addenda_under_the_original(backend: Backend) {
    let app = TestApp::new(backend).await;
    let (tara, _, visit) = setup_visit(&app).await;
    let url = format!("/visits/{}", visit.id);
    press(&tara, &url, &NOTE, "save").await;
    let draft_addendum = tara.post(&format!("{url}/addenda"), &[("body", "too early")]).await;
    assert_eq!(draft_addendum.status, 409, "drafts are edited, not amended");
    sign_through_the_pages(&tara, &url, &NOTE).await.assert_redirect(&url);
    let empty = tara.post(&format!("{url}/addenda"), &[("body", "   ")]).await;
    assert_eq!(empty.status, 422);
    assert!(empty.contains("Enter the text of the addendum"));
    tara.post(&format!("{url}/addenda"), &[("body", "Correction: it was the LEFT temple.")])
        .await
        .assert_redirect(&url);
    let page = tara.get(&url).await;
    let original = page.body.find("Headache at the right temple").expect("original stays visible");
    let addendum = page.body.find("Correction: it was the LEFT temple.").expect("addendum shown");
    assert!(original < addendum, "the addendum is shown under the original");
    assert!(app.audit_actions().contains(&"visit.addendum".to_owned()));
    let refused = app.with_conn(|conn| Ok(diesel::sql_query("DELETE FROM addenda").execute(conn)));
    assert!(refused.unwrap_err().to_string().contains("append-only"));
}

async fn a_new_visit_can_copy_the_previous_findings_forward(backend: Backend) {
    let app = TestApp::new(backend).await;
    let (tara, client, visit) = setup_visit(&app).await;
    app.add_finding(&visit, "upper-trapezius", "left", "active");
    app.add_finding(&visit, "levator-scapulae", "right", "latent");
    app.with_conn(|conn| {
        diesel::update(visits::table.find(&visit.id))
            .set(visits::objective.eq("Two points palpated."))
            .execute(conn)?;
        Ok(())
    });
    app.sign_visit(&visit);
    let new = format!("/clients/{}/visits/new", client.id);
    let form = tara.get(&new).await;
    assert!(form.contains("copy_forward"));
    let page = tara
        .post(&new, &[("started_at", "2026-11-27T09:00"), ("duration_minutes", "45"), ("copy_forward", "on")])
        .await;
    let location = page.location().expect("redirect to the new visit").to_owned();
    let draft = tara.get(&location).await;
    assert!(draft.contains("Two points palpated.") && draft.contains("Levator scapulae"), "{}", draft.body);
    let bad = tara.post(&new, &[("started_at", "yesterday"), ("duration_minutes", "0")]).await;
    assert_eq!(bad.status, 422);
    assert!(bad.contains(r#"value="yesterday""#));
}

async fn bad_findings_are_refused_with_messages_and_values_kept(backend: Backend) {
    let app = TestApp::new(backend).await;
    let (tara, _, visit) = setup_visit(&app).await;
    let url = format!("/visits/{}", visit.id);
    let bad_point = [
        ("muscle_id", "upper-trapezius"),
        ("side", "left"),
        ("classification", "active"),
        ("pain_nrs", "11"),
        ("ppt_value", "-3"),
    ];
    let page = press(&tara, &url, &[NOTE.as_slice(), bad_point.as_slice()].concat(), "add_finding").await;
    assert_eq!(page.status, 422);
    assert!(page.contains("Pain on pressure must be a whole number from 0 to 10"), "{}", page.body);
    assert!(page.contains("must be a number above 0"));
    assert!(page.contains(r#"value="11""#) && page.contains(r#"value="-3""#));
    assert!(page.contains("worse after long screen days"), "the note typed beside it is on the page");
    let unknown_point = [("muscle_id", "no-such-muscle"), ("side", "left"), ("classification", "active")];
    let unknown =
        press(&tara, &url, &[NOTE.as_slice(), unknown_point.as_slice()].concat(), "add_finding").await;
    assert_eq!(unknown.status, 422);
    assert!(unknown.contains("Choose a muscle from the catalog"));
    let count: i64 = app.with_conn(|conn| Ok(findings::table.count().get_result(conn)?));
    assert_eq!(count, 0, "nothing half-written");
    let stored =
        app.with_conn(|conn| visit_model::find_for_therapist(conn, &visit.id, &visit.therapist_id)).0;
    assert!(stored.note.subjective.is_empty(), "the note is not saved without its trigger point");
    let bad_note = press(
        &tara,
        &url,
        &[
            ("started_at", "2026-11-20T09:30"),
            ("duration_minutes", "60"),
            ("pain_before", "12"),
            ("subjective", "kept text"),
        ],
        "save",
    )
    .await;
    assert_eq!(bad_note.status, 422);
    assert!(bad_note.contains("kept text"));
}

/// A practice in Berlin enters and reads visit times in Berlin time; they are stored in UTC.
async fn visit_times_follow_the_practice_zone(backend: Backend) {
    let app = TestApp::with_config(backend, |c| c.timezone = chrono_tz::Europe::Berlin).await;
    let tara = app.create_user("tara@example.com", Role::Therapist);
    let client = app.create_client(&tara.id, "Clara", "Client");
    let browser = app.signed_in("tara@example.com").await;
    let new = format!("/clients/{}/visits/new", client.id);
    browser.get(&new).await;
    let page = browser.post(&new, &[("started_at", "2026-11-20T09:30"), ("duration_minutes", "60")]).await;
    let url = page.location().unwrap().to_owned();
    let stored = app.with_conn(|conn| visit_model::list_for_client(conn, &client.id)).remove(0);
    assert_eq!(
        stored.note.started_at.format("%H:%M").to_string(),
        "08:30",
        "09:30 in Berlin (CET) is 08:30 UTC"
    );
    let shown = browser.get(&url).await;
    assert!(
        shown.contains("Visit on 2026-11-20 at 09:30") && shown.contains(r#"value="2026-11-20T09:30""#),
        "{}",
        shown.body
    );
    assert!(browser.get(&format!("/clients/{}", client.id)).await.contains("2026-11-20 09:30"));
}

on_both_backends!(
    visit_times_follow_the_practice_zone,
    a_therapist_writes_and_signs_a_visit,
    nothing_changes_a_signed_visit,
    signing_races_with_editing_and_the_seal_holds,
    corrections_are_addenda_under_the_original,
    a_new_visit_can_copy_the_previous_findings_forward,
    bad_findings_are_refused_with_messages_and_values_kept,
);
