//! The therapist's calendar feed: an iCalendar document of open follow-ups at a secret URL
//! (the credential itself is `accounts::feeds`). Events carry the client's first name and last
//! initial only: calendars sync to phones and third-party services.

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use icalendar::{Calendar, Component, Event, EventLike};

use crate::accounts::feeds;
use crate::audit::model::{self as audit, Action, Outcome};
use crate::auth::extractors::Actor;
use crate::auth::jwt::Claims;
use crate::db::DbConn;
use crate::error::AppError;
use crate::followups::model::{self, WithClient};

/// What a calendar app sees: open follow-ups from a month ago on.
const FEED_DAYS_BACK: i64 = 30;

/// The follow-ups a verified feed token gives access to, or 404 if its feed was rotated,
/// revoked or its account deactivated. Every fetch is audited.
pub fn feed_rows(
    conn: &mut DbConn,
    claims: &Claims,
    actor: &Actor,
    today: NaiveDate,
) -> Result<Vec<WithClient>, AppError> {
    feeds::find_live(conn, &claims.sid, &claims.sub)?.ok_or(AppError::NotFound)?;
    let rows = model::open_from(conn, &claims.sub, today - Duration::days(FEED_DAYS_BACK))?;
    let actor =
        Actor { user_id: Some(claims.sub.clone()), label: Some("calendar app".into()), ip: actor.ip.clone() };
    audit::record(
        conn,
        &actor,
        Action::CalendarFetch,
        Some(("calendar", &claims.sid)),
        Outcome::Success,
        None,
    )?;
    Ok(rows)
}

/// The iCalendar document. Timed follow-ups last 30 minutes; the others are all-day events.
pub fn render(rows: &[WithClient], practice: &str, tz: Tz) -> String {
    let mut calendar = Calendar::new();
    calendar.name(&format!("{practice}: follow-ups"));
    calendar.timezone(tz.name());
    let stamp = Utc::now();
    for row in rows {
        let f = &row.followup;
        let initial: String = row.last_name.chars().take(1).collect();
        let mut event = Event::new();
        event
            .uid(&format!("{}@myochart", f.id))
            .timestamp(stamp)
            .summary(&format!("Follow-up: {} {initial}.", row.first_name))
            // The generic reason only: the free-text details are clinical.
            .description(f.reason_label());
        match f.time() {
            Some(_) => {
                let start = Utc.from_utc_datetime(&f.due_at);
                event.starts(start).ends(start + Duration::minutes(30));
            }
            // An all-day event ends the next day: DTEND is exclusive (RFC 5545, 3.6.1).
            None => {
                event.starts(f.due_date).ends(f.due_date + Duration::days(1));
            }
        }
        calendar.push(event.done());
    }
    calendar.done().to_string()
}
