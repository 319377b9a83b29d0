//! Liveness and readiness probes for process supervisors and load balancers.

use actix_web::{HttpResponse, web};

use crate::error::AppError;
use crate::web::state::AppState;

/// The process is up.
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain; charset=utf-8").body("ok")
}

/// The database answers, within a bound a load balancer can wait for.
pub async fn readyz(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    state.db.ping(std::time::Duration::from_millis(1500)).await?;
    Ok(HttpResponse::Ok().content_type("text/plain; charset=utf-8").body("ready"))
}
