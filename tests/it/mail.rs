//! Email over a real SMTP conversation: the routine email as received, and the outbox under
//! faults (server down, silent, 4xx, 5xx) and under two competing workers.

use std::net::TcpListener;

use chrono::{Duration, Utc};
use myochart::db::Db;
use myochart::mail::outbox::{self, NewEmail};
use myochart::mail::worker::Round;

use crate::common::smtp::{Mode, SmtpReceiver};
use crate::common::{Backend, TestApp};
use crate::on_both_backends;

/// Admin (a therapist too) with a consenting client and a draft routine, signed in.
async fn routine_ready(app: &TestApp) -> (crate::common::Client, myochart::homecare::model::Routine) {
    let admin = app.user("admin@example.com");
    let client = app.create_client(&admin.id, "Clara", "Client");
    let routine = app.draft_routine(&client);
    let browser = app.signed_in("admin@example.com").await;
    browser.get(&format!("/routines/{}", routine.id)).await;
    (browser, routine)
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

async fn the_routine_email_arrives_with_both_bodies_and_a_working_link(backend: Backend) {
    let receiver = SmtpReceiver::start();
    let app = TestApp::with_smtp(backend, receiver.port).await;
    let (browser, routine) = routine_ready(&app).await;
    let page = browser.post(&format!("/routines/{}/send", routine.id), &[]).await;
    page.assert_redirect(&format!("/routines/{}", routine.id));
    assert_eq!(app.outbox_statuses(), ["pending"], "queued with the change, not sent in the request");
    let round = app.jobs.run_once(Utc::now().naive_utc()).await.unwrap();
    assert_eq!(round, Round { sent: 1, retrying: 0, failed: 0 });
    assert_eq!(app.outbox_statuses(), ["sent"]);
    assert!(app.audit_actions().contains(&"email.sent".to_owned()), "every delivery is audited");

    let messages = receiver.messages();
    assert_eq!(messages.len(), 1);
    let mail = &messages[0];
    assert_eq!(mail.to, ["clara@example.com"]);
    assert_eq!(mail.from, "office@practice.test");
    assert_eq!(mail.header("Subject").as_deref(), Some("Your home-care routine from Test Practice"));
    let row = app.with_conn(|conn| outbox::recent(conn, 1)).remove(0);
    assert_eq!(mail.header("Message-ID"), Some(row.message_id.clone()));
    assert!(row.message_id.ends_with("@practice.test>"));
    assert!(mail.header("Content-Type").unwrap().starts_with("multipart/alternative"));
    let body = mail.decoded();
    assert!(body.contains("Content-Type: text/plain") && body.contains("Content-Type: text/html"));
    assert!(body.contains("Hello Clara") && body.contains("Little and often."));
    assert!(
        !body.contains("<script") && !body.contains("src=\"http"),
        "no scripts or remote assets in the email"
    );

    // The link in the plain-text body works for anyone holding it (the client) and shows the
    // routine; the unsubscribe link leads to its confirmation page.
    let link =
        body.split(&format!("{}/r/", app.base)).nth(1).unwrap().split_whitespace().next().unwrap().to_owned();
    let client_page = app.client().get(&format!("/r/{link}")).await;
    assert_eq!(client_page.status, 200, "{}", client_page.body);
    assert!(client_page.contains("Hello Clara") && client_page.contains("Done today"));
    let unsubscribe =
        body.split(&format!("{}/u/", app.base)).nth(1).unwrap().split_whitespace().next().unwrap().to_owned();
    assert!(app.client().get(&format!("/u/{unsubscribe}")).await.contains("Stop home-care emails?"));
}

async fn mail_survives_a_server_that_is_down(backend: Backend) {
    let port = free_port();
    let app = TestApp::with_smtp(backend, port).await;
    let (browser, routine) = routine_ready(&app).await;
    let started = std::time::Instant::now();
    browser
        .post(&format!("/routines/{}/send", routine.id), &[])
        .await
        .assert_redirect(&format!("/routines/{}", routine.id));
    assert!(started.elapsed() < std::time::Duration::from_secs(2), "the request does not wait for mail");
    let now = Utc::now().naive_utc();
    assert_eq!(app.jobs.run_once(now).await.unwrap(), Round { sent: 0, retrying: 1, failed: 0 });
    let row = app.with_conn(|conn| outbox::recent(conn, 1)).remove(0);
    assert_eq!((row.status.code(), row.attempts), ("pending", 1));
    // PostgreSQL keeps microseconds, so allow for the truncation.
    assert!(row.next_attempt_at >= now + Duration::seconds(29), "backs off");
    assert!(row.last_error.is_some());
    // Not due yet: nothing happens.
    assert_eq!(app.jobs.run_once(now).await.unwrap(), Round::default());
    // The server comes back on the same port; the next due round delivers.
    let receiver = SmtpReceiver::start_on(TcpListener::bind(("127.0.0.1", port)).unwrap());
    let later = now + Duration::seconds(31);
    assert_eq!(app.jobs.run_once(later).await.unwrap(), Round { sent: 1, retrying: 0, failed: 0 });
    assert_eq!(receiver.messages().len(), 1);
    assert_eq!(app.outbox_statuses(), ["sent"]);
}

async fn a_silent_server_times_out_and_is_retried(backend: Backend) {
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    // Accepts connections and never says a word.
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in silent.incoming().flatten() {
            held.push(stream);
        }
    });
    let app = TestApp::with_smtp(backend, port).await;
    let (browser, routine) = routine_ready(&app).await;
    browser.post(&format!("/routines/{}/send", routine.id), &[]).await;
    let round = app.jobs.run_once(Utc::now().naive_utc()).await.unwrap();
    assert_eq!(round, Round { sent: 0, retrying: 1, failed: 0 });
    let row = app.with_conn(|conn| outbox::recent(conn, 1)).remove(0);
    assert_eq!(row.status.code(), "pending");
    assert!(row.last_error.unwrap().to_lowercase().contains("timed out"), "a timeout is recorded");
}

async fn temporary_failures_retry_and_permanent_ones_fail_visibly(backend: Backend) {
    let receiver = SmtpReceiver::start();
    let app = TestApp::with_smtp(backend, receiver.port).await;
    let (browser, routine) = routine_ready(&app).await;
    receiver.set_mode(Mode::TempFail);
    browser.post(&format!("/routines/{}/send", routine.id), &[]).await;
    let now = Utc::now().naive_utc();
    assert_eq!(app.jobs.run_once(now).await.unwrap().retrying, 1);
    assert_eq!(app.outbox_statuses(), ["pending"]);

    receiver.set_mode(Mode::PermFail);
    assert_eq!(app.jobs.run_once(now + Duration::minutes(5)).await.unwrap().failed, 1);
    assert_eq!(app.outbox_statuses(), ["failed"]);
    let row = app.with_conn(|conn| outbox::recent(conn, 1)).remove(0);
    let reason = row.last_error.clone().unwrap();
    assert!(reason.contains("550"), "{reason}");

    // The therapist sees why, and retries once the address is fixed.
    let chart = browser.get(&format!("/clients/{}", row.email.client_id.clone().unwrap())).await;
    assert!(chart.contains("550") && chart.contains("Try again"), "{}", chart.body);
    browser.post(&format!("/outbox/{}/retry", row.id), &[]).await;
    receiver.set_mode(Mode::Accept);
    assert_eq!(app.jobs.run_once(Utc::now().naive_utc()).await.unwrap().sent, 1);
    assert_eq!(app.outbox_statuses(), ["sent"]);
    assert_eq!(receiver.messages().len(), 1);
    assert!(app.audit_actions().contains(&"email.retry".to_owned()));
}

/// 1,000 queued messages and two workers with their own connection pools (as two app
/// instances would have) on PostgreSQL; one worker per database on SQLite. Each message is
/// delivered exactly once.
async fn competing_workers_deliver_each_message_exactly_once(backend: Backend) {
    let receiver = SmtpReceiver::start();
    let app = TestApp::with_smtp(backend, receiver.port).await;
    let total = if backend == Backend::Postgres { 1000 } else { 300 };
    let now = Utc::now().naive_utc();
    let worker = app.jobs.worker().clone();
    let domain = app.state.config.mail_domain();
    app.with_conn(|conn| {
        myochart::db::write_tx(conn, |conn| {
            for n in 0..total {
                let email = NewEmail {
                    kind: myochart::mail::outbox::EmailKind::Reminder,
                    client_id: None,
                    created_by: None,
                    to_address: format!("person{n}@example.com"),
                    to_name: None,
                    subject: format!("Message {n}"),
                    body_text: "text".into(),
                    body_html: "<p>html</p>".into(),
                };
                outbox::enqueue(conn, &email, now, &domain)?;
            }
            Ok(())
        })
    });
    let rounds = if backend == Backend::Postgres {
        let second_db = Db::connect(&app.state.config.database_url, 4).unwrap();
        let mailer = myochart::mail::transport::Mailer::from_config(&app.state.config).unwrap();
        let wake = std::sync::Arc::new(tokio::sync::Notify::new());
        let second =
            myochart::mail::worker::Worker::new(second_db, std::sync::Arc::new(mailer), 2, 8, 5, wake);
        let (a, b) = futures_util::future::join(worker.deliver_due(now), second.deliver_due(now)).await;
        vec![a.unwrap(), b.unwrap()]
    } else {
        vec![worker.deliver_due(now).await.unwrap()]
    };
    assert_eq!(rounds.iter().map(|r| r.sent).sum::<usize>(), total);
    if backend == Backend::Postgres {
        assert!(rounds.iter().all(|r| r.sent > 0), "both workers took part: {rounds:?}");
    }
    let mut ids: Vec<String> = receiver.messages().iter().filter_map(|m| m.header("Message-ID")).collect();
    assert_eq!(ids.len(), total);
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), total, "no message twice");
    assert!(app.outbox_statuses().iter().all(|s| s == "sent"));
}

async fn no_email_without_consent(backend: Backend) {
    let receiver = SmtpReceiver::start();
    let app = TestApp::with_smtp(backend, receiver.port).await;
    let admin = app.user("admin@example.com");
    let client = app.create_client(&admin.id, "Nora", "Noconsent");
    app.with_conn(|conn| {
        use diesel::prelude::*;
        use myochart::db::schema::clients;
        diesel::update(clients::table.find(&client.id))
            .set(clients::email_consent.eq(false))
            .execute(conn)?;
        Ok(())
    });
    let routine = app.draft_routine(&client);
    let browser = app.signed_in("admin@example.com").await;
    let page = browser.get(&format!("/routines/{}", routine.id)).await;
    assert!(page.contains("has not agreed to receive emails"));
    assert!(!page.contains("send-routine"));
    let refused = browser.post(&format!("/routines/{}/send", routine.id), &[]).await;
    assert_eq!(refused.status, 409);
    assert!(app.outbox_statuses().is_empty());
    assert!(receiver.messages().is_empty());
}

async fn the_admin_outbox_lists_messages_without_their_content(backend: Backend) {
    let app = TestApp::new(backend).await;
    let (browser, routine) = routine_ready(&app).await;
    browser.post(&format!("/routines/{}/send", routine.id), &[]).await;
    app.jobs.run_once(Utc::now().naive_utc()).await.unwrap();
    let files: Vec<_> = std::fs::read_dir(app.mail_dir.path()).unwrap().flatten().collect();
    assert_eq!(files.len(), 1, "the folder transport wrote the message");
    let eml = std::fs::read_to_string(files[0].path()).unwrap();
    assert!(eml.contains("Subject: Your home-care routine from Test Practice"));
    let page = browser.get("/admin/outbox").await;
    assert!(page.contains("clara@example.com") && page.contains("sent"));
    assert!(!page.contains("Little and often."), "bodies are not shown to admins");
}

/// A corrected address does not let a queued message go to the old (possibly wrong) one; names
/// with commas and quotes are fine.
async fn a_changed_address_stops_the_queued_message(backend: Backend) {
    let receiver = SmtpReceiver::start();
    let app = TestApp::with_smtp(backend, receiver.port).await;
    let admin = app.user("admin@example.com");
    let client = app.create_client(&admin.id, "Jo", "Smith, \"Jr.\"");
    let routine = app.draft_routine(&client);
    let browser = app.signed_in("admin@example.com").await;
    browser.get(&format!("/routines/{}", routine.id)).await;
    browser.post(&format!("/routines/{}/send", routine.id), &[]).await;
    app.jobs.run_once(Utc::now().naive_utc()).await.unwrap();
    assert_eq!(receiver.messages().len(), 1, "a name with a comma and quotes is delivered");
    let second = app.draft_routine(&client);
    browser.get(&format!("/routines/{}", second.id)).await;
    browser.post(&format!("/routines/{}/send", second.id), &[]).await;
    app.with_conn(|conn| {
        use diesel::prelude::*;
        use myochart::db::schema::clients;
        diesel::update(clients::table.find(&client.id))
            .set(clients::email.eq(Some("jo.smith@example.org")))
            .execute(conn)?;
        Ok(())
    });
    let round = app.jobs.run_once(Utc::now().naive_utc()).await.unwrap();
    assert_eq!(round.failed, 1);
    assert_eq!(receiver.messages().len(), 1, "nothing to the old address");
    let row = app.with_conn(|conn| outbox::recent(conn, 1)).remove(0);
    assert!(row.last_error.unwrap().contains("address changed"));
}

/// A client who unsubscribes while a message waits in the queue does not get it.
async fn consent_is_checked_again_at_delivery(backend: Backend) {
    let receiver = SmtpReceiver::start();
    let app = TestApp::with_smtp(backend, receiver.port).await;
    let (browser, routine) = routine_ready(&app).await;
    browser.post(&format!("/routines/{}/send", routine.id), &[]).await;
    let row = app.with_conn(|conn| outbox::recent(conn, 1)).remove(0);
    let unsubscribe = row
        .email
        .body_text
        .split(&format!("{}/u/", app.base))
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned();
    let client = app.client();
    client.get(&format!("/u/{unsubscribe}")).await;
    client.post(&format!("/u/{unsubscribe}"), &[]).await;
    let round = app.jobs.run_once(Utc::now().naive_utc()).await.unwrap();
    assert_eq!(round.failed, 1);
    assert!(receiver.messages().is_empty());
    let row = app.with_conn(|conn| outbox::recent(conn, 1)).remove(0);
    assert_eq!(row.status.code(), "failed");
    assert!(row.last_error.unwrap().contains("withdrawn consent"));
}

/// The practice logo travels inside the message (mail clients block remote images).
async fn the_logo_is_attached_inline(backend: Backend) {
    let receiver = SmtpReceiver::start();
    let dir = tempfile::tempdir().unwrap();
    let logo = dir.path().join("logo.png");
    // A 1x1 PNG.
    std::fs::write(&logo, b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89\0\0\0\rIDATx\x9cc\xf8\x0f\0\x01\x01\x01\0\x18\xdd\x8d\xb0\0\0\0\0IEND\xaeB`\x82").unwrap();
    let port = receiver.port;
    let app = TestApp::with_config(backend, |c| {
        c.mail_transport = myochart::config::MailTransport::Smtp;
        c.smtp_host = "127.0.0.1".into();
        c.smtp_port = port;
        c.smtp_security = myochart::config::SmtpSecurity::None;
        c.practice_logo = Some(logo.clone());
    })
    .await;
    app.create_user("admin@example.com", crate::common::Role::AdminTherapist);
    let (browser, routine) = routine_ready(&app).await;
    browser.post(&format!("/routines/{}/send", routine.id), &[]).await;
    app.jobs.run_once(Utc::now().naive_utc()).await.unwrap();
    let mail = receiver.messages().remove(0);
    let body = mail.decoded();
    assert!(body.contains("multipart/related"), "{body}");
    assert!(body.contains("Content-ID: <practice-logo>") && body.contains("Content-Type: image/png"));
    assert!(body.contains("cid:practice-logo"));
}

on_both_backends!(
    a_changed_address_stops_the_queued_message,
    the_logo_is_attached_inline,
    consent_is_checked_again_at_delivery,
    the_routine_email_arrives_with_both_bodies_and_a_working_link,
    mail_survives_a_server_that_is_down,
    a_silent_server_times_out_and_is_retried,
    temporary_failures_retry_and_permanent_ones_fail_visibly,
    competing_workers_deliver_each_message_exactly_once,
    no_email_without_consent,
    the_admin_outbox_lists_messages_without_their_content,
);
