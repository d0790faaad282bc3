//! Delivering digests through a real Postfix relay on loopback (see `support::postfix`):
//! STARTTLS on 25 and 587 and implicit TLS on 465 with a private CA, a relay that refuses
//! bare greeting names, a login refused and fixed by a live edit of the config, a relay
//! that offers AUTH in clear, and the faults of the configuration a relay shows (a
//! refused greeting, no login mechanism in common, TLS and STARTTLS mixed up). Every
//! message is looked for in the relay's mailbox, once.
//!
//! The faults Postfix cannot be made to show (a server that never answers, an outage in
//! the middle of a digest) are tested against the project's own SMTP server in
//! `tests/delivery.rs`.

mod support;

use std::path::{Path, PathBuf};

use newshound::config;
use newshound::daemon;
use newshound::store::{MessageState, Store};
use nix::sys::signal::Signal;
use support::fixtures::{
    DigestSetup, feed_table, poll_config, s400_digest, serve_copies, write_config,
};
use support::postfix::{PASSWORD, Postfix, SERVER_NAME, USER};
use support::process::{Daemon, newshound};
use support::tls::{PrivateCa, private_ca};

const RECIPIENTS: [&str; 2] = ["desk@newshound.test", "chief@newshound.test"];

/// The `from` line of [`email_lines`].
const FROM: &str = "from = \"newshound <alerts@newshound.test>\"\n";

/// The `[email]` lines for `relay` on `port` with `security`, trusting the private CA and
/// logging in with the password in `password`, if given: everything but the table's
/// header.
fn email_lines(
    relay: &Postfix,
    port: u16,
    security: &str,
    ca: &PrivateCa,
    password: Option<&Path>,
) -> String {
    let login = password.map_or_else(String::new, |password| {
        format!(
            "username = \"{USER}\"\npassword_file = {:?}\n",
            password.display().to_string()
        )
    });
    format!(
        "host = \"{}\"\nport = {port}\nsecurity = \"{security}\"\ntimeout = \"5s\"\n{FROM}\
         tls_ca_file = {:?}\ntls_server_name = \"{SERVER_NAME}\"\n{login}",
        relay.host(),
        ca.ca.display().to_string(),
    )
}

/// Digest `desk` of three S-400 matches, hourly, to both recipients, sent with the
/// `[email]` lines `email` writes (given the folder for the password file).
async fn setup(email: impl FnOnce(&Path) -> String) -> DigestSetup {
    s400_digest(&RECIPIENTS, "schedule = \"every 1h\"", |dir| {
        format!("[email]\n{}", email(dir))
    })
    .await
}

/// Writes `password` to `password` in `dir`; its path.
fn password_file(dir: &Path, password: &str) -> PathBuf {
    let path = dir.join("smtp-password");
    std::fs::write(&path, format!("{password}\n")).unwrap();
    path
}

async fn send(path: &Path) -> daemon::DigestSend {
    poll_config(path).await;
    daemon::send_digest(config::load(path).unwrap(), "desk")
        .await
        .unwrap()
}

/// What a pass over the outbox did, without the messages' bytes.
fn summary(report: &daemon::DrainReport) -> String {
    let mut lines = Vec::new();
    for m in &report.sent {
        lines.push(format!("sent to {}", m.recipient));
    }
    for (m, reason) in &report.retrying {
        lines.push(format!("retrying {}: {reason}", m.recipient));
    }
    for (m, reason) in &report.failed {
        lines.push(format!("failed {}: {reason}", m.recipient));
    }
    lines.join("\n")
}

/// The test's private CA and a relay with `settings`; `None` where either is missing.
fn relay(
    certs: &Path,
    settings: &[(&str, &str)],
    mechanisms: &str,
) -> Option<(PrivateCa, Postfix)> {
    let ca = private_ca(certs)?;
    let relay = Postfix::start_with(&ca, settings, mechanisms)?;
    Some((ca, relay))
}

/// The three ports an admin opens: STARTTLS on 25 (the MTA port) and 587 (submission),
/// implicit TLS on 465 (submissions). Each digest reaches each recipient's mailbox once,
/// over TLS, logged in (`ESMTPSA`), greeting with a fully qualified name, which the relay
/// demands (`reject_non_fqdn_helo_hostname`; this machine's own name may well be bare).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn starttls_on_25_and_587_and_tls_on_465_deliver_each_message_once() {
    let certs = tempfile::tempdir().unwrap();
    let Some((ca, relay)) = relay(certs.path(), &[], "PLAIN LOGIN") else {
        return;
    };
    let mut sent = Vec::new();
    for (port, security, helo_name) in [
        (25, "starttls", None),
        (587, "starttls", Some("client.newshound.test")),
        (465, "tls", None),
    ] {
        let s = setup(|dir| {
            let mut lines = email_lines(
                &relay,
                port,
                security,
                &ca,
                Some(&password_file(dir, PASSWORD)),
            );
            if let Some(name) = helo_name {
                lines.push_str(&format!("helo_name = \"{name}\"\n"));
            }
            lines
        })
        .await;
        let run = send(&s.path).await;
        assert_eq!(
            run.report.sent.len(),
            2,
            "port {port}: {}\n{}",
            summary(&run.report),
            relay.log()
        );
        for message in &run.report.sent {
            sent.push((
                port,
                helo_name,
                message.recipient.clone(),
                message.message_id.clone(),
            ));
        }
    }
    let mailbox = relay.mailbox(sent.len());
    assert_eq!(mailbox.len(), sent.len(), "{mailbox:#?}");
    for (port, helo_name, recipient, message_id) in &sent {
        let found: Vec<_> = mailbox
            .iter()
            .filter(|m| &m.message_id == message_id && &m.to == recipient)
            .collect();
        assert_eq!(
            found.len(),
            1,
            "port {port}: {message_id} to {recipient}: {mailbox:#?}"
        );
        let received = &found[0].received;
        assert!(received.contains("with ESMTPSA"), "port {port}: {received}");
        assert!(
            received.contains("(using TLSv1."),
            "port {port}: {received}"
        );
        assert!(
            received.contains(&format!("(Authenticated sender: {USER})")),
            "port {port}: {received}"
        );
        let greeting = received
            .strip_prefix("from ")
            .and_then(|r| r.split_whitespace().next())
            .unwrap_or_default();
        match helo_name {
            Some(name) => assert_eq!(greeting, *name, "{received}"),
            None => assert!(greeting.contains('.'), "a bare greeting: {received}"),
        }
    }
}

/// A recipient the relay has no mailbox for is refused for good (550 5.1.1): that
/// recipient's message fails, the others are delivered once, and mail is not blocked.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recipient_the_relay_refuses_fails_alone() {
    let certs = tempfile::tempdir().unwrap();
    let Some((ca, relay)) = relay(certs.path(), &[], "PLAIN LOGIN") else {
        return;
    };
    let s = setup(|dir| {
        email_lines(
            &relay,
            587,
            "starttls",
            &ca,
            Some(&password_file(dir, PASSWORD)),
        )
    })
    .await;
    let text = std::fs::read_to_string(&s.path).unwrap().replace(
        &format!("to = {RECIPIENTS:?}"),
        "to = [\"desk@newshound.test\", \"nobody@newshound.test\", \"chief@newshound.test\"]",
    );
    std::fs::write(&s.path, text).unwrap();
    let run = send(&s.path).await;
    assert_eq!(run.report.sent.len(), 2, "{}", summary(&run.report));
    assert_eq!(run.report.failed.len(), 1, "{}", summary(&run.report));
    let (refused, reason) = &run.report.failed[0];
    assert_eq!(refused.recipient, "nobody@newshound.test");
    assert!(
        reason.contains("550") && reason.contains("User unknown"),
        "{reason}"
    );
    let mut to: Vec<String> = relay.mailbox(2).into_iter().map(|m| m.to).collect();
    to.sort();
    assert_eq!(to, ["chief@newshound.test", "desk@newshound.test"]);
    let listing = newshound(&s.path, &["outbox"]);
    let listing = String::from_utf8_lossy(&listing.stdout);
    assert!(!listing.contains("MAIL IS BLOCKED"), "{listing}");
}

/// A wrong password: the relay refuses the login (535), the mail waits as the
/// configuration's fault, loudly, and nothing reaches the mailbox; a live edit of the
/// config that names the right password file sends what waited at once, each message
/// once.
#[test]
fn a_wrong_password_holds_the_mail_until_a_live_edit_fixes_it_then_each_message_arrives_once() {
    let certs = tempfile::tempdir().unwrap();
    let Some((ca, relay)) = relay(certs.path(), &[], "PLAIN LOGIN") else {
        return;
    };
    let (_served, http) = serve_copies(&["wire.rss"]);
    let work = tempfile::tempdir().unwrap();
    let wrong = work.path().join("wrong-password");
    let right = work.path().join("right-password");
    std::fs::write(&wrong, "wrong horse\n").unwrap();
    std::fs::write(&right, format!("{PASSWORD}\n")).unwrap();
    let body = |password: &Path| {
        format!(
            "{}[[watchlists]]\nname = \"topic\"\nquery = 'Floods'\n\n[email]\n{}\n\
             [[digests]]\nname = \"desk\"\nto = {RECIPIENTS:?}\nschedule = \"every 1h\"\n",
            feed_table("wire", &http.url("wire.rss")),
            email_lines(&relay, 587, "starttls", &ca, Some(password)),
        )
    };
    let config = write_config(work.path(), &body(&wrong));

    let mut daemon = Daemon::start(&config);
    daemon.wait_for_logs("mail is blocked by the [email] settings", 1);
    let blocked = &daemon.logged("mail is blocked by the [email] settings")[0];
    assert!(blocked.contains("ERROR"), "{blocked}");
    assert!(
        blocked.contains("kind=\"auth\"") || blocked.contains("kind=auth"),
        "{blocked}"
    );
    assert!(blocked.contains("535"), "the relay's answer: {blocked}");
    assert!(
        blocked.contains("password_env / password_file"),
        "the fix: {blocked}"
    );
    assert!(
        relay.log().contains("authentication failed"),
        "{}",
        relay.log()
    );
    let listing = newshound(&config, &["outbox"]);
    let listing = String::from_utf8_lossy(&listing.stdout);
    assert!(
        listing.starts_with("MAIL IS BLOCKED: 2 messages wait"),
        "{listing}"
    );

    write_config(work.path(), &body(&right));
    daemon.wait_for_logs("configuration reloaded", 1);
    let mailbox = relay.mailbox(2);
    daemon.stop(Signal::SIGTERM);
    // Nothing more arrived after the two, though the daemon ran on.
    let mailbox_after = relay.mailbox(2);
    assert_eq!(mailbox_after.len(), 2, "{mailbox_after:#?}");
    let mut to: Vec<&str> = mailbox.iter().map(|m| m.to.as_str()).collect();
    to.sort();
    assert_eq!(to, ["chief@newshound.test", "desk@newshound.test"]);
    let listing = newshound(&config, &["outbox"]);
    let listing = String::from_utf8_lossy(&listing.stdout);
    assert!(!listing.contains("MAIL IS BLOCKED"), "{listing}");
}

/// A relay on this machine that offers AUTH over a plain connection (Postfix with
/// `smtpd_tls_auth_only = no`): newshound does not send the password in clear unless
/// told it may (`allow_plaintext_auth`, loopback only), and then logs in (`ESMTPA`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_relay_offering_auth_in_clear_gets_the_password_only_when_allowed() {
    let certs = tempfile::tempdir().unwrap();
    let Some((ca, relay)) = relay(
        certs.path(),
        &[("smtpd_tls_auth_only", "no")],
        "PLAIN LOGIN",
    ) else {
        return;
    };
    let s = setup(|dir| email_lines(&relay, 25, "none", &ca, Some(&password_file(dir, PASSWORD))))
        .await;
    let out = newshound(&s.path, &["check"]);
    assert!(!out.status.success(), "{out:?}");
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("allow_plaintext_auth"), "{said}");
    assert!(!relay.log().contains("sasl_method"), "{}", relay.log());

    let text = std::fs::read_to_string(&s.path).unwrap().replace(
        "security = \"none\"",
        "security = \"none\"\nallow_plaintext_auth = true",
    );
    std::fs::write(&s.path, text).unwrap();
    let run = send(&s.path).await;
    assert_eq!(
        run.report.sent.len(),
        2,
        "{}\n{}",
        summary(&run.report),
        relay.log()
    );
    let mailbox = relay.mailbox(2);
    assert_eq!(mailbox.len(), 2);
    for mail in &mailbox {
        assert!(mail.received.contains("with ESMTPA"), "{}", mail.received);
        assert!(!mail.received.contains("using TLS"), "{}", mail.received);
    }
}

/// A relay answer that is a fault of the settings, and the settings that fix it.
struct Fault {
    /// main.cf lines of the relay, and the mechanisms it offers.
    relay: &'static [(&'static str, &'static str)],
    mechanisms: &'static str,
    port: u16,
    security: &'static str,
    /// `[email]` keys of [`email_lines`] the faulty settings leave out, and the lines
    /// they add.
    left_out: &'static [&'static str],
    extra: &'static str,
    kind: &'static str,
    /// Words of the cause, with the fix.
    cause: &'static str,
    /// The security and extra lines that fix it (with every key of [`email_lines`]), if
    /// the settings can.
    fixed: Option<(&'static str, &'static str)>,
}

const FAULTS: [Fault; 10] = [
    Fault {
        relay: &[(
            "smtpd_helo_restrictions",
            "reject_non_fqdn_helo_hostname, \
             check_helo_access inline:{ { blocked.newshound.test = REJECT not this name } }",
        )],
        mechanisms: "PLAIN LOGIN",
        port: 587,
        security: "starttls",
        left_out: &[],
        extra: "helo_name = \"blocked.newshound.test\"\n",
        kind: "greeting",
        cause: "Helo command rejected",
        fixed: Some(("starttls", "helo_name = \"client.newshound.test\"\n")),
    },
    // Port 25 offers AUTH only after STARTTLS.
    Fault {
        relay: &[],
        mechanisms: "PLAIN LOGIN",
        port: 25,
        security: "none",
        left_out: &[],
        extra: "allow_plaintext_auth = true\n",
        kind: "auth",
        cause: "relays offer AUTH only after STARTTLS as a rule: use security = \"starttls\"",
        fixed: Some(("starttls", "")),
    },
    // Port 587 takes nothing before STARTTLS (smtpd_tls_security_level = encrypt).
    Fault {
        relay: &[],
        mechanisms: "PLAIN LOGIN",
        port: 587,
        security: "none",
        left_out: &["username", "password_file"],
        extra: "",
        kind: "tls",
        cause: "the server takes mail only over TLS: use security = \"starttls\"",
        fixed: Some(("starttls", "")),
    },
    Fault {
        relay: &[],
        mechanisms: "CRAM-MD5 DIGEST-MD5",
        port: 587,
        security: "starttls",
        left_out: &[],
        extra: "",
        kind: "auth",
        cause: "the server offers neither PLAIN nor LOGIN",
        fixed: None,
    },
    // Port 587 takes mail only from a client that logged in.
    Fault {
        relay: &[],
        mechanisms: "PLAIN LOGIN",
        port: 587,
        security: "starttls",
        left_out: &["username", "password_file"],
        extra: "",
        kind: "relay",
        cause: "Client host rejected",
        fixed: Some(("starttls", "")),
    },
    // `from` is not the login's to send as.
    Fault {
        relay: &[
            (
                "smtpd_sender_login_maps",
                "inline:{alerts@newshound.test=alerts@newshound.test}",
            ),
            ("smtpd_sender_restrictions", "reject_sender_login_mismatch"),
        ],
        mechanisms: "PLAIN LOGIN",
        port: 587,
        security: "starttls",
        left_out: &["from"],
        extra: "from = \"newshound <news@newshound.test>\"\n",
        kind: "sender",
        cause: "Sender address rejected: not owned by user alerts@newshound.test",
        fixed: Some(("starttls", "")),
    },
    Fault {
        relay: &[],
        mechanisms: "PLAIN LOGIN",
        port: 465,
        security: "starttls",
        left_out: &[],
        extra: "",
        kind: "tls",
        cause: "port 465 speaks TLS at once and waits for the client's: use security = \"tls\"",
        fixed: Some(("tls", "")),
    },
    Fault {
        relay: &[],
        mechanisms: "PLAIN LOGIN",
        port: 25,
        security: "tls",
        left_out: &[],
        extra: "",
        kind: "tls",
        cause: "use security = \"starttls\"",
        fixed: Some(("starttls", "")),
    },
    // The certificate is signed by a CA this machine does not trust.
    Fault {
        relay: &[],
        mechanisms: "PLAIN LOGIN",
        port: 587,
        security: "starttls",
        left_out: &["tls_ca_file"],
        extra: "",
        kind: "tls",
        cause: "set [email] tls_ca_file",
        fixed: Some(("starttls", "")),
    },
    // `host` is an address; the certificate names mail.test.internal.
    Fault {
        relay: &[],
        mechanisms: "PLAIN LOGIN",
        port: 465,
        security: "tls",
        left_out: &["tls_server_name"],
        extra: "",
        kind: "tls",
        cause: "set [email] tls_server_name",
        fixed: Some(("tls", "")),
    },
];

/// What an admin's relay answers when the settings are wrong, read as faults of the
/// configuration ([`FAULTS`]): the mail waits (none failed, none delivered) with the
/// cause and the fix, and after the fix `outbox send` delivers each message once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_a_relay_shows_hold_the_mail_with_the_fix_and_it_goes_out_once_fixed() {
    let certs = tempfile::tempdir().unwrap();
    let Some(ca) = private_ca(certs.path()) else {
        return;
    };
    let password = password_file(certs.path(), PASSWORD);
    for fault in FAULTS {
        let Some(relay) = Postfix::start_with(&ca, fault.relay, fault.mechanisms) else {
            return;
        };
        let lines = |security, left_out: &[&str], extra: &str| {
            let all = email_lines(&relay, fault.port, security, &ca, Some(&password));
            let kept: String = all
                .lines()
                .filter(|l| !left_out.iter().any(|k| l.starts_with(&format!("{k} ="))))
                .map(|l| format!("{l}\n"))
                .collect();
            kept + extra
        };
        let broken = lines(fault.security, fault.left_out, fault.extra);
        let s = setup(|_| broken.clone()).await;
        let run = send(&s.path).await;
        let case = format!("{} on {} ({})", fault.kind, fault.port, fault.security);
        assert!(
            run.report.sent.is_empty() && run.report.failed.is_empty(),
            "{case}: {}",
            summary(&run.report)
        );
        assert_eq!(
            run.report.retrying.len(),
            1,
            "{case}: {}",
            summary(&run.report)
        );
        let reason = &run.report.retrying[0].1;
        eprintln!("{case}: {reason}");
        let blocked = format!("blocked by the [email] settings ({})", fault.kind);
        assert!(reason.contains(&blocked), "{case}: {reason}");
        assert!(reason.contains(fault.cause), "{case}: {reason}");
        assert!(relay.mailbox(0).is_empty(), "{case}");
        let Some((security, extra)) = fault.fixed else {
            continue;
        };
        let text = std::fs::read_to_string(&s.path).unwrap().replacen(
            &broken,
            &lines(security, &[], extra),
            1,
        );
        std::fs::write(&s.path, text).unwrap();
        let report = daemon::send_outbox(config::load(&s.path).unwrap())
            .await
            .unwrap();
        assert_eq!(
            report.sent.len(),
            2,
            "{case}, fixed: {}\n{}",
            summary(&report),
            relay.log()
        );
        assert_eq!(relay.mailbox(2).len(), 2, "{case}");
    }
}

/// `email test --to` against the relay: each step, with the certificate's subject and
/// issuer and the login, then the test message through the outbox, found in the mailbox
/// once with the Message-ID the outbox holds as sent. To port 465 with STARTTLS, the
/// connect step fails with the fix and nothing is queued.
#[test]
fn email_test_reports_each_step_against_the_relay() {
    let certs = tempfile::tempdir().unwrap();
    let Some((ca, relay)) = relay(certs.path(), &[], "PLAIN LOGIN") else {
        return;
    };
    let work = tempfile::tempdir().unwrap();
    let password = password_file(work.path(), PASSWORD);
    for (security, code, expected) in [
        (
            "tls",
            0,
            &[
                "ok   connect  ",
                "ok   tls      encrypted; certificate of CN=mail.test.internal, issued by CN=newshound test CA, verified",
                "ok   auth     logged in as alerts@newshound.test",
                "ok   send     accepted for check@newshound.test (outbox #1, Message-ID ",
            ][..],
        ),
        (
            "starttls",
            1,
            &["FAIL connect  ", "use security = \"tls\""][..],
        ),
    ] {
        let config = write_config(
            work.path(),
            &format!(
                "[email]\n{}",
                email_lines(&relay, 465, security, &ca, Some(&password))
            ),
        );
        let out = newshound(&config, &["email", "test", "--to", "check@newshound.test"]);
        let printed = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(code), "{security}: {printed}");
        for line in expected {
            assert!(printed.contains(line), "{line:?} not in:\n{printed}");
        }
    }
    let outbox = Store::open(&work.path().join("newshound.db"))
        .unwrap()
        .outbox(10)
        .unwrap();
    assert_eq!(outbox.len(), 1, "{outbox:#?}");
    assert_eq!(outbox[0].state, MessageState::Sent);
    let mailbox = relay.mailbox(1);
    assert_eq!(mailbox.len(), 1, "{mailbox:#?}");
    assert_eq!(mailbox[0].to, "check@newshound.test");
    assert_eq!(mailbox[0].subject, "newshound test message");
    assert_eq!(mailbox[0].message_id, outbox[0].message_id);
}
