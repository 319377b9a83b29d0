//! Follow-up schedules: what is due when (in the practice's time zone), repeats, the
//! therapist's dashboard and calendar feed, and reminders to clients.

pub mod calendar;
pub mod forms;
pub mod model;
pub mod reminders;
pub mod routes;
pub mod schedule;
pub mod views;
