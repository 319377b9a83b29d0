//! Handlers of the composed pages: home, the chart, and the admin's client assignments.

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use crate::audit::audited;
use crate::audit::model::Action;
use crate::auth::extractors::CurrentUser;
use crate::charting::views::Vocab;
use crate::charting::vocab::Zone;
use crate::db::DbConn;
use crate::db::paging::{Page, PageRequest};
use crate::error::AppError;
use crate::followups::model as followups;
use crate::followups::views::Dashboard;
use crate::pages::views::{AdminClientsPage, ChartPage, HomePage};
use crate::pages::{assignments, chart};
use crate::web::flash::Flash;
use crate::web::form::Form;
use crate::web::page::ok;
use crate::web::paging::{Pager, query};
use crate::web::request::{AdminRequest, SignedInRequest, TherapistRequest};

const ASSIGNMENTS_PAGE_SIZE: i64 = 25;
/// Follow-ups the dashboard shows of each bucket; the rest are a link away.
const DASHBOARD_ROWS: i64 = 8;

pub async fn home(req: SignedInRequest) -> Result<HttpResponse, AppError> {
    let SignedInRequest { state, me: CurrentUser(me), ctx, .. } = req;
    let today = state.clock.today();
    let dashboard = if me.user.is_therapist {
        let therapist = me.user.id.clone();
        let lists =
            state.db.run(move |conn| followups::dashboard(conn, &therapist, today, DASHBOARD_ROWS)).await?;
        Some(Dashboard { lists })
    } else {
        None
    };
    ok(&HomePage { ctx, name: me.user.display_name, dashboard, today })
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ChartParams {
    zone: String,
}

pub async fn show_chart(
    req: TherapistRequest,
    id: web::Path<String>,
    params: web::Query<ChartParams>,
) -> Result<HttpResponse, AppError> {
    let TherapistRequest { state, me, ctx, .. } = req;
    let (therapist, id, zone, clock) =
        (me.id().to_owned(), id.into_inner(), Zone::parse(&params.zone), state.clock.clone());
    let chart = state.db.run(move |conn| chart::load(conn, &therapist, &id, zone, &clock)).await?;
    ok(&ChartPage {
        ctx,
        v: Vocab,
        age: chart.client.age_on(state.clock.today()),
        active_count: chart.active_count,
        client: chart.client,
        visits: chart.visits,
        muscles: chart.muscles,
        factors: chart.factors,
        zone: zone.map(|z| z.code().to_owned()).unwrap_or_default(),
        candidates: chart.candidates,
        map: chart.map,
        interactive: false,
        routines: chart.routines,
        emails: chart.emails,
        followups: chart.followups,
        adherence: chart.adherence,
    })
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct AssignmentParams {
    q: String,
    page: Option<i64>,
}

/// Who treats whom. Names only: admins without the therapist role never see clinical content.
pub async fn list_assignments(
    req: AdminRequest,
    params: web::Query<AssignmentParams>,
) -> Result<HttpResponse, AppError> {
    let AdminRequest { state, ctx, .. } = req;
    let q: String = params.q.chars().take(100).collect();
    let request = PageRequest::numbered(params.page, ASSIGNMENTS_PAGE_SIZE);
    let (text, window) = (q.clone(), request.clone());
    let list = state.db.run(move |conn| assignments::list(conn, &text, &window)).await?;
    let (page, therapists) = (Page::from_fetched(list.rows, &request, |row| row.id.clone()), list.therapists);
    let pager = Pager::numbered(&page, |n| {
        format!("/admin/clients{}", query(&[("q", &q), ("page", &n.to_string())]))
    });
    ok(&AdminClientsPage { ctx, rows: page.rows, therapists, q, pager })
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ReassignForm {
    therapist_id: String,
}

pub async fn reassign_client(
    req: AdminRequest,
    id: web::Path<String>,
    form: Form<ReassignForm>,
) -> Result<HttpResponse, AppError> {
    let AdminRequest { state, actor, .. } = req;
    let (id, therapist, now) = (id.into_inner(), form.into_inner().therapist_id, state.clock.now());
    let reassign = move |conn: &mut DbConn| assignments::reassign(conn, &id, &therapist, now);
    let flash = match audited::write(&state.db, actor, Action::ClientReassign, reassign).await {
        Ok(_) => Flash::success("The client was reassigned."),
        Err(AppError::Validation(errors)) => Flash::error(errors.into_values().next().unwrap_or_default()),
        Err(err) => return Err(err),
    };
    Ok(state.see_other("/admin/clients", flash))
}
