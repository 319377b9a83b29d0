//! Templates of the follow-up pages, and the dashboard shown on the home page.

use crate::clients::model::Client;
use crate::error::FieldErrors;
use crate::followups::forms::FollowupForm;
use crate::followups::model::{DueList, WithClient};
use crate::followups::schedule::{Bucket, ReasonKind, RepeatUnit};
use crate::web::page::Ctx;
use crate::web::paging::Pager;
use askama::Template;

/// The therapist's open follow-ups by bucket (in the practice's time zone): each bucket's count
/// and its first rows.
#[derive(Debug, Clone, Default)]
pub struct Dashboard {
    pub lists: Vec<DueList>,
}

impl Dashboard {
    pub fn is_empty(&self) -> bool {
        self.lists.iter().all(|list| list.total == 0)
    }
}

/// All open follow-ups of one bucket, a page at a time.
#[derive(Template)]
#[template(path = "followups/list.html")]
pub struct DueListPage {
    pub ctx: Ctx,
    /// `None`: every open follow-up.
    pub bucket: Option<Bucket>,
    pub total: i64,
    pub rows: Vec<WithClient>,
    pub pager: Pager,
}

impl DueListPage {
    /// Where the Done button returns to.
    pub fn back(&self) -> String {
        format!("due:{}", self.code())
    }

    /// The bucket's code, empty for all.
    pub fn code(&self) -> &'static str {
        self.bucket.map(Bucket::code).unwrap_or_default()
    }

    pub fn heading(&self) -> &'static str {
        match self.bucket {
            Some(Bucket::Overdue) => "Overdue follow-ups",
            Some(Bucket::Today) => "Follow-ups due today",
            Some(Bucket::NextSevenDays) => "Follow-ups due in the next 7 days",
            Some(Bucket::Later) => "Follow-ups due later",
            None => "Open follow-ups",
        }
    }
}

/// Choices for the follow-up form.
#[derive(Debug, Clone, Copy, Default)]
pub struct FollowupVocab;

impl FollowupVocab {
    pub fn reasons(&self) -> &'static [ReasonKind] {
        ReasonKind::ALL
    }
    pub fn units(&self) -> &'static [RepeatUnit] {
        RepeatUnit::ALL
    }
}

#[derive(Template)]
#[template(path = "followups/form.html")]
pub struct FollowupPage {
    pub ctx: Ctx,
    pub v: FollowupVocab,
    pub client: Client,
    pub form: FollowupForm,
    pub errors: FieldErrors,
    /// The practice's time zone, shown beside the time.
    pub timezone: String,
    /// The client's findings and factors a follow-up can be about: (id, label).
    pub findings: Vec<(String, String)>,
    pub factors: Vec<(String, String)>,
    /// Days before a follow-up its reminder goes out (0: reminders are off).
    pub reminder_days: u32,
    /// The practice's date, for the script that sets the reminder default.
    pub today: chrono::NaiveDate,
}

#[derive(Template)]
#[template(path = "followups/calendar.html")]
pub struct CalendarPage {
    pub ctx: Ctx,
    /// The feed URL, when one is live.
    pub url: Option<String>,
}
