//! The client form, as typed.

use chrono::NaiveDate;
use serde::Deserialize;

use crate::clients::model::{Client, ClientFields};
use crate::error::FieldErrors;
use crate::sensitive::debug_only;
use crate::web::fields::{Checker, LONG_TEXT, SHORT_TEXT};

#[derive(Clone, Default, Deserialize)]
#[serde(default)]
pub struct ClientForm {
    pub first_name: String,
    pub last_name: String,
    pub preferred_name: String,
    pub date_of_birth: String,
    pub email: String,
    pub phone: String,
    pub email_consent: Option<String>,
    pub occupation: String,
    pub work_setup: String,
    pub medical_history: String,
    pub medications: String,
    pub red_flags: String,
    pub emergency_contact: String,
    pub notes: String,
}

debug_only!(ClientForm:);

fn text(value: &Option<String>) -> String {
    value.clone().unwrap_or_default()
}

impl ClientForm {
    /// The form filled from a stored client, for editing.
    pub fn from_client(client: &Client) -> ClientForm {
        let c = &client.details;
        ClientForm {
            first_name: c.first_name.clone(),
            last_name: c.last_name.clone(),
            preferred_name: text(&c.preferred_name),
            date_of_birth: c.date_of_birth.map(|d| d.to_string()).unwrap_or_default(),
            email: text(&c.email),
            phone: text(&c.phone),
            email_consent: c.email_consent.then(|| "on".into()),
            occupation: text(&c.occupation),
            work_setup: text(&c.work_setup),
            medical_history: text(&c.medical_history),
            medications: text(&c.medications),
            red_flags: text(&c.red_flags),
            emergency_contact: text(&c.emergency_contact),
            notes: text(&c.notes),
        }
    }

    /// Checks the form; `today` is the practice's date (no one is born tomorrow).
    pub fn validate(&self, today: NaiveDate) -> Result<ClientFields, FieldErrors> {
        let mut c = Checker::default();
        let first_name = c.required("first_name", &self.first_name, 100, "a first name");
        let last_name = c.required("last_name", &self.last_name, 100, "a last name");
        let preferred_name = c.optional("preferred_name", &self.preferred_name, 100);
        let earliest = NaiveDate::from_ymd_opt(1900, 1, 1).unwrap_or(NaiveDate::MIN);
        let date_of_birth = c.date_between("date_of_birth", &self.date_of_birth, earliest, today);
        let email = c.email("email", &self.email);
        let phone = c.optional("phone", &self.phone, 40);
        if phone
            .as_deref()
            .is_some_and(|p| !p.chars().all(|ch| ch.is_ascii_digit() || " +-()./".contains(ch)))
        {
            c.fail("phone", "Use digits, spaces and + - ( ) / . only.");
        }
        let email_consent = self.email_consent.is_some();
        if email_consent && self.email.trim().is_empty() {
            c.fail("email_consent", "Consent to email needs an email address.");
        }
        let fields = ClientFields {
            first_name,
            last_name,
            preferred_name,
            date_of_birth,
            email,
            phone,
            email_consent,
            occupation: c.optional("occupation", &self.occupation, SHORT_TEXT),
            work_setup: c.optional("work_setup", &self.work_setup, LONG_TEXT),
            medical_history: c.optional("medical_history", &self.medical_history, LONG_TEXT),
            medications: c.optional("medications", &self.medications, LONG_TEXT),
            red_flags: c.optional("red_flags", &self.red_flags, LONG_TEXT),
            emergency_contact: c.optional("emergency_contact", &self.emergency_contact, SHORT_TEXT),
            notes: c.optional("notes", &self.notes, LONG_TEXT),
        };
        c.into_result(fields)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_form_checks_each_field() {
        let form = ClientForm {
            first_name: " Ada ".into(),
            last_name: "".into(),
            date_of_birth: "2999-01-01".into(),
            email: "nope".into(),
            phone: "call me".into(),
            email_consent: Some("on".into()),
            ..ClientForm::default()
        };
        let today = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
        let errors = form.validate(today).unwrap_err();
        assert_eq!(
            errors.keys().copied().collect::<Vec<_>>(),
            ["date_of_birth", "email", "last_name", "phone"]
        );
        let ok = ClientForm { first_name: "Ada".into(), last_name: "Byron".into(), ..ClientForm::default() };
        assert_eq!(ok.validate(today).unwrap().first_name, "Ada");
        let consent = ClientForm { email_consent: Some("on".into()), ..ok };
        assert!(consent.validate(today).unwrap_err().contains_key("email_consent"));
    }
}
