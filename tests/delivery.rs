//! Delivering digests to a real SMTP server on loopback, through the outbox: a message is
//! committed before it is sent, waits while the server is down and then goes out
//! unchanged; a recipient the server refuses does not hold up the others; a recipient
//! added later starts from the digest's backfill; credentials from a password file are
//! used.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use newshound::config;
use newshound::daemon::{self, DigestRun};
use newshound::store::{MessageKind, MessageState, Store};
use support::fixtures::{DigestSetup, poll_config, s400_digest, smtp_email};
use support::process::newshound;
use support::smtp::TlsMode;
use support::tls::private_ca;
use support::{SmtpServer, Stage, Unavailable};

const TITLES: [&str; 2] = ["Turkey says S-400 systems", "Ankara weighs S400 deal"];

type Setup = DigestSetup;

/// Two feeds with three S-400 matches between them, and digest `desk` to `to`, with
/// `extra` lines in its table, mailed through the SMTP server on `port`.
async fn setup(port: u16, to: &[&str], extra: &str) -> Setup {
    s400_digest(to, extra, |_| smtp_email(port)).await
}

fn store(path: &Path) -> Store {
    Store::open(&config::load(path).unwrap().storage.path).unwrap()
}

fn unsent(path: &Path, recipient: &str) -> usize {
    store(path)
        .unsent_matches("desk", recipient, &["s400".to_string()])
        .unwrap()
        .len()
}

/// A digest to desk@example.org queued while the mail server is down: it waits in the
/// outbox. The port is free for a server once released.
async fn held_digest() -> (Unavailable, Setup) {
    let down = Unavailable::start();
    let s = setup(down.port(), &["desk@example.org"], "").await;
    poll_config(&s.path).await;
    let run = daemon::send_digest(config::load(&s.path).unwrap(), "desk")
        .await
        .unwrap();
    assert_eq!(run.report.retrying.len(), 1);
    (down, s)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_waits_in_the_outbox_while_the_server_is_down_and_goes_out_unchanged() {
    let down = Unavailable::start();
    let s = setup(down.port(), &["Desk <desk@example.org>"], "").await;
    poll_config(&s.path).await;
    assert_eq!(unsent(&s.path, "desk@example.org"), 3);

    // The server is down (connections closed at once): the message is committed to the
    // outbox and stays there.
    let run = daemon::send_digest(config::load(&s.path).unwrap(), "desk")
        .await
        .unwrap();
    let DigestRun::Queued(queued) = &run.run else {
        panic!("expected a message, got {run:?}");
    };
    assert_eq!(queued.len(), 1);
    assert_eq!(queued[0].match_ids.len(), 3);
    assert_eq!(run.report.retrying.len(), 1, "{:?}", run.report);
    assert!(run.report.retrying[0].1.contains("will retry"));
    let outbox = store(&s.path).outbox(10).unwrap();
    assert_eq!(outbox.len(), 1);
    assert_eq!(outbox[0].state, MessageState::Pending);
    assert_eq!(outbox[0].attempts, 1);
    assert_eq!(outbox[0].matches, 3);
    // The matches belong to that message now: no second message takes them.
    assert_eq!(unsent(&s.path, "desk@example.org"), 0);
    let again = daemon::send_digest(config::load(&s.path).unwrap(), "desk")
        .await
        .unwrap();
    assert_eq!(again.run, DigestRun::Nothing);

    // 451 at the end of DATA (try again later): still pending, nothing delivered.
    let smtp = SmtpServer::start_on(down.release()).await;
    smtp.reject_next(1, Stage::DataEnd, 451);
    let report = daemon::send_outbox(config::load(&s.path).unwrap())
        .await
        .unwrap();
    assert_eq!(report.retrying.len(), 1);
    assert!(report.retrying[0].1.contains("451"), "{report:?}");
    assert!(smtp.messages().is_empty());

    // The server is back: the very message queued first goes out, once.
    let report = daemon::send_outbox(config::load(&s.path).unwrap())
        .await
        .unwrap();
    assert_eq!(report.sent.len(), 1, "{report:?}");
    let mails = smtp.wait_for(1, Duration::from_secs(10)).await;
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].to, ["desk@example.org"]);
    let mail = mails[0].parse();
    assert_eq!(
        mail.header("Message-ID").map(str::trim),
        Some(queued[0].message_id.as_str())
    );
    let text = mail.text.clone().expect("a text part");
    for title in TITLES {
        assert!(text.contains(title), "{title} missing from\n{text}");
    }
    assert_eq!(
        mail.header("List-Id").map(str::trim),
        Some("newshound desk <desk.newshound.newshound.test>")
    );
    assert_eq!(mail.header("List-Unsubscribe"), None, "not configured");
    assert_eq!(mail.header("Auto-Submitted"), Some("auto-generated"));
    let sent = store(&s.path).outbox(10).unwrap();
    assert_eq!(sent[0].state, MessageState::Sent);
    // Failed twice (each `digest send` tries the outbox), 451 once, then sent.
    assert_eq!(sent[0].attempts, 4);

    // Nothing is sent twice.
    let again = daemon::send_digest(config::load(&s.path).unwrap(), "desk")
        .await
        .unwrap();
    assert_eq!(again.run, DigestRun::Nothing);
    assert!(again.report.sent.is_empty());
    assert_eq!(smtp.messages().len(), 1);
}

/// A message waits in the outbox while `from` is changed (a relay refused the old one
/// as not this login's to send as): it goes out with the new envelope sender, and its
/// bytes, `From:` included, as they were queued.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_held_message_goes_out_with_the_envelope_sender_configured_now() {
    let (down, s) = held_digest().await;
    let text = std::fs::read_to_string(&s.path).unwrap().replace(
        "newshound <alerts@newshound.test>",
        "newshound <desk-alerts@newshound.test>",
    );
    std::fs::write(&s.path, text).unwrap();
    let smtp = SmtpServer::start_on(down.release()).await;
    let report = daemon::send_outbox(config::load(&s.path).unwrap())
        .await
        .unwrap();
    assert_eq!(report.sent.len(), 1);
    let mails = smtp.messages();
    assert_eq!(mails[0].from, "desk-alerts@newshound.test");
    let mail = mails[0].parse();
    assert_eq!(
        mail.header("From").map(str::trim),
        Some("newshound <alerts@newshound.test>")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recipient_refused_for_good_does_not_hold_up_the_others() {
    let smtp = SmtpServer::start().await;
    smtp.reject_rcpt("gone@example.org", 550);
    let s = setup(
        smtp.port(),
        &["desk@example.org", "gone@example.org"],
        "list_unsubscribe = \"mailto:lists@example.org?subject=unsubscribe%20desk\"",
    )
    .await;
    poll_config(&s.path).await;
    let run = daemon::send_digest(config::load(&s.path).unwrap(), "desk")
        .await
        .unwrap();
    assert_eq!(run.report.sent.len(), 1, "{:?}", run.report);
    assert_eq!(run.report.failed.len(), 1, "{:?}", run.report);
    let mails = smtp.wait_for(1, Duration::from_secs(10)).await;
    assert_eq!(mails.len(), 1);
    // Each recipient gets a message of their own: nobody sees the other addresses.
    assert_eq!(mails[0].to, ["desk@example.org"]);
    let mail = mails[0].parse();
    assert_eq!(mail.header("To").map(str::trim), Some("desk@example.org"));
    assert_eq!(
        mail.header("List-Unsubscribe").map(str::trim),
        Some("<mailto:lists@example.org?subject=unsubscribe%20desk>")
    );

    let outbox = store(&s.path).outbox(10).unwrap();
    let gone = outbox
        .iter()
        .find(|m| m.recipient == "gone@example.org")
        .unwrap();
    assert_eq!(gone.state, MessageState::Failed);
    assert!(
        gone.last_error.as_deref().unwrap_or("").contains("550"),
        "{gone:?}"
    );
    // A refused message is not retried by itself...
    let report = daemon::send_outbox(config::load(&s.path).unwrap())
        .await
        .unwrap();
    assert!(report.sent.is_empty() && report.failed.is_empty());

    // ...but can be, once the address works again: the same message.
    smtp.clear_rejections();
    assert!(
        store(&s.path)
            .retry_message(gone.id, chrono::Utc::now())
            .unwrap()
    );
    let report = daemon::send_outbox(config::load(&s.path).unwrap())
        .await
        .unwrap();
    assert_eq!(report.sent.len(), 1, "{report:?}");
    let mails = smtp.wait_for(2, Duration::from_secs(10)).await;
    assert_eq!(mails[1].to, ["gone@example.org"]);
    assert_eq!(
        mails[1].parse().header("Message-ID").map(str::trim),
        Some(gone.message_id.as_str())
    );
}

/// A refusal that quotes an address with "helo" or "ehlo" in it is about that
/// recipient, not the greeting: it fails alone, and mail is not blocked.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_address_that_holds_helo_is_not_a_greeting_fault() {
    let smtp = SmtpServer::start().await;
    smtp.reject_rcpt("michelob@example.org", 550);
    let s = setup(
        smtp.port(),
        &["michelob@example.org", "desk@example.org"],
        "",
    )
    .await;
    poll_config(&s.path).await;
    let run = daemon::send_digest(config::load(&s.path).unwrap(), "desk")
        .await
        .unwrap();
    assert_eq!(run.report.sent.len(), 1, "{:?}", run.report.retrying);
    assert_eq!(run.report.failed.len(), 1);
    assert!(run.report.failed[0].1.contains("<michelob@example.org>"));
    assert!(run.report.retrying.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recipient_added_later_starts_from_the_backfill() {
    let smtp = SmtpServer::start().await;
    let s = setup(smtp.port(), &["desk@example.org"], "").await;
    poll_config(&s.path).await;
    daemon::send_digest(config::load(&s.path).unwrap(), "desk")
        .await
        .unwrap();
    assert_eq!(smtp.wait_for(1, Duration::from_secs(10)).await.len(), 1);

    // Added with no backfill: nothing from before they were added. (Times are whole
    // seconds: the recipient is added in a later second than the matches.)
    std::thread::sleep(Duration::from_millis(1100));
    let text = std::fs::read_to_string(&s.path).unwrap();
    let with_late = text.replace(
        "to = [\"desk@example.org\"]",
        "to = [\"desk@example.org\", \"late@example.org\"]\nbackfill = \"0s\"",
    );
    std::fs::write(&s.path, &with_late).unwrap();
    let run = daemon::send_digest(config::load(&s.path).unwrap(), "desk")
        .await
        .unwrap();
    assert_eq!(run.run, DigestRun::Nothing);

    // Added with a day of backfill: the day's matches, once.
    std::fs::write(
        &s.path,
        with_late.replace(
            "\"late@example.org\"]\nbackfill = \"0s\"",
            "\"late@example.org\", \"later@example.org\"]\nbackfill = \"24h\"",
        ),
    )
    .unwrap();
    let run = daemon::send_digest(config::load(&s.path).unwrap(), "desk")
        .await
        .unwrap();
    let DigestRun::Queued(queued) = &run.run else {
        panic!("expected a message for the new recipient, got {run:?}");
    };
    assert_eq!(queued.len(), 1);
    assert_eq!(queued[0].recipient, "later@example.org");
    assert_eq!(queued[0].match_ids.len(), 3);
    let mails = smtp.wait_for(2, Duration::from_secs(10)).await;
    assert_eq!(mails.len(), 2);
    assert_eq!(mails[1].to, ["later@example.org"]);
    // The others were sent nothing again.
    assert_eq!(unsent(&s.path, "desk@example.org"), 0);
    assert_eq!(unsent(&s.path, "late@example.org"), 0);
    assert_eq!(smtp.messages().len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credentials_from_a_password_file_are_sent_to_the_server() {
    let smtp = SmtpServer::start().await;
    smtp.require_credentials("alerts", "correct horse");
    let s = setup(smtp.port(), &["desk@example.org"], "").await;
    login_in_clear(&s, "correct horse");

    let settings = config::load(&s.path).unwrap();
    assert!(
        !format!("{settings:?}").contains("correct horse"),
        "Debug shows the password"
    );
    daemon::poll_once(settings, None).await.unwrap();
    let run = daemon::send_digest(config::load(&s.path).unwrap(), "desk")
        .await
        .unwrap();
    assert_eq!(run.report.sent.len(), 1, "{run:?}");
    assert_eq!(smtp.logins(), ["alerts"]);
    assert_eq!(smtp.messages()[0].auth_user.as_deref(), Some("alerts"));
}

/// A refused login is the configuration's fault, not the recipient's: the messages stay
/// pending (not failed), and once the password is fixed they go out, once each.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_password_holds_the_mail_until_it_is_fixed_then_it_goes_out_once() {
    let smtp = SmtpServer::start().await;
    smtp.require_credentials("alerts", "correct horse");
    let s = setup(smtp.port(), &["desk@example.org", "chief@example.org"], "").await;
    let secret = login_in_clear(&s, "wrong horse");
    poll_config(&s.path).await;

    let run = daemon::send_digest(config::load(&s.path).unwrap(), "desk")
        .await
        .unwrap();
    assert!(
        run.report.sent.is_empty() && run.report.failed.is_empty(),
        "{run:?}"
    );
    // The first message met the fault; the other was not tried against it.
    assert_eq!(run.report.retrying.len(), 1, "{run:?}");
    let reason = &run.report.retrying[0].1;
    assert!(
        reason.contains("blocked by the [email] settings (auth)"),
        "{reason}"
    );
    // Both wait, neither failed.
    assert_eq!(
        store(&s.path)
            .pending_messages(newshound::store::Channel::Mail)
            .unwrap()
            .len(),
        2
    );
    assert!(smtp.messages().is_empty());
    // `outbox` gives the whole cause a line of its own.
    let out = Command::new(env!("CARGO_BIN_EXE_newshound"))
        .args(["--config", s.path.to_str().unwrap(), "outbox"])
        .output()
        .unwrap();
    let listing = String::from_utf8_lossy(&out.stdout);
    assert!(
        listing.starts_with("MAIL IS BLOCKED: 2 messages wait"),
        "{listing}"
    );
    let feeds = Command::new(env!("CARGO_BIN_EXE_newshound"))
        .args(["--config", s.path.to_str().unwrap(), "feeds"])
        .output()
        .unwrap();
    let feeds = String::from_utf8_lossy(&feeds.stdout);
    assert!(
        feeds.starts_with("MAIL IS BLOCKED: 2 messages wait"),
        "{feeds}"
    );
    assert!(
        listing.contains("\n    error: mail is blocked by the [email] settings (auth): "),
        "{listing}"
    );

    std::fs::write(&secret, "correct horse\n").unwrap();
    let report = daemon::send_outbox(config::load(&s.path).unwrap())
        .await
        .unwrap();
    assert_eq!(report.sent.len(), 2, "{report:?}");
    let mut to: Vec<String> = smtp.messages().iter().map(|m| m.to.join(",")).collect();
    to.sort();
    assert_eq!(to, ["chief@example.org", "desk@example.org"]);
    assert!(
        store(&s.path)
            .pending_messages(newshound::store::Channel::Mail)
            .unwrap()
            .is_empty()
    );
}

/// Relays refuse a bare host name in EHLO (`reject_non_fqdn_helo_hostname`): the greeting
/// is `helo_name`, else the machine's fully qualified name, else the domain of `from`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_greeting_is_a_fully_qualified_name() {
    for helo_name in [None, Some("relay-client.example.net")] {
        let smtp = SmtpServer::start().await;
        let s = setup(smtp.port(), &["desk@example.org"], "").await;
        if let Some(name) = helo_name {
            let text = std::fs::read_to_string(&s.path).unwrap().replace(
                "security = \"none\"",
                &format!("security = \"none\"\nhelo_name = \"{name}\""),
            );
            std::fs::write(&s.path, text).unwrap();
        }
        poll_config(&s.path).await;
        let run = daemon::send_digest(config::load(&s.path).unwrap(), "desk")
            .await
            .unwrap();
        assert_eq!(run.report.sent.len(), 1, "{run:?}");
        let helo = smtp.messages()[0].helo.clone();
        match helo_name {
            Some(name) => assert_eq!(helo, name),
            // The machine's full name where it has one, else the domain of `from`; not
            // the address literal, the last resort.
            None => assert!(
                helo.contains('.') && !helo.starts_with('['),
                "a bare name or an address: {helo}"
            ),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_never_answers_times_out_and_the_message_waits() {
    // Listens, so connections complete, but never accepts them: no greeting, ever.
    let silent = std::net::TcpListener::bind(("127.0.0.1", 0)).unwrap();
    let port = silent.local_addr().unwrap().port();
    let s = setup(port, &["desk@example.org"], "").await;
    let text = std::fs::read_to_string(&s.path)
        .unwrap()
        .replace("timeout = \"5s\"", "timeout = \"1s\"");
    std::fs::write(&s.path, text).unwrap();
    poll_config(&s.path).await;

    let run = daemon::send_digest(config::load(&s.path).unwrap(), "desk")
        .await
        .unwrap();
    assert_eq!(run.report.retrying.len(), 1, "{:?}", run.report);
    assert!(
        run.report.retrying[0].1.contains("will retry"),
        "{:?}",
        run.report
    );
    let outbox = store(&s.path).outbox(10).unwrap();
    assert_eq!(outbox[0].state, MessageState::Pending);
    assert!(outbox[0].next_attempt_at > outbox[0].created_at);
    drop(silent);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stories_past_max_items_wait_for_the_next_message() {
    let smtp = SmtpServer::start().await;
    let s = setup(smtp.port(), &["desk@example.org"], "max_items = 1").await;
    poll_config(&s.path).await;
    let mut covered = Vec::new();
    for round in 1..=3 {
        let run = daemon::send_digest(config::load(&s.path).unwrap(), "desk")
            .await
            .unwrap();
        let DigestRun::Queued(queued) = &run.run else {
            break;
        };
        covered.extend(queued[0].match_ids.clone());
        let mail = smtp.wait_for(round, Duration::from_secs(10)).await[round - 1].parse();
        let text = mail.text.unwrap_or_default();
        let left = unsent(&s.path, "desk@example.org");
        if left > 0 {
            assert!(text.contains("more next time"), "{text}");
        }
    }
    // Every match went out, each in exactly one message, one story per message.
    covered.sort_unstable();
    let count = covered.len();
    covered.dedup();
    assert_eq!(covered.len(), count, "a match sent twice");
    assert_eq!(count, 3);
    assert!(smtp.messages().len() >= 2);
    assert_eq!(unsent(&s.path, "desk@example.org"), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_senders_at_once_send_a_pending_message_once() {
    let (down, s) = held_digest().await;

    // The server is back, and two senders (the daemon, `outbox send`) go at once.
    let smtp = SmtpServer::start_on(down.release()).await;
    let (a, b) = tokio::join!(
        daemon::send_outbox(config::load(&s.path).unwrap()),
        daemon::send_outbox(config::load(&s.path).unwrap())
    );
    let sent = a.unwrap().sent.len() + b.unwrap().sent.len();
    assert_eq!(sent, 1);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(smtp.messages().len(), 1);
}

/// Logs in as `alerts` with `password` (from a file, whose path is returned) to the
/// loopback server, in clear as it speaks no TLS.
fn login_in_clear(s: &Setup, password: &str) -> PathBuf {
    let secret = s.work.path().join("smtp-password");
    std::fs::write(&secret, format!("{password}\n")).unwrap();
    email_settings(
        s,
        &format!(
            "security = \"none\"\nallow_plaintext_auth = true\nusername = \"alerts\"\n\
             password_file = {:?}",
            secret.display().to_string()
        ),
    );
    secret
}

/// Replaces `security = "none"` in the setup's config with `settings`.
fn email_settings(s: &Setup, settings: &str) {
    let text = std::fs::read_to_string(&s.path)
        .unwrap()
        .replace("security = \"none\"", settings);
    std::fs::write(&s.path, text).unwrap();
}

/// STARTTLS and implicit TLS to a relay whose certificate a private CA signed, named by
/// tls_server_name since `host` is an address: delivered. Without the CA, or without the
/// name, TLS cannot be set up: the configuration's fault, so the message waits (not
/// failed) and the client broke the handshake off (no accept-anything).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_with_a_private_ca_delivers_and_an_untrusted_certificate_holds_the_mail() {
    let certs = tempfile::tempdir().unwrap();
    let Some(ca) = private_ca(certs.path()) else {
        return;
    };
    for (mode, security) in [(TlsMode::StartTls, "starttls"), (TlsMode::Implicit, "tls")] {
        let trusted = format!(
            "security = \"{security}\"\ntls_server_name = \"mail.test.internal\"\ntls_ca_file = {:?}",
            ca.ca.display().to_string()
        );
        let untrusted =
            format!("security = \"{security}\"\ntls_server_name = \"mail.test.internal\"");
        let misnamed = format!(
            "security = \"{security}\"\ntls_ca_file = {:?}",
            ca.ca.display().to_string()
        );
        // (settings, the fix the held message names; none: delivered)
        for (settings, fix) in [
            (untrusted, Some("set [email] tls_ca_file")),
            (misnamed, Some("set [email] tls_server_name")),
            (trusted, None),
        ] {
            let smtp = SmtpServer::start().await;
            smtp.enable_tls(mode, &ca.chain, &ca.key);
            let s = setup(smtp.port(), &["desk@example.org"], "").await;
            email_settings(&s, &settings);
            poll_config(&s.path).await;
            let run = daemon::send_digest(config::load(&s.path).unwrap(), "desk")
                .await
                .unwrap();
            assert!(run.report.failed.is_empty(), "{settings}: {run:?}");
            if fix.is_none() {
                assert_eq!(run.report.sent.len(), 1, "{settings}: {run:?}");
                assert_eq!(smtp.messages().len(), 1);
                assert_eq!(smtp.refused_handshakes(), 0);
            } else {
                assert_eq!(run.report.retrying.len(), 1, "{settings}: {run:?}");
                let reason = &run.report.retrying[0].1;
                // One cause, said once, with the fix.
                assert_eq!(reason.matches("Connection error").count(), 1, "{reason}");
                assert!(reason.contains(fix.unwrap_or_default()), "{reason}");
                assert!(
                    reason.contains("blocked by the [email] settings (tls)"),
                    "{reason}"
                );
                assert!(smtp.messages().is_empty());
                assert!(smtp.refused_handshakes() >= 1, "{settings}");
            }
        }
    }
}

/// The system trust store counts: a CA given by `SSL_CERT_FILE` (as
/// `update-ca-certificates` would install it) is trusted without tls_ca_file.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_system_trust_store_is_trusted() {
    let certs = tempfile::tempdir().unwrap();
    let Some(ca) = private_ca(certs.path()) else {
        return;
    };
    let smtp = SmtpServer::start().await;
    smtp.enable_tls(TlsMode::StartTls, &ca.chain, &ca.key);
    let s = setup(smtp.port(), &["desk@example.org"], "").await;
    email_settings(
        &s,
        "security = \"starttls\"\ntls_server_name = \"mail.test.internal\"",
    );
    poll_config(&s.path).await;
    let out = Command::new(env!("CARGO_BIN_EXE_newshound"))
        .args([
            "--config",
            s.path.to_str().unwrap(),
            "digest",
            "send",
            "desk",
        ])
        .env("SSL_CERT_FILE", &ca.ca)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert_eq!(smtp.messages().len(), 1);
}

/// `security = "tls"` against a server that speaks plain SMTP first: a TLS fault of the
/// configuration, held, with the fix in the log.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_against_a_plain_smtp_port_is_a_configuration_fault() {
    let smtp = SmtpServer::start().await;
    let s = setup(smtp.port(), &["desk@example.org"], "").await;
    email_settings(&s, "security = \"tls\"");
    poll_config(&s.path).await;
    let run = daemon::send_digest(config::load(&s.path).unwrap(), "desk")
        .await
        .unwrap();
    assert!(run.report.failed.is_empty(), "{run:?}");
    assert_eq!(run.report.retrying.len(), 1, "{run:?}");
    let reason = &run.report.retrying[0].1;
    assert!(reason.contains("use security = \"starttls\""), "{reason}");
    assert!(run.report.retrying[0].1.contains("(tls)"), "{run:?}");
}

/// `email test` reports each step and says which failed: with the private CA, the
/// certificate's subject and issuer, the login and a test message, sent through the
/// outbox and recorded there (a digest waiting in the outbox is not sent); without it,
/// the TLS step with its fix, no test message, and exit code 1.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn email_test_reports_each_step() {
    let certs = tempfile::tempdir().unwrap();
    let Some(ca) = private_ca(certs.path()) else {
        return;
    };
    let smtp = SmtpServer::start().await;
    smtp.enable_tls(TlsMode::StartTls, &ca.chain, &ca.key);
    smtp.require_credentials("alerts", "correct horse");
    let s = setup(smtp.port(), &["desk@example.org"], "").await;
    let secret = s.work.path().join("smtp-password");
    std::fs::write(&secret, "correct horse\n").unwrap();
    let settings = |trusted: bool| {
        let ca_file = if trusted {
            format!("\ntls_ca_file = {:?}", ca.ca.display().to_string())
        } else {
            String::new()
        };
        format!(
            "security = \"starttls\"\ntls_server_name = \"mail.test.internal\"{ca_file}\n\
             username = \"alerts\"\npassword_file = {:?}",
            secret.display().to_string()
        )
    };

    email_settings(&s, &settings(true));
    // A digest waiting in the outbox for a retry: `email test` sends its message alone.
    poll_config(&s.path).await;
    smtp.reject_next(1, Stage::DataEnd, 451);
    let run = daemon::send_digest(config::load(&s.path).unwrap(), "desk")
        .await
        .unwrap();
    assert_eq!(run.report.retrying.len(), 1, "{run:?}");
    let digest = run.report.retrying[0].0.id;

    let (code, printed) = email_test(&s.path, &["--to", "check@example.org"]);
    assert_eq!(code, Some(0), "{printed}");
    for line in [
        "ok   connect",
        "ok   tls      encrypted; certificate of CN=mail.test.internal, issued by CN=newshound test CA, verified",
        "ok   auth     logged in as alerts",
        "ok   send     accepted for check@example.org (outbox #2, Message-ID <email_test.",
    ] {
        assert!(printed.contains(line), "{line:?} not in:\n{printed}");
    }
    let mails = smtp.messages();
    assert_eq!(mails.len(), 1, "the test message only");
    assert_eq!(mails[0].to, ["check@example.org"]);
    let mail = mails[0].parse();
    assert_eq!(mail.header("Subject"), Some("newshound test message"));
    assert_eq!(mail.header("Auto-Submitted"), Some("auto-generated"));
    let message_id = mail.header("Message-ID").map(str::trim).unwrap();
    assert!(printed.contains(message_id), "{printed}");

    // The outbox holds it as sent, with that Message-ID; the digest still waits.
    let outbox = store(&s.path).outbox(10).unwrap();
    assert_eq!(outbox.len(), 2, "{outbox:?}");
    let test = &outbox[1];
    assert_eq!(test.kind, MessageKind::Test);
    assert_eq!(test.state, MessageState::Sent);
    assert_eq!(test.message_id, message_id);
    assert_eq!(test.recipient, "check@example.org");
    assert_eq!(
        (outbox[0].id, outbox[0].state),
        (digest, MessageState::Pending)
    );
    assert_eq!(outbox[0].attempts, 1);
    let listing = String::from_utf8_lossy(&newshound(&s.path, &["outbox"]).stdout).into_owned();
    let row = listing.lines().find(|l| l.starts_with("2 ")).unwrap_or("");
    for cell in ["sent", "test", "email test", "check@example.org"] {
        assert!(row.contains(cell), "{cell:?} not in:\n{listing}");
    }

    // A step that fails: no test message is queued.
    let text = std::fs::read_to_string(&s.path)
        .unwrap()
        .replace(&settings(true), &settings(false));
    std::fs::write(&s.path, text).unwrap();
    let (code, printed) = email_test(&s.path, &["--to", "check@example.org"]);
    assert_eq!(code, Some(1), "{printed}");
    assert!(printed.contains("ok   connect"), "{printed}");
    assert!(printed.contains("FAIL tls      STARTTLS: "), "{printed}");
    assert!(printed.contains("set [email] tls_ca_file"), "{printed}");
    assert!(
        !printed.contains("auth") && !printed.contains("send"),
        "stops at the failed step: {printed}"
    );
    assert_eq!(store(&s.path).outbox(10).unwrap().len(), 2);
}

/// `email test --to`: a test message the server refuses for good is failed in the outbox
/// and one it refuses for now waits there; either way the step says so, with the cause,
/// and the exit code is 1.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn email_test_says_where_a_test_message_the_server_refused_is() {
    let smtp = SmtpServer::start().await;
    smtp.reject_rcpt("gone@example.org", 550);
    let s = setup(smtp.port(), &["desk@example.org"], "").await;

    let (code, printed) = email_test(&s.path, &["--to", "gone@example.org"]);
    assert_eq!(code, Some(1), "{printed}");
    assert!(printed.contains("ok   connect"), "{printed}");
    assert!(
        printed.contains("FAIL send     refused for good: permanent error (550)"),
        "{printed}"
    );
    assert!(
        printed.contains("it is failed in the outbox as #1")
            && printed.contains("`newshound outbox retry 1`"),
        "{printed}"
    );
    let outbox = store(&s.path).outbox(10).unwrap();
    assert_eq!(outbox.len(), 1, "{outbox:?}");
    assert_eq!(outbox[0].kind, MessageKind::Test);
    assert_eq!(outbox[0].state, MessageState::Failed);
    assert!(
        outbox[0]
            .last_error
            .as_deref()
            .unwrap_or("")
            .contains("550"),
        "{outbox:?}"
    );

    smtp.reject_next(1, Stage::DataEnd, 451);
    let (code, printed) = email_test(&s.path, &["--to", "desk@example.org"]);
    assert_eq!(code, Some(1), "{printed}");
    assert!(
        printed.contains(
            "FAIL send     not sent: mail server unavailable, will retry: transient error (451)"
        ),
        "{printed}"
    );
    assert!(
        printed.contains("it waits in the outbox as #2"),
        "{printed}"
    );
    let outbox = store(&s.path).outbox(10).unwrap();
    assert_eq!(outbox[1].state, MessageState::Pending);
    assert_eq!(outbox[1].attempts, 1);
    assert!(smtp.messages().is_empty());
}

/// `newshound email test ARGS…`: the exit code and what it printed.
fn email_test(path: &Path, args: &[&str]) -> (Option<i32>, String) {
    let out = newshound(path, &[&["email", "test"], args].concat());
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}
