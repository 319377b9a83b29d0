//! Where email goes: an SMTP server (TLS required by default) or a folder of .eml files.

use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::config::Config;
use crate::mail::outbox::OutboxRow;

/// The media type of a logo file, by its extension.
pub fn logo_type(path: &str) -> Option<&'static str> {
    let lower = path.to_ascii_lowercase();
    if lower.ends_with(".png") {
        Some("image/png")
    } else if lower.ends_with(".jpg") || lower.ends_with(".jpeg") {
        Some("image/jpeg")
    } else if lower.ends_with(".gif") {
        Some("image/gif")
    } else {
        None
    }
}

/// Why a message was not delivered, and whether trying again could help.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendFailure {
    /// A 5xx answer or an unusable message: retrying would fail the same way.
    pub permanent: bool,
    pub reason: String,
}

enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Folder(AsyncFileTransport<Tokio1Executor>),
}

pub struct Mailer {
    transport: Transport,
    /// A hard limit on one whole delivery: lettre's own timeout does not cover every wait
    /// (a server that accepts the connection and never greets).
    deadline: Duration,
    from: Mailbox,
    /// The domain of Message-IDs.
    domain: String,
    /// The practice logo, attached inline to HTML that refers to `cid:practice-logo`.
    logo: Option<(Vec<u8>, ContentType)>,
}

impl Mailer {
    pub fn from_config(config: &Config) -> Result<Mailer, String> {
        let from: Mailbox = config.mail_from.parse().map_err(|e| format!("mail_from: {e}"))?;
        let domain = from.email.domain().to_owned();
        let transport = match config.mail_transport.as_str() {
            "smtp" => {
                let host = config.smtp_host.as_str();
                let builder = match config.smtp_security.as_str() {
                    "tls" => AsyncSmtpTransport::<Tokio1Executor>::relay(host),
                    "none" => Ok(AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)),
                    _ => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host),
                }
                .map_err(|e| format!("smtp_host {host:?} cannot be used: {e}"))?;
                let mut builder = builder
                    .port(config.smtp_port)
                    .timeout(Some(Duration::from_secs(config.smtp_timeout_secs)));
                if config.smtp_security == "none" {
                    builder = builder.tls(Tls::None);
                } else if config.smtp_security == "starttls" {
                    let params = TlsParameters::new(host.to_owned()).map_err(|e| format!("smtp TLS: {e}"))?;
                    builder = builder.tls(Tls::Required(params));
                }
                if !config.smtp_username.is_empty() {
                    builder = builder.credentials(Credentials::new(
                        config.smtp_username.clone(),
                        config.smtp_password.clone(),
                    ));
                }
                Transport::Smtp(builder.build())
            }
            _ => {
                std::fs::create_dir_all(&config.mail_folder).map_err(|e| {
                    format!("cannot create mail_folder {}: {e}", config.mail_folder.display())
                })?;
                Transport::Folder(AsyncFileTransport::new(&config.mail_folder))
            }
        };
        let logo = match config.practice_logo.as_str() {
            "" => None,
            path => {
                let bytes = std::fs::read(path).map_err(|e| format!("practice_logo {path:?}: {e}"))?;
                let kind = logo_type(path).ok_or("practice_logo must be a PNG, JPEG or GIF file")?;
                Some((bytes, ContentType::parse(kind).map_err(|e| e.to_string())?))
            }
        };
        Ok(Mailer {
            transport,
            from,
            domain,
            deadline: Duration::from_secs(config.smtp_timeout_secs.saturating_mul(3)),
            logo,
        })
    }

    /// The stable Message-ID of an outbox row: the same on every retry, so a receiver that got
    /// a message whose acknowledgement was lost can drop the duplicate.
    pub fn message_id(&self, row_id: &str) -> String {
        format!("<{row_id}@{}>", self.domain)
    }

    fn build(&self, row: &OutboxRow) -> Result<Message, SendFailure> {
        let permanent = |reason: String| SendFailure { permanent: true, reason };
        let address = row
            .to_address
            .parse()
            .map_err(|e| permanent(format!("the recipient address is not valid: {e}")))?;
        // Built from parts, so names with commas or quotes ("Smith, Jr.") need no escaping.
        let to = Mailbox::new(row.to_name.clone(), address);
        let body = match &self.logo {
            Some((bytes, kind)) if row.body_html.contains("cid:practice-logo") => {
                MultiPart::alternative().singlepart(SinglePart::plain(row.body_text.clone())).multipart(
                    MultiPart::related().singlepart(SinglePart::html(row.body_html.clone())).singlepart(
                        Attachment::new_inline("practice-logo".into()).body(bytes.clone(), kind.clone()),
                    ),
                )
            }
            _ => MultiPart::alternative_plain_html(row.body_text.clone(), row.body_html.clone()),
        };
        Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(&row.subject)
            .message_id(Some(row.message_id.clone()))
            .multipart(body)
            .map_err(|e| permanent(format!("the message could not be built: {e}")))
    }

    /// Delivers one row.
    pub async fn send(&self, row: &OutboxRow) -> Result<(), SendFailure> {
        let message = self.build(row)?;
        match actix_web::rt::time::timeout(self.deadline, self.deliver(message)).await {
            Ok(outcome) => outcome,
            Err(_) => Err(SendFailure {
                permanent: false,
                reason: format!("timed out after {} s", self.deadline.as_secs()),
            }),
        }
    }

    async fn deliver(&self, message: Message) -> Result<(), SendFailure> {
        match &self.transport {
            Transport::Smtp(smtp) => smtp
                .send(message)
                .await
                .map(|_| ())
                .map_err(|e| SendFailure { permanent: e.is_permanent(), reason: e.to_string() }),
            Transport::Folder(folder) => folder
                .send(message)
                .await
                .map(|_| ())
                .map_err(|e| SendFailure { permanent: false, reason: e.to_string() }),
        }
    }
}
