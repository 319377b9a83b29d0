//! Reminder emails: the day (or days) before a follow-up, one email to a client who may be
//! emailed, saying when, never why (the reason is clinical). Queued by the background jobs
//! before each delivery round.

use askama::Template;
use chrono::NaiveDateTime;

use crate::auth::jwt::Keys;
use crate::db::Db;
use crate::error::AppError;
use crate::followups::model;
use crate::mail::outbox::{self, EmailKind, NewEmail};
use crate::mail::practice::Practice;
use crate::mail::unsubscribe;
use crate::time::Clock;
use crate::web::state::AppState;

/// The parts of a follow-up reminder; the same struct renders all three templates.
pub struct ReminderMail {
    pub practice: Practice,
    pub greeting_name: String,
    /// e.g. "Tuesday 24 November 2026, 09:00".
    pub when: String,
    pub unsubscribe: String,
}

#[derive(Template)]
#[template(path = "email/reminder_subject.txt")]
struct Subject<'a> {
    m: &'a ReminderMail,
}

#[derive(Template)]
#[template(path = "email/reminder.txt")]
struct Text<'a> {
    m: &'a ReminderMail,
}

#[derive(Template)]
#[template(path = "email/reminder.html")]
struct Html<'a> {
    m: &'a ReminderMail,
}

/// What queueing reminders needs; `None` from [`Reminders::from_state`] when they are off.
#[derive(Clone)]
pub struct Reminders {
    db: Db,
    clock: Clock,
    days_before: u32,
    practice: Practice,
    keys: Keys,
    public_base: String,
    mail_domain: String,
}

impl Reminders {
    pub fn from_state(state: &AppState) -> Option<Reminders> {
        let config = &state.config;
        (config.reminder_days_before > 0).then(|| Reminders {
            db: state.db.clone(),
            clock: state.clock.clone(),
            days_before: config.reminder_days_before,
            practice: Practice::from_config(config),
            keys: state.keys.clone(),
            public_base: config.public_base(),
            mail_domain: config.mail_domain(),
        })
    }

    /// Queues a reminder for every open follow-up due within the window whose client may be
    /// emailed, once per follow-up. Returns how many were queued.
    pub async fn queue_due(&self, now: NaiveDateTime) -> Result<usize, AppError> {
        let settings = self.clone();
        self.db
            .write(move |conn| {
                let today = settings.clock.day_of(now);
                let mut queued = 0;
                for (followup, client) in model::due_reminders(conn, today, settings.days_before)? {
                    // Claim the reminder first: a second instance reading the same rows gets 0.
                    if !model::mark_reminded(conn, &followup.id, now)? {
                        continue;
                    }
                    let date = followup.due_date.format("%A %-d %B %Y");
                    let when = match followup.time() {
                        Some(time) => format!("{date}, {}", time.format("%H:%M")),
                        None => date.to_string(),
                    };
                    let mail = ReminderMail {
                        practice: settings.practice.clone(),
                        greeting_name: client.greeting_name(),
                        when,
                        unsubscribe: unsubscribe::url(
                            &settings.keys,
                            &settings.public_base,
                            &client.id,
                            "reminder",
                            now,
                        ),
                    };
                    let (subject, text, html) = (Subject { m: &mail }, Text { m: &mail }, Html { m: &mail });
                    let email =
                        NewEmail::to_client(EmailKind::Reminder, &client, None, &subject, &text, &html)?;
                    outbox::enqueue(conn, &email, now, &settings.mail_domain)?;
                    queued += 1;
                }
                Ok(queued)
            })
            .await
    }
}
