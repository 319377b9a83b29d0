//! The admin's view of the audit log: newest first, filterable, paged by keyset.

use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::AppState;
use crate::accounts::model as accounts;
use crate::audit::model::{self as audit, Action, Actor, AuditEntry, Filter, Outcome};
use crate::auth::extractors::AdminUser;
use crate::error::AppError;
use crate::web::page::{Ctx, ok};

const PAGE_SIZE: i64 = 50;

#[derive(Debug, Default, Deserialize)]
pub struct AuditQuery {
    #[serde(default)]
    pub action: String,
    #[serde(default)]
    pub actor: String,
    #[serde(default)]
    pub outcome: String,
    #[serde(default)]
    pub object: String,
    #[serde(default)]
    pub before: String,
}

#[derive(Template)]
#[template(path = "admin/audit.html")]
pub struct AuditPage {
    pub ctx: Ctx,
    pub query: AuditQuery,
    pub entries: Vec<AuditEntry>,
    pub actions: Vec<&'static str>,
    pub next_before: Option<String>,
    pub unknown_actor: bool,
}

impl AuditPage {
    /// Query string for the next page with the same filters.
    pub fn next_query(&self, before: &str) -> String {
        let q = &self.query;
        url::form_urlencoded::Serializer::new(String::new())
            .append_pair("action", &q.action)
            .append_pair("actor", &q.actor)
            .append_pair("outcome", &q.outcome)
            .append_pair("object", &q.object)
            .append_pair("before", before)
            .finish()
    }
}

pub async fn list_audit(
    state: web::Data<AppState>,
    _admin: AdminUser,
    ctx: Ctx,
    actor: Actor,
    query: web::Query<AuditQuery>,
) -> Result<HttpResponse, AppError> {
    let query = query.into_inner();
    let outcome = [Outcome::Success, Outcome::Failure, Outcome::Denied]
        .into_iter()
        .find(|o| o.as_str() == query.outcome);
    let mut filter = Filter {
        action: Action::parse(&query.action),
        actor_id: None,
        object_id: Some(query.object.trim().to_owned()).filter(|s| !s.is_empty()),
        outcome,
        before: Some(query.before.trim().to_owned()).filter(|s| !s.is_empty()),
    };
    let actor_email = query.actor.trim().to_owned();
    let (entries, unknown_actor) = state
        .db
        .run(move |conn| {
            audit::record(conn, &actor, Action::AuditView, None, Outcome::Success, None)?;
            if !actor_email.is_empty() {
                match accounts::find_by_email(conn, &actor_email)? {
                    Some(user) => filter.actor_id = Some(user.id),
                    None => return Ok((Vec::new(), true)),
                }
            }
            Ok((audit::list(conn, &filter, PAGE_SIZE)?, false))
        })
        .await?;
    let mut entries = entries;
    let next_before = (entries.len() as i64 > PAGE_SIZE).then(|| {
        entries.truncate(PAGE_SIZE as usize);
        entries.last().map(|e| e.id.clone()).unwrap_or_default()
    });
    let actions = Action::ALL.iter().map(|a| a.code()).collect();
    ok(&AuditPage { ctx, query, entries, actions, next_before, unknown_actor })
}
