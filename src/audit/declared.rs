//! The reads the route table declares. After a handler has rendered a page that shows health
//! information, its read is written to the audit log (by the group-committing
//! [`ReadAppender`]) before the page leaves; if the row cannot be written, the page is replaced
//! by a 503 so nothing is shown unaudited.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::web::Data;
use actix_web::{Error, ResponseError};

use crate::audit::appender::ReadAppender;
use crate::audit::model::{Action, AuditEntry, Outcome};
use crate::auth::extractors::Actor;
use crate::error::AppError;
use crate::web::access::{Reads, RouteTable};

/// Middleware: records the declared read of every response that shows the record.
pub async fn record_reads(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let declared = declared_read(&req);
    let res = next.call(req).await?.map_into_boxed_body();
    let Some(reads) = declared else { return Ok(res) };
    if !shows_the_record(res.request().method(), res.status()) {
        return Ok(res);
    }
    match record(&res, reads).await {
        Ok(()) => Ok(res),
        Err(err) => {
            tracing::error!(error = %err, "a declared read could not be audited; the page was withheld");
            let unavailable = AppError::Unavailable("the audit log could not be written".into());
            Ok(res.into_response(unavailable.error_response()))
        }
    }
}

fn declared_read(req: &ServiceRequest) -> Option<Reads> {
    let table = req.app_data::<RouteTable>()?;
    let pattern = req.match_pattern()?;
    table.find(req.method(), &pattern)?.reads
}

/// A page was shown: a success, or a form re-rendered with the record beside the typed values.
/// HEAD answers carry no body, and redirects and refusals show nothing.
fn shows_the_record(method: &Method, status: StatusCode) -> bool {
    method != Method::HEAD
        && (status.is_success()
            || status == StatusCode::CONFLICT
            || status == StatusCode::UNPROCESSABLE_ENTITY)
}

async fn record(res: &ServiceResponse, reads: Reads) -> Result<(), AppError> {
    let req = res.request();
    let appender = req
        .app_data::<Data<ReadAppender>>()
        .cloned()
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("the audit appender is not registered")))?;
    let action = Action::parse(reads.action)
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("undeclared audit action {}", reads.action)))?;
    let actor = Actor::of(req);
    let object = match reads.object {
        Some(kind) => {
            let id = req.match_info().get("id").ok_or_else(|| {
                AppError::Internal(anyhow::anyhow!("{} declares a {kind} read without an id", reads.action))
            })?;
            Some((kind, id))
        }
        None => None,
    };
    appender.append(AuditEntry::new(&actor, action, object, Outcome::Success, None)).await
}
