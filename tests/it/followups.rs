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

/// However many follow-ups are open, the dashboard shows each bucket's count and its first few;
/// the list behind "See all" pages through the rest by key, in due order.
async fn the_dashboard_stays_small_and_lists_page_through_the_rest(backend: Backend) {
    let app = TestApp::new(backend).await;
    let admin = app.user("admin@example.com");
    let other = app.create_user("other@example.com", crate::common::Role::Therapist);
    let client = app.create_client(&admin.id, "Clara", "Client");
    let theirs = app.create_client(&other.id, "Otto", "Other");
    let clock = app.state.clock.clone();
    let today = clock.today();
    let overdue: Vec<model::Followup> = (0..61)
        .map(|n| {
            let mut f = fields(
                today - Duration::days(1 + n / 4),
                Some(["08:00", "09:30", "12:00", "17:45"][(n % 4) as usize]),
                None,
            );
            f.reason = Some(format!("late-{n:02}"));
            model::Followup::open(&client.id, &admin.id, &uuid::Uuid::now_v7().to_string(), 1, &f, &clock)
        })
        .collect();
    let mut hidden = fields(today - Duration::days(1), None, None);
    hidden.reason = Some("not-mine".into());
    let not_mine =
        model::Followup::open(&theirs.id, &other.id, &uuid::Uuid::now_v7().to_string(), 1, &hidden, &clock);
    app.with_conn(|conn| {
        model::insert_many(conn, &overdue)?;
        model::insert_many(conn, std::slice::from_ref(&not_mine))
    });
    let browser = app.signed_in("admin@example.com").await;
    let home = browser.get("/").await;
    assert!(home.contains("Overdue <span class=\"count\">(61)</span>"), "{}", home.body);
    assert_eq!(home.body.matches("late-").count(), 8, "the first eight only");
    assert!(home.contains("href=\"/followups?due=overdue\"") && home.contains("See all 61"));
    assert!(!home.contains("not-mine"));

    let mut shown = Vec::new();
    let mut url = "/followups?due=overdue".to_owned();
    loop {
        let page = browser.get(&url).await;
        assert_eq!(page.status, 200);
        assert!(page.contains("61 open follow-ups") && !page.contains("not-mine"));
        shown.extend(page.body.match_indices("late-").map(|(at, _)| page.body[at..at + 7].to_owned()));
        let Some(next) =
            page.body.split("<nav class=\"pager\"").nth(1).and_then(|nav| nav.split("href=\"").nth(1))
        else {
            break;
        };
        url = next.split('"').next().unwrap().replace("&#38;", "&").replace("&amp;", "&");
        assert!(shown.len() < 61, "a page links on past the end");
    }
    let mut expected = overdue.clone();
    expected.sort_by_key(|f| (f.due_date, f.due_at, f.id.clone()));
    let expected: Vec<String> = expected.iter().map(|f| f.reason.clone().unwrap()).collect();
    assert_eq!(shown, expected, "every overdue follow-up once, soonest due first, over two pages");

    let first = &expected[0];
    let first_id = &overdue.iter().find(|f| f.reason.as_ref() == Some(first)).unwrap().id;
    browser.get("/followups?due=overdue").await;
    let done = browser.post(&format!("/followups/{first_id}/done"), &[("back", "due:overdue")]).await;
    done.assert_redirect("/followups?due=overdue");
    assert!(browser.get("/followups?due=overdue").await.contains("60 open follow-ups"));
    assert_eq!(browser.get("/followups?due=someday").await.status, 404);
    assert_eq!(
        browser.get(&format!("/followups?due=overdue&after={}", not_mine.id)).await.status,
        200,
        "another therapist's follow-up is no place to start from, but no error either"
    );
    assert!(app.audit_actions().contains(&"followup.list".to_owned()));
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
    the_dashboard_stays_small_and_lists_page_through_the_rest,
    done_schedules_the_next_occurrence_until_the_series_ends,
    the_calendar_feed_parses_and_can_be_rotated_or_revoked,
    clients_with_consent_get_one_reminder,
);
