//! Delivering digests to a real SMTP server on loopback: while the server is down nothing
//! is marked sent and a later run delivers everything, once; credentials are read from a
//! password file and used.

mod support;

use std::time::Duration;

use newshound::config;
use newshound::daemon::{self, DigestRun};
use newshound::store::Store;
use support::fixtures::{feed_table, served_copy, smtp_email, write_config};
use support::{FeedServer, SmtpServer, Stage, unused_port};

async fn setup(
    port: u16,
) -> (
    tempfile::TempDir,
    tempfile::TempDir,
    FeedServer,
    std::path::PathBuf,
) {
    let served = served_copy(&["wire.rss", "defense.atom"]);
    let http = FeedServer::start(served.path()).await;
    let work = tempfile::tempdir().unwrap();
    let body = format!(
        "{}{}\
         [[watchlists]]\nname = \"s400\"\nquery = 'S-400 (Turkey OR Ankara)'\n\n{}\n\
         [[digests]]\nname = \"desk\"\nto = [\"desk@example.org\"]\n",
        feed_table("wire", &http.url("wire.rss")),
        feed_table("review", &http.url("defense.atom")),
        smtp_email(port)
    );
    let path = write_config(work.path(), &body);
    (served, work, http, path)
}

fn unsent(path: &std::path::Path) -> usize {
    let settings = config::load(path).unwrap();
    let store = Store::open(&settings.storage.path).unwrap();
    store
        .unsent_matches("desk", &["s400".to_string()])
        .unwrap()
        .len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_is_marked_sent_while_the_server_is_down_and_a_later_run_delivers() {
    let port = unused_port();
    let (_served, _work, _http, path) = setup(port).await;
    daemon::poll_once(config::load(&path).unwrap(), None)
        .await
        .unwrap();
    assert_eq!(unsent(&path), 3);

    // Connection refused: the run fails, and the matches stay unsent.
    let error = daemon::send_digest(config::load(&path).unwrap(), "desk")
        .await
        .expect_err("no server listens");
    assert!(format!("{error:#}").contains("will retry"), "{error:#}");
    assert_eq!(unsent(&path), 3);

    // A server that answers 451 (try again later) at the end of DATA: still nothing sent.
    let smtp = SmtpServer::start_on(port).await;
    smtp.reject_next(1, Stage::DataEnd, 451);
    let error = daemon::send_digest(config::load(&path).unwrap(), "desk")
        .await
        .unwrap_err();
    assert!(format!("{error:#}").contains("451"), "{error:#}");
    assert_eq!(unsent(&path), 3);
    assert!(smtp.messages().is_empty());

    // Back to normal: the next run delivers all three matches in one message.
    match daemon::send_digest(config::load(&path).unwrap(), "desk")
        .await
        .unwrap()
    {
        DigestRun::Sent(delivery) => assert_eq!(delivery.match_ids.len(), 3),
        DigestRun::Nothing => panic!("expected a digest"),
    }
    let mails = smtp.wait_for(1, Duration::from_secs(10)).await;
    assert_eq!(mails.len(), 1);
    let text = mails[0].parse().text.expect("a text part");
    assert!(text.contains("Turkey says S-400 systems"), "{text}");
    assert!(text.contains("Ankara weighs S400 deal"), "{text}");
    assert_eq!(unsent(&path), 0);

    // And nothing is sent twice.
    let again = daemon::send_digest(config::load(&path).unwrap(), "desk")
        .await
        .unwrap();
    assert_eq!(again, DigestRun::Nothing);
    assert_eq!(smtp.messages().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credentials_from_a_password_file_are_sent_to_the_server() {
    let smtp = SmtpServer::start().await;
    smtp.require_credentials("alerts", "correct horse");
    let (_served, work, _http, path) = setup(smtp.port()).await;
    let secret = work.path().join("smtp-password");
    std::fs::write(&secret, "correct horse\n").unwrap();
    let text = std::fs::read_to_string(&path).unwrap().replace(
        "security = \"none\"",
        &format!(
            "security = \"none\"\nusername = \"alerts\"\npassword_file = {:?}",
            secret.display().to_string()
        ),
    );
    std::fs::write(&path, text).unwrap();

    let settings = config::load(&path).unwrap();
    assert!(
        !format!("{settings:?}").contains("correct horse"),
        "Debug shows the password"
    );
    daemon::poll_once(settings, None).await.unwrap();
    let run = daemon::send_digest(config::load(&path).unwrap(), "desk")
        .await
        .unwrap();
    assert!(matches!(run, DigestRun::Sent(_)), "{run:?}");
    assert_eq!(smtp.logins(), ["alerts"]);
    assert_eq!(smtp.messages()[0].auth_user.as_deref(), Some("alerts"));
}
