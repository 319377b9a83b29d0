//! Account forms as typed in: every field a string, so a form with errors can be shown again
//! exactly as the user left it. Validation returns messages per field.

use serde::Deserialize;

use crate::auth::password;
use crate::error::FieldErrors;
use crate::sensitive::Sensitive;
use crate::web::fields::Checker;

/// Sign-in. Never validated beyond presence: any mismatch reads as "incorrect".
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct LoginForm {
    pub email: String,
    pub password: Sensitive<String>,
    /// The local page to go to once signed in.
    pub next: String,
    /// A form kept from an ended session, sent on once signed in (see `web::resume`).
    pub kept_to: String,
    pub kept_body: String,
}

/// Email and display name, shared by first-run set-up and admin account creation.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct IdentityFields {
    pub email: String,
    pub display_name: String,
}

impl IdentityFields {
    fn check(&self, errors: &mut FieldErrors) {
        let mut c = Checker::default();
        if c.email("email", &self.email).is_none() {
            c.fail("email", "Enter an email address such as name@example.com.");
        }
        check_name(&mut c, &self.display_name);
        errors.extend(c.errors);
    }
}

fn check_name(c: &mut Checker, name: &str) {
    if c.optional("display_name", name, 100).is_none() {
        c.fail("display_name", "Enter a name of 1 to 100 characters.");
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
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct SetupForm {
    /// The token from the set-up link in the server log.
    pub setup_token: String,
    #[serde(flatten)]
    pub identity: IdentityFields,
    pub password: Sensitive<String>,
    pub password_confirm: Sensitive<String>,
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
        check_new_password(self.password.expose(), self.password_confirm.expose(), &inputs, &mut errors);
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
    /// The form for a stored account.
    pub fn from_user(user: &crate::auth::users::User) -> ProfileForm {
        ProfileForm {
            display_name: user.display_name.clone(),
            is_admin: user.is_admin.then(|| "on".into()),
            is_therapist: user.is_therapist.then(|| "on".into()),
        }
    }

    /// The checked form, as the model takes it.
    pub fn profile(&self) -> crate::accounts::model::Profile {
        crate::accounts::model::Profile {
            display_name: self.display_name.clone(),
            is_admin: self.is_admin.is_some(),
            is_therapist: self.is_therapist.is_some(),
        }
    }

    pub fn validate(&self) -> FieldErrors {
        let mut c = Checker::default();
        check_name(&mut c, &self.display_name);
        let mut errors = c.errors;
        if self.is_admin.is_none() && self.is_therapist.is_none() {
            errors.insert("roles", "Choose at least one role.".into());
        }
        errors
    }
}

/// A user changing their own password.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct PasswordForm {
    pub current_password: Sensitive<String>,
    pub password: Sensitive<String>,
    pub password_confirm: Sensitive<String>,
}

impl PasswordForm {
    /// Checks everything but the current password, which needs the stored hash.
    pub fn validate(&self, email: &str, name: &str) -> FieldErrors {
        let mut errors = FieldErrors::new();
        check_new_password(
            self.password.expose(),
            self.password_confirm.expose(),
            &[email, name],
            &mut errors,
        );
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
            password: password.to_owned().into(),
            password_confirm: confirm.to_owned().into(),
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
