//! Delivering a rendered digest: build the MIME message for one recipient
//! (multipart/alternative, plain text and HTML, with `Date`, `Message-ID` and the list
//! headers), and later hand the queued bytes to the SMTP server or write them into the
//! outbox folder as an `.eml` file. Errors say whether trying again later can help.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use chrono::{DateTime, Utc};
use lettre::address::{Address, Envelope};
use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, CertificateStore, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::render::Rendered;
use crate::config::{Email, Security, SmtpSettings, Transport};
use crate::store::OutboxMessage;
use crate::wording::one_line;

/// How the reason recorded for a message held by a fault of the `[email]` settings
/// begins (the start of `SendError::Config`'s text), for the commands that warn about it.
pub const BLOCKED: &str = "mail is blocked by the [email] settings";

/// What the test message of `email test --to` has in the outbox's `digest` column, in its
/// `Message-ID` and in its `.eml` file name: it belongs to no digest.
pub const TEST_MESSAGE: &str = "email test";
const TEST_SUBJECT: &str = "newshound test message";

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
    /// The configuration's fault, not the message's: a refused login or greeting, a
    /// certificate not trusted. Every message waits until the configuration is fixed.
    #[error("mail is blocked by the [email] settings ({kind}): {cause}")]
    Config { kind: &'static str, cause: String },
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
    Smtp {
        transport: AsyncSmtpTransport<Tokio1Executor>,
        /// How long one whole delivery may take.
        limit: Duration,
        port: u16,
        security: Security,
        /// The envelope sender: `from` as configured now, not as it was when a message
        /// was queued, so that a fix of `from` applies to the mail it held.
        sender: Address,
    },
    File(PathBuf),
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.transport {
            MailTransport::Smtp { .. } => f.write_str("Mailer(smtp)"),
            MailTransport::File(dir) => write!(f, "Mailer(file: {})", dir.display()),
        }
    }
}

impl Mailer {
    pub fn new(email: &Email) -> Result<Mailer, SendError> {
        let transport = match &email.transport {
            Transport::File { outbox } => MailTransport::File(outbox.clone()),
            Transport::Smtp(smtp) => {
                let plain = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&smtp.host);
                let builder = match smtp.security {
                    Security::StartTls => plain.tls(Tls::Required(tls_parameters(smtp)?)),
                    Security::Tls => plain.tls(Tls::Wrapper(tls_parameters(smtp)?)),
                    Security::None => plain,
                };
                let greeting = super::hello::greeting_name(
                    smtp.helo_name.as_deref(),
                    email.from.email.domain(),
                );
                let mut builder = builder
                    .port(smtp.port)
                    .timeout(Some(smtp.timeout))
                    .hello_name(greeting);
                if let (Some(user), Some(password)) = (&smtp.username, &smtp.password) {
                    builder = builder.credentials(Credentials::new(
                        user.clone(),
                        password.expose().to_string(),
                    ));
                }
                // The transport's timeout bounds each step, but not a server that accepts
                // the connection and never greets: the whole delivery gets a bound too.
                MailTransport::Smtp {
                    transport: builder.build(),
                    limit: smtp.timeout.saturating_mul(3),
                    port: smtp.port,
                    security: smtp.security,
                    sender: email.from.email.clone(),
                }
            }
        };
        Ok(Mailer { transport })
    }

    /// Delivers one outbox message to its recipient. Returns only once the server
    /// accepted it (or the file is on disk), so the caller may then mark it sent. The
    /// message goes out byte for byte as it was queued; the envelope's sender is `from`
    /// as configured now (a relay that refused the old one takes mail after a fix).
    pub async fn send(&self, message: &OutboxMessage) -> Result<(), SendError> {
        match &self.transport {
            MailTransport::Smtp {
                transport,
                limit,
                port,
                security,
                sender,
            } => {
                let recipient = message.recipient.parse::<Address>().map_err(|e| {
                    SendError::Build(format!("`{}` is not an address: {e}", message.recipient))
                })?;
                let envelope = Envelope::new(Some(sender.clone()), vec![recipient])
                    .map_err(|e| SendError::Build(e.to_string()))?;
                let sent =
                    tokio::time::timeout(*limit, transport.send_raw(&envelope, &message.message))
                        .await;
                let error = match sent {
                    Ok(Ok(_)) => return Ok(()),
                    Ok(Err(e)) => classify(&e),
                    Err(_) => SendError::Transient(format!(
                        "no answer from the server within {}",
                        humantime::format_duration(*limit)
                    )),
                };
                Err(in_view_of_settings(error, *port, *security))
            }
            MailTransport::File(dir) => write_eml(dir, message).map(|_| ()),
        }
    }
}

/// TLS that trusts the system's CAs (with `SSL_CERT_FILE` / `SSL_CERT_DIR`), the bundled
/// Mozilla roots and `tls_ca_file`, and checks that the certificate names
/// `tls_server_name` or `host`. There is no setting that turns the check off.
pub(super) fn tls_parameters(smtp: &SmtpSettings) -> Result<TlsParameters, SendError> {
    let name = smtp.tls_server_name.as_deref().unwrap_or(&smtp.host);
    let mut builder =
        TlsParameters::builder(name.to_string()).certificate_store(CertificateStore::WebpkiRoots);
    for der in rustls_native_certs::load_native_certs().certs {
        if let Ok(cert) = Certificate::from_der(der.to_vec()) {
            builder = builder.add_root_certificate(cert);
        }
    }
    if let Some(path) = &smtp.tls_ca_file {
        let pem = std::fs::read(path).map_err(|e| {
            SendError::Build(format!("cannot read tls_ca_file {}: {e}", path.display()))
        })?;
        let cert = Certificate::from_pem(&pem)
            .map_err(|e| SendError::Build(format!("tls_ca_file {}: {e}", path.display())))?;
        builder = builder.add_root_certificate(cert);
    }
    builder
        .build_rustls()
        .map_err(|e| SendError::Build(format!("cannot set up TLS: {e}")))
}

/// What a failed delivery says about what to do: a fault of the configuration (a refused
/// login, greeting or sender, a relay that takes nothing from this client, TLS that
/// cannot be set up) holds every message until it is fixed;
/// another 5xx refuses this message; anything else is worth a retry.
fn classify(error: &lettre::transport::smtp::Error) -> SendError {
    let cause = describe(error);
    let code = error.status().map(|c| c.to_string());
    let lower = cause.to_lowercase();
    let config = |kind| SendError::Config {
        kind,
        cause: cause.clone(),
    };
    if error.is_tls()
        || lower.contains("certificate")
        || lower.contains("invalidcontenttype")
        || lower.contains("must issue a starttls")
    {
        return config("tls");
    }
    // Authentication refused or required, or too weak a mechanism (RFC 4954); or no
    // mechanism in common.
    if matches!(code.as_deref(), Some("535" | "534" | "538" | "530"))
        || lower.contains("authentication mechanism")
    {
        return config("auth");
    }
    // A server's answer about the greeting, as Postfix refuses a bad name at RCPT (`Helo
    // command rejected`): the word HELO or EHLO, not those letters inside an address.
    let greeting = lower
        .split(|c: char| !c.is_ascii_alphanumeric())
        .any(|word| word == "helo" || word == "ehlo");
    if code.is_some() && greeting {
        return config("greeting");
    }
    // The envelope sender, the same for every message: `from` is not this login's to send
    // as (Postfix `reject_sender_login_mismatch`), or its domain is unknown (RFC 3463
    // X.1.7, X.1.8).
    let enhanced = |codes: &[&str]| lower.split_whitespace().any(|w| codes.contains(&w));
    if lower.contains("sender address rejected") || enhanced(&["5.1.7", "5.1.8", "4.1.7", "4.1.8"])
    {
        return config("sender");
    }
    // The relay takes no mail from this client: no login, or not among its networks.
    if lower.contains("client host rejected") || lower.contains("relay access denied") {
        return config("relay");
    }
    if error.is_permanent() {
        SendError::Permanent(cause)
    } else {
        SendError::Transient(cause)
    }
}

/// A failure read with the settings that met it: a server on port 465 that does not
/// answer a client waiting for its greeting is waiting for TLS (a fault of the settings,
/// not an outage); no login mechanism in common has a likely fix.
fn in_view_of_settings(error: SendError, port: u16, security: Security) -> SendError {
    match error {
        SendError::Transient(cause) => {
            match port_mismatch(port, security).filter(|_| port == 465) {
                Some(hint) => SendError::Config {
                    kind: "tls",
                    cause: format!("{cause} ({hint})"),
                },
                None => SendError::Transient(cause),
            }
        }
        SendError::Config { kind, cause } => match mechanism_hint(security, &cause) {
            Some(hint) => SendError::Config {
                kind,
                cause: format!("{cause} ({hint})"),
            },
            None => SendError::Config { kind, cause },
        },
        other => other,
    }
}

/// The fix for a port and a security that do not go together by the ports' convention
/// (RFC 8314: 465 speaks TLS at once; 25 and 587 speak plain SMTP first, then STARTTLS).
pub fn port_mismatch(port: u16, security: Security) -> Option<&'static str> {
    match (port, security) {
        (465, Security::StartTls | Security::None) => {
            Some("port 465 speaks TLS at once and waits for the client's: use security = \"tls\"")
        }
        (25 | 587, Security::Tls) => {
            Some("ports 25 and 587 speak plain SMTP first: use security = \"starttls\"")
        }
        _ => None,
    }
}

/// The fix for a login that found no mechanism both sides speak.
pub(super) fn mechanism_hint(security: Security, cause: &str) -> Option<&'static str> {
    if !cause.contains("No compatible authentication mechanism") {
        return None;
    }
    Some(if security == Security::None {
        "the server offers no login newshound speaks over a plain connection; relays offer \
         AUTH only after STARTTLS as a rule: use security = \"starttls\""
    } else {
        "the server offers neither PLAIN nor LOGIN, the mechanisms newshound speaks: enable \
         one of them on the relay (with Postfix and Cyrus SASL, mech_list)"
    })
}

/// What to change for a configuration fault of `kind`.
pub fn config_fix(kind: &str) -> &'static str {
    match kind {
        "auth" => {
            "check [email] username and password_env / password_file; the fix is applied live"
        }
        "tls" => {
            "check [email] host, port and security: ports 25 and 587 speak plain SMTP first \
             (security = \"starttls\"), 465 speaks TLS at once (security = \"tls\"); a \
             certificate signed by a private CA needs tls_ca_file (or the system trust \
             store), and one naming another host than `host` needs tls_server_name"
        }
        "greeting" => "set [email] helo_name to this machine's fully qualified name",
        "sender" => {
            "set [email] from to an address the relay lets this login send as, in a domain \
             that resolves (Postfix: smtpd_sender_login_maps)"
        }
        "relay" => {
            "the relay takes no mail from this client: set [email] username and \
             password_env / password_file, or have the relay trust this host (Postfix: \
             mynetworks)"
        }
        _ => "check the [email] settings",
    }
}

/// The error as one readable cause: its chain of sources, each said once (rustls says the
/// same thing at three levels), with the fix where it is known.
pub(super) fn describe(error: &lettre::transport::smtp::Error) -> String {
    let mut parts: Vec<String> = vec![error.to_string()];
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        let text = cause.to_string();
        // A part already said, or one that says a part again, adds nothing.
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.retain(|p| !text.contains(p.as_str()));
            parts.push(text);
        }
        source = cause.source();
    }
    // Layers that wrap an error also print it: "Connection error: Connection error: …".
    let mut segments: Vec<&str> = Vec::new();
    let joined = parts.join(": ");
    for segment in joined.split(": ") {
        if segments.last() != Some(&segment) {
            segments.push(segment);
        }
    }
    let mut text = segments.join(": ");
    if let Some(hint) = hint(&text) {
        text.push_str(" (");
        text.push_str(hint);
        text.push(')');
    }
    text
}

/// What to do about a cause whose fix is known.
fn hint(cause: &str) -> Option<&'static str> {
    let lower = cause.to_lowercase();
    Some(if lower.contains("unknownissuer") {
        "the server's certificate is signed by a CA this machine does not trust: set \
         [email] tls_ca_file to that CA's certificate, or add it to the system trust store"
    } else if lower.contains("notvalidforname") || lower.contains("not valid for name") {
        "the server's certificate names another host: set [email] tls_server_name to the \
         name it carries"
    } else if lower.contains("invalidcontenttype") || lower.contains("corrupt message") {
        "the server speaks plain SMTP first: use security = \"starttls\" (ports 25 and 587)"
    } else if lower.contains("must issue a starttls") {
        "the server takes mail only over TLS: use security = \"starttls\""
    } else if lower.contains("expired") && lower.contains("certificate") {
        "the server's certificate has expired: renew it on the server"
    } else {
        return None;
    })
}

/// The mailing-list headers a digest carries, so that mail clients can filter it and,
/// when an address is configured, offer to unsubscribe.
#[derive(Debug, Clone)]
pub struct ListHeaders {
    /// `List-Id`, e.g. `newshound Morning brief <morning_brief.newshound.example.org>`.
    pub id: String,
    pub unsubscribe: Option<url::Url>,
}

impl ListHeaders {
    pub fn new(digest: &str, from: &Mailbox, unsubscribe: Option<url::Url>) -> ListHeaders {
        // The name as a phrase of plain words: quoting is not needed, and words with
        // letters beyond ASCII are then encoded one by one (RFC 2047), which a quoted
        // string does not allow.
        let words: String = digest
            .chars()
            .map(|c| {
                if c.is_alphanumeric() || c == '-' {
                    c
                } else {
                    ' '
                }
            })
            .collect();
        ListHeaders {
            id: format!(
                "newshound {} <{}.newshound.{}>",
                one_line(&words),
                safe_label(digest).to_lowercase(),
                from.email.domain()
            ),
            unsubscribe,
        }
    }
}

/// A message built for one recipient, with the identity it keeps if it has to be sent
/// again.
#[derive(Debug, Clone)]
pub struct OutgoingMessage {
    pub message_id: String,
    pub subject: String,
    pub date: DateTime<Utc>,
    message: Message,
}

/// `text` with CRLF line endings, as mail has them. lettre makes bare line feeds CRLF
/// itself, but by inserting each `\r` in place: a 6 MB digest of 100,000 lines took 16
/// seconds of moving bytes.
fn crlf(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 32);
    let mut last = '\0';
    for c in text.chars() {
        if c == '\n' && last != '\r' {
            out.push('\r');
        }
        out.push(c);
        last = c;
    }
    out
}

impl OutgoingMessage {
    /// Builds the MIME message for a rendered digest or alert to `to`.
    pub fn build(
        digest: &str,
        from: &Mailbox,
        to: &Mailbox,
        rendered: &Rendered,
        list: &ListHeaders,
        date: DateTime<Utc>,
    ) -> Result<OutgoingMessage, SendError> {
        let message_id = message_id(digest, from, date);
        let message = Message::builder()
            .from(from.clone())
            .to(to.clone())
            .subject(rendered.subject.clone())
            .date(SystemTime::from(date))
            .message_id(Some(message_id.clone()))
            .multipart(
                MultiPart::alternative()
                    .singlepart(
                        SinglePart::builder()
                            .header(ContentType::TEXT_PLAIN)
                            .body(crlf(&rendered.text)),
                    )
                    .singlepart(
                        SinglePart::builder()
                            .header(ContentType::TEXT_HTML)
                            .body(crlf(&rendered.html)),
                    ),
            )
            .map_err(|e| SendError::Build(e.to_string()))?;
        let mut outgoing =
            OutgoingMessage::auto_generated(message_id, rendered.subject.clone(), date, message);
        raw_header(&mut outgoing.message, "List-Id", list.id.clone());
        if let Some(url) = &list.unsubscribe {
            raw_header(
                &mut outgoing.message,
                "List-Unsubscribe",
                format!("<{url}>"),
            );
        }
        Ok(outgoing)
    }

    /// The message of `newshound email test --to`: plain text saying which way it went
    /// (the relay, or the outbox folder) and when it was queued.
    pub fn test(email: &Email, to: &Mailbox, date: DateTime<Utc>) -> Result<Self, SendError> {
        let route = match &email.transport {
            Transport::Smtp(smtp) => format!("Relay:     {}:{}", smtp.host, smtp.port),
            Transport::File { outbox } => format!("Folder:    {}", outbox.display()),
        };
        let text = format!(
            "This is a test message from newshound (`newshound email test`).\n\n\
             Queued at: {}\n{route}\n\n\
             It went through the outbox, as digests and alerts do: if it reached\n\
             you, mail from these [email] settings reaches this address.\n",
            date.format("%Y-%m-%d %H:%M:%S UTC"),
        );
        let message_id = message_id(TEST_MESSAGE, &email.from, date);
        let message = Message::builder()
            .from(email.from.clone())
            .to(to.clone())
            .subject(TEST_SUBJECT)
            .date(SystemTime::from(date))
            .message_id(Some(message_id.clone()))
            .header(ContentType::TEXT_PLAIN)
            .body(crlf(&text))
            .map_err(|e| SendError::Build(e.to_string()))?;
        Ok(OutgoingMessage::auto_generated(
            message_id,
            TEST_SUBJECT.to_string(),
            date,
            message,
        ))
    }

    /// `message`, marked as sent by a program, not a person.
    fn auto_generated(
        message_id: String,
        subject: String,
        date: DateTime<Utc>,
        mut message: Message,
    ) -> OutgoingMessage {
        // Tells autoresponders (vacation replies) not to answer it (RFC 3834).
        raw_header(&mut message, "Auto-Submitted", "auto-generated".into());
        OutgoingMessage {
            message_id,
            subject,
            date,
            message,
        }
    }

    /// The message as it goes on the wire (RFC 5322, CRLF line ends).
    pub fn formatted(&self) -> Vec<u8> {
        self.message.formatted()
    }
}

/// A header lettre has no type for, as it is.
fn raw_header(message: &mut Message, name: &'static str, value: String) {
    message.headers_mut().insert_raw(HeaderValue::new(
        HeaderName::new_from_ascii_str(name),
        value,
    ));
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

/// Writes the message as `<outbox>/<queued>-<digest>-<id>.eml`, through a temporary file
/// so that a reader never sees half a message. The name comes from the outbox entry, so a
/// message written again after a crash replaces its first copy.
fn write_eml(dir: &Path, message: &OutboxMessage) -> Result<PathBuf, SendError> {
    let outbox_error = |source| SendError::Outbox {
        path: dir.to_path_buf(),
        source,
    };
    std::fs::create_dir_all(dir).map_err(outbox_error)?;
    let stem = format!(
        "{}-{}-{}",
        message.created_at.format("%Y%m%dT%H%M%SZ"),
        safe_label(&message.digest),
        message.id
    );
    let temporary = dir.join(format!(".{stem}.tmp"));
    let path = dir.join(format!("{stem}.eml"));
    std::fs::write(&temporary, &message.message).map_err(outbox_error)?;
    std::fs::rename(&temporary, &path).map_err(outbox_error)?;
    Ok(path)
}

/// How long to wait before trying a message (or a digest run) again after `failures`
/// failures in a row: doubling from one minute, never longer than `cap` (the digest's own
/// period, say) nor an hour.
pub fn retry_delay(failures: u32, cap: Duration) -> Duration {
    let delay = Duration::from_secs(60).saturating_mul(1 << failures.min(10).saturating_sub(1));
    delay
        .min(cap)
        .min(Duration::from_secs(3600))
        .max(Duration::from_secs(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn silence_on_port_465_without_tls_is_the_settings_fault() {
        let silence = || SendError::Transient("no answer from the server within 15s".into());
        for security in [Security::StartTls, Security::None] {
            match in_view_of_settings(silence(), 465, security) {
                SendError::Config { kind: "tls", cause } => {
                    assert!(cause.ends_with("use security = \"tls\")"), "{cause}");
                }
                other => panic!("{security:?}: {other:?}"),
            }
        }
        // Elsewhere, or with TLS, silence is an outage.
        for (port, security) in [(587, Security::StartTls), (465, Security::Tls)] {
            let error = in_view_of_settings(silence(), port, security);
            assert!(matches!(error, SendError::Transient(_)), "{error:?}");
        }
        // No mechanism in common: the fix depends on the connection.
        let none = || SendError::Config {
            kind: "auth",
            cause: "No compatible authentication mechanism was found".into(),
        };
        let plain = in_view_of_settings(none(), 25, Security::None).to_string();
        assert!(plain.contains("use security = \"starttls\""), "{plain}");
        let tls = in_view_of_settings(none(), 587, Security::StartTls).to_string();
        assert!(tls.contains("neither PLAIN nor LOGIN"), "{tls}");
    }

    #[test]
    fn a_configuration_fault_reads_as_blocked_mail_with_its_fix() {
        let error = SendError::Config {
            kind: "auth",
            cause: "535 authentication failed".into(),
        };
        assert!(error.to_string().starts_with(BLOCKED), "{error}");
        assert!(config_fix("auth").contains("password_env"));
        assert_eq!(
            hint("invalid peer certificate: UnknownIssuer").map(|h| h.contains("tls_ca_file")),
            Some(true)
        );
        assert_eq!(hint("connection refused"), None);
    }

    #[test]
    fn bodies_get_crlf_line_endings_once() {
        assert_eq!(crlf("a\nb\r\nc\n\nd"), "a\r\nb\r\nc\r\n\r\nd");
        assert_eq!(crlf("é\nü"), "é\r\nü");
        assert_eq!(crlf(""), "");
        // The message says the same as when lettre converted the endings itself.
        let from: Mailbox = "newshound <alerts@example.org>".parse().unwrap();
        let to: Mailbox = "desk@example.org".parse().unwrap();
        let text = "Line one\nLine two, with Erdoğan\n\nLast".to_string();
        let html = "<p>one</p>\n<p>two</p>".to_string();
        let rendered = Rendered {
            subject: "s".into(),
            text: text.clone(),
            html: html.clone(),
        };
        let list = ListHeaders::new("d", &from, None);
        let date = Utc::now();
        let ours = OutgoingMessage::build("d", &from, &to, &rendered, &list, date).unwrap();
        let plain = |body: String| SinglePart::builder().body(body).formatted();
        let raw = String::from_utf8(ours.formatted()).unwrap();
        for (ours, theirs) in [(crlf(&text), text), (crlf(&html), html)] {
            let (ours, theirs) = (plain(ours), plain(theirs));
            assert_eq!(ours, theirs);
            let body = String::from_utf8(theirs).unwrap();
            let body = body.split("\r\n\r\n").nth(1).unwrap().to_string();
            assert!(raw.contains(body.trim_end()), "{raw}");
        }
    }

    fn list_id(digest: &str) -> (Option<String>, Option<String>) {
        let from: Mailbox = "newshound <alerts@example.org>".parse().unwrap();
        let rendered = Rendered {
            subject: "s".into(),
            text: "t".into(),
            html: "<p>h</p>".into(),
        };
        let to: Mailbox = "desk@example.org".parse().unwrap();
        let list = ListHeaders::new(digest, &from, None);
        let message =
            OutgoingMessage::build(digest, &from, &to, &rendered, &list, Utc::now()).unwrap();
        let raw = message.formatted();
        let parsed = mail_parser::MessageParser::default().parse(&raw).unwrap();
        let header = parsed.header("List-Id").and_then(|h| h.as_address());
        let first = header.and_then(|a| a.first());
        (
            first.and_then(|a| a.name()).map(str::to_string),
            first.and_then(|a| a.address()).map(str::to_string),
        )
    }

    #[test]
    fn list_id_names_the_digest_in_any_script() {
        assert_eq!(
            list_id("Morning brief"),
            (
                Some("newshound Morning brief".into()),
                Some("morning_brief.newshound.example.org".into())
            )
        );
        assert_eq!(
            list_id("Günaydın özet"),
            (
                Some("newshound Günaydın özet".into()),
                Some("g_nayd_n__zet.newshound.example.org".into())
            )
        );
        // Quotes, brackets and line breaks cannot break out of the header.
        let (name, address) = list_id("x\" <evil@example.org>\r\nBcc: y");
        assert_eq!(
            address.as_deref(),
            Some("x___evil_example_org___bcc__y.newshound.example.org")
        );
        assert!(!name.unwrap_or_default().contains('<'));
    }
}
