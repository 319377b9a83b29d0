//! The therapist's side of home care: build a routine from the client's active trigger points,
//! preview it, send it (queued in the same transaction), revoke links, retry failed emails.

use std::collections::HashMap;

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use chrono::Utc;

use crate::AppState;
use crate::audit::model::{self as audit, Action, Actor, Outcome};
use crate::auth::extractors::{AdminUser, TherapistUser};
use crate::auth::jwt::Purpose;
use crate::charting::findings;
use crate::clients::model::{self as clients, Client};
use crate::db::DbConn;
use crate::error::{AppError, FieldErrors};
use crate::followups::schedule;
use crate::homecare::forms::{RoutineForm, RowInput};
use crate::homecare::library::{self, Exercise};
use crate::homecare::links;
use crate::homecare::model::{self as routines, ItemFields, Routine, RoutineItem};
use crate::homecare::views::{BuilderPage, BuilderRow, OutboxPage, RoutinePage};
use crate::mail::emails::{self, Practice, RoutineMail};
use crate::mail::outbox;
use crate::web::flash::{Flash, see_other_with};
use crate::web::form::HtmlForm;
use crate::web::page::{Ctx, invalid, ok};

fn routine_url(id: &str) -> String {
    format!("/routines/{id}")
}

/// Muscles (id, name) whose latest finding on some side is active.
fn active_muscles(conn: &mut DbConn, client_id: &str) -> Result<Vec<(String, String)>, AppError> {
    let mut latest: HashMap<(String, String), (String, String)> = HashMap::new();
    for (finding, muscle, _) in findings::list_for_client(conn, client_id)? {
        latest
            .insert((finding.muscle_id.clone(), finding.side.clone()), (finding.classification, muscle.name));
    }
    let mut active: Vec<(String, String)> = latest
        .into_iter()
        .filter(|(_, (class, _))| class == "active")
        .map(|((muscle_id, _), (_, name))| (muscle_id, name))
        .collect();
    active.sort_by(|a, b| a.1.cmp(&b.1));
    active.dedup();
    Ok(active)
}

/// The builder's rows: the library items for the active muscles and for anything already in
/// the draft, with the draft's doses where there is one and the library's otherwise.
fn builder_rows(conn: &mut DbConn, client: &Client) -> Result<(BuilderPage, String), AppError> {
    let active = active_muscles(conn, &client.id)?;
    let draft = routines::for_client(conn, &client.id)?.into_iter().find(|r| !r.is_sent());
    let draft_items = match &draft {
        Some(r) => routines::items(conn, &r.id)?,
        None => Vec::new(),
    };
    let mut muscle_ids: Vec<String> = active.iter().map(|(id, _)| id.clone()).collect();
    let draft_ids: Vec<String> = draft_items.iter().filter_map(|i| i.exercise_id.clone()).collect();
    let mut exercises = library::for_muscles(conn, &muscle_ids)?;
    for extra in library::by_ids(conn, &draft_ids)? {
        if !exercises.iter().any(|e| e.id == extra.id) {
            muscle_ids.push(extra.muscle_id.clone());
            exercises.push(extra);
        }
    }
    let names: HashMap<String, String> =
        crate::charting::catalog::all(conn)?.into_iter().map(|m| (m.id, m.name)).collect();
    let rows = exercises
        .into_iter()
        .enumerate()
        .map(|(index, exercise)| {
            let saved = draft_items.iter().find(|i| i.exercise_id.as_deref() == Some(exercise.id.as_str()));
            let input = match saved {
                Some(item) => RowInput {
                    exercise_id: exercise.id.clone(),
                    include: true,
                    order: (item.position + 1).to_string(),
                    seconds: item.seconds.to_string(),
                    repetitions: item.repetitions.to_string(),
                    times_per_day: item.times_per_day.to_string(),
                    notes: item.notes.clone().unwrap_or_default(),
                },
                None => RowInput {
                    exercise_id: exercise.id.clone(),
                    include: draft.is_none() && exercise.kind == "self_massage",
                    order: (index + 1).to_string(),
                    seconds: exercise.seconds.to_string(),
                    repetitions: exercise.repetitions.to_string(),
                    times_per_day: exercise.times_per_day.to_string(),
                    notes: String::new(),
                },
            };
            BuilderRow {
                muscle_name: names.get(&exercise.muscle_id).cloned().unwrap_or_default(),
                exercise,
                input,
            }
        })
        .collect();
    let intro = draft.map(|r| r.intro).unwrap_or_default();
    let page = BuilderPage {
        ctx: Ctx::bare(),
        client: client.clone(),
        intro: intro.clone(),
        rows,
        errors: FieldErrors::new(),
        active_muscles: active.into_iter().map(|(_, name)| name).collect(),
    };
    Ok((page, intro))
}

pub async fn build_routine_form(
    state: web::Data<AppState>,
    me: TherapistUser,
    ctx: Ctx,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let (id, therapist) = (id.into_inner(), me.id().to_owned());
    let (page, _) = state
        .db
        .run(move |conn| {
            let client = clients::find_for_therapist(conn, &id, &therapist)?;
            builder_rows(conn, &client)
        })
        .await?;
    ok(&BuilderPage { ctx, ..page })
}

pub async fn save_routine(
    state: web::Data<AppState>,
    me: TherapistUser,
    ctx: Ctx,
    actor: Actor,
    id: web::Path<String>,
    form: HtmlForm<RoutineForm>,
) -> Result<HttpResponse, AppError> {
    let (id, therapist, form) = (id.into_inner(), me.id().to_owned(), form.0);
    let result = match form.validate() {
        Err(errors) => Err(AppError::Validation(errors)),
        Ok((intro, chosen)) => {
            let (id, therapist) = (id.clone(), therapist.clone());
            state
                .db
                .write(move |conn| {
                    let client = clients::find_for_therapist(conn, &id, &therapist)?;
                    let ids: Vec<String> = chosen.iter().map(|(id, _)| id.clone()).collect();
                    let library: HashMap<String, Exercise> =
                        library::by_ids(conn, &ids)?.into_iter().map(|e| (e.id.clone(), e)).collect();
                    let items = chosen
                        .into_iter()
                        .map(|(id, item)| match library.get(&id) {
                            Some(e) => Ok(ItemFields {
                                title: e.title.clone(),
                                instructions: e.instructions.clone(),
                                ..item
                            }),
                            None => Err(AppError::field("items", "Choose exercises from the library.")),
                        })
                        .collect::<Result<Vec<_>, _>>()?;
                    let routine = routines::save_draft(conn, &client, &therapist, &intro, &items)?;
                    audit::record(
                        conn,
                        &actor,
                        Action::RoutineSave,
                        Some(("routine", &routine.id)),
                        Outcome::Success,
                        None,
                    )?;
                    Ok(routine)
                })
                .await
        }
    };
    match result {
        Ok(routine) => Ok(see_other_with(
            &state.cookie_names,
            &routine_url(&routine.id),
            Flash::success("Draft saved. Check the preview, then send."),
        )),
        Err(AppError::Validation(errors)) => {
            let (mut page, _) = state
                .db
                .run(move |conn| {
                    let client = clients::find_for_therapist(conn, &id, &therapist)?;
                    builder_rows(conn, &client)
                })
                .await?;
            // Show the rows as typed.
            let typed: HashMap<String, RowInput> =
                form.rows().into_iter().map(|r| (r.exercise_id.clone(), r)).collect();
            for row in &mut page.rows {
                if let Some(input) = typed.get(&row.exercise.id) {
                    row.input = input.clone();
                }
            }
            invalid(&BuilderPage { ctx, intro: form.intro, errors, ..page })
        }
        Err(err) => Err(err),
    }
}

/// Why a routine cannot go to this client by email, if it cannot.
fn send_blocker(client: &Client) -> Option<String> {
    if client.email.is_none() {
        Some("The client has no email address. Add one under Edit details.".into())
    } else if !client.email_consent {
        Some(
            "The client has not agreed to receive emails. Record their consent under Edit details first."
                .into(),
        )
    } else {
        None
    }
}

fn mail_for<'a>(
    state: &'a AppState,
    client: &Client,
    routine: &'a Routine,
    items: &'a [RoutineItem],
    link: &'a str,
    unsubscribe: &'a str,
) -> RoutineMail<'a> {
    RoutineMail {
        practice: Practice::from_config(&state.config),
        greeting_name: client.preferred_name.clone().unwrap_or_else(|| client.first_name.clone()),
        routine,
        items,
        link,
        unsubscribe,
    }
}

pub async fn show_routine(
    state: web::Data<AppState>,
    me: TherapistUser,
    ctx: Ctx,
    actor: Actor,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let (id, therapist) = (id.into_inner(), me.id().to_owned());
    let tz = state.config.tz();
    let (routine, client, items, adherence, emails) = state
        .db
        .run(move |conn| {
            let (routine, client) = routines::find_for_therapist(conn, &id, &therapist)?;
            let items = routines::items(conn, &routine.id)?;
            let adherence = match routine.sent_at {
                Some(sent) => {
                    let (sent_on, today) =
                        (schedule::today_in(tz, sent), schedule::today_in(tz, Utc::now().naive_utc()));
                    Some(links::adherence(conn, &routine.id, sent_on, today)?)
                }
                None => None,
            };
            let emails = outbox::for_client(conn, &client.id, 20)?;
            audit::record(
                conn,
                &actor,
                Action::RoutineView,
                Some(("routine", &routine.id)),
                Outcome::Success,
                None,
            )?;
            Ok((routine, client, items, adherence, emails))
        })
        .await?;
    let placeholder = "(the client's private link)";
    let preview = emails::routine(
        &mail_for(&state, &client, &routine, &items, placeholder, placeholder),
        &client,
        me.id(),
    );
    let preview_html = preview.map(|e| e.body_html).unwrap_or_default();
    let blocked = if routine.is_sent() { None } else { send_blocker(&client) };
    ok(&RoutinePage { ctx, client, routine, items, preview_html, adherence, blocked, emails })
}

/// The email preview on its own, for the sandboxed frame on the routine page. Email HTML needs
/// inline styles, so this one response relaxes the style policy and may be framed by our pages.
pub async fn routine_email_preview(
    state: web::Data<AppState>,
    me: TherapistUser,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let (id, therapist) = (id.into_inner(), me.id().to_owned());
    let (routine, client, items) = state
        .db
        .run(move |conn| {
            let (routine, client) = routines::find_for_therapist(conn, &id, &therapist)?;
            let items = routines::items(conn, &routine.id)?;
            Ok((routine, client, items))
        })
        .await?;
    let placeholder = "#";
    let email = emails::routine(
        &mail_for(&state, &client, &routine, &items, placeholder, placeholder),
        &client,
        me.id(),
    );
    let html = email.map(|e| e.body_html).unwrap_or_else(|_| "<p>No email address.</p>".into());
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_SECURITY_POLICY, "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'self'; base-uri 'none'; form-action 'none'"))
        .insert_header((header::X_FRAME_OPTIONS, "SAMEORIGIN"))
        .content_type("text/html; charset=utf-8")
        .body(html))
}

pub async fn send_routine(
    state: web::Data<AppState>,
    me: TherapistUser,
    actor: Actor,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let (id, therapist) = (id.into_inner(), me.id().to_owned());
    let app = state.clone();
    let (routine, to) = state
        .db
        .write(move |conn| {
            let (routine, client) = routines::find_for_therapist(conn, &id, &therapist)?;
            if let Some(reason) = send_blocker(&client) {
                return Err(AppError::Conflict(reason));
            }
            let now = Utc::now().naive_utc();
            routines::mark_sent(conn, &routine, now)?;
            let items = routines::items(conn, &routine.id)?;
            let link = links::create(conn, &client.id, &routine.id, now)?;
            let exp = link.expires_at.and_utc().timestamp();
            let public = &app.config.public_url;
            let link_url =
                format!("{public}/r/{}", app.keys.issue(Purpose::ClientLink, &client.id, &link.id, exp));
            let unsubscribe_exp =
                (now + chrono::Duration::days(links::UNSUBSCRIBE_DAYS)).and_utc().timestamp();
            let unsubscribe_url = format!(
                "{public}/u/{}",
                app.keys.issue(Purpose::Unsubscribe, &client.id, &link.id, unsubscribe_exp)
            );
            let email = emails::routine(
                &mail_for(&app, &client, &routine, &items, &link_url, &unsubscribe_url),
                &client,
                &therapist,
            )?;
            let outbox_id = outbox::enqueue(conn, &email, now, |id| app.mail_worker.message_id(id))?;
            let detail = Some(format!("outbox {outbox_id}"));
            audit::record(
                conn,
                &actor,
                Action::RoutineSend,
                Some(("routine", &routine.id)),
                Outcome::Success,
                detail,
            )?;
            Ok((routine, email.to_address))
        })
        .await?;
    state.mail_worker.wake.notify_one();
    let flash = Flash::success(format!("Version {} is on its way to {to}.", routine.version));
    Ok(see_other_with(&state.cookie_names, &routine_url(&routine.id), flash))
}

pub async fn revoke_links(
    state: web::Data<AppState>,
    me: TherapistUser,
    actor: Actor,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let (id, therapist) = (id.into_inner(), me.id().to_owned());
    let (client_id, revoked) = state
        .db
        .write(move |conn| {
            let client = clients::find_for_therapist(conn, &id, &therapist)?;
            let revoked = links::revoke_for_client(conn, &client.id, Utc::now().naive_utc())?;
            audit::record(
                conn,
                &actor,
                Action::LinksRevoke,
                Some(("client", &client.id)),
                Outcome::Success,
                Some(format!("{revoked} links")),
            )?;
            Ok((client.id, revoked))
        })
        .await?;
    let flash = Flash::success(format!("{revoked} private links no longer work."));
    Ok(see_other_with(&state.cookie_names, &format!("/clients/{client_id}"), flash))
}

pub async fn retry_email(
    state: web::Data<AppState>,
    me: TherapistUser,
    actor: Actor,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let (id, therapist) = (id.into_inner(), me.id().to_owned());
    let client_id = state
        .db
        .write(move |conn| {
            let row = outbox::find(conn, &id)?;
            let client_id = row.client_id.clone().ok_or(AppError::NotFound)?;
            clients::find_for_therapist(conn, &client_id, &therapist)?;
            if !outbox::retry(conn, &row.id, Utc::now().naive_utc())? {
                return Err(AppError::Conflict("Only failed emails can be retried.".into()));
            }
            audit::record(
                conn,
                &actor,
                Action::EmailRetry,
                Some(("email", &row.id)),
                Outcome::Success,
                None,
            )?;
            Ok(client_id)
        })
        .await?;
    state.mail_worker.wake.notify_one();
    Ok(see_other_with(
        &state.cookie_names,
        &format!("/clients/{client_id}"),
        Flash::success("The email will be tried again."),
    ))
}

/// Recent messages: who, what kind, and how delivery went. Never the bodies.
pub async fn list_outbox(
    state: web::Data<AppState>,
    _admin: AdminUser,
    ctx: Ctx,
    actor: Actor,
) -> Result<HttpResponse, AppError> {
    let rows = state
        .db
        .run(move |conn| {
            audit::record(conn, &actor, Action::OutboxView, None, Outcome::Success, None)?;
            outbox::recent(conn, 100)
        })
        .await?;
    ok(&OutboxPage { ctx, rows })
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct BackQuery {
    /// A client id whose builder to return to.
    client: String,
}

async fn exercise_page(
    state: &AppState,
    ctx: Ctx,
    form: crate::homecare::forms::ExerciseForm,
    errors: FieldErrors,
    back: String,
) -> Result<HttpResponse, AppError> {
    let muscles = state.db.run(crate::charting::catalog::all).await?;
    let page = crate::homecare::views::ExerciseFormPage { ctx, form, errors, muscles, back };
    if page.errors.is_empty() { ok(&page) } else { invalid(&page) }
}

pub async fn new_exercise_form(
    state: web::Data<AppState>,
    _me: TherapistUser,
    ctx: Ctx,
    query: web::Query<BackQuery>,
) -> Result<HttpResponse, AppError> {
    let form = crate::homecare::forms::ExerciseForm::initial();
    exercise_page(&state, ctx, form, FieldErrors::new(), query.into_inner().client).await
}

pub async fn create_exercise(
    state: web::Data<AppState>,
    me: TherapistUser,
    ctx: Ctx,
    actor: Actor,
    query: web::Query<BackQuery>,
    form: web::Form<crate::homecare::forms::ExerciseForm>,
) -> Result<HttpResponse, AppError> {
    let (form, back) = (form.into_inner(), query.into_inner().client);
    let item = match form.validate(me.id()) {
        Ok(item) => item,
        Err(errors) => return exercise_page(&state, ctx, form, errors, back).await,
    };
    let result = state
        .db
        .write(move |conn| {
            if crate::charting::catalog::find(conn, &item.muscle_id)?.is_none() {
                return Err(AppError::field("muscle_id", "Choose a muscle from the catalog."));
            }
            let row = library::insert_custom(conn, &item)?;
            audit::record(
                conn,
                &actor,
                Action::ExerciseCreate,
                Some(("exercise", &row.id)),
                Outcome::Success,
                None,
            )?;
            Ok(row)
        })
        .await;
    match result {
        Ok(row) => {
            // Back to the builder the therapist came from, if it is a client id we can name safely.
            let to = if !back.is_empty() && back.chars().all(|c| c.is_ascii_hexdigit() || c == '-') {
                format!("/clients/{back}/routine")
            } else {
                "/".to_owned()
            };
            Ok(see_other_with(
                &state.cookie_names,
                &to,
                Flash::success(format!("\"{}\" was added to the library.", row.title)),
            ))
        }
        Err(AppError::Validation(errors)) => exercise_page(&state, ctx, form, errors, back).await,
        Err(err) => Err(err),
    }
}
