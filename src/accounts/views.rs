//! Templates of the account pages.

use askama::Template;

use crate::accounts::forms::{NewAccountForm, PasswordForm, ProfileForm, SetupForm};
use crate::auth::users::User;
use crate::error::FieldErrors;
use crate::web::page::Ctx;
use crate::web::paging::Pager;

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
#[template(path = "accounts/password.html")]
pub struct PasswordPage {
    pub ctx: Ctx,
    pub form: PasswordForm,
    pub errors: FieldErrors,
    pub forced: bool,
}

#[derive(Template)]
#[template(path = "admin/users.html")]
pub struct UsersPage {
    pub ctx: Ctx,
    pub users: Vec<User>,
    pub q: String,
    pub pager: Pager,
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
