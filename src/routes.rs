//! Every route in one table, at the top of the house: it names handlers from every area and
//! page. `configure` registers them; `ROUTES` lets tests (and later the OpenAPI document and the
//! attack suite) walk them with the access each one declares.

use actix_web::dev::ResourceDef;
use actix_web::{HttpRequest, web};

use crate::audit::model::Action;
use crate::error::AppError;
pub use crate::web::access::{Access, Reads, RouteInfo, RouteTable};
use crate::{accounts, audit, charting, clients, followups, homecare, mail, pages, visits, web as site};

/// `reads(Action)` or `reads(Action, "kind")`: what `audit::declared` records for a page.
macro_rules! reads {
    () => {
        None
    };
    ($action:ident) => {
        Some(Reads { action: Action::$action.code(), object: None })
    };
    ($action:ident, $object:literal) => {
        Some(Reads { action: Action::$action.code(), object: Some($object) })
    };
}

macro_rules! route_table {
    ($($method:ident $path:literal => $handler:path, $access:ident $(, reads($($read:tt)*))?;)*) => {
        /// The route table.
        pub const ROUTES: &[RouteInfo] = &[
            $(RouteInfo {
                method: stringify!($method),
                path: $path,
                access: Access::$access,
                reads: reads!($($($read)*)?),
            },)*
        ];

        /// Registers every route (GET ones answer HEAD too), plus the 404/405 fallback.
        pub fn configure(cfg: &mut web::ServiceConfig) {
            $(
                cfg.route($path, web::$method().to($handler));
                if stringify!($method) == "get" {
                    cfg.route($path, web::head().to($handler));
                }
            )*
            cfg.default_service(web::to(fallback));
        }
    };
}

route_table! {
    get  "/healthz"                              => site::health::healthz, Public;
    get  "/readyz"                               => site::health::readyz, Public;
    get  "/static/{hash}/{name}"                 => site::assets::serve, Public;
    get  "/setup"                                => accounts::routes::setup_form, Public;
    post "/setup"                                => accounts::routes::setup, Public;
    get  "/login"                                => accounts::routes::login_form, Public;
    post "/login"                                => accounts::routes::login, Public;
    post "/logout"                               => accounts::routes::logout, SignedIn;
    post "/session/keep-alive"                   => accounts::routes::keep_alive, SignedIn;
    get  "/"                                     => pages::routes::home, SignedIn, reads(DashboardView);
    get  "/account/password"                     => accounts::routes::password_form, SignedIn;
    post "/account/password"                     => accounts::routes::change_password, SignedIn;
    get  "/admin/users"                          => accounts::admin_routes::list_users, Admin;
    get  "/admin/users/new"                      => accounts::admin_routes::new_user_form, Admin;
    post "/admin/users/new"                      => accounts::admin_routes::create_user, Admin;
    get  "/admin/users/{id}"                     => accounts::admin_routes::edit_user_form, Admin;
    post "/admin/users/{id}"                     => accounts::admin_routes::update_user, Admin;
    post "/admin/users/{id}/deactivate"          => accounts::admin_routes::deactivate_user, Admin;
    post "/admin/users/{id}/activate"            => accounts::admin_routes::activate_user, Admin;
    post "/admin/users/{id}/reset-password"      => accounts::admin_routes::reset_password, Admin;
    get  "/admin/audit"                          => audit::routes::list_audit, Admin, reads(AuditView);
    get  "/admin/clients"                        => pages::routes::list_assignments, Admin, reads(AssignmentsView);
    post "/admin/clients/{id}/reassign"          => pages::routes::reassign_client, Admin;
    get  "/clients"                              => clients::routes::list_clients, Therapist, reads(ClientList);
    get  "/clients/new"                          => clients::routes::new_client_form, Therapist;
    post "/clients/new"                          => clients::routes::create_client, Therapist;
    get  "/clients/{id}"                         => pages::routes::show_chart, Therapist, reads(ClientView, "client");
    get  "/clients/{id}/edit"                    => clients::routes::edit_client_form, Therapist, reads(ClientView, "client");
    post "/clients/{id}/edit"                    => clients::routes::update_client, Therapist, reads(ClientView, "client");
    post "/clients/{id}/archive"                 => clients::routes::archive_client, Therapist;
    post "/clients/{id}/restore"                 => clients::routes::restore_client, Therapist;
    get  "/clients/{id}/visits/new"              => visits::routes::new_visit_form, Therapist, reads(ClientView, "client");
    post "/clients/{id}/visits/new"              => visits::routes::create_visit, Therapist, reads(ClientView, "client");
    get  "/clients/{id}/factors/new"             => charting::routes::new_factor_form, Therapist, reads(ClientView, "client");
    post "/clients/{id}/factors/new"             => charting::routes::create_factor, Therapist, reads(ClientView, "client");
    get  "/factors/{id}/edit"                    => charting::routes::edit_factor_form, Therapist, reads(FactorView, "factor");
    post "/factors/{id}/edit"                    => charting::routes::update_factor, Therapist, reads(FactorView, "factor");
    get  "/visits/{id}"                          => visits::routes::show_visit, Therapist, reads(VisitView, "visit");
    post "/visits/{id}"                          => visits::routes::update_visit, Therapist, reads(VisitView, "visit");
    post "/visits/{id}/autosave"                 => visits::routes::autosave_visit, Therapist;
    get  "/visits/{id}/sign"                     => visits::routes::sign_form, Therapist, reads(VisitView, "visit");
    post "/visits/{id}/sign"                     => visits::routes::sign_visit, Therapist;
    post "/visits/{id}/addenda"                  => visits::routes::add_addendum, Therapist, reads(VisitView, "visit");
    get  "/findings/{id}/edit"                   => visits::finding_routes::edit_finding_form, Therapist, reads(FindingView, "finding");
    post "/findings/{id}/edit"                   => visits::finding_routes::update_finding, Therapist, reads(FindingView, "finding");
    get  "/findings/{id}/delete"                 => visits::finding_routes::remove_finding_form, Therapist, reads(FindingView, "finding");
    post "/findings/{id}/delete"                 => visits::finding_routes::delete_finding, Therapist;
    get  "/muscles"                              => charting::routes::list_muscles, Therapist;
    get  "/muscles/new"                          => charting::routes::new_muscle_form, Therapist;
    post "/muscles/new"                          => charting::routes::create_muscle, Therapist;
    get  "/clients/{id}/routine"                 => homecare::routes::build_routine_form, Therapist, reads(RoutineBuild, "client");
    post "/clients/{id}/routine"                 => homecare::routes::save_routine, Therapist, reads(RoutineBuild, "client");
    post "/clients/{id}/links/revoke"            => homecare::routes::revoke_links, Therapist;
    get  "/exercises/new"                        => homecare::routes::new_exercise_form, Therapist;
    post "/exercises/new"                        => homecare::routes::create_exercise, Therapist;
    get  "/routines/{id}"                        => homecare::routes::show_routine, Therapist, reads(RoutineView, "routine");
    get  "/routines/{id}/email"                  => homecare::routes::routine_email_preview, Therapist, reads(RoutineView, "routine");
    post "/routines/{id}/send"                   => homecare::routes::send_routine, Therapist, reads(RoutineView, "routine");
    post "/outbox/{id}/retry"                    => mail::routes::retry_email, Therapist;
    get  "/admin/outbox"                         => mail::routes::list_outbox, Admin, reads(OutboxView);
    get  "/clients/{id}/followups/new"           => followups::routes::new_followup_form, Therapist, reads(ClientView, "client");
    post "/clients/{id}/followups/new"           => followups::routes::create_followup, Therapist, reads(ClientView, "client");
    get  "/followups"                            => followups::routes::list_due, Therapist, reads(FollowupList);
    post "/followups/{id}/done"                  => followups::routes::complete_followup, Therapist;
    post "/followups/{id}/cancel"                => followups::routes::cancel_followup, Therapist;
    get  "/calendar"                             => followups::routes::calendar_page, Therapist;
    post "/calendar/rotate"                      => followups::routes::rotate_calendar, Therapist;
    post "/calendar/revoke"                      => followups::routes::revoke_calendar, Therapist;
    get  "/calendar/feed/{token}"                => followups::routes::calendar_feed, Public;
    get  "/r/{token}"                            => homecare::public_routes::show, Public;
    post "/r/{token}/done"                       => homecare::public_routes::mark_done, Public;
    post "/r/{token}/pain"                       => homecare::public_routes::report_pain, Public;
    get  "/u/{token}"                            => mail::routes::unsubscribe_form, Public;
    post "/u/{token}"                            => mail::routes::unsubscribe, Public;
}

/// 405 when the path exists with another method, 404 otherwise.
async fn fallback(req: HttpRequest) -> Result<actix_web::HttpResponse, AppError> {
    let known_path = ROUTES.iter().any(|route| ResourceDef::new(route.path).is_match(req.path()));
    Err(if known_path { AppError::MethodNotAllowed } else { AppError::NotFound })
}
