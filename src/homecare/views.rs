//! Templates of the home-care pages (therapist side and the client's private page).

use askama::Template;

use crate::clients::model::Client;
use crate::error::FieldErrors;
use crate::homecare::forms::RowInput;
use crate::homecare::library::Exercise;
use crate::homecare::links::Adherence;
use crate::homecare::model::{Routine, RoutineItem};
use crate::mail::outbox::OutboxRow;
use crate::web::page::Ctx;

/// A row of the builder: the library item, what it is for, and the dose as typed.
#[derive(Debug, Clone)]
pub struct BuilderRow {
    pub exercise: Exercise,
    pub muscle_name: String,
    pub input: RowInput,
}

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
    pub blocked: Option<String>,
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
#[template(path = "homecare/unsubscribe.html")]
pub struct UnsubscribePage {
    pub ctx: Ctx,
    pub practice_name: String,
    pub token: String,
    pub done: bool,
}

#[derive(Template)]
#[template(path = "homecare/exercise_form.html")]
pub struct ExerciseFormPage {
    pub ctx: Ctx,
    pub form: crate::homecare::forms::ExerciseForm,
    pub errors: FieldErrors,
    pub muscles: Vec<crate::charting::catalog::Muscle>,
    /// The client whose builder to return to, if any.
    pub back: String,
}

impl ExerciseFormPage {
    pub fn tools(&self) -> &'static [(&'static str, &'static str)] {
        &crate::homecare::forms::TOOLS
    }
}

#[derive(Template)]
#[template(path = "admin/outbox.html")]
pub struct OutboxPage {
    pub ctx: Ctx,
    pub rows: Vec<OutboxRow>,
}
