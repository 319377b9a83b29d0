//! Email: a durable outbox written in the same transaction as the change that causes a message,
//! a transport (SMTP or a folder of .eml files), a worker that delivers with retries, the
//! practice's branding, and the unsubscribe link every email carries. What each kind of email
//! says is written by the area that sends it (`homecare::emails`, `followups::reminders`).

pub mod outbox;
pub mod practice;
pub mod routes;
pub mod transport;
pub mod unsubscribe;
pub mod views;
pub mod worker;
