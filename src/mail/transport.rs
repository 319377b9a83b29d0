//! Where email goes: an SMTP server (TLS required by default) or a folder of .eml files.

use std::path::PathBuf;
use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::config::{Config, MailTransport, SmtpSecurity, logo_media_type};
use crate::mail::outbox::OutboxRow;
use crate::sensitive::{create_private_dir, make_private};

/// The SMTP connection the settings describe: STARTTLS required by default.
fn smtp_transport(config: &Config) -> Result<AsyncSmtpTransport<Tokio1Executor>, String> {
    let host = config.smtp_host.as_str();
    let builder = match config.smtp_security {
        SmtpSecurity::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(host),
        SmtpSecurity::None => Ok(AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)),
        SmtpSecurity::StartTls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host),
    }
    .map_err(|e| format!("smtp_host {host:?} cannot be used: {e}"))?;
    let mut builder =
        builder.port(config.smtp_port).timeout(Some(Duration::from_secs(config.smtp_timeout_secs)));
    match config.smtp_security {
        SmtpSecurity::None => builder = builder.tls(Tls::None),
        SmtpSecurity::StartTls => {
            let params = TlsParameters::new(host.to_owned()).map_err(|e| format!("smtp TLS: {e}"))?;
            builder = builder.tls(Tls::Required(params));
        }
        SmtpSecurity::Tls => {}
    }
    if !config.smtp_username.is_empty() {
        builder = builder.credentials(Credentials::new(
            config.smtp_username.clone(),
            config.smtp_password.expose().clone(),
        ));
    }
    Ok(builder.build())
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
    /// The transport and its folder.
    Folder(AsyncFileTransport<Tokio1Executor>, PathBuf),
}

pub struct Mailer {
    transport: Transport,
    /// A hard limit on one whole delivery: lettre's own timeout does not cover every wait
    /// (a server that accepts the connection and never greets).
    deadline: Duration,
    from: Mailbox,
    /// The practice logo, attached inline to HTML that refers to `cid:practice-logo`.
    logo: Option<(Vec<u8>, ContentType)>,
}

impl Mailer {
    pub fn from_config(config: &Config) -> Result<Mailer, String> {
        let transport = match config.mail_transport {
            MailTransport::Smtp => Transport::Smtp(smtp_transport(config)?),
            MailTransport::Folder => {
                create_private_dir(&config.mail_folder).map_err(|e| {
                    format!("cannot create mail_folder {}: {e}", config.mail_folder.display())
                })?;
                Transport::Folder(AsyncFileTransport::new(&config.mail_folder), config.mail_folder.clone())
            }
        };
        let logo = match &config.practice_logo {
            None => None,
            Some(path) => {
                let bytes =
                    std::fs::read(path).map_err(|e| format!("practice_logo {}: {e}", path.display()))?;
                let kind = logo_media_type(path).ok_or("practice_logo must be a PNG, JPEG or GIF file")?;
                Some((bytes, ContentType::parse(kind).map_err(|e| e.to_string())?))
            }
        };
        Ok(Mailer {
            transport,
            from: config.mail_from.clone(),
            deadline: Duration::from_secs(config.smtp_timeout_secs.saturating_mul(3)),
            logo,
        })
    }

    fn build(&self, row: &OutboxRow) -> Result<Message, SendFailure> {
        let (message_id, row) = (row.message_id.clone(), &row.email);
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
            .message_id(Some(message_id))
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
            Transport::Folder(folder, dir) => {
                let failure = |reason: String| SendFailure { permanent: false, reason };
                let id = folder.send(message).await.map_err(|e| failure(e.to_string()))?;
                // Messages hold health information: the service's user alone may read them.
                make_private(&dir.join(format!("{id}.eml"))).map_err(|e| failure(e.to_string()))
            }
        }
    }
}
