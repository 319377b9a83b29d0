//! Templates of the follow-up pages, and the dashboard shown on the home page.

use askama::Template;
use chrono::NaiveDate;

use crate::clients::model::Client;
use crate::error::FieldErrors;
use crate::followups::forms::FollowupForm;
use crate::followups::model::WithClient;
use crate::followups::schedule::{self, Bucket, ReasonKind, RepeatUnit};
use crate::web::page::Ctx;

/// The therapist's follow-ups by bucket, in the practice's time zone.
#[derive(Debug, Clone, Default)]
pub struct Dashboard {
    pub overdue: Vec<WithClient>,
    pub today: Vec<WithClient>,
    pub next_seven_days: Vec<WithClient>,
}

impl Dashboard {
    pub fn from_rows(rows: Vec<WithClient>, today: NaiveDate) -> Dashboard {
        let mut dashboard = Dashboard::default();
        for row in rows {
            match schedule::bucket(row.followup.due_date, today) {
                Bucket::Overdue => dashboard.overdue.push(row),
                Bucket::Today => dashboard.today.push(row),
                Bucket::NextSevenDays => dashboard.next_seven_days.push(row),
                Bucket::Later => {}
            }
        }
        dashboard
    }

    /// (heading, rows, CSS suffix) in display order.
    pub fn buckets(&self) -> Vec<(&'static str, &[WithClient], &'static str)> {
        vec![
            ("Overdue", &self.overdue, "overdue"),
            ("Today", &self.today, "today"),
            ("Next 7 days", &self.next_seven_days, "soon"),
        ]
    }

    pub fn is_empty(&self) -> bool {
        self.overdue.is_empty() && self.today.is_empty() && self.next_seven_days.is_empty()
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
