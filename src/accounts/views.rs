//! Templates of the account pages.

use askama::Template;

use crate::accounts::forms::{NewAccountForm, PasswordForm, ProfileForm, SetupForm};
use crate::accounts::model::User;
use crate::error::FieldErrors;
use crate::web::page::Ctx;

#[derive(Template)]
#[template(path = "accounts/setup.html")]
pub struct SetupPage {
    pub ctx: Ctx,
    pub form: SetupForm,
    pub errors: FieldErrors,
}

/// Shown at /setup without the token from the server log.
#[derive(Template)]
#[template(path = "accounts/setup_link.html")]
pub struct SetupLinkPage {
    pub ctx: Ctx,
}

#[derive(Template)]
#[template(path = "accounts/login.html")]
pub struct LoginPage {
    pub ctx: Ctx,
    pub email: String,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "accounts/password.html")]
pub struct PasswordPage {
    pub ctx: Ctx,
    pub form: PasswordForm,
    pub errors: FieldErrors,
    pub forced: bool,
}

#[derive(Template)]
#[template(path = "home.html")]
pub struct HomePage {
    pub ctx: Ctx,
    pub name: String,
    /// Follow-ups by bucket, for therapists.
    pub dashboard: Option<crate::followups::views::Dashboard>,
    /// The practice's date.
    pub today: chrono::NaiveDate,
}

#[derive(Template)]
#[template(path = "admin/users.html")]
pub struct UsersPage {
    pub ctx: Ctx,
    pub users: Vec<User>,
    pub q: String,
    pub page: i64,
    pub has_next: bool,
}

impl UsersPage {
    /// Query string for another page of the same search.
    pub fn page_query(&self, page: &i64) -> String {
        let q: String = url::form_urlencoded::byte_serialize(self.q.as_bytes()).collect();
        format!("?q={q}&page={page}")
    }
}

#[derive(Template)]
#[template(path = "admin/user_new.html")]
pub struct NewUserPage {
    pub ctx: Ctx,
    pub form: NewAccountForm,
    pub errors: FieldErrors,
}

#[derive(Template)]
#[template(path = "admin/user_edit.html")]
pub struct EditUserPage {
    pub ctx: Ctx,
    pub user: User,
    pub form: ProfileForm,
    pub errors: FieldErrors,
}

/// Shown once after creating an account or resetting its password.
#[derive(Template)]
#[template(path = "admin/temporary_password.html")]
pub struct TemporaryPasswordPage {
    pub ctx: Ctx,
    pub user: User,
    pub password: String,
    pub created: bool,
}
