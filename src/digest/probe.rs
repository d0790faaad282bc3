//! `newshound email test`: the SMTP session with the configured settings, step by step
//! (connect and greeting, TLS and the certificate, AUTH), so that an admin sees which step
//! fails and why before any digest is due. The session ends there: a test message, if
//! asked for, goes through the outbox on a connection of its own, as a digest does
//! (`daemon::send_test_message`), so that it checks the path digests take.

use std::fmt::Write as _;

use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::AsyncSmtpConnection;

use super::hello::greeting_name;
use super::send::{describe, mechanism_hint, port_mismatch, tls_parameters};
use crate::config::{Email, Security, Transport};

/// One step of the session and how it went.
#[derive(Debug, Clone)]
pub struct Step {
    pub name: &'static str,
    pub ok: bool,
    pub detail: String,
}

/// Runs the session; stops at the first step that fails, and ends the session (QUIT) if
/// all passed.
pub async fn probe(email: &Email) -> Vec<Step> {
    let mut steps = Vec::new();
    let smtp = match &email.transport {
        Transport::Smtp(smtp) => smtp,
        Transport::File { outbox } => {
            steps.push(Step {
                name: "transport",
                ok: true,
                detail: format!(
                    "no SMTP server configured: messages are written to {}",
                    outbox.display()
                ),
            });
            return steps;
        }
    };
    let mut step = |name, result: Result<String, String>| {
        let ok = result.is_ok();
        steps.push(Step {
            name,
            ok,
            detail: result.unwrap_or_else(|e| e),
        });
        ok
    };
    let hello = greeting_name(smtp.helo_name.as_deref(), email.from.email.domain());
    let tls = match smtp.security {
        Security::None => None,
        _ => match tls_parameters(smtp) {
            Ok(tls) => Some(tls),
            Err(e) => {
                step("tls", Err(e.to_string()));
                return steps;
            }
        },
    };
    let wrapper = (smtp.security == Security::Tls)
        .then(|| tls.clone())
        .flatten();
    let connect = AsyncSmtpConnection::connect_tokio1(
        (smtp.host.as_str(), smtp.port),
        Some(smtp.timeout),
        &hello,
        wrapper,
        None,
    );
    // lettre bounds connecting, not the wait for the greeting: a server on port 465 waits
    // for the client's TLS as long as the client waits for its greeting.
    let mut conn = match within(smtp.timeout, "no greeting from the server", connect).await {
        Ok(conn) => conn,
        Err(cause) => {
            let mut cause = format!("{}:{}: {cause}", smtp.host, smtp.port);
            if let Some(hint) = port_mismatch(smtp.port, smtp.security) {
                cause = format!("{cause} ({hint})");
            }
            step("connect", Err(cause));
            return steps;
        }
    };
    step(
        "connect",
        Ok(format!(
            "{}:{} greets as {}; we greet as {hello}",
            smtp.host,
            smtp.port,
            conn.server_info()
        )),
    );
    if smtp.security == Security::StartTls {
        let Some(tls) = tls else { return steps };
        if let Err(cause) =
            within(smtp.timeout, "no TLS handshake", conn.starttls(tls, &hello)).await
        {
            step("tls", Err(format!("STARTTLS: {cause}")));
            return steps;
        }
    }
    if smtp.security != Security::None {
        let detail = conn
            .peer_certificate()
            .ok()
            .and_then(|der| certificate_names(&der))
            .map_or_else(
                || "encrypted; certificate verified".to_string(),
                |(subject, issuer)| {
                    format!("encrypted; certificate of {subject}, issued by {issuer}, verified")
                },
            );
        step("tls", Ok(detail));
    }
    if let (Some(user), Some(password)) = (&smtp.username, &smtp.password) {
        let credentials = Credentials::new(user.clone(), password.expose().to_string());
        let login = conn.auth(&[Mechanism::Plain, Mechanism::Login], &credentials);
        let result = within(smtp.timeout, "no answer to the login", login)
            .await
            .map(|_| format!("logged in as {user}"))
            .map_err(|cause| match mechanism_hint(smtp.security, &cause) {
                Some(hint) => format!("{cause} ({hint})"),
                None => cause,
            });
        if !step("auth", result) {
            return steps;
        }
    }
    let _ = conn.quit().await;
    steps
}

/// A step of the session, bounded by `limit` (past it, `silence` and the limit are the
/// cause); its error as one readable cause.
async fn within<T>(
    limit: std::time::Duration,
    silence: &str,
    step: impl Future<Output = Result<T, lettre::transport::smtp::Error>>,
) -> Result<T, String> {
    match tokio::time::timeout(limit, step).await {
        Ok(result) => result.map_err(|e| describe(&e)),
        Err(_) => Err(format!(
            "{silence} within {}",
            humantime::format_duration(limit)
        )),
    }
}

/// The subject and issuer of a DER certificate, as `CN=…, O=…`.
fn certificate_names(der: &[u8]) -> Option<(String, String)> {
    let (_, certificate, _) = tlv(der)?;
    let (_, mut tbs, _) = tlv(certificate)?;
    let mut fields = Vec::new();
    while let Some((tag, content, rest)) = tlv(tbs) {
        fields.push((tag, content));
        tbs = rest;
    }
    // version [0] (optional), serial, signature algorithm, issuer, validity, subject.
    let skip = usize::from(fields.first()?.0 == 0xA0);
    let issuer = name(fields.get(skip + 2)?.1);
    let subject = name(fields.get(skip + 4)?.1);
    Some((subject, issuer))
}

/// One DER element: tag, content, and what follows it.
fn tlv(data: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = data.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let n = usize::from(first & 0x7F);
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let len = rest[..n]
            .iter()
            .fold(0usize, |acc, &b| acc << 8 | usize::from(b));
        (len, &rest[n..])
    };
    (rest.len() >= len).then(|| (tag, &rest[..len], &rest[len..]))
}

/// A distinguished name's common parts, as `CN=…, O=…`.
fn name(mut sets: &[u8]) -> String {
    let mut out = String::new();
    while let Some((_, set, rest)) = tlv(sets) {
        sets = rest;
        let Some((_, pair, _)) = tlv(set) else {
            continue;
        };
        let Some((_, oid, value)) = tlv(pair) else {
            continue;
        };
        let Some((_, value, _)) = tlv(value) else {
            continue;
        };
        let key = match oid {
            [0x55, 0x04, 0x03] => "CN",
            [0x55, 0x04, 0x0A] => "O",
            [0x55, 0x04, 0x0B] => "OU",
            [0x55, 0x04, 0x06] => "C",
            _ => continue,
        };
        if !out.is_empty() {
            out.push_str(", ");
        }
        let _ = write!(out, "{key}={}", String::from_utf8_lossy(value));
    }
    out
}
