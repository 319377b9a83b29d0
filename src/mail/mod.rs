//! Email: a durable outbox written in the same transaction as the change that causes a message,
//! a transport (SMTP or a folder of .eml files), and a worker that delivers with retries.

pub mod emails;
pub mod outbox;
pub mod transport;
pub mod worker;
