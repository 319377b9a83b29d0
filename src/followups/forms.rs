//! The follow-up form, as typed.

use chrono::{Duration, NaiveDate, NaiveTime};
use serde::Deserialize;

use crate::error::FieldErrors;
use crate::followups::model::FollowupFields;
use crate::followups::schedule::{ReasonKind, Repeat, RepeatUnit};
use crate::sensitive::debug_only;
use crate::web::fields::{Checker, SHORT_TEXT};

#[derive(Clone, Default, Deserialize)]
#[serde(default)]
pub struct FollowupForm {
    pub due_date: String,
    /// HH:MM, or blank for "some time that day".
    pub due_time: String,
    pub reason_kind: String,
    pub reason: String,
    pub finding_id: String,
    pub factor_id: String,
    /// Blank for a one-off.
    pub repeat_every: String,
    pub repeat_unit: String,
    pub repeat_until: String,
    pub repeat_count: String,
    /// "on" when the client should get a reminder email.
    pub remind: Option<String>,
}

debug_only!(FollowupForm: due_date, reason_kind);

impl FollowupForm {
    /// A new follow-up, due in a week. It starts as the therapist's own task (re-assess a
    /// trigger point), so no reminder goes to the client unless the therapist asks for one.
    pub fn initial(today: NaiveDate) -> FollowupForm {
        let reason = ReasonKind::ReassessTrp;
        FollowupForm {
            due_date: (today + Duration::days(7)).to_string(),
            reason_kind: reason.code().into(),
            repeat_unit: RepeatUnit::Weeks.code().into(),
            remind: reason.reminds_by_default().then(|| "on".into()),
            ..FollowupForm::default()
        }
    }

    /// Checks the form; `today` is the practice's date.
    pub fn validate(&self, today: NaiveDate) -> Result<FollowupFields, FieldErrors> {
        let mut c = Checker::default();
        let latest = today + Duration::days(3 * 366);
        let due_date = c.date_between("due_date", &self.due_date, today - Duration::days(366), latest);
        if due_date.is_none() {
            c.fail("due_date", "Enter the date the follow-up is due.");
        }
        let due_time = match self.due_time.trim() {
            "" => None,
            text => match NaiveTime::parse_from_str(text, "%H:%M") {
                Ok(time) => Some(time),
                Err(_) => {
                    c.fail("due_time", "Enter a time as HH:MM, or leave it blank.");
                    None
                }
            },
        };
        let reason_kind = c
            .choice("reason_kind", &self.reason_kind, ReasonKind::parse, "a reason")
            .map(|r| r.code().to_owned());
        let repeat = match self.repeat_every.trim() {
            "" => None,
            _ => {
                let every = c.int_in("repeat_every", &self.repeat_every, 1..=52, "The interval");
                let unit = c.choice("repeat_unit", &self.repeat_unit, RepeatUnit::parse, "days or weeks");
                let until =
                    c.date_between("repeat_until", &self.repeat_until, due_date.unwrap_or(today), latest);
                let count = c.int_in("repeat_count", &self.repeat_count, 2..=100, "The number of times");
                match (every, unit) {
                    (Some(every), Some(unit)) => Some(Repeat { every, unit, until, count }),
                    _ => None,
                }
            }
        };
        let fields = FollowupFields {
            due_date: due_date.unwrap_or(today),
            due_time,
            reason_kind: reason_kind.unwrap_or_default(),
            reason: c.optional("reason", &self.reason, SHORT_TEXT),
            finding_id: Some(self.finding_id.trim().to_owned()).filter(|s| !s.is_empty()),
            factor_id: Some(self.factor_id.trim().to_owned()).filter(|s| !s.is_empty()),
            repeat,
            remind: self.remind.is_some(),
        };
        c.into_result(fields)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn follow_up_form_checks_dates_times_and_repeats() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 21).unwrap();
        let bad = FollowupForm {
            due_date: "2031-01-01".into(),
            due_time: "25:00".into(),
            reason_kind: "x".into(),
            repeat_every: "0".into(),
            repeat_unit: "months".into(),
            ..FollowupForm::default()
        };
        let errors = bad.validate(today).unwrap_err();
        assert_eq!(
            errors.keys().copied().collect::<Vec<_>>(),
            ["due_date", "due_time", "reason_kind", "repeat_every", "repeat_unit"]
        );
        let ok = FollowupForm {
            repeat_every: "2".into(),
            repeat_count: "4".into(),
            ..FollowupForm::initial(today)
        };
        let fields = ok.validate(today).unwrap();
        assert_eq!(fields.repeat.unwrap().count, Some(4));
        assert_eq!(fields.due_date, NaiveDate::from_ymd_opt(2026, 11, 28).unwrap());
    }
}
