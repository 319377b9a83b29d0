//! A trigger point's own pages while its visit is a draft: editing it, and asking before it is
//! removed. (Adding one is a button of the visit page: `visits::draft`.)

use actix_web::{HttpResponse, web};

use crate::audit::audited;
use crate::audit::model::Action;
use crate::auth::extractors::TherapistUser;
use crate::charting::forms::FindingForm;
use crate::charting::views::FindingRow;
use crate::db::DbConn;
use crate::error::AppError;
use crate::visits::routes::visit_url;
use crate::visits::views::{FindingEditPage, FindingRemovePage};
use crate::visits::{model, show};
use crate::web::flash::Flash;
use crate::web::form::Form;
use crate::web::page::{invalid, ok};
use crate::web::request::TherapistRequest;
use crate::web::state::AppState;

/// A trigger point of a draft visit of this therapist's client (signed visits are a conflict).
async fn finding_page(
    state: &AppState,
    me: &TherapistUser,
    id: String,
) -> Result<show::FindingShown, AppError> {
    let therapist = me.id().to_owned();
    let shown = state.db.run(move |conn| show::finding(conn, &therapist, &id)).await?;
    model::editable(&shown.visit)?;
    Ok(shown)
}

pub async fn edit_finding_form(
    req: TherapistRequest,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let TherapistRequest { state, me, ctx, .. } = req;
    let shown = finding_page(&state, &me, id.into_inner()).await?;
    ok(&FindingEditPage::new(ctx, shown, None))
}

pub async fn update_finding(
    req: TherapistRequest,
    id: web::Path<String>,
    form: Form<FindingForm>,
) -> Result<HttpResponse, AppError> {
    let TherapistRequest { state, me, ctx, actor } = req;
    let (id, form) = (id.into_inner(), form.into_inner());
    let (therapist, target, now, audit_actor) =
        (me.id().to_owned(), id.clone(), state.clock.now(), actor.clone());
    let result = match form.validate() {
        Err(errors) => Err(AppError::Validation(errors)),
        Ok(fields) => {
            let change =
                move |conn: &mut DbConn| model::update_finding(conn, &therapist, &target, &fields, now);
            audited::write(&state.db, audit_actor, Action::FindingUpdate, change).await
        }
    };
    match result {
        Ok(finding) => Ok(state.see_other(
            &format!("{}#trigger-points", visit_url(&finding.visit_id)),
            Flash::success("Trigger point saved."),
        )),
        Err(AppError::Validation(errors)) => {
            let shown = finding_page(&state, &me, id).await?;
            invalid(&FindingEditPage::new(ctx, shown, Some((form, errors))))
        }
        Err(err) => Err(err),
    }
}

pub async fn delete_finding(req: TherapistRequest, id: web::Path<String>) -> Result<HttpResponse, AppError> {
    let TherapistRequest { state, me, actor, .. } = req;
    let (therapist, id, now) = (me.id().to_owned(), id.into_inner(), state.clock.now());
    let remove = move |conn: &mut DbConn| model::delete_finding(conn, &therapist, &id, now);
    let finding = audited::write(&state.db, actor, Action::FindingDelete, remove).await?;
    let back = format!("{}#trigger-points", visit_url(&finding.visit_id));
    Ok(state.see_other(&back, Flash::success("Trigger point removed.")))
}

/// Asks before a trigger point is removed (the visit page's script asks itself).
pub async fn remove_finding_form(
    req: TherapistRequest,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let TherapistRequest { state, me, ctx, .. } = req;
    let shown = finding_page(&state, &me, id.into_inner()).await?;
    let row = FindingRow::new(shown.finding, &shown.muscle);
    ok(&FindingRemovePage { ctx, client: shown.client, visit: shown.visit, row })
}
