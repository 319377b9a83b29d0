//! Templates of the home-care pages (therapist side and the client's private page).

use askama::Template;

use crate::charting::catalog::Muscle;
use crate::clients::model::Client;
use crate::error::FieldErrors;
use crate::homecare::builder::BuilderRow;
use crate::homecare::forms::ExerciseForm;
use crate::homecare::library::{ExerciseKind, Tool};
use crate::homecare::links::Adherence;
use crate::homecare::model::{Routine, RoutineItem};
use crate::mail::outbox::OutboxRow;
use crate::web::page::Ctx;

#[derive(Template)]
#[template(path = "homecare/builder.html")]
pub struct BuilderPage {
    pub ctx: Ctx,
    pub client: Client,
    pub intro: String,
    pub rows: Vec<BuilderRow>,
    pub errors: FieldErrors,
    /// Muscles whose latest finding is active, for the heading.
    pub active_muscles: Vec<String>,
}

#[derive(Template)]
#[template(path = "homecare/routine.html")]
pub struct RoutinePage {
    pub ctx: Ctx,
    pub client: Client,
    pub routine: Routine,
    pub items: Vec<RoutineItem>,
    /// The email as it will look (drafts) or as it was sent.
    pub preview_html: String,
    pub adherence: Option<Adherence>,
    /// Why it cannot be sent yet (no email, no consent), if so.
    pub blocked: Option<&'static str>,
    pub emails: Vec<OutboxRow>,
}

/// The client's private page.
#[derive(Template)]
#[template(path = "homecare/client_page.html")]
pub struct ClientRoutinePage {
    pub ctx: Ctx,
    pub practice_name: String,
    pub first_name: String,
    pub token: String,
    pub routine: Routine,
    pub items: Vec<RoutineItem>,
    pub done_today: Vec<String>,
    pub pain_today: Option<i32>,
    pub pain_error: Option<String>,
}

impl ClientRoutinePage {
    pub fn is_done(&self, item_id: &str) -> bool {
        self.done_today.iter().any(|d| d == item_id)
    }
}

#[derive(Template)]
#[template(path = "homecare/exercise_form.html")]
pub struct ExerciseFormPage {
    pub ctx: Ctx,
    pub form: ExerciseForm,
    pub errors: FieldErrors,
    pub muscles: Vec<Muscle>,
    /// The client whose builder to return to, if any.
    pub back: String,
}

impl ExerciseFormPage {
    pub fn kinds(&self) -> &'static [ExerciseKind] {
        ExerciseKind::ALL
    }

    pub fn tools(&self) -> &'static [Tool] {
        Tool::ALL
    }
}
