//! Follow-ups: scheduling and repeats, the dashboard in the practice's time zone, the calendar
//! feed (checked with an independent iCalendar parser), and reminder emails.

use chrono::{Duration, NaiveTime, Utc};
use myochart::followups::model::{self, FollowupFields};
use myochart::followups::schedule::{Repeat, RepeatUnit};

use crate::common::smtp::SmtpReceiver;
use crate::common::{Backend, TestApp};
use crate::on_both_backends;

fn fields(due: chrono::NaiveDate, time: Option<&str>, repeat: Option<Repeat>) -> FollowupFields {
    FollowupFields {
        due_date: due,
        due_time: time.map(|t| NaiveTime::parse_from_str(t, "%H:%M").unwrap()),
        reason_kind: "reassess_trp".into(),
        reason: Some("Upper trapezius".into()),
        finding_id: None,
        factor_id: None,
        repeat,
        remind: true,
    }
}

async fn the_dashboard_buckets_by_the_practice_day(backend: Backend) {
    // Auckland is up to 13 hours ahead of UTC, so "today" there is often tomorrow in UTC.
    let app = TestApp::with_config(backend, |c| c.timezone = chrono_tz::Pacific::Auckland).await;
    app.create_user("admin@example.com", crate::common::Role::AdminTherapist);
    let admin = app.user("admin@example.com");
    let client = app.create_client(&admin.id, "Clara", "Client");
    let clock = app.state.clock.clone();
    let today = clock.today();
    for (days, reason) in [(-2, "late-one"), (0, "today-one"), (3, "soon-one"), (10, "later-one")] {
        let mut f = fields(today + Duration::days(days), None, None);
        f.reason = Some(reason.into());
        app.with_conn(|conn| {
            myochart::db::write_tx(conn, |conn| model::insert(conn, &admin.id, &client.id, &f, &clock))
        });
    }
    let browser = app.signed_in("admin@example.com").await;
    let home = browser.get("/").await;
    let section = |id: &str| {
        home.body
            .split(&format!("id=\"bucket-{id}\""))
            .nth(1)
            .unwrap()
            .split("</ul>")
            .next()
            .unwrap()
            .to_owned()
    };
    assert!(section("overdue").contains("late-one"), "{}", home.body);
    assert!(section("today").contains("today-one"));
    assert!(section("soon").contains("soon-one"));
    assert!(!home.contains("later-one"), "beyond seven days is not on the dashboard");
}

async fn done_schedules_the_next_occurrence_until_the_series_ends(backend: Backend) {
    let app = TestApp::new(backend).await;
    let admin = app.user("admin@example.com");
    let client = app.create_client(&admin.id, "Clara", "Client");
    let browser = app.signed_in("admin@example.com").await;
    let new = format!("/clients/{}/followups/new", client.id);
    let form = browser.get(&new).await;
    assert!(
        form.contains(r#"name="remind" type="checkbox" aria-describedby"#),
        "a re-assessment does not remind the client unless asked: {}",
        form.body
    );
    let start = (Utc::now() + Duration::days(3)).date_naive();
    let due = start.to_string();
    let bad = browser
        .post(
            &new,
            &[
                ("due_date", "2999-01-01"),
                ("due_time", "9am"),
                ("reason_kind", "reassess_trp"),
                ("reason", "typed"),
            ],
        )
        .await;
    assert_eq!(bad.status, 422);
    assert!(bad.contains("Enter a time as HH:MM") && bad.contains(r#"value="typed""#));
    let fields = [
        ("due_date", due.as_str()),
        ("due_time", "09:30"),
        ("reason_kind", "next_treatment"),
        ("reason", "Check the neck"),
        ("repeat_every", "2"),
        ("repeat_unit", "weeks"),
        ("repeat_count", "2"),
        ("remind", "on"),
    ];
    // Another client's trigger point cannot be linked.
    let other = app.create_client(&admin.id, "Otto", "Other");
    let foreign = app.add_finding(&app.open_visit(&other), "temporalis", "left", "active");
    let mut linked = fields.to_vec();
    linked.push(("finding_id", foreign.id.as_str()));
    let refused = browser.post(&new, &linked).await;
    assert_eq!(refused.status, 422);
    assert!(refused.contains("Choose one of this client&#39;s trigger points"), "{}", refused.body);
    browser.post(&new, &fields).await.assert_redirect(&format!("/clients/{}", client.id));
    let chart = browser.get(&format!("/clients/{}", client.id)).await;
    assert!(chart.contains("Check the neck") && chart.contains("09:30"));
    let first = app.with_conn(|conn| model::open_for_client(conn, &client.id)).remove(0);
    browser
        .post(&format!("/followups/{}/done", first.id), &[])
        .await
        .assert_redirect(&format!("/clients/{}", client.id));
    let open = app.with_conn(|conn| model::open_for_client(conn, &client.id));
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].due_date, start + Duration::weeks(2));
    assert_eq!(open[0].due_time.as_deref(), Some("09:30"));
    assert_eq!((open[0].series_id.as_str(), open[0].occurrence), (first.series_id.as_str(), 2));
    assert!(first.remind && open[0].remind, "the next occurrence reminds as the first did");
    // The second of two: done ends the series.
    browser
        .post(&format!("/followups/{}/done", open[0].id), &[("back", "dashboard")])
        .await
        .assert_redirect("/");
    assert!(app.with_conn(|conn| model::open_for_client(conn, &client.id)).is_empty());
    assert_eq!(browser.post(&format!("/followups/{}/done", open[0].id), &[]).await.status, 409);
    assert!(app.audit_actions().contains(&"followup.done".to_owned()));
}

async fn the_calendar_feed_parses_and_can_be_rotated_or_revoked(backend: Backend) {
    let app = TestApp::with_config(backend, |c| c.timezone = chrono_tz::Europe::Berlin).await;
    app.create_user("admin@example.com", crate::common::Role::AdminTherapist);
    let admin = app.user("admin@example.com");
    let client = app.create_client(&admin.id, "Clara", "Client");
    let clock = app.state.clock.clone();
    let today = clock.today();
    let weekly = Repeat { every: 1, unit: RepeatUnit::Weeks, until: None, count: None };
    app.with_conn(|conn| {
        myochart::db::write_tx(conn, |conn| {
            model::insert(
                conn,
                &admin.id,
                &client.id,
                &fields(today + Duration::days(2), Some("09:00"), Some(weekly)),
                &clock,
            )?;
            model::insert(conn, &admin.id, &client.id, &fields(today + Duration::days(5), None, None), &clock)
        })
    });
    let browser = app.signed_in("admin@example.com").await;
    browser.get("/calendar").await;
    browser.post("/calendar/rotate", &[]).await.assert_redirect("/calendar");
    let page = browser.get("/calendar").await;
    let url =
        page.body.split("<code id=\"feed-url\">").nth(1).unwrap().split("</code>").next().unwrap().to_owned();
    let path = url.trim_start_matches(&app.base).to_owned();
    let feed = app.client().get(&path).await;
    assert_eq!(feed.status, 200);
    assert!(feed.header("content-type").unwrap().starts_with("text/calendar"));

    let parser = ical::IcalParser::new(std::io::BufReader::new(feed.body.as_bytes()));
    let calendars: Vec<_> = parser.collect::<Result<_, _>>().expect("the feed is valid iCalendar");
    assert_eq!(calendars.len(), 1);
    let events = &calendars[0].events;
    assert_eq!(events.len(), 2);
    let prop = |event: &ical::parser::ical::component::IcalEvent, name: &str| {
        event.properties.iter().find(|p| p.name == name).and_then(|p| p.value.clone()).unwrap_or_default()
    };
    assert!(
        events.iter().all(|e| prop(e, "SUMMARY") == "Follow-up: Clara C."),
        "first name and initial only"
    );
    assert!(events.iter().all(|e| !prop(e, "UID").is_empty()));
    let timed = events.iter().find(|e| prop(e, "DTSTART").contains('T')).expect("a timed event");
    let expected = clock.to_utc(today + Duration::days(2), NaiveTime::from_hms_opt(9, 0, 0));
    assert_eq!(
        prop(timed, "DTSTART"),
        expected.format("%Y%m%dT%H%M%SZ").to_string(),
        "09:00 Berlin time, in UTC"
    );
    let all_day = events.iter().find(|e| !prop(e, "DTSTART").contains('T')).expect("an all-day event");
    let day = today + Duration::days(5);
    assert_eq!(prop(all_day, "DTSTART"), day.format("%Y%m%d").to_string());
    assert_eq!(
        prop(all_day, "DTEND"),
        (day + Duration::days(1)).format("%Y%m%d").to_string(),
        "an all-day event ends the next day: DTEND is exclusive"
    );
    assert!(!feed.contains("Upper trapezius"), "no clinical free text leaves in the feed");
    assert!(feed.contains("Re-assess a trigger point"), "the generic reason does");

    // Other purposes' tokens are no feed; rotating and revoking kill the old address.
    let session = browser.cookie("myochart_session").unwrap();
    assert_eq!(app.client().get(&format!("/calendar/feed/{session}")).await.status, 404);
    browser.post("/calendar/rotate", &[]).await;
    assert_eq!(app.client().get(&path).await.status, 404);
    browser.post("/calendar/revoke", &[]).await;
    assert!(!browser.get("/calendar").await.contains("feed-url"));

    // A deactivated therapist's feed stops at once.
    browser.post("/calendar/rotate", &[]).await;
    let page = browser.get("/calendar").await;
    let url =
        page.body.split("<code id=\"feed-url\">").nth(1).unwrap().split("</code>").next().unwrap().to_owned();
    let path = url.trim_start_matches(&app.base).to_owned();
    assert_eq!(app.client().get(&path).await.status, 200);
    let tara = app.create_user("tara@example.com", crate::common::Role::Therapist);
    let tara_browser = app.signed_in("tara@example.com").await;
    tara_browser.post("/calendar/rotate", &[]).await;
    let tara_page = tara_browser.get("/calendar").await;
    let tara_url = tara_page
        .body
        .split("<code id=\"feed-url\">")
        .nth(1)
        .unwrap()
        .split("</code>")
        .next()
        .unwrap()
        .to_owned();
    let tara_path = tara_url.trim_start_matches(&app.base).to_owned();
    assert_eq!(app.client().get(&tara_path).await.status, 200);
    browser.get(&format!("/admin/users/{}", tara.id)).await;
    browser.post(&format!("/admin/users/{}/deactivate", tara.id), &[]).await;
    assert_eq!(app.client().get(&tara_path).await.status, 404);
}

async fn clients_with_consent_get_one_reminder(backend: Backend) {
    let receiver = SmtpReceiver::start();
    let app = TestApp::with_smtp(backend, receiver.port).await;
    let admin = app.user("admin@example.com");
    let consenting = app.create_client(&admin.id, "Clara", "Client");
    let silent = app.create_client(&admin.id, "Nora", "Noconsent");
    app.with_conn(|conn| {
        use diesel::prelude::*;
        use myochart::db::schema::clients;
        diesel::update(clients::table.find(&silent.id))
            .set(clients::email_consent.eq(false))
            .execute(conn)?;
        Ok(())
    });
    let clock = app.state.clock.clone();
    let now = Utc::now().naive_utc();
    let tomorrow = clock.day_of(now) + Duration::days(1);
    app.with_conn(|conn| {
        myochart::db::write_tx(conn, |conn| {
            model::insert(conn, &admin.id, &consenting.id, &fields(tomorrow, Some("10:15"), None), &clock)?;
            model::insert(conn, &admin.id, &silent.id, &fields(tomorrow, None, None), &clock)?;
            let own_check = FollowupFields { remind: false, ..fields(tomorrow, Some("08:00"), None) };
            model::insert(conn, &admin.id, &consenting.id, &own_check, &clock)?;
            model::insert(
                conn,
                &admin.id,
                &consenting.id,
                &fields(tomorrow + Duration::days(5), None, None),
                &clock,
            )
        })
    });
    app.jobs.run_once(now).await.unwrap();
    app.jobs.run_once(now).await.unwrap();
    let messages = receiver.messages();
    assert_eq!(
        messages.len(),
        1,
        "one reminder, to the consenting client, once, and none for the therapist's own check"
    );
    assert_eq!(messages[0].to, ["clara@example.com"]);
    assert_eq!(
        messages[0].header("Subject").as_deref(),
        Some("Reminder: your next appointment with Test Practice")
    );
    let body = messages[0].decoded();
    assert!(body.contains("10:15") && !body.contains("Upper trapezius"), "when, never why");
    let unsubscribe = body
        .split(&format!("{}/u/", app.base))
        .nth(1)
        .expect("an unsubscribe link")
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned();
    let page = app.client().get(&format!("/u/{unsubscribe}")).await;
    assert!(page.contains("appointment reminders"), "{}", page.body);
}

/// A follow-up about a trigger point outlives the point: removing it from a draft visit works and
/// leaves the follow-up, unlinked.
async fn removing_a_trigger_point_keeps_its_follow_up(backend: Backend) {
    let app = TestApp::new(backend).await;
    let admin = app.user("admin@example.com");
    let client = app.create_client(&admin.id, "Clara", "Client");
    let visit = app.open_visit(&client);
    let finding = app.add_finding(&visit, "upper-trapezius", "left", "active");
    let mut about = fields(app.state.clock.today() + Duration::days(7), None, None);
    about.finding_id = Some(finding.id.clone());
    let clock = app.state.clock.clone();
    let followup = app.with_conn(|conn| {
        myochart::db::write_tx(conn, |conn| model::insert(conn, &admin.id, &client.id, &about, &clock))
    });
    let browser = app.signed_in("admin@example.com").await;
    browser.get(&format!("/visits/{}", visit.id)).await;
    let removed = browser.post(&format!("/findings/{}/delete", finding.id), &[]).await;
    removed.assert_redirect(&format!("/visits/{}#trigger-points", visit.id));
    let kept = app.with_conn(|conn| model::find_for_therapist(conn, &followup.id, &admin.id));
    assert_eq!(kept.finding_id, None, "the follow-up stays, without the point");
    assert_eq!(kept.status.code(), "open");
}

on_both_backends!(
    removing_a_trigger_point_keeps_its_follow_up,
    the_dashboard_buckets_by_the_practice_day,
    done_schedules_the_next_occurrence_until_the_series_ends,
    the_calendar_feed_parses_and_can_be_rotated_or_revoked,
    clients_with_consent_get_one_reminder,
);
