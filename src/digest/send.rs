//! Delivering a rendered digest: build the MIME message (multipart/alternative, plain text
//! and HTML, with `Date` and a stable `Message-ID`) and hand it to the SMTP server or write it
//! into the outbox folder as an `.eml` file. Errors say whether trying again later can help.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use chrono::{DateTime, Utc};
use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::render::Rendered;
use crate::config::{Email, Security, Transport};

#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// The message could not be built (an address or header the mail format refuses).
    #[error("cannot build the message: {0}")]
    Build(String),
    /// Worth retrying: connection refused, timeout, a 4xx reply.
    #[error("mail server unavailable, will retry: {0}")]
    Transient(String),
    /// The server refused the message (5xx); retrying the same message will not help.
    #[error("mail server refused the message: {0}")]
    Permanent(String),
    #[error("cannot write to the outbox {path}: {source}")]
    Outbox {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Sends messages through the configured transport. Built once; its `Debug` shows no
/// credentials.
pub struct Mailer {
    transport: MailTransport,
}

enum MailTransport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    File(PathBuf),
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.transport {
            MailTransport::Smtp(_) => f.write_str("Mailer(smtp)"),
            MailTransport::File(dir) => write!(f, "Mailer(file: {})", dir.display()),
        }
    }
}

impl Mailer {
    pub fn new(email: &Email) -> Result<Mailer, SendError> {
        let transport = match &email.transport {
            Transport::File { outbox } => MailTransport::File(outbox.clone()),
            Transport::Smtp(smtp) => {
                let builder = match smtp.security {
                    Security::StartTls => {
                        AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&smtp.host)
                    }
                    Security::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&smtp.host),
                    Security::None => Ok(AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(
                        &smtp.host,
                    )),
                }
                .map_err(|e| SendError::Build(e.to_string()))?;
                let mut builder = builder.port(smtp.port).timeout(Some(smtp.timeout));
                if let (Some(user), Some(password)) = (&smtp.username, &smtp.password) {
                    builder = builder.credentials(Credentials::new(
                        user.clone(),
                        password.expose().to_string(),
                    ));
                }
                MailTransport::Smtp(builder.build())
            }
        };
        Ok(Mailer { transport })
    }

    /// Delivers `message`. Returns only once the server accepted it (or the file is on
    /// disk), so the caller may then mark its matches as sent.
    pub async fn send(&self, message: &OutgoingMessage) -> Result<(), SendError> {
        match &self.transport {
            MailTransport::Smtp(smtp) => smtp
                .send(message.message.clone())
                .await
                .map(|_| ())
                .map_err(|e| {
                    if e.is_permanent() {
                        SendError::Permanent(e.to_string())
                    } else {
                        SendError::Transient(describe(&e))
                    }
                }),
            MailTransport::File(dir) => write_eml(dir, message).map(|_| ()),
        }
    }
}

fn describe(error: &lettre::transport::smtp::Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// A message ready to send, with the identity it keeps if it has to be sent again.
#[derive(Debug, Clone)]
pub struct OutgoingMessage {
    pub message_id: String,
    pub subject: String,
    pub recipients: Vec<String>,
    /// Used to name the `.eml` file.
    pub digest: String,
    pub date: DateTime<Utc>,
    message: Message,
}

impl OutgoingMessage {
    /// Builds the MIME message for a rendered digest.
    pub fn build(
        digest: &str,
        from: &Mailbox,
        to: &[Mailbox],
        rendered: &Rendered,
        date: DateTime<Utc>,
    ) -> Result<OutgoingMessage, SendError> {
        let message_id = message_id(digest, from, date);
        let mut builder = Message::builder()
            .from(from.clone())
            .subject(rendered.subject.clone())
            .date(SystemTime::from(date))
            .message_id(Some(message_id.clone()));
        for recipient in to {
            builder = builder.to(recipient.clone());
        }
        let mut message = builder
            .multipart(
                MultiPart::alternative()
                    .singlepart(
                        SinglePart::builder()
                            .header(ContentType::TEXT_PLAIN)
                            .body(rendered.text.clone()),
                    )
                    .singlepart(
                        SinglePart::builder()
                            .header(ContentType::TEXT_HTML)
                            .body(rendered.html.clone()),
                    ),
            )
            .map_err(|e| SendError::Build(e.to_string()))?;
        // Tells autoresponders (vacation replies) not to answer a digest (RFC 3834).
        message.headers_mut().insert_raw(HeaderValue::new(
            HeaderName::new_from_ascii_str("Auto-Submitted"),
            "auto-generated".into(),
        ));
        Ok(OutgoingMessage {
            message_id,
            subject: rendered.subject.clone(),
            recipients: to.iter().map(ToString::to_string).collect(),
            digest: digest.to_string(),
            date,
            message,
        })
    }

    /// The message as it goes on the wire (RFC 5322, CRLF line ends).
    pub fn formatted(&self) -> Vec<u8> {
        self.message.formatted()
    }
}

/// `<digest.time.random@domain>`: unique, and the domain is the sender's so that it is
/// recognisably ours.
fn message_id(digest: &str, from: &Mailbox, date: DateTime<Utc>) -> String {
    let domain = from.email.domain();
    format!(
        "<{}.{}.{:016x}@{domain}>",
        safe_label(digest),
        date.format("%Y%m%dT%H%M%SZ"),
        fastrand::u64(..)
    )
}

/// A digest name reduced to characters safe in a file name and a Message-ID.
fn safe_label(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Writes the message as `<outbox>/<time>-<digest>.eml`, through a temporary file so that
/// a reader never sees half a message.
fn write_eml(dir: &Path, message: &OutgoingMessage) -> Result<PathBuf, SendError> {
    let outbox_error = |source| SendError::Outbox {
        path: dir.to_path_buf(),
        source,
    };
    std::fs::create_dir_all(dir).map_err(outbox_error)?;
    let stem = format!(
        "{}-{}-{:04x}",
        message.date.format("%Y%m%dT%H%M%SZ"),
        safe_label(&message.digest),
        fastrand::u16(..)
    );
    let temporary = dir.join(format!(".{stem}.tmp"));
    let path = dir.join(format!("{stem}.eml"));
    std::fs::write(&temporary, message.formatted()).map_err(outbox_error)?;
    std::fs::rename(&temporary, &path).map_err(outbox_error)?;
    Ok(path)
}

/// How long to wait before retrying a digest that could not be sent: doubling from one
/// minute, never longer than the digest's own period.
pub fn retry_delay(failures: u32, period: Duration) -> Duration {
    let delay = Duration::from_secs(60).saturating_mul(1 << failures.min(10).saturating_sub(1));
    delay.min(period).max(Duration::from_secs(1))
}
