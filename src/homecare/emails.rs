//! The email that carries a home-care routine and the client's private link, and sending it:
//! marking the routine sent, creating the link and queueing the email happen in one
//! transaction, so a routine is never "sent" without its email, nor emailed twice.

use askama::Template;
use chrono::NaiveDateTime;

use crate::audit::{Audited, Subject as AuditSubject};
use crate::auth::jwt::{Keys, Purpose};
use crate::clients::model::Client;
use crate::db::DbConn;
use crate::error::AppError;
use crate::homecare::links;
use crate::homecare::model::{self as routines, Routine, RoutineItem};
use crate::mail::outbox::{self, EmailKind, NewEmail};
use crate::mail::practice::Practice;
use crate::mail::unsubscribe;
use crate::web::state::AppState;

/// The parts of the routine email; the same struct renders all three templates.
pub struct RoutineMail<'a> {
    pub practice: Practice,
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

/// The routine email to `client`, with the links given (real ones, or placeholders in a preview).
pub fn routine_email(
    practice: &Practice,
    client: &Client,
    routine: &Routine,
    items: &[RoutineItem],
    links: (&str, &str),
) -> Result<NewEmail, AppError> {
    let (link, unsubscribe) = links;
    let mail = RoutineMail {
        practice: practice.clone(),
        greeting_name: client.greeting_name(),
        routine,
        items,
        link,
        unsubscribe,
    };
    let (subject, text, html) = (Subject { m: &mail }, Text { m: &mail }, Html { m: &mail });
    NewEmail::to_client(
        EmailKind::Routine,
        client,
        Some(routine.therapist_id.clone()),
        &subject,
        &text,
        &html,
    )
}

/// How the email looks, for the therapist's preview: private links shown as `placeholder`.
pub fn preview(
    practice: &Practice,
    client: &Client,
    routine: &Routine,
    items: &[RoutineItem],
    placeholder: &str,
) -> Option<String> {
    routine_email(practice, client, routine, items, (placeholder, placeholder))
        .ok()
        .map(|email| email.body_html)
}

/// What sending needs besides the database.
pub struct Sender {
    pub practice: Practice,
    pub keys: Keys,
    pub public_base: String,
    pub mail_domain: String,
}

impl Sender {
    pub fn from_state(state: &AppState) -> Sender {
        Sender {
            practice: Practice::from_config(&state.config),
            keys: state.keys.clone(),
            public_base: state.config.public_base(),
            mail_domain: state.config.mail_domain(),
        }
    }
}

/// A routine on its way: the version sent and where to.
pub struct Sent {
    pub routine: Routine,
    pub to: String,
    pub outbox_id: String,
}

impl Audited for Sent {
    fn subject(&self) -> AuditSubject {
        AuditSubject::new("routine", &self.routine.id).with_detail(format!("outbox {}", self.outbox_id))
    }
}

/// Sends a draft routine of a client of `therapist_id`, who must be one we may email.
pub fn send(
    conn: &mut DbConn,
    therapist_id: &str,
    routine_id: &str,
    sender: &Sender,
    now: NaiveDateTime,
) -> Result<Sent, AppError> {
    let (routine, client) = routines::find_for_therapist(conn, routine_id, therapist_id)?;
    if let Some(blocker) = client.email_blocker() {
        return Err(AppError::Conflict(blocker.message().into()));
    }
    routines::mark_sent(conn, &routine, now)?;
    let items = routines::items(conn, &routine.id)?;
    let link = links::create(conn, &client.id, &routine.id, now)?;
    let exp = link.expires_at.and_utc().timestamp();
    let token = sender.keys.issue(Purpose::ClientLink, &client.id, &link.id, exp);
    let link_url = format!("{}/r/{token}", sender.public_base);
    let unsubscribe_url = unsubscribe::url(&sender.keys, &sender.public_base, &client.id, &link.id, now);
    let email = routine_email(&sender.practice, &client, &routine, &items, (&link_url, &unsubscribe_url))?;
    let outbox_id = outbox::enqueue(conn, &email, now, &sender.mail_domain)?;
    Ok(Sent { routine, to: email.to_address, outbox_id })
}
