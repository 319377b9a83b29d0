//! The admin's view of the audit log: newest first, filterable, paged by key.

use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::audit::model::{self as audit, Action, AuditEntry, Filter, Outcome};
use crate::db::paging::{Page, PageRequest};
use crate::error::AppError;
use crate::web::page::{Ctx, ok};
use crate::web::paging::{Pager, query};
use crate::web::request::AdminRequest;

const PAGE_SIZE: i64 = 50;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct AuditQuery {
    pub action: String,
    pub actor: String,
    pub outcome: String,
    pub object: String,
    pub before: String,
}

#[derive(Template)]
#[template(path = "admin/audit.html")]
pub struct AuditPage {
    pub ctx: Ctx,
    pub query: AuditQuery,
    pub entries: Vec<AuditEntry>,
    pub actions: &'static [Action],
    pub outcomes: &'static [Outcome],
    pub pager: Pager,
    pub unknown_actor: bool,
}

impl AuditQuery {
    fn filter(&self) -> Filter {
        Filter {
            action: Action::parse(&self.action),
            actor_id: None,
            object_id: Some(self.object.trim().to_owned()).filter(|s| !s.is_empty()),
            outcome: Outcome::parse(&self.outcome),
        }
    }

    /// The address of the entries older than `before`, with the same filters.
    fn older_than(&self, before: &str) -> String {
        let q = self;
        let pairs = [
            ("action", q.action.as_str()),
            ("actor", q.actor.as_str()),
            ("outcome", q.outcome.as_str()),
            ("object", q.object.as_str()),
            ("before", before),
        ];
        format!("/admin/audit{}", query(&pairs))
    }
}

pub async fn list_audit(req: AdminRequest, query: web::Query<AuditQuery>) -> Result<HttpResponse, AppError> {
    let AdminRequest { state, ctx, .. } = req;
    let query = query.into_inner();
    let (filter, email) = (query.filter(), query.actor.trim().to_owned());
    let request = PageRequest::after(&query.before, PAGE_SIZE);
    let page_request = request.clone();
    let found = state.db.run(move |conn| audit::read_log(conn, filter, &email, &page_request)).await?;
    let unknown_actor = found.is_none();
    let page = Page::from_fetched(found.unwrap_or_default(), &request, |e| e.id.clone());
    let pager = Pager::older(&page, |before| query.older_than(before));
    let (actions, outcomes) = (Action::ALL, Outcome::ALL);
    ok(&AuditPage { ctx, query, entries: page.rows, actions, outcomes, pager, unknown_actor })
}
