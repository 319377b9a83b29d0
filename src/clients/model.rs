//! Clients and who treats them. Every query that reads a client for a therapist filters by
//! `therapist_id`, so another therapist's client is simply not found. Also home to the one rule
//! of who may be emailed.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Text};

use crate::accounts::model as accounts;
use crate::audit::{Audited, Subject};
use crate::db::paging::PageRequest;
use crate::db::schema::{clients, users};
use crate::db::{DbConn, escape_like, insert_rows};
use crate::error::AppError;

#[derive(Clone, Queryable, Selectable, Identifiable, Insertable)]
#[diesel(table_name = clients, treat_none_as_default_value = false)]
pub struct Client {
    pub id: String,
    pub therapist_id: String,
    /// What the therapist enters and edits.
    #[diesel(embed)]
    pub details: ClientFields,
    pub email_consent_at: Option<NaiveDateTime>,
    pub archived: bool,
    pub search_text: String,
    pub sort_name: String,
    pub last_visit_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// Names, contact details and history are personal health information: ids only.
impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("id", &self.id)
            .field("therapist_id", &self.therapist_id)
            .finish_non_exhaustive()
    }
}

/// The editable fields of a client, already validated.
#[derive(Clone, Queryable, Selectable, AsChangeset, Insertable)]
#[diesel(table_name = clients, treat_none_as_null = true, treat_none_as_default_value = false)]
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

/// Personal health information: nothing of it in debug output.
impl std::fmt::Debug for ClientFields {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientFields").finish_non_exhaustive()
    }
}

/// Why a client may not be emailed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmailBlocker {
    NoAddress,
    NoConsent,
    Archived,
}

impl EmailBlocker {
    /// What the therapist reads, with what to do about it.
    pub fn message(self) -> &'static str {
        match self {
            EmailBlocker::NoAddress => "The client has no email address. Add one under Edit details.",
            EmailBlocker::NoConsent => {
                "The client has not agreed to receive emails. Record their consent under Edit details first."
            }
            EmailBlocker::Archived => "The client's record is archived. Restore it before sending email.",
        }
    }
}

impl Client {
    /// "Preferred (First) Last" or "First Last".
    pub fn display_name(&self) -> String {
        let d = &self.details;
        match &d.preferred_name {
            Some(preferred) if preferred != &d.first_name => {
                format!("{preferred} ({}) {}", d.first_name, d.last_name)
            }
            _ => format!("{} {}", d.first_name, d.last_name),
        }
    }

    /// How an email greets the client: the name they prefer.
    pub fn greeting_name(&self) -> String {
        self.details.preferred_name.clone().unwrap_or_else(|| self.details.first_name.clone())
    }

    /// Age in whole years on `today`.
    pub fn age_on(&self, today: NaiveDate) -> Option<u32> {
        self.details.date_of_birth.and_then(|dob| today.years_since(dob))
    }

    pub fn has_red_flags(&self) -> bool {
        self.details.red_flags.as_deref().is_some_and(|f| !f.trim().is_empty())
    }

    /// The one rule of who may be emailed: an address, consent, and a record in use. The same
    /// rule for queries is [`emailable`].
    pub fn email_blocker(&self) -> Option<EmailBlocker> {
        if self.details.email.is_none() {
            Some(EmailBlocker::NoAddress)
        } else if !self.details.email_consent {
            Some(EmailBlocker::NoConsent)
        } else if self.archived {
            Some(EmailBlocker::Archived)
        } else {
            None
        }
    }
}

/// [`Client::email_blocker`] as a query filter, for queries that pick clients to email.
pub type Emailable = diesel::dsl::And<
    diesel::dsl::And<diesel::dsl::IsNotNull<clients::email>, diesel::dsl::Eq<clients::email_consent, bool>>,
    diesel::dsl::Eq<clients::archived, bool>,
>;

pub fn emailable() -> Emailable {
    clients::email.is_not_null().and(clients::email_consent.eq(true)).and(clients::archived.eq(false))
}

impl Audited for Client {
    fn subject(&self) -> Subject {
        Subject::new("client", &self.id)
    }
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

impl Client {
    /// A new client treated by `therapist_id`, with what is derived from the details (search
    /// text, sort name, when consent was given), not yet stored.
    pub fn new(therapist_id: &str, details: ClientFields, now: NaiveDateTime) -> Client {
        Client {
            id: uuid::Uuid::now_v7().to_string(),
            therapist_id: therapist_id.to_owned(),
            email_consent_at: details.email_consent.then_some(now),
            archived: false,
            search_text: details.search_text(),
            sort_name: details.sort_name(),
            last_visit_at: None,
            created_at: now,
            updated_at: now,
            details,
        }
    }
}

/// Creates a client treated by `therapist_id`.
pub fn insert(
    conn: &mut DbConn,
    therapist_id: &str,
    fields: &ClientFields,
    now: NaiveDateTime,
) -> Result<Client, AppError> {
    let client = Client::new(therapist_id, fields.clone(), now);
    diesel::insert_into(clients::table).values(&client).execute(conn)?;
    find(conn, &client.id)
}

/// Stores many new clients at once (the demo practice; later, imports).
pub fn insert_many(conn: &mut DbConn, new: &[Client]) -> Result<(), AppError> {
    insert_rows!(conn, clients::table, new)?;
    Ok(())
}

fn find(conn: &mut DbConn, id: &str) -> Result<Client, AppError> {
    Ok(clients::table.find(id).select(Client::as_select()).first(conn)?)
}

/// The client, if `therapist_id` treats them. Anyone else gets `NotFound`.
pub fn find_for_therapist(conn: &mut DbConn, id: &str, therapist_id: &str) -> Result<Client, AppError> {
    Ok(clients::table
        .filter(clients::id.eq(id))
        .filter(clients::therapist_id.eq(therapist_id))
        .select(Client::as_select())
        .first(conn)?)
}

/// The client a private link or unsubscribe token names, whoever treats them.
pub fn find_by_link(conn: &mut DbConn, id: &str) -> Result<Option<Client>, AppError> {
    Ok(clients::table.find(id).select(Client::as_select()).first(conn).optional()?)
}

/// Saves edited fields of this therapist's client. A consent change restamps the consent date.
pub fn update(
    conn: &mut DbConn,
    therapist_id: &str,
    id: &str,
    fields: &ClientFields,
    now: NaiveDateTime,
) -> Result<Client, AppError> {
    let client = find_for_therapist(conn, id, therapist_id)?;
    let consent_at = if fields.email_consent != client.details.email_consent {
        Some(now)
    } else {
        client.email_consent_at
    };
    diesel::update(clients::table.find(&client.id))
        .set((
            fields,
            clients::email_consent_at.eq(consent_at),
            clients::search_text.eq(fields.search_text()),
            clients::sort_name.eq(fields.sort_name()),
            clients::updated_at.eq(now),
        ))
        .execute(conn)?;
    find(conn, &client.id)
}

/// Archives (or restores) this therapist's client; the record is kept either way.
pub fn set_archived(
    conn: &mut DbConn,
    therapist_id: &str,
    id: &str,
    archived: bool,
    now: NaiveDateTime,
) -> Result<Client, AppError> {
    let client = find_for_therapist(conn, id, therapist_id)?;
    diesel::update(clients::table.find(&client.id))
        .set((clients::archived.eq(archived), clients::updated_at.eq(now)))
        .execute(conn)?;
    find(conn, &client.id)
}

/// Withdraws email consent (the unsubscribe link), stamping when.
pub fn withdraw_consent(conn: &mut DbConn, client: &Client, now: NaiveDateTime) -> Result<(), AppError> {
    diesel::update(clients::table.find(&client.id))
        .set((
            clients::email_consent.eq(false),
            clients::email_consent_at.eq(Some(now)),
            clients::updated_at.eq(now),
        ))
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

/// A search of the client list.
#[derive(Debug, Clone)]
pub struct ListQuery {
    pub text: String,
    pub archived: bool,
    pub sort: Sort,
}

/// The shortest search a trigram index can answer; shorter ones are matched row by row within
/// the therapist's clients.
const TRIGRAM: usize = 3;

/// `text` as one FTS5 phrase: matched as a substring by the trigram tokenizer.
fn fts_phrase(text: &str) -> String {
    format!("\"{}\"", text.replace('"', "\"\""))
}

/// One page of the therapist's clients (plus one row if there is a next page).
pub fn list_for_therapist(
    conn: &mut DbConn,
    therapist_id: &str,
    q: &ListQuery,
    page: &PageRequest,
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
        let phone =
            digits.len() >= 4 && digits.len() * 2 >= text.chars().filter(|c| !c.is_whitespace()).count();
        if matches!(conn, DbConn::Sqlite(_)) && text.chars().count() >= TRIGRAM {
            // The same substring match as the LIKE below, looked up in the trigram index
            // (PostgreSQL's LIKE uses its own trigram index as it is).
            let mut phrase = fts_phrase(&text);
            if phone {
                phrase = format!("{phrase} OR {}", fts_phrase(&digits));
            }
            query = query.filter(
                sql::<Bool>("clients.rowid IN (SELECT rowid FROM clients_search WHERE clients_search MATCH ")
                    .bind::<Text, _>(phrase)
                    .sql(")"),
            );
        } else if phone {
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
    Ok(query.offset(page.offset()).limit(page.fetch()).load(conn)?)
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
    page: &PageRequest,
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
        .offset(page.offset())
        .limit(page.fetch())
        .load(conn)?)
}

/// Moves a client to another therapist, who must be an active therapist. Returns the previous
/// therapist's id. What else moves with the client is the caller's business (see `pages`).
pub fn reassign(
    conn: &mut DbConn,
    client_id: &str,
    therapist_id: &str,
    now: NaiveDateTime,
) -> Result<String, AppError> {
    let previous: String = clients::table.find(client_id).select(clients::therapist_id).first(conn)?;
    if !accounts::is_active_therapist(conn, therapist_id)? {
        return Err(AppError::field("therapist_id", "Choose an active therapist."));
    }
    diesel::update(clients::table.find(client_id))
        .set((clients::therapist_id.eq(therapist_id), clients::updated_at.eq(now)))
        .execute(conn)?;
    Ok(previous)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(email: Option<&str>, consent: bool, archived: bool) -> Client {
        Client {
            id: "c".into(),
            therapist_id: "t".into(),
            details: ClientFields {
                first_name: "Ada".into(),
                last_name: "Byron".into(),
                preferred_name: None,
                date_of_birth: None,
                email: email.map(str::to_owned),
                phone: None,
                email_consent: consent,
                occupation: None,
                work_setup: None,
                medical_history: None,
                medications: None,
                red_flags: None,
                emergency_contact: None,
                notes: None,
            },
            email_consent_at: None,
            archived,
            search_text: String::new(),
            sort_name: String::new(),
            last_visit_at: None,
            created_at: NaiveDateTime::default(),
            updated_at: NaiveDateTime::default(),
        }
    }

    #[test]
    fn only_consenting_clients_with_an_address_and_a_live_record_are_emailed() {
        assert_eq!(client(Some("a@example.com"), true, false).email_blocker(), None);
        assert_eq!(client(None, true, false).email_blocker(), Some(EmailBlocker::NoAddress));
        assert_eq!(
            client(Some("a@example.com"), false, false).email_blocker(),
            Some(EmailBlocker::NoConsent)
        );
        assert_eq!(client(Some("a@example.com"), true, true).email_blocker(), Some(EmailBlocker::Archived));
    }
}
