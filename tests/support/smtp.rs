//! [`SmtpServer`]: a small SMTP server on loopback (a subset of RFC 5321 with AUTH PLAIN
//! and LOGIN from RFC 4954) that keeps every message it accepts, and can be told to
//! refuse transactions so tests can check how the program handles a mail server saying no.
//!
//! What it speaks: the 220 greeting, EHLO (advertising `8BITMIME`, `SIZE`,
//! `AUTH PLAIN LOGIN`, `SMTPUTF8`) and HELO, AUTH, MAIL FROM, RCPT TO, DATA (dot-stuffing
//! undone), RSET, NOOP, VRFY (252), QUIT; anything else is answered 500. Commands out of
//! order get 503, as a real server would answer. No pipelining is offered. With
//! [`SmtpServer::enable_tls`] it speaks TLS from the first byte ([`TlsMode::Implicit`],
//! port 465 style) or offers STARTTLS ([`TlsMode::StartTls`]), with a certificate the test
//! made.
//!
//! Authentication accepts any credentials and records the user name, unless
//! [`SmtpServer::require_credentials`] was called: then a wrong pair gets 535 and MAIL
//! before a successful AUTH gets 530.

use std::collections::VecDeque;
use std::io;
use std::net::{SocketAddr, TcpListener as StdTcpListener};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::STANDARD_PAD_INDIFFERENT;
use mail_parser::{MessageParser, MimeHeaders, PartType};
use std::path::Path;
use std::sync::OnceLock;

use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls;

use super::background::Background;

/// The `SIZE` advertised in EHLO; larger messages get 552.
pub const MAX_MESSAGE_SIZE: usize = 10 * 1024 * 1024;
/// Longest command line accepted; a longer one gets 500 and the connection is closed.
const MAX_COMMAND_LINE: u64 = 4096;
/// Most recipients accepted in one transaction; more get 452 (RFC 5321 §4.5.3.1.8).
const MAX_RECIPIENTS: usize = 100;
const HOSTNAME: &str = "newshound-test-smtp";

/// A message the server accepted: the envelope and the raw RFC 5322 text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedMail {
    /// The MAIL FROM address, without angle brackets (empty for the null sender `<>`).
    pub from: String,
    /// The RCPT TO addresses that were accepted, in order.
    pub to: Vec<String>,
    /// The message as sent after DATA, dot-stuffing undone, ending in CRLF, without the
    /// final `.` line. Bytes that are not UTF-8 are replaced with U+FFFD.
    pub data: String,
    /// The user name the session authenticated as, if it did.
    pub auth_user: Option<String>,
    /// The name the client gave in EHLO or HELO.
    pub helo: String,
}

/// Where in a session a rejection rule answers instead of the normal reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Instead of the 220 greeting; the connection is closed after the reply.
    Connect,
    /// The reply to MAIL FROM.
    Mail,
    /// The reply to RCPT TO.
    Rcpt,
    /// The reply to the DATA command, instead of 354.
    Data,
    /// The reply after the message body has been read (the message is not kept).
    DataEnd,
}

/// An SMTP server on `127.0.0.1`. Stops on drop, closing every connection.
pub struct SmtpServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    background: Background,
}

impl SmtpServer {
    /// Starts a server on a free loopback port.
    ///
    /// Async only so that it reads like the rest of a tokio test: the server runs on a
    /// thread of its own and is accepting connections when this returns.
    pub async fn start() -> SmtpServer {
        SmtpServer::start_on(0).await
    }

    /// Starts a server on `127.0.0.1:port`; panics if the port cannot be bound.
    pub async fn start_on(port: u16) -> SmtpServer {
        SmtpServer::try_start_on(port)
            .await
            .unwrap_or_else(|e| panic!("bind 127.0.0.1:{port} for SMTP: {e}"))
    }

    /// Like [`SmtpServer::start_on`], but hands back the bind error (the port is taken).
    pub async fn try_start_on(port: u16) -> io::Result<SmtpServer> {
        let listener = StdTcpListener::bind(("127.0.0.1", port))?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared::default());
        let for_server = Arc::clone(&shared);
        let background = Background::spawn("smtp-server", listener, move |listener| {
            accept_loop(listener, for_server)
        });
        Ok(SmtpServer {
            addr,
            shared,
            background,
        })
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// Speaks TLS with the certificate chain and key in these PEM files, from now on.
    /// Panics if called twice or if the files do not hold a chain and a key.
    pub fn enable_tls(&self, mode: TlsMode, chain_pem: &Path, key_pem: &Path) {
        use rustls::pki_types::pem::PemObject;
        use rustls::pki_types::{CertificateDer, PrivateKeyDer};
        let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(chain_pem)
            .expect("the chain file")
            .collect::<Result<_, _>>()
            .expect("PEM certificates");
        let key = PrivateKeyDer::from_pem_file(key_pem).expect("a PEM private key");
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("TLS versions")
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .expect("a certificate and its key");
        let acceptor = TlsAcceptor::from(Arc::new(config));
        assert!(
            self.shared.tls.set((mode, acceptor)).is_ok(),
            "TLS set twice"
        );
    }

    /// How many TLS handshakes the client broke off (it did not trust the certificate).
    pub fn refused_handshakes(&self) -> usize {
        self.shared.lock().refused_handshakes
    }

    /// Every message accepted so far, oldest first.
    pub fn messages(&self) -> Vec<ReceivedMail> {
        self.shared.lock().messages.clone()
    }

    /// Waits until at least `n` messages have been accepted or `timeout` has passed, and
    /// returns all messages so far (fewer than `n` on a timeout: assert on the length).
    ///
    /// Waits on the wall clock on a blocking thread, so it works with tokio's clock paused.
    pub async fn wait_for(&self, n: usize, timeout: Duration) -> Vec<ReceivedMail> {
        let shared = Arc::clone(&self.shared);
        tokio::task::spawn_blocking(move || shared.wait_for(n, timeout))
            .await
            .expect("wait_for thread panicked")
    }

    /// [`SmtpServer::wait_for`] for tests without a runtime.
    pub fn wait_for_blocking(&self, n: usize, timeout: Duration) -> Vec<ReceivedMail> {
        self.shared.wait_for(n, timeout)
    }

    pub fn clear_messages(&self) {
        self.shared.lock().messages.clear();
    }

    /// The user names of every successful AUTH, in order.
    pub fn logins(&self) -> Vec<String> {
        self.shared.lock().logins.clone()
    }

    /// How many connections the server has accepted.
    pub fn connections(&self) -> usize {
        self.shared.lock().connections
    }

    /// Every command line received, in order, across all connections (AUTH responses
    /// included, still base64-encoded; message bodies not included).
    pub fn transcript(&self) -> Vec<String> {
        self.shared.lock().transcript.clone()
    }

    /// From now on only this user name and password authenticate; anything else gets 535,
    /// and MAIL without a successful AUTH gets 530.
    pub fn require_credentials(&self, user: &str, password: &str) {
        self.shared.lock().credentials = Some((user.to_string(), password.to_string()));
    }

    /// Back to the default: any credentials authenticate, and AUTH is optional.
    pub fn accept_any_credentials(&self) {
        self.shared.lock().credentials = None;
    }

    /// The next `times` times a session reaches `stage`, answer `code` instead.
    ///
    /// Counted per occurrence of the stage: a rule for [`Stage::Rcpt`] is used up by each
    /// recipient. A 421 closes the connection after the reply, as RFC 5321 says it does.
    /// Rules are checked oldest first; the first one that matches is used.
    pub fn reject_next(&self, times: usize, stage: Stage, code: u16) {
        if times > 0 {
            self.add_rule(stage, code, None, Some(times));
        }
    }

    /// Every time a session reaches `stage`, answer `code`, until
    /// [`SmtpServer::clear_rejections`].
    pub fn reject_all(&self, stage: Stage, code: u16) {
        self.add_rule(stage, code, None, None);
    }

    /// Answer `code` to every RCPT TO for `address` (compared without regard to case),
    /// until [`SmtpServer::clear_rejections`]. Other recipients are accepted.
    pub fn reject_rcpt(&self, address: &str, code: u16) {
        self.add_rule(Stage::Rcpt, code, Some(address.to_string()), None);
    }

    pub fn clear_rejections(&self) {
        self.shared.lock().rules.clear();
    }

    /// Stops the server now and waits until its port is closed (drop does the same).
    pub fn stop(mut self) {
        self.background.stop();
    }

    fn add_rule(&self, stage: Stage, code: u16, address: Option<String>, remaining: Option<usize>) {
        assert!(
            (400..=599).contains(&code),
            "a rejection needs a 4xx or 5xx code, not {code}"
        );
        self.shared.lock().rules.push_back(Rule {
            stage,
            code,
            address,
            remaining,
        });
    }
}

impl ReceivedMail {
    /// The message parsed by mail-parser; panics if it does not parse at all.
    pub fn message(&self) -> mail_parser::Message<'_> {
        MessageParser::default()
            .parse(self.data.as_bytes())
            .expect("received data does not parse as a message")
    }

    /// The parts a test usually checks, decoded and owned.
    pub fn parse(&self) -> ParsedMail {
        ParsedMail::from_message(&self.message())
    }
}

/// What a test checks in a received message, decoded from MIME.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedMail {
    /// The decoded Subject (RFC 2047 encoded-words undone).
    pub subject: Option<String>,
    /// The top-level type, lowercased, without parameters: `multipart/alternative`.
    pub content_type: String,
    /// The MIME type of every part, depth first, the top level first:
    /// `["multipart/alternative", "text/plain", "text/html"]`.
    pub part_types: Vec<String>,
    /// The first `text/plain` part that is not an attachment, decoded to a string.
    pub text: Option<String>,
    /// The first `text/html` part that is not an attachment, decoded to a string.
    pub html: Option<String>,
    /// The top-level header fields in order, values unfolded and trimmed but otherwise
    /// raw (encoded-words are left as sent).
    pub headers: Vec<(String, String)>,
}

impl ParsedMail {
    fn from_message(message: &mail_parser::Message<'_>) -> ParsedMail {
        let part_type = |part: &mail_parser::MessagePart<'_>| match part.content_type() {
            Some(ct) => match &ct.c_subtype {
                Some(sub) => format!("{}/{}", ct.c_type, sub).to_ascii_lowercase(),
                None => ct.c_type.to_ascii_lowercase(),
            },
            // RFC 2045 §5.2: no Content-Type means text/plain.
            None => "text/plain".to_string(),
        };
        let inline = |part: &&mail_parser::MessagePart<'_>| {
            !part
                .content_disposition()
                .is_some_and(|cd| cd.is_attachment())
        };
        let text = message
            .parts
            .iter()
            .filter(inline)
            .find(|part| part_type(part) == "text/plain")
            .and_then(|part| match &part.body {
                PartType::Text(text) => Some(text.to_string()),
                _ => None,
            });
        let html = message
            .parts
            .iter()
            .filter(inline)
            .find(|part| part_type(part) == "text/html")
            .and_then(|part| match &part.body {
                PartType::Html(html) | PartType::Text(html) => Some(html.to_string()),
                _ => None,
            });
        let headers = message
            .headers_raw()
            .map(|(name, value)| {
                let unfolded = value.replace("\r\n", "").replace('\n', "");
                (name.to_string(), unfolded.trim().to_string())
            })
            .collect();
        ParsedMail {
            subject: message.subject().map(str::to_string),
            content_type: part_type(message.root_part()),
            part_types: message.parts.iter().map(part_type).collect(),
            text,
            html,
            headers,
        }
    }

    /// The first header field called `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

struct Rule {
    stage: Stage,
    code: u16,
    address: Option<String>,
    /// `None`: for ever.
    remaining: Option<usize>,
}

#[derive(Default)]
struct Inner {
    messages: Vec<ReceivedMail>,
    rules: VecDeque<Rule>,
    credentials: Option<(String, String)>,
    logins: Vec<String>,
    transcript: Vec<String>,
    connections: usize,
    refused_handshakes: usize,
}

#[derive(Default)]
struct Shared {
    inner: Mutex<Inner>,
    arrived: Condvar,
    tls: OnceLock<(TlsMode, TlsAcceptor)>,
}

/// How the server speaks TLS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsMode {
    /// From the first byte (SMTPS, port 465).
    Implicit,
    /// Plain SMTP that offers STARTTLS (ports 25 and 587).
    StartTls,
}

/// A connection, plain or encrypted.
trait Conn: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Conn for T {}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panicking test thread must not hide the messages from the next assertion.
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn wait_for(&self, n: usize, timeout: Duration) -> Vec<ReceivedMail> {
        let deadline = Instant::now() + timeout;
        let mut inner = self.lock();
        while inner.messages.len() < n {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            inner = match self.arrived.wait_timeout(inner, left) {
                Ok((guard, _)) => guard,
                Err(poisoned) => poisoned.into_inner().0,
            };
        }
        inner.messages.clone()
    }

    /// The code of the first rule for `stage` (and `address`, for address rules), using
    /// it up if it is counted.
    fn rejection(&self, stage: Stage, address: Option<&str>) -> Option<u16> {
        let mut inner = self.lock();
        let index = inner.rules.iter().position(|rule| {
            rule.stage == stage
                && match (&rule.address, address) {
                    (None, _) => true,
                    (Some(wanted), Some(got)) => wanted.eq_ignore_ascii_case(got),
                    (Some(_), None) => false,
                }
        })?;
        let rule = &mut inner.rules[index];
        let code = rule.code;
        if let Some(remaining) = &mut rule.remaining {
            *remaining -= 1;
            if *remaining == 0 {
                inner.rules.remove(index);
            }
        }
        Some(code)
    }
}

async fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                let shared = Arc::clone(&shared);
                tokio::spawn(async move {
                    let (conn, encrypted): (Box<dyn Conn>, bool) = match shared.tls.get() {
                        Some((TlsMode::Implicit, acceptor)) => {
                            match acceptor.accept(stream).await {
                                Ok(tls) => (Box::new(tls), true),
                                Err(_) => {
                                    shared.lock().refused_handshakes += 1;
                                    return;
                                }
                            }
                        }
                        _ => (Box::new(stream), false),
                    };
                    // An I/O error only ends this session.
                    let _ = Session::new(conn, shared, encrypted).run().await;
                });
            }
            // Out of file descriptors or similar: back off instead of spinning.
            Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
        }
    }
}

fn rejection_text(code: u16) -> &'static str {
    match code {
        421 => "Service not available, closing transmission channel (test rejection)",
        450 => "Mailbox unavailable, try again later (test rejection)",
        451 => "Local error in processing (test rejection)",
        452 => "Insufficient system storage (test rejection)",
        550 => "Mailbox unavailable (test rejection)",
        552 => "Exceeded storage allocation (test rejection)",
        553 => "Mailbox name not allowed (test rejection)",
        554 => "Transaction failed (test rejection)",
        _ => "Rejected (test rejection)",
    }
}

/// Whether the session goes on after a reply.
enum Flow {
    Continue,
    Close,
}

struct Session {
    conn: BufReader<Box<dyn Conn>>,
    encrypted: bool,
    shared: Arc<Shared>,
    helo: Option<String>,
    auth_user: Option<String>,
    from: Option<String>,
    to: Vec<String>,
}

impl Session {
    fn new(stream: Box<dyn Conn>, shared: Arc<Shared>, encrypted: bool) -> Session {
        Session {
            conn: BufReader::new(stream),
            encrypted,
            shared,
            helo: None,
            auth_user: None,
            from: None,
            to: Vec::new(),
        }
    }

    async fn run(mut self) -> io::Result<()> {
        self.shared.lock().connections += 1;
        if let Some(code) = self.shared.rejection(Stage::Connect, None) {
            return self.reply(code, rejection_text(code)).await;
        }
        self.reply(220, &format!("{HOSTNAME} ESMTP ready")).await?;
        loop {
            let Some(line) = self.read_command().await? else {
                return Ok(());
            };
            let (verb, arg) = match line.split_once(' ') {
                Some((verb, arg)) => (verb.to_ascii_uppercase(), arg.trim().to_string()),
                None => (line.trim().to_ascii_uppercase(), String::new()),
            };
            let flow = match verb.as_str() {
                "EHLO" | "HELO" => self.hello(&verb, &arg).await?,
                "AUTH" => self.auth(&arg).await?,
                "STARTTLS" => self.start_tls().await?,
                "MAIL" => self.mail(&arg).await?,
                "RCPT" => self.rcpt(&arg).await?,
                "DATA" => self.data(&arg).await?,
                "RSET" => {
                    self.reset_transaction();
                    self.ok("OK").await?
                }
                "NOOP" => self.ok("OK").await?,
                "VRFY" => {
                    self.reply(252, "Cannot VRFY user, but will accept message")
                        .await?;
                    Flow::Continue
                }
                "QUIT" => {
                    self.reply(221, &format!("{HOSTNAME} closing connection"))
                        .await?;
                    Flow::Close
                }
                _ => {
                    self.reply(500, "Command not recognized").await?;
                    Flow::Continue
                }
            };
            if let Flow::Close = flow {
                return Ok(());
            }
        }
    }

    fn reset_transaction(&mut self) {
        self.from = None;
        self.to.clear();
    }

    async fn hello(&mut self, verb: &str, arg: &str) -> io::Result<Flow> {
        if arg.is_empty() {
            return self
                .fail(501, &format!("{verb} needs a domain or address"))
                .await;
        }
        self.reset_transaction();
        self.helo = Some(arg.to_string());
        let greeting = format!("{HOSTNAME} greets {arg}");
        if verb == "HELO" {
            return self.ok(&greeting).await;
        }
        let size = format!("SIZE {MAX_MESSAGE_SIZE}");
        let mut lines = vec![
            greeting.as_str(),
            "8BITMIME",
            size.as_str(),
            "AUTH PLAIN LOGIN",
            "SMTPUTF8",
        ];
        if !self.encrypted && matches!(self.shared.tls.get(), Some((TlsMode::StartTls, _))) {
            lines.push("STARTTLS");
        }
        self.reply_lines(250, &lines).await?;
        Ok(Flow::Continue)
    }

    /// STARTTLS: the handshake, then a fresh session state (RFC 3207).
    async fn start_tls(&mut self) -> io::Result<Flow> {
        let acceptor = match self.shared.tls.get() {
            Some((TlsMode::StartTls, acceptor)) if !self.encrypted => acceptor.clone(),
            _ => return self.fail(502, "STARTTLS not offered").await,
        };
        self.reply(220, "Ready to start TLS").await?;
        let placeholder: Box<dyn Conn> = Box::new(tokio::io::duplex(1).0);
        let plain = std::mem::replace(&mut self.conn, BufReader::new(placeholder)).into_inner();
        match acceptor.accept(plain).await {
            Ok(tls) => {
                self.conn = BufReader::new(Box::new(tls));
                self.encrypted = true;
                self.helo = None;
                self.auth_user = None;
                self.reset_transaction();
                Ok(Flow::Continue)
            }
            Err(_) => {
                self.shared.lock().refused_handshakes += 1;
                Ok(Flow::Close)
            }
        }
    }

    async fn auth(&mut self, arg: &str) -> io::Result<Flow> {
        if self.helo.is_none() {
            return self.fail(503, "Send EHLO first").await;
        }
        if self.auth_user.is_some() {
            return self.fail(503, "Already authenticated").await;
        }
        if self.from.is_some() {
            return self
                .fail(503, "AUTH not allowed during a mail transaction")
                .await;
        }
        let mut words = arg.split_whitespace();
        let mechanism = words.next().unwrap_or("").to_ascii_uppercase();
        let initial = words.next().map(str::to_string);
        let (user, password) = match mechanism.as_str() {
            "PLAIN" => {
                let response = match initial {
                    Some(response) => response,
                    None => match self.challenge("").await? {
                        Some(response) => response,
                        None => return self.fail(501, "Authentication cancelled").await,
                    },
                };
                // RFC 4616: authzid NUL authcid NUL passwd.
                let decoded = decode_base64(&response).map(String::from_utf8);
                let Some(Ok(decoded)) = decoded else {
                    return self.fail(501, "Cannot decode response").await;
                };
                let fields: Vec<&str> = decoded.split('\0').collect();
                let [_authzid, user, password] = fields.as_slice() else {
                    return self.fail(501, "Malformed PLAIN response").await;
                };
                (user.to_string(), password.to_string())
            }
            "LOGIN" => {
                let user = match initial {
                    Some(user) => Some(user),
                    // "Username:" and "Password:" in base64.
                    None => self.challenge("VXNlcm5hbWU6").await?,
                };
                let Some(user) = user else {
                    return self.fail(501, "Authentication cancelled").await;
                };
                let Some(password) = self.challenge("UGFzc3dvcmQ6").await? else {
                    return self.fail(501, "Authentication cancelled").await;
                };
                let decoded =
                    |text: &str| decode_base64(text).and_then(|b| String::from_utf8(b).ok());
                let (Some(user), Some(password)) = (decoded(&user), decoded(&password)) else {
                    return self.fail(501, "Cannot decode response").await;
                };
                (user, password)
            }
            _ => return self.fail(504, "Unrecognized authentication type").await,
        };
        let accepted = match &self.shared.lock().credentials {
            Some((want_user, want_password)) => *want_user == user && *want_password == password,
            None => true,
        };
        if !accepted {
            return self.fail(535, "Authentication credentials invalid").await;
        }
        self.shared.lock().logins.push(user.clone());
        self.auth_user = Some(user);
        self.reply(235, "Authentication successful").await?;
        Ok(Flow::Continue)
    }

    /// Sends a 334 challenge and reads the answer; `None` if the client cancelled (`*`).
    async fn challenge(&mut self, text: &str) -> io::Result<Option<String>> {
        self.reply(334, text).await?;
        let line = self
            .read_command()
            .await?
            .ok_or_else(|| io::Error::new(io::ErrorKind::UnexpectedEof, "closed in AUTH"))?;
        let line = line.trim().to_string();
        Ok((line != "*").then_some(line))
    }

    async fn mail(&mut self, arg: &str) -> io::Result<Flow> {
        if self.helo.is_none() {
            return self.fail(503, "Send EHLO or HELO first").await;
        }
        if self.from.is_some() {
            return self.fail(503, "Nested MAIL command").await;
        }
        let needs_auth = self.shared.lock().credentials.is_some();
        if needs_auth && self.auth_user.is_none() {
            return self.fail(530, "Authentication required").await;
        }
        let Some((address, params)) = strip_keyword(arg, "FROM:").and_then(parse_path) else {
            return self.fail(501, "Syntax: MAIL FROM:<address>").await;
        };
        for param in params.split_whitespace() {
            let (key, value) = param.split_once('=').unwrap_or((param, ""));
            match key.to_ascii_uppercase().as_str() {
                "SIZE" => match value.parse::<usize>() {
                    Ok(size) if size > MAX_MESSAGE_SIZE => {
                        return self.fail(552, "Message size exceeds fixed maximum").await;
                    }
                    Ok(_) => {}
                    Err(_) => return self.fail(501, "Bad SIZE parameter").await,
                },
                "BODY" | "SMTPUTF8" | "AUTH" => {}
                _ => return self.fail(555, "MAIL FROM parameter not recognized").await,
            }
        }
        if let Some(code) = self.shared.rejection(Stage::Mail, Some(&address)) {
            return self.reject(code).await;
        }
        self.from = Some(address);
        self.ok("OK").await
    }

    async fn rcpt(&mut self, arg: &str) -> io::Result<Flow> {
        if self.from.is_none() {
            return self.fail(503, "Need MAIL before RCPT").await;
        }
        let Some((address, params)) = strip_keyword(arg, "TO:").and_then(parse_path) else {
            return self.fail(501, "Syntax: RCPT TO:<address>").await;
        };
        if address.is_empty() {
            return self.fail(501, "Empty recipient").await;
        }
        if !params.trim().is_empty() {
            return self.fail(555, "RCPT TO parameters not recognized").await;
        }
        if self.to.len() == MAX_RECIPIENTS {
            return self.fail(452, "Too many recipients").await;
        }
        if let Some(code) = self.shared.rejection(Stage::Rcpt, Some(&address)) {
            // Quoting the address, as Postfix does (`<a@b>: Recipient address rejected`).
            let text = format!("<{address}>: {}", rejection_text(code));
            return self.reply(code, &text).await.map(|()| Flow::Continue);
        }
        self.to.push(address);
        self.ok("OK").await
    }

    async fn data(&mut self, arg: &str) -> io::Result<Flow> {
        if !arg.is_empty() {
            return self.fail(501, "DATA takes no arguments").await;
        }
        if self.from.is_none() {
            return self.fail(503, "Need MAIL before DATA").await;
        }
        if self.to.is_empty() {
            return self.fail(554, "No valid recipients").await;
        }
        if let Some(code) = self.shared.rejection(Stage::Data, None) {
            return self.reject(code).await;
        }
        self.reply(354, "End data with <CR><LF>.<CR><LF>").await?;
        let mut data = Vec::new();
        let mut too_big = false;
        loop {
            // Lines are not length-limited here: the size check below bounds memory.
            let line = self
                .read_line(MAX_MESSAGE_SIZE as u64 + 3)
                .await?
                .ok_or_else(|| io::Error::new(io::ErrorKind::UnexpectedEof, "closed in DATA"))?;
            let content = line
                .strip_suffix(b"\r\n")
                .or_else(|| line.strip_suffix(b"\n"));
            if content == Some(b".") {
                break;
            }
            // RFC 5321 §4.5.2: a leading dot was doubled by the client.
            let line = line.strip_prefix(b".").unwrap_or(&line);
            if data.len() + line.len() > MAX_MESSAGE_SIZE {
                too_big = true;
            } else {
                data.extend_from_slice(line);
            }
        }
        let from = self.from.take().unwrap_or_default();
        let to = std::mem::take(&mut self.to);
        if too_big {
            return self.fail(552, "Message size exceeds fixed maximum").await;
        }
        if let Some(code) = self.shared.rejection(Stage::DataEnd, None) {
            return self.reject(code).await;
        }
        let id = {
            let mut inner = self.shared.lock();
            inner.messages.push(ReceivedMail {
                from,
                to,
                data: String::from_utf8_lossy(&data).into_owned(),
                auth_user: self.auth_user.clone(),
                helo: self.helo.clone().unwrap_or_default(),
            });
            inner.messages.len()
        };
        self.shared.arrived.notify_all();
        self.ok(&format!("OK: queued as {id}")).await
    }

    /// Reads one line with its terminator; `None` at a clean end of stream.
    async fn read_line(&mut self, limit: u64) -> io::Result<Option<Vec<u8>>> {
        let mut line = Vec::new();
        let n = (&mut self.conn)
            .take(limit)
            .read_until(b'\n', &mut line)
            .await?;
        if n == 0 {
            return Ok(None);
        }
        if !line.ends_with(b"\n") {
            if n as u64 == limit {
                self.reply(500, "Line too long").await?;
            }
            return Err(io::Error::new(io::ErrorKind::InvalidData, "bad line"));
        }
        Ok(Some(line))
    }

    /// Reads a command line (or an AUTH response) without its line terminator.
    async fn read_command(&mut self) -> io::Result<Option<String>> {
        let Some(line) = self.read_line(MAX_COMMAND_LINE).await? else {
            return Ok(None);
        };
        let line = String::from_utf8_lossy(&line);
        let line = line.trim_end_matches(['\r', '\n']).to_string();
        self.shared.lock().transcript.push(line.clone());
        Ok(Some(line))
    }

    async fn reply(&mut self, code: u16, text: &str) -> io::Result<()> {
        self.reply_lines(code, &[text]).await
    }

    async fn reply_lines(&mut self, code: u16, lines: &[&str]) -> io::Result<()> {
        let mut out = String::new();
        for (i, line) in lines.iter().enumerate() {
            let separator = if i + 1 == lines.len() { ' ' } else { '-' };
            out.push_str(&format!("{code}{separator}{line}\r\n"));
        }
        self.conn.write_all(out.as_bytes()).await?;
        self.conn.flush().await
    }

    async fn ok(&mut self, text: &str) -> io::Result<Flow> {
        self.reply(250, text).await?;
        Ok(Flow::Continue)
    }

    async fn fail(&mut self, code: u16, text: &str) -> io::Result<Flow> {
        self.reply(code, text).await?;
        Ok(Flow::Continue)
    }

    async fn reject(&mut self, code: u16) -> io::Result<Flow> {
        self.reply(code, rejection_text(code)).await?;
        Ok(if code == 421 {
            Flow::Close
        } else {
            Flow::Continue
        })
    }
}

/// `arg` after `keyword` (any case), e.g. `FROM:` in `MAIL FROM:<a@b>`.
fn strip_keyword<'a>(arg: &'a str, keyword: &str) -> Option<&'a str> {
    let head = arg.get(..keyword.len())?;
    head.eq_ignore_ascii_case(keyword)
        .then(|| arg[keyword.len()..].trim_start())
}

/// `<address> params` → the address (source route dropped) and the rest.
fn parse_path(text: &str) -> Option<(String, &str)> {
    let inner = text.strip_prefix('<')?;
    let end = inner.find('>')?;
    let path = &inner[..end];
    // RFC 5321 §4.1.2: an obsolete source route "@a,@b:user@c" comes before the address.
    let address = match path.strip_prefix('@') {
        Some(_) => path.split_once(':').map_or(path, |(_, address)| address),
        None => path,
    };
    Some((address.to_string(), &inner[end + 1..]))
}

/// Standard base64 (RFC 4648 §4), padding optional; `=` alone is the empty string
/// (RFC 4954 §4). `None` on any other character.
fn decode_base64(text: &str) -> Option<Vec<u8>> {
    match text.trim() {
        "=" => Some(Vec::new()),
        text => STANDARD_PAD_INDIFFERENT.decode(text).ok(),
    }
}
