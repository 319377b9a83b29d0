//! The visit loop over HTTP: every button of a draft's page saves what is typed first, a trigger
//! point being entered is kept until it is added, signing signs exactly what was reviewed, two
//! tabs never overwrite each other, and autosave reports what it did. (The same in a real
//! browser: `browser.rs`.)

use crate::common::client::Forge;
use crate::common::{Backend, Client, Page, TestApp};
use crate::on_both_backends;
use myochart::visits::model as visit_model;

const NOTE: [(&str, &str); 3] = [
    ("started_at", "2026-11-20T09:30"),
    ("duration_minutes", "60"),
    ("subjective", "Headache, right temple"),
];

const POINT: [(&str, &str); 4] =
    [("muscle_id", "upper-trapezius"), ("side", "right"), ("classification", "active"), ("pain_nrs", "7")];

struct Draft {
    app: TestApp,
    browser: Client,
    url: String,
    visit_id: String,
    therapist_id: String,
}

async fn draft(backend: Backend) -> Draft {
    let app = TestApp::new(backend).await;
    let admin = app.user("admin@example.com");
    let client = app.create_client(&admin.id, "Clara", "Client");
    let visit = app.open_visit(&client);
    let browser = app.signed_in("admin@example.com").await;
    let url = format!("/visits/{}", visit.id);
    Draft { app, browser, url, visit_id: visit.id, therapist_id: admin.id }
}

impl Draft {
    fn stored(&self) -> visit_model::Visit {
        self.app.with_conn(|conn| visit_model::find_for_therapist(conn, &self.visit_id, &self.therapist_id)).0
    }

    fn finding_ids(&self) -> Vec<String> {
        let visit_id = self.visit_id.clone();
        self.app
            .with_conn(move |conn| myochart::charting::findings::list_for_visit(conn, &visit_id))
            .into_iter()
            .map(|f| f.id)
            .collect()
    }

    /// Sends `fields` with the page's version, pressing `step`.
    async fn press(&self, browser: &Client, fields: &[(&str, &str)], step: &str) -> Page {
        let version = browser.get(&self.url).await.input_value("version");
        self.press_on(browser, &version, fields, step).await
    }

    /// Sends `fields` typed on `version`, pressing `step`.
    async fn press_on(&self, browser: &Client, version: &str, fields: &[(&str, &str)], step: &str) -> Page {
        let mut sent = fields.to_vec();
        sent.extend([("version", version), ("do", step)]);
        browser.post(&self.url, &sent).await
    }

    /// What the page's script sends as the therapist types.
    async fn autosave(&self, version: &str, fields: &[(&str, &str)]) -> Page {
        let mut sent = fields.to_vec();
        sent.push(("version", version));
        let script =
            Forge { headers: vec![("Accept".into(), "application/json".into())], ..Forge::default() };
        self.browser.post_forged(&format!("{}/autosave", self.url), &sent, script).await
    }
}

fn with(
    a: &[(&'static str, &'static str)],
    b: &[(&'static str, &'static str)],
) -> Vec<(&'static str, &'static str)> {
    [a, b].concat()
}

async fn every_button_saves_what_is_typed_first(backend: Backend) {
    let d = draft(backend).await;
    let page = d.press(&d.browser, &with(&NOTE, &POINT), "add_finding").await;
    page.assert_redirect(&format!("{}#trigger-points", d.url));
    assert_eq!(d.stored().note.subjective, "Headache, right temple", "adding a point saved the note");
    let point = d.finding_ids().remove(0);

    let typed =
        [("started_at", "2026-11-20T09:30"), ("duration_minutes", "60"), ("subjective", "Typed, then Edit")];
    let edit = d.press(&d.browser, &typed, &format!("edit:{point}")).await;
    edit.assert_redirect(&format!("/findings/{point}/edit"));
    assert_eq!(d.stored().note.subjective, "Typed, then Edit");

    let typed = [
        ("started_at", "2026-11-20T09:30"),
        ("duration_minutes", "60"),
        ("subjective", "Typed, then Remove"),
    ];
    let ask = d.press(&d.browser, &typed, &format!("remove:{point}")).await;
    ask.assert_redirect(&format!("/findings/{point}/delete"));
    assert_eq!(d.stored().note.subjective, "Typed, then Remove");
    let confirm = d.browser.get(&format!("/findings/{point}/delete")).await;
    assert!(confirm.contains("Remove this trigger point") && confirm.contains("Upper trapezius"));
    assert_eq!(d.finding_ids().len(), 1, "asking removes nothing");

    // The page's script asks itself and says so.
    let mut confirmed = typed.to_vec();
    confirmed.push(("confirmed", "yes"));
    let removed = d.press(&d.browser, &confirmed, &format!("remove:{point}")).await;
    removed.assert_redirect(&format!("{}#trigger-points", d.url));
    assert!(d.finding_ids().is_empty());
    assert!(d.app.audit_actions().contains(&"finding.delete".to_owned()));
}

async fn a_point_being_entered_is_kept_until_it_is_added(backend: Backend) {
    let d = draft(backend).await;
    let entering = [
        ("muscle_id", "levator-scapulae"),
        ("side", "left"),
        ("pain_nrs", "5"),
        ("finding_notes", "Half typed"),
    ];
    d.press(&d.browser, &with(&NOTE, &entering), "save").await.assert_redirect(&format!("{}#note", d.url));
    assert!(d.finding_ids().is_empty(), "not added: Save note was pressed");
    let page = d.browser.get(&d.url).await;
    assert!(page.contains("The trigger point you were entering is restored"), "{}", page.body);
    assert!(page.contains(r#"value="levator-scapulae" data-view"#) && page.contains("Half typed"));
    assert!(page.body.contains(r#"<option value="levator-scapulae""#));
    d.press(&d.browser, &with(&NOTE, &entering), "sign").await;
    let review = d.browser.get(&format!("{}/sign", d.url)).await;
    assert!(review.contains("not saved yet") && !review.contains(r#"name="seal""#), "{}", review.body);

    d.press(&d.browser, &with(&NOTE, &entering), "add_finding").await;
    assert_eq!(d.finding_ids().len(), 1);
    assert_eq!(d.stored().draft_input, None, "nothing left over once added");
}

async fn signing_signs_exactly_what_was_reviewed(backend: Backend) {
    let d = draft(backend).await;
    let blank = [("started_at", "2026-11-20T09:30"), ("duration_minutes", "60")];
    d.press(&d.browser, &blank, "sign").await.assert_redirect(&format!("{}/sign", d.url));
    let refused = d.browser.get(&format!("{}/sign", d.url)).await;
    assert!(refused.contains("nothing to sign yet") && !refused.contains(r#"name="seal""#));

    d.press(&d.browser, &NOTE, "sign").await;
    let review = d.browser.get(&format!("{}/sign", d.url)).await;
    let seal = review.input_value("seal");
    // Another tab saves a change after the review.
    let later =
        [("started_at", "2026-11-20T09:30"), ("duration_minutes", "60"), ("subjective", "Changed later")];
    d.press(&d.browser, &later, "save").await;
    let stale = d.browser.post(&format!("{}/sign", d.url), &[("seal", &seal)]).await;
    stale.assert_redirect(&format!("{}/sign", d.url));
    assert!(d.stored().signed_at.is_none(), "what was not reviewed is not signed");
    let again = d.browser.get(&format!("{}/sign", d.url)).await;
    assert!(again.contains("changed after you reviewed it") && again.contains("Changed later"));
    d.browser
        .post(&format!("{}/sign", d.url), &[("seal", &again.input_value("seal"))])
        .await
        .assert_redirect(&d.url);
    let signed = d.stored();
    assert_eq!((signed.note.subjective.as_str(), signed.is_signed()), ("Changed later", true));
}

async fn two_tabs_never_overwrite_each_other(backend: Backend) {
    let d = draft(backend).await;
    let second_tab = d.app.signed_in("admin@example.com").await;
    let version = d.browser.get(&d.url).await.input_value("version");
    second_tab.get(&d.url).await;
    let mine =
        [("started_at", "2026-11-20T09:30"), ("duration_minutes", "60"), ("subjective", "Written in tab A")];
    let theirs =
        [("started_at", "2026-11-20T09:30"), ("duration_minutes", "60"), ("subjective", "Written in tab B")];
    d.press_on(&d.browser, &version, &mine, "save").await.assert_redirect(&format!("{}#note", d.url));
    let conflict = d.press_on(&second_tab, &version, &theirs, "save").await;
    assert_eq!(conflict.status, 409, "{}", conflict.body);
    assert!(conflict.contains("changed in another tab") && conflict.contains("Written in tab A"));
    assert!(conflict.contains("Written in tab B"), "what this tab typed is still in its form");
    assert_eq!(d.stored().note.subjective, "Written in tab A", "nothing overwritten silently");
    // Saving again from the conflict page is a choice made with both in view.
    let newer = conflict.input_value("version");
    d.press_on(&second_tab, &newer, &theirs, "save").await.assert_redirect(&format!("{}#note", d.url));
    assert_eq!(d.stored().note.subjective, "Written in tab B");
    // The same text from an older page is no conflict.
    d.press_on(&d.browser, &version, &theirs, "save").await.assert_redirect(&format!("{}#note", d.url));
}

async fn autosave_says_what_it_did_and_keeps_what_it_could_not_save(backend: Backend) {
    let d = draft(backend).await;
    let version = d.browser.get(&d.url).await.input_value("version");
    let saved = d.autosave(&version, &NOTE).await;
    assert_eq!(saved.status, 200, "{}", saved.body);
    let json: serde_json::Value = serde_json::from_str(&saved.body).unwrap();
    assert_eq!((json["status"].as_str(), json["version"].as_i64()), (Some("saved"), Some(2)));
    assert_eq!(d.stored().note.subjective, "Headache, right temple");

    let invalid = [
        ("started_at", "2026-11-20T09:30"),
        ("duration_minutes", "60"),
        ("subjective", "More typed"),
        ("pain_before", "12"),
    ];
    let refused = d.autosave("2", &invalid).await;
    let json: serde_json::Value = serde_json::from_str(&refused.body).unwrap();
    assert_eq!(json["status"], "invalid");
    assert!(json["errors"]["pain_before"].as_str().is_some_and(|m| m.contains("0 to 10")));
    assert_eq!(d.stored().note.subjective, "Headache, right temple", "the note keeps its last valid state");
    let page = d.browser.get(&d.url).await;
    assert!(page.contains("More typed") && page.contains(r#"value="12""#), "what was typed is shown again");
    assert!(page.contains("Restored what you typed earlier") && page.contains("Pain before"));

    let conflict = d
        .autosave(
            "1",
            &[("started_at", "2026-11-20T09:30"), ("duration_minutes", "60"), ("subjective", "Old tab")],
        )
        .await;
    assert_eq!(conflict.status, 409);
    let json: serde_json::Value = serde_json::from_str(&conflict.body).unwrap();
    assert_eq!(json["status"], "conflict");
    assert_eq!(json["theirs"]["subjective"], "Headache, right temple");
    assert!(d.app.audit_actions().iter().filter(|a| *a == "visit.update").count() == 1, "one save, one row");
}

on_both_backends!(
    every_button_saves_what_is_typed_first,
    a_point_being_entered_is_kept_until_it_is_added,
    signing_signs_exactly_what_was_reviewed,
    two_tabs_never_overwrite_each_other,
    autosave_says_what_it_did_and_keeps_what_it_could_not_save,
);
