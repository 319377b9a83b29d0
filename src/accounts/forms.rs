//! Account forms as typed in: every field a string, so a form with errors can be shown again
//! exactly as the user left it. Validation returns messages per field.

use garde::Validate;
use serde::Deserialize;

use crate::auth::password;
use crate::error::FieldErrors;

// Forms holding passwords deliberately do not derive Debug: nothing may ever print them.

/// Sign-in. Never validated beyond presence: any mismatch reads as "incorrect".
#[derive(Clone, Default, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub password: String,
}

/// Email and display name, shared by first-run set-up and admin account creation.
#[derive(Debug, Clone, Default, Deserialize, Validate)]
pub struct IdentityFields {
    #[garde(email, length(chars, max = 254))]
    #[serde(default)]
    pub email: String,
    #[garde(length(chars, min = 1, max = 100))]
    #[serde(default)]
    pub display_name: String,
}

impl IdentityFields {
    fn check(&self, errors: &mut FieldErrors) {
        let trimmed = IdentityFields {
            email: self.email.trim().to_owned(),
            display_name: self.display_name.trim().to_owned(),
        };
        if let Err(report) = trimmed.validate() {
            for (path, _) in report.iter() {
                match path.to_string().as_str() {
                    "email" => {
                        errors.insert("email", "Enter an email address such as name@example.com.".into())
                    }
                    _ => errors.insert("display_name", "Enter a name of 1 to 100 characters.".into()),
                };
            }
        }
    }
}

/// A new password typed twice.
fn check_new_password(new: &str, confirm: &str, user_inputs: &[&str], errors: &mut FieldErrors) {
    if let Err(message) = password::check_policy(new, user_inputs) {
        errors.insert("password", message);
    } else if new != confirm {
        errors.insert("password_confirm", "The two passwords do not match.".into());
    }
}

/// First-run set-up: the first admin account.
#[derive(Clone, Default, Deserialize)]
pub struct SetupForm {
    /// The token from the set-up link in the server log.
    #[serde(default)]
    pub setup_token: String,
    #[serde(flatten)]
    pub identity: IdentityFields,
    #[serde(default)]
    pub password: String,
    #[serde(default)]
    pub password_confirm: String,
    pub is_therapist: Option<String>,
}

impl SetupForm {
    /// The form as first shown: the therapist role ticked, since most practices start as one person.
    pub fn initial(setup_token: String) -> SetupForm {
        SetupForm { setup_token, is_therapist: Some("on".into()), ..SetupForm::default() }
    }

    pub fn validate(&self) -> FieldErrors {
        let mut errors = FieldErrors::new();
        self.identity.check(&mut errors);
        let inputs = [self.identity.email.as_str(), self.identity.display_name.as_str()];
        check_new_password(&self.password, &self.password_confirm, &inputs, &mut errors);
        errors
    }
}

/// An admin creating an account (the password is generated).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct NewAccountForm {
    #[serde(flatten)]
    pub identity: IdentityFields,
    pub is_admin: Option<String>,
    pub is_therapist: Option<String>,
}

impl NewAccountForm {
    pub fn initial() -> NewAccountForm {
        NewAccountForm { is_therapist: Some("on".into()), ..NewAccountForm::default() }
    }

    pub fn validate(&self) -> FieldErrors {
        let mut errors = FieldErrors::new();
        self.identity.check(&mut errors);
        if self.is_admin.is_none() && self.is_therapist.is_none() {
            errors.insert("roles", "Choose at least one role.".into());
        }
        errors
    }
}

/// An admin editing an account's name and roles.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ProfileForm {
    #[serde(default)]
    pub display_name: String,
    pub is_admin: Option<String>,
    pub is_therapist: Option<String>,
}

impl ProfileForm {
    pub fn validate(&self) -> FieldErrors {
        let mut errors = FieldErrors::new();
        let name = self.display_name.trim().chars().count();
        if name == 0 || name > 100 {
            errors.insert("display_name", "Enter a name of 1 to 100 characters.".into());
        }
        if self.is_admin.is_none() && self.is_therapist.is_none() {
            errors.insert("roles", "Choose at least one role.".into());
        }
        errors
    }
}

/// A user changing their own password.
#[derive(Clone, Default, Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    pub current_password: String,
    #[serde(default)]
    pub password: String,
    #[serde(default)]
    pub password_confirm: String,
}

impl PasswordForm {
    /// Checks everything but the current password, which needs the stored hash.
    pub fn validate(&self, email: &str, name: &str) -> FieldErrors {
        let mut errors = FieldErrors::new();
        check_new_password(&self.password, &self.password_confirm, &[email, name], &mut errors);
        if !errors.contains_key("password") && self.password == self.current_password {
            errors.insert("password", "Choose a password different from the current one.".into());
        }
        errors
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setup(email: &str, name: &str, password: &str, confirm: &str) -> SetupForm {
        SetupForm {
            setup_token: String::new(),
            identity: IdentityFields { email: email.into(), display_name: name.into() },
            password: password.into(),
            password_confirm: confirm.into(),
            is_therapist: None,
        }
    }

    #[test]
    fn setup_form_reports_each_bad_field() {
        let errors = setup("not-an-email", " ", "short", "short").validate();
        assert_eq!(errors.keys().copied().collect::<Vec<_>>(), ["display_name", "email", "password"]);
        let errors =
            setup("a@example.com", "Anna", "quiet-maple-lantern-47", "quiet-maple-lantern-48").validate();
        assert_eq!(errors.keys().copied().collect::<Vec<_>>(), ["password_confirm"]);
        assert!(
            setup("a@example.com", "Anna", "quiet-maple-lantern-47", "quiet-maple-lantern-47")
                .validate()
                .is_empty()
        );
    }

    #[test]
    fn an_account_needs_a_role() {
        let form = ProfileForm { display_name: "Anna".into(), is_admin: None, is_therapist: None };
        assert!(form.validate().contains_key("roles"));
    }
}
