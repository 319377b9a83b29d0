//! Templates of the client pages.

use askama::Template;

use crate::clients::forms::ClientForm;
use crate::clients::model::Client;
use crate::error::FieldErrors;
use crate::web::page::Ctx;
use crate::web::paging::Pager;

#[derive(Template)]
#[template(path = "clients/list.html")]
pub struct ClientsPage {
    pub ctx: Ctx,
    pub clients: Vec<Client>,
    pub q: String,
    /// "name", "visit" or "new".
    pub sort: &'static str,
    pub archived: bool,
    pub pager: Pager,
}

#[derive(Template)]
#[template(path = "clients/form.html")]
pub struct ClientFormPage {
    pub ctx: Ctx,
    /// Set when editing.
    pub client: Option<Client>,
    pub form: ClientForm,
    pub errors: FieldErrors,
}
