//! One function per kind of email. Subject, HTML and text come from askama templates in
//! templates/email/; the HTML uses inline styles only, as mail clients expect.

use askama::Template;

use crate::clients::model::Client;
use crate::config::Config;
use crate::error::AppError;
use crate::homecare::model::{Routine, RoutineItem};
use crate::mail::outbox::NewEmail;

fn render(template: &impl Template) -> Result<String, AppError> {
    template.render().map_err(|e| AppError::Internal(e.into()))
}

/// What every email shows of the practice.
pub struct Practice<'a> {
    pub name: &'a str,
    pub footer: &'a str,
    /// Whether the logo is attached (the HTML then shows `cid:practice-logo`).
    pub has_logo: bool,
}

impl<'a> Practice<'a> {
    pub fn from_config(config: &'a Config) -> Practice<'a> {
        Practice {
            name: &config.practice_name,
            footer: &config.practice_footer,
            has_logo: !config.practice_logo.is_empty(),
        }
    }
}

/// The parts of the routine email; the same struct renders all three templates.
pub struct RoutineMail<'a> {
    pub practice: Practice<'a>,
    pub greeting_name: String,
    pub routine: &'a Routine,
    pub items: &'a [RoutineItem],
    pub link: &'a str,
    pub unsubscribe: &'a str,
}

#[derive(Template)]
#[template(path = "email/routine_subject.txt")]
struct Subject<'a> {
    m: &'a RoutineMail<'a>,
}

#[derive(Template)]
#[template(path = "email/routine.txt")]
struct Text<'a> {
    m: &'a RoutineMail<'a>,
}

#[derive(Template)]
#[template(path = "email/routine.html")]
struct Html<'a> {
    m: &'a RoutineMail<'a>,
}

/// The parts of a follow-up reminder.
pub struct ReminderMail<'a> {
    pub practice: Practice<'a>,
    pub greeting_name: String,
    /// e.g. "Tuesday 24 November 2026, 09:00".
    pub when: String,
    pub unsubscribe: String,
}

#[derive(Template)]
#[template(path = "email/reminder_subject.txt")]
struct ReminderSubject<'a> {
    m: &'a ReminderMail<'a>,
}

#[derive(Template)]
#[template(path = "email/reminder.txt")]
struct ReminderText<'a> {
    m: &'a ReminderMail<'a>,
}

#[derive(Template)]
#[template(path = "email/reminder.html")]
struct ReminderHtml<'a> {
    m: &'a ReminderMail<'a>,
}

/// A reminder of an upcoming follow-up. Says when, not why: the reason is clinical.
pub fn reminder(mail: &ReminderMail, client: &Client) -> Result<NewEmail, AppError> {
    let to_address =
        client.email.clone().ok_or_else(|| AppError::Conflict("The client has no email address.".into()))?;
    Ok(NewEmail {
        kind: "reminder",
        client_id: Some(client.id.clone()),
        created_by: None,
        to_address,
        to_name: Some(format!("{} {}", client.first_name, client.last_name)),
        subject: render(&ReminderSubject { m: mail })?.trim().to_owned(),
        body_text: render(&ReminderText { m: mail })?,
        body_html: render(&ReminderHtml { m: mail })?,
    })
}

/// The email that carries a home-care routine and the client's private link.
pub fn routine(mail: &RoutineMail, client: &Client, created_by: &str) -> Result<NewEmail, AppError> {
    let to_address =
        client.email.clone().ok_or_else(|| AppError::Conflict("The client has no email address.".into()))?;
    Ok(NewEmail {
        kind: "routine",
        client_id: Some(client.id.clone()),
        created_by: Some(created_by.to_owned()),
        to_address,
        to_name: Some(format!("{} {}", client.first_name, client.last_name)),
        subject: render(&Subject { m: mail })?.trim().to_owned(),
        body_text: render(&Text { m: mail })?,
        body_html: render(&Html { m: mail })?,
    })
}
