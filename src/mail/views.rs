//! Templates of the mail pages: the client's unsubscribe page and the admin's outbox.

use askama::Template;

use crate::mail::outbox::OutboxRow;
use crate::web::page::Ctx;

#[derive(Template)]
#[template(path = "homecare/unsubscribe.html")]
pub struct UnsubscribePage {
    pub ctx: Ctx,
    pub practice_name: String,
    pub token: String,
    pub done: bool,
}

#[derive(Template)]
#[template(path = "admin/outbox.html")]
pub struct OutboxPage {
    pub ctx: Ctx,
    pub rows: Vec<OutboxRow>,
}
