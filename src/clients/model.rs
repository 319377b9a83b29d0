//! Clients and who treats them. Every query that reads a client for a therapist filters by
//! `therapist_id`, so another therapist's client is simply not found.

use chrono::{NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;

use crate::accounts::model::escape_like;
use crate::db::DbConn;
use crate::db::schema::{clients, users};
use crate::error::AppError;

/// Deep paging is refused rather than scanned.
pub const MAX_PAGE: i64 = 400;

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = clients)]
pub struct Client {
    pub id: String,
    pub therapist_id: String,
    pub first_name: String,
    pub last_name: String,
    pub preferred_name: Option<String>,
    pub date_of_birth: Option<NaiveDate>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub email_consent: bool,
    pub email_consent_at: Option<NaiveDateTime>,
    pub occupation: Option<String>,
    pub work_setup: Option<String>,
    pub medical_history: Option<String>,
    pub medications: Option<String>,
    pub red_flags: Option<String>,
    pub emergency_contact: Option<String>,
    pub notes: Option<String>,
    pub archived: bool,
    pub search_text: String,
    pub sort_name: String,
    pub last_visit_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl Client {
    /// "Preferred (First) Last" or "First Last".
    pub fn display_name(&self) -> String {
        match &self.preferred_name {
            Some(preferred) if preferred != &self.first_name => {
                format!("{preferred} ({}) {}", self.first_name, self.last_name)
            }
            _ => format!("{} {}", self.first_name, self.last_name),
        }
    }

    /// Age in whole years on `today`.
    pub fn age_on(&self, today: NaiveDate) -> Option<u32> {
        self.date_of_birth.and_then(|dob| today.years_since(dob))
    }

    pub fn has_red_flags(&self) -> bool {
        self.red_flags.as_deref().is_some_and(|f| !f.trim().is_empty())
    }
}

/// The editable fields of a client, already validated.
#[derive(Debug, Clone, AsChangeset, Insertable)]
#[diesel(table_name = clients, treat_none_as_null = true)]
pub struct ClientFields {
    pub first_name: String,
    pub last_name: String,
    pub preferred_name: Option<String>,
    pub date_of_birth: Option<NaiveDate>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub email_consent: bool,
    pub occupation: Option<String>,
    pub work_setup: Option<String>,
    pub medical_history: Option<String>,
    pub medications: Option<String>,
    pub red_flags: Option<String>,
    pub emergency_contact: Option<String>,
    pub notes: Option<String>,
}

impl ClientFields {
    /// What the list search matches against: names, email, and the phone number's digits.
    fn search_text(&self) -> String {
        let digits: String =
            self.phone.as_deref().unwrap_or_default().chars().filter(char::is_ascii_digit).collect();
        [
            self.first_name.as_str(),
            self.last_name.as_str(),
            self.preferred_name.as_deref().unwrap_or_default(),
            self.email.as_deref().unwrap_or_default(),
            &digits,
        ]
        .join(" ")
        .to_lowercase()
    }

    /// The list's sort key: last name, then first name, case-folded the same on both backends.
    fn sort_name(&self) -> String {
        format!("{}\u{1}{}", self.last_name.trim(), self.first_name.trim()).to_lowercase()
    }
}

/// Creates a client treated by `therapist_id`.
pub fn insert(conn: &mut DbConn, therapist_id: &str, fields: &ClientFields) -> Result<Client, AppError> {
    let now = Utc::now().naive_utc();
    let id = uuid::Uuid::now_v7().to_string();
    diesel::insert_into(clients::table)
        .values((
            clients::id.eq(&id),
            clients::therapist_id.eq(therapist_id),
            fields,
            clients::email_consent_at.eq(fields.email_consent.then_some(now)),
            clients::archived.eq(false),
            clients::search_text.eq(fields.search_text()),
            clients::sort_name.eq(fields.sort_name()),
            clients::created_at.eq(now),
            clients::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(clients::table.find(&id).select(Client::as_select()).first(conn)?)
}

/// The client, if `therapist_id` treats them. Anyone else gets `NotFound`.
pub fn find_for_therapist(conn: &mut DbConn, id: &str, therapist_id: &str) -> Result<Client, AppError> {
    Ok(clients::table
        .filter(clients::id.eq(id))
        .filter(clients::therapist_id.eq(therapist_id))
        .select(Client::as_select())
        .first(conn)?)
}

/// Saves edited fields. Consent changes restamp the consent date.
pub fn update(conn: &mut DbConn, client: &Client, fields: &ClientFields) -> Result<Client, AppError> {
    let now = Utc::now().naive_utc();
    let consent_at =
        if fields.email_consent != client.email_consent { Some(now) } else { client.email_consent_at };
    diesel::update(clients::table.find(&client.id))
        .set((
            fields,
            clients::email_consent_at.eq(consent_at),
            clients::search_text.eq(fields.search_text()),
            clients::sort_name.eq(fields.sort_name()),
            clients::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(clients::table.find(&client.id).select(Client::as_select()).first(conn)?)
}

pub fn set_archived(conn: &mut DbConn, client: &Client, archived: bool) -> Result<(), AppError> {
    diesel::update(clients::table.find(&client.id))
        .set((clients::archived.eq(archived), clients::updated_at.eq(Utc::now().naive_utc())))
        .execute(conn)?;
    Ok(())
}

pub fn touch_last_visit(conn: &mut DbConn, client_id: &str, at: NaiveDateTime) -> Result<(), AppError> {
    diesel::update(clients::table.find(client_id))
        .filter(clients::last_visit_at.is_null().or(clients::last_visit_at.lt(at)))
        .set(clients::last_visit_at.eq(at))
        .execute(conn)?;
    Ok(())
}

/// How the client list is ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sort {
    #[default]
    Name,
    RecentVisit,
    Newest,
}

impl Sort {
    pub fn parse(code: &str) -> Sort {
        match code {
            "visit" => Sort::RecentVisit,
            "new" => Sort::Newest,
            _ => Sort::Name,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Sort::Name => "name",
            Sort::RecentVisit => "visit",
            Sort::Newest => "new",
        }
    }
}

/// A page of the client list.
pub struct ListQuery<'a> {
    pub text: &'a str,
    pub archived: bool,
    pub sort: Sort,
    pub offset: i64,
    pub limit: i64,
}

/// One page of the therapist's clients, plus one extra row if there is a next page.
pub fn list_for_therapist(
    conn: &mut DbConn,
    therapist_id: &str,
    q: &ListQuery,
) -> Result<Vec<Client>, AppError> {
    let mut query = clients::table
        .filter(clients::therapist_id.eq(therapist_id))
        .filter(clients::archived.eq(q.archived))
        .select(Client::as_select())
        .into_boxed();
    let text = q.text.trim().to_lowercase();
    if !text.is_empty() {
        let digits: String = text.chars().filter(char::is_ascii_digit).collect();
        let pattern = format!("%{}%", escape_like(&text));
        // "0171 234" should find "+49 171 2345": phone searches compare digits only.
        if digits.len() >= 4 && digits.len() * 2 >= text.chars().filter(|c| !c.is_whitespace()).count() {
            let digits_pattern = format!("%{}%", escape_like(&digits));
            query = query.filter(
                clients::search_text
                    .like(pattern)
                    .escape('\\')
                    .or(clients::search_text.like(digits_pattern).escape('\\')),
            );
        } else {
            query = query.filter(clients::search_text.like(pattern).escape('\\'));
        }
    }
    query = match q.sort {
        Sort::Name => query.order((clients::sort_name.asc(), clients::id.asc())),
        Sort::Newest => query.order((clients::created_at.desc(), clients::id.desc())),
        // Clients never seen go last on both backends (their NULL ordering differs).
        Sort::RecentVisit => query.order((
            clients::last_visit_at.is_null().asc(),
            clients::last_visit_at.desc(),
            clients::id.desc(),
        )),
    };
    Ok(query.offset(q.offset).limit(q.limit + 1).load(conn)?)
}

/// A row of the admin's client list: who the client is and who treats them, nothing clinical.
#[derive(Debug, Clone, Queryable)]
pub struct AssignmentRow {
    pub id: String,
    pub first_name: String,
    pub last_name: String,
    pub archived: bool,
    pub therapist_id: String,
    pub therapist_name: String,
}

/// The admin's view: every client with their therapist, by name, searched by name.
pub fn list_assignments(
    conn: &mut DbConn,
    text: &str,
    offset: i64,
    limit: i64,
) -> Result<Vec<AssignmentRow>, AppError> {
    let mut query = clients::table
        .inner_join(users::table)
        .select((
            clients::id,
            clients::first_name,
            clients::last_name,
            clients::archived,
            clients::therapist_id,
            users::display_name,
        ))
        .into_boxed();
    let text = text.trim().to_lowercase();
    if !text.is_empty() {
        let pattern = format!("%{}%", escape_like(&text));
        query = query.filter(clients::sort_name.like(pattern).escape('\\'));
    }
    Ok(query
        .order((clients::sort_name.asc(), clients::id.asc()))
        .offset(offset)
        .limit(limit + 1)
        .load(conn)?)
}

/// Moves a client to another therapist (who must be an active therapist). Returns the client's
/// previous and new therapist ids.
pub fn reassign(
    conn: &mut DbConn,
    client_id: &str,
    therapist_id: &str,
) -> Result<(String, String), AppError> {
    let previous: String = clients::table.find(client_id).select(clients::therapist_id).first(conn)?;
    let eligible: Option<String> = users::table
        .filter(users::id.eq(therapist_id))
        .filter(users::is_therapist.eq(true))
        .filter(users::is_active.eq(true))
        .select(users::id)
        .first(conn)
        .optional()?;
    if eligible.is_none() {
        return Err(AppError::field("therapist_id", "Choose an active therapist."));
    }
    diesel::update(clients::table.find(client_id))
        .set((clients::therapist_id.eq(therapist_id), clients::updated_at.eq(Utc::now().naive_utc())))
        .execute(conn)?;
    crate::followups::model::reassign_open(conn, client_id, therapist_id)?;
    Ok((previous, therapist_id.to_owned()))
}

/// Active therapists, for the reassignment choice.
pub fn therapists(conn: &mut DbConn) -> Result<Vec<(String, String)>, AppError> {
    Ok(users::table
        .filter(users::is_therapist.eq(true))
        .filter(users::is_active.eq(true))
        .select((users::id, users::display_name))
        .order(users::display_name.asc())
        .limit(1000)
        .load(conn)?)
}
