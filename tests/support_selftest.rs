//! Checks the test servers in `tests/support` against real clients (reqwest, lettre and a
//! bare TCP socket), so a failing integration test points at the program, not the harness.

mod support;

use std::path::Path;
use std::time::{Duration, Instant, SystemTime};

use lettre::message::{Mailbox, MultiPart, SinglePart, header::ContentType};
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use reqwest::StatusCode;
use reqwest::header::{
    CACHE_CONTROL, CONTENT_ENCODING, CONTENT_TYPE, DATE, ETAG, EXPIRES, IF_MODIFIED_SINCE,
    IF_NONE_MATCH, LAST_MODIFIED, LOCATION, RETRY_AFTER,
};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

use support::{FeedServer, SmtpServer, Stage};

const RSS: &str = r#"<?xml version="1.0"?>
<rss version="2.0"><channel><title>Wire</title>
<item><title>First</title><link>https://example.com/1</link></item>
</channel></rss>
"#;

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .user_agent("newshound-selftest")
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

fn write(dir: &Path, name: &str, contents: &str) {
    std::fs::write(dir.join(name), contents).unwrap();
}

#[tokio::test]
async fn conditional_get_answers_304_until_the_file_changes() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "feed.rss", RSS);
    let server = FeedServer::start(dir.path()).await;
    let client = client();
    let url = server.url("feed.rss");

    let first = client.get(&url).send().await.unwrap();
    assert_eq!(first.status(), StatusCode::OK);
    assert_eq!(first.headers()[CONTENT_TYPE], "application/rss+xml");
    let etag = first.headers()[ETAG].to_str().unwrap().to_string();
    let last_modified = first.headers()[LAST_MODIFIED].to_str().unwrap().to_string();
    assert!(etag.starts_with('"') && etag.ends_with('"'), "{etag}");
    assert!(last_modified.ends_with(" GMT"), "{last_modified}");
    assert_eq!(first.text().await.unwrap(), RSS);

    let by_etag = client
        .get(&url)
        .header(IF_NONE_MATCH, &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(by_etag.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(by_etag.headers()[ETAG], etag.as_str());
    assert!(by_etag.bytes().await.unwrap().is_empty());

    let by_date = client
        .get(&url)
        .header(IF_MODIFIED_SINCE, &last_modified)
        .send()
        .await
        .unwrap();
    assert_eq!(by_date.status(), StatusCode::NOT_MODIFIED);

    write(dir.path(), "feed.rss", &RSS.replace("First", "Second"));
    let changed = client
        .get(&url)
        .header(IF_NONE_MATCH, &etag)
        .header(IF_MODIFIED_SINCE, &last_modified)
        .send()
        .await
        .unwrap();
    assert_eq!(
        changed.status(),
        StatusCode::OK,
        "If-None-Match wins over the date"
    );
    assert_ne!(changed.headers()[ETAG], etag.as_str());
    assert!(changed.text().await.unwrap().contains("Second"));

    let log = server.requests_for("/feed.rss");
    assert_eq!(log.len(), 4);
    assert_eq!(server.count_status(304), 2);
    assert_eq!(server.count_status(200), 2);
    assert_eq!(log[0].if_none_match, None);
    assert_eq!(log[1].if_none_match.as_deref(), Some(etag.as_str()));
    assert_eq!(
        log[2].if_modified_since.as_deref(),
        Some(last_modified.as_str())
    );
    assert_eq!(log[0].user_agent.as_deref(), Some("newshound-selftest"));

    server.reset_log();
    assert!(server.requests().is_empty());
}

#[tokio::test]
async fn if_modified_since_follows_the_file_mtime() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "feed.rss", RSS);
    let an_hour_ago = SystemTime::now() - Duration::from_secs(3600);
    support::http::set_modified(&dir.path().join("feed.rss"), an_hour_ago);
    let server = FeedServer::start(dir.path()).await;
    let client = client();
    let url = server.url("feed.rss");

    let response = client.get(&url).send().await.unwrap();
    assert_eq!(
        response.headers()[LAST_MODIFIED],
        support::http::http_date(an_hour_ago).as_str()
    );
    let since_then = support::http::http_date(an_hour_ago + Duration::from_secs(60));
    let unchanged = client
        .get(&url)
        .header(IF_MODIFIED_SINCE, &since_then)
        .send()
        .await
        .unwrap();
    assert_eq!(unchanged.status(), StatusCode::NOT_MODIFIED);

    let before_then = support::http::http_date(an_hour_ago - Duration::from_secs(60));
    let newer = client
        .get(&url)
        .header(IF_MODIFIED_SINCE, &before_then)
        .send()
        .await
        .unwrap();
    assert_eq!(newer.status(), StatusCode::OK);
}

#[tokio::test]
async fn content_type_follows_the_extension_and_missing_files_are_404() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["a.atom", "a.json", "a.xml", "a.html"] {
        write(dir.path(), name, "x");
    }
    let server = FeedServer::start(dir.path()).await;
    let client = client();
    for (name, expected) in [
        ("a.atom", "application/atom+xml"),
        ("a.json", "application/feed+json"),
        ("a.xml", "application/xml"),
        ("a.html", "text/html; charset=utf-8"),
    ] {
        let response = client.get(server.url(name)).send().await.unwrap();
        assert_eq!(response.headers()[CONTENT_TYPE], expected, "{name}");
    }
    let missing = client.get(server.url("nope.rss")).send().await.unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    let escape = client
        .get(server.url("../etc/passwd"))
        .send()
        .await
        .unwrap();
    assert_eq!(escape.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn status_route_answers_the_code_asked_for() {
    let dir = tempfile::tempdir().unwrap();
    let server = FeedServer::start(dir.path()).await;
    let client = client();

    let error = client.get(server.url("/status/500")).send().await.unwrap();
    assert_eq!(error.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(error.text().await.unwrap(), "500 Internal Server Error\n");

    let busy = client
        .get(server.url("/status/503?retry_after=7"))
        .send()
        .await
        .unwrap();
    assert_eq!(busy.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(busy.headers()[RETRY_AFTER], "7");
    assert_eq!(server.count_status(500), 1);
    assert_eq!(server.requests()[1].query.as_deref(), Some("retry_after=7"));

    let dated = client
        .get(server.url("/status/429?retry_after=Wed,%2021%20Oct%202026%2007:28:00%20GMT"))
        .send()
        .await
        .unwrap();
    assert_eq!(dated.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        dated.headers()[RETRY_AFTER],
        "Wed, 21 Oct 2026 07:28:00 GMT"
    );
}

#[tokio::test]
async fn requests_are_stamped_with_their_arrival() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "feed.rss", RSS);
    let server = FeedServer::start(dir.path()).await;
    let before = Instant::now();
    client().get(server.url("feed.rss")).send().await.unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    client().get(server.url("feed.rss")).send().await.unwrap();
    let log = server.requests();
    assert!(log[0].received_at >= before);
    assert!(log[1].received_at >= log[0].received_at + Duration::from_millis(50));
}

#[tokio::test]
async fn hang_makes_the_client_time_out() {
    let dir = tempfile::tempdir().unwrap();
    let server = FeedServer::start(dir.path()).await;
    let client = reqwest::Client::builder()
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();

    let started = Instant::now();
    let error = client.get(server.url("/hang")).send().await.unwrap_err();
    assert!(error.is_timeout(), "{error:?}");
    assert!(started.elapsed() >= Duration::from_millis(300));
    let log = server.requests_for("/hang");
    assert_eq!(log.len(), 1);
    assert_eq!(
        log[0].status, 0,
        "a hung request is logged as never answered"
    );
}

#[tokio::test]
async fn slow_serves_the_file_after_the_delay() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "feed.rss", RSS);
    let server = FeedServer::start(dir.path()).await;

    let started = Instant::now();
    let response = client()
        .get(server.url("/slow/0.4/feed.rss"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.text().await.unwrap(), RSS);
    assert!(started.elapsed() >= Duration::from_millis(400));
}

#[tokio::test]
async fn trickle_sends_headers_then_a_byte_at_a_time() {
    let dir = tempfile::tempdir().unwrap();
    let server = FeedServer::start(dir.path()).await;

    let mut response = tokio::time::timeout(
        Duration::from_secs(2),
        client().get(server.url("/trickle")).send(),
    )
    .await
    .expect("headers come at once")
    .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let first = response.chunk().await.unwrap().unwrap();
    assert_eq!(&first[..], b"<");
    let rest = tokio::time::timeout(Duration::from_millis(1500), response.bytes()).await;
    assert!(rest.is_err(), "the body never ends");
}

#[tokio::test]
async fn redirects_are_followed_and_a_loop_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "feed.rss", RSS);
    let server = FeedServer::start(dir.path()).await;
    let client = client();

    let response = client
        .get(server.url("/redirect/3/feed.rss"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.url().as_str(), server.url("/feed.rss"));
    assert_eq!(server.count_status(301), 3);

    let error = client.get(server.url("/loop")).send().await.unwrap_err();
    assert!(error.is_redirect(), "{error:?}");
}

#[tokio::test]
async fn temporary_and_permanent_redirects_send_their_codes() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "feed.rss", RSS);
    let server = FeedServer::start(dir.path()).await;
    let manual = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    for (path, status) in [
        ("/temporary/feed.rss", 302),
        ("/permanent/301/feed.rss", 301),
        ("/permanent/308/feed.rss", 308),
        ("/temporary/redirect/2/feed.rss", 302),
    ] {
        let response = manual.get(server.url(path)).send().await.unwrap();
        assert_eq!(response.status().as_u16(), status, "{path}");
        let target = path.splitn(3, '/').nth(2).unwrap();
        let target = target
            .strip_prefix("301/")
            .or(target.strip_prefix("308/"))
            .unwrap_or(target);
        assert_eq!(response.headers()[LOCATION], format!("/{target}"), "{path}");
    }
    let odd = manual
        .get(server.url("/permanent/302/feed.rss"))
        .send()
        .await
        .unwrap();
    assert_eq!(odd.status(), StatusCode::NOT_FOUND);
    let followed = client()
        .get(server.url("/temporary/permanent/308/feed.rss"))
        .send()
        .await
        .unwrap();
    assert_eq!(followed.text().await.unwrap(), RSS);
}

#[tokio::test]
async fn cache_expires_and_typed_routes_set_their_headers() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "feed.rss", RSS);
    let server = FeedServer::start(dir.path()).await;
    let client = client();

    let cached = client
        .get(server.url("/cache/600/feed.rss"))
        .send()
        .await
        .unwrap();
    assert_eq!(cached.headers()[CACHE_CONTROL], "max-age=600");
    assert_eq!(cached.text().await.unwrap(), RSS);

    let expiring = client
        .get(server.url("/expires/90/feed.rss"))
        .send()
        .await
        .unwrap();
    let date =
        |name| httpdate::parse_http_date(expiring.headers()[name].to_str().unwrap()).unwrap();
    assert_eq!(
        date(EXPIRES).duration_since(date(DATE)).unwrap(),
        Duration::from_secs(90)
    );
    assert_eq!(expiring.headers().get_all(DATE).iter().count(), 1);

    let typed = client
        .get(server.url("/typed/text%2Fxml%3B%20charset%3DISO-8859-1/feed.rss"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        typed.headers()[CONTENT_TYPE],
        "text/xml; charset=ISO-8859-1"
    );
    assert_eq!(typed.text().await.unwrap(), RSS);

    let missing = client
        .get(server.url("/cache/600/nothing.rss"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert!(missing.headers().get(CACHE_CONTROL).is_none());
}

#[tokio::test]
async fn bomb_is_valid_gzip_that_inflates_far_beyond_its_size() {
    let dir = tempfile::tempdir().unwrap();
    let server = FeedServer::start(dir.path()).await;

    // reqwest checks the gzip trailer (CRC-32 and length) at the end of the body.
    let inflated = client()
        .get(server.url("/bomb/3"))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let size = 3 << 20;
    assert!(
        inflated.len() <= size && inflated.len() > size - 258,
        "{}",
        inflated.len()
    );
    assert!(inflated.starts_with(b"<?xml version=\"1.0\""));
    let head = inflated.iter().position(|b| *b == b'\n').unwrap();
    assert!(inflated[head..].contains(&b'<'));
    assert!(inflated.ends_with(&[b' '; 1000]));

    let raw = reqwest::Client::builder()
        .no_gzip()
        .build()
        .unwrap()
        .get(server.url("/bomb/1024"))
        .send()
        .await
        .unwrap();
    assert_eq!(raw.headers()[CONTENT_ENCODING], "gzip");
    let sent = raw.bytes().await.unwrap();
    assert!(sent.len() < 1_200_000, "{} bytes on the wire", sent.len());
}

#[tokio::test]
async fn gzip_route_sends_real_gzip() {
    let dir = tempfile::tempdir().unwrap();
    // Bigger than one 64 KiB deflate block.
    let big: String = RSS.repeat(2000);
    write(dir.path(), "feed.rss", &big);
    let server = FeedServer::start(dir.path()).await;

    let decoded = client()
        .get(server.url("/gzip/feed.rss"))
        .send()
        .await
        .unwrap();
    assert_eq!(decoded.status(), StatusCode::OK);
    assert_eq!(decoded.text().await.unwrap(), big);
    let sent = &server.requests()[0];
    assert!(
        sent.accept_encoding
            .as_deref()
            .is_some_and(|a| a.contains("gzip")),
        "{sent:?}"
    );

    let raw = reqwest::Client::builder()
        .no_gzip()
        .build()
        .unwrap()
        .get(server.url("/gzip/feed.rss"))
        .send()
        .await
        .unwrap();
    assert_eq!(raw.headers()[CONTENT_ENCODING], "gzip");
    let bytes = raw.bytes().await.unwrap();
    assert_eq!(&bytes[..2], &[0x1f, 0x8b]);
}

#[tokio::test]
async fn stop_closes_the_port() {
    let dir = tempfile::tempdir().unwrap();
    let server = FeedServer::start(dir.path()).await;
    let port = server.port();
    server.stop();
    assert!(TcpStream::connect(("127.0.0.1", port)).await.is_err());
}

fn transport(port: u16) -> lettre::transport::smtp::AsyncSmtpTransportBuilder {
    AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous("127.0.0.1")
        .port(port)
        .timeout(Some(Duration::from_secs(5)))
}

fn mailbox(text: &str) -> Mailbox {
    text.parse().unwrap()
}

fn plain_message(subject: &str, body: &str) -> Message {
    Message::builder()
        .from(mailbox("Newshound <hound@example.com>"))
        .to(mailbox("reader@example.com"))
        .subject(subject)
        .singlepart(
            SinglePart::builder()
                .header(ContentType::TEXT_PLAIN)
                .body(body.to_string()),
        )
        .unwrap()
}

#[tokio::test]
async fn lettre_delivers_multipart_and_dot_stuffed_messages() {
    let smtp = SmtpServer::start().await;
    let mailer = transport(smtp.port())
        .credentials(Credentials::new("hound".into(), "any".into()))
        .build();

    let digest = Message::builder()
        .from(mailbox("Newshound <hound@example.com>"))
        .to(mailbox("reader@example.com"))
        .to(mailbox("second@example.com"))
        .subject("Digest: 2 new stories")
        .multipart(MultiPart::alternative_plain_html(
            "Two stories\nabout rust\n".to_string(),
            "<p>Two stories</p><p>about <b>rust</b></p>".to_string(),
        ))
        .unwrap();
    mailer.send(digest).await.unwrap();
    let dotted = ".leading dot\n..two dots\nplain line\n";
    mailer.send(plain_message("dots", dotted)).await.unwrap();

    let messages = smtp.wait_for(2, Duration::from_secs(5)).await;
    assert_eq!(messages.len(), 2);
    assert_eq!(messages[0].from, "hound@example.com");
    assert_eq!(
        messages[0].to,
        vec!["reader@example.com", "second@example.com"]
    );
    assert_eq!(messages[0].auth_user.as_deref(), Some("hound"));
    // One login per connection; lettre's pool may or may not have reused the first one.
    assert!(smtp.logins().iter().all(|user| user == "hound"));
    assert_eq!(smtp.logins().len(), smtp.connections());
    assert!(messages[0].data.ends_with("\r\n"));

    let digest = messages[0].parse();
    assert_eq!(digest.subject.as_deref(), Some("Digest: 2 new stories"));
    assert_eq!(digest.content_type, "multipart/alternative");
    assert_eq!(
        digest.part_types,
        vec!["multipart/alternative", "text/plain", "text/html"]
    );
    assert_eq!(
        digest.text.as_deref(),
        Some("Two stories\r\nabout rust\r\n")
    );
    assert_eq!(
        digest.html.as_deref(),
        Some("<p>Two stories</p><p>about <b>rust</b></p>")
    );
    assert_eq!(
        digest.header("to"),
        Some("reader@example.com, second@example.com")
    );

    // lettre doubled the leading dots on the wire; the server must have undone that.
    assert!(
        messages[1]
            .data
            .contains("\r\n.leading dot\r\n..two dots\r\nplain line\r\n")
    );
    let dots = messages[1].parse();
    assert_eq!(dots.content_type, "text/plain");
    // lettre ends a single part with an extra CRLF of its own, kept as sent.
    let text = dots.text.unwrap();
    assert!(
        text.starts_with(".leading dot\r\n..two dots\r\nplain line\r\n"),
        "{text:?}"
    );
    assert!(
        smtp.transcript()
            .iter()
            .any(|line| line.starts_with("EHLO "))
    );
}

#[tokio::test]
async fn required_credentials_are_checked_for_plain_and_login() {
    let smtp = SmtpServer::start().await;
    smtp.require_credentials("alice", "secret");

    let login = transport(smtp.port())
        .credentials(Credentials::new("alice".into(), "secret".into()))
        .authentication(vec![Mechanism::Login])
        .build();
    login.send(plain_message("login", "hi\n")).await.unwrap();

    let wrong = transport(smtp.port())
        .credentials(Credentials::new("alice".into(), "guess".into()))
        .build();
    let error = wrong
        .send(plain_message("plain", "hi\n"))
        .await
        .unwrap_err();
    assert_eq!(
        error.status().map(|c| c.to_string()).as_deref(),
        Some("535")
    );

    let anonymous = transport(smtp.port()).build();
    let error = anonymous
        .send(plain_message("anon", "hi\n"))
        .await
        .unwrap_err();
    assert_eq!(
        error.status().map(|c| c.to_string()).as_deref(),
        Some("530")
    );

    let messages = smtp.messages();
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0].auth_user.as_deref(), Some("alice"));
    assert!(smtp.transcript().contains(&"AUTH LOGIN".to_string()));
}

#[tokio::test]
async fn rejections_reach_the_client_with_their_code() {
    let smtp = SmtpServer::start().await;
    let mailer = transport(smtp.port()).build();

    smtp.reject_next(1, Stage::DataEnd, 451);
    let error = mailer.send(plain_message("one", "1\n")).await.unwrap_err();
    assert!(error.is_transient(), "{error}");
    assert_eq!(
        error.status().map(|c| c.to_string()).as_deref(),
        Some("451")
    );
    mailer.send(plain_message("two", "2\n")).await.unwrap();

    smtp.reject_rcpt("reader@example.com", 550);
    let error = mailer
        .send(plain_message("three", "3\n"))
        .await
        .unwrap_err();
    assert!(error.is_permanent(), "{error}");
    assert_eq!(
        error.status().map(|c| c.to_string()).as_deref(),
        Some("550")
    );

    smtp.clear_rejections();
    smtp.reject_all(Stage::Mail, 421);
    let error = mailer.send(plain_message("four", "4\n")).await.unwrap_err();
    assert_eq!(
        error.status().map(|c| c.to_string()).as_deref(),
        Some("421")
    );

    smtp.clear_rejections();
    mailer.send(plain_message("five", "5\n")).await.unwrap();
    let subjects: Vec<_> = smtp
        .messages()
        .iter()
        .map(|m| m.parse().subject.unwrap())
        .collect();
    assert_eq!(subjects, vec!["two", "five"]);
}

#[tokio::test]
async fn a_server_can_come_up_on_a_port_that_was_closed() {
    let port = support::unused_port();
    let mailer = transport(port).build();
    assert!(mailer.send(plain_message("early", "x\n")).await.is_err());

    let smtp = SmtpServer::start_on(port).await;
    assert_eq!(smtp.port(), port);
    mailer.send(plain_message("late", "x\n")).await.unwrap();
    assert_eq!(smtp.wait_for(1, Duration::from_secs(5)).await.len(), 1);

    // And again after a stop, as a test that restarts the mail server would do.
    smtp.stop();
    let again = SmtpServer::start_on(port).await;
    let fresh = transport(port).build();
    fresh.send(plain_message("again", "x\n")).await.unwrap();
    assert_eq!(again.messages().len(), 1);
}

#[tokio::test]
async fn wait_for_gives_up_after_the_timeout() {
    let smtp = SmtpServer::start().await;
    let started = Instant::now();
    assert!(
        smtp.wait_for(1, Duration::from_millis(200))
            .await
            .is_empty()
    );
    assert!(started.elapsed() >= Duration::from_millis(200));
}

/// Speaks to the server over a bare socket for what lettre never sends.
struct RawSession {
    reader: BufReader<tokio::net::tcp::OwnedReadHalf>,
    writer: tokio::net::tcp::OwnedWriteHalf,
}

impl RawSession {
    async fn connect(port: u16) -> RawSession {
        let (read, writer) = TcpStream::connect(("127.0.0.1", port))
            .await
            .unwrap()
            .into_split();
        RawSession {
            reader: BufReader::new(read),
            writer,
        }
    }

    /// The reply's lines; empty if the server closed the connection.
    async fn reply(&mut self) -> Vec<String> {
        let mut lines = Vec::new();
        loop {
            let mut line = String::new();
            if self.reader.read_line(&mut line).await.unwrap() == 0 {
                return lines;
            }
            let last = line.as_bytes().get(3) == Some(&b' ');
            lines.push(line.trim_end().to_string());
            if last {
                return lines;
            }
        }
    }

    async fn send(&mut self, command: &str) -> Vec<String> {
        self.writer
            .write_all(format!("{command}\r\n").as_bytes())
            .await
            .unwrap();
        self.reply().await
    }
}

#[tokio::test]
async fn raw_protocol_replies() {
    let smtp = SmtpServer::start().await;
    let mut s = RawSession::connect(smtp.port()).await;
    assert!(s.reply().await[0].starts_with("220 "));
    assert!(s.send("MAIL FROM:<a@b>").await[0].starts_with("503 "));
    assert!(s.send("FROB").await[0].starts_with("500 "));
    let ehlo = s.send("EHLO client.test").await;
    assert!(ehlo[0].starts_with("250-"));
    for extension in ["8BITMIME", "AUTH PLAIN LOGIN", "SMTPUTF8"] {
        assert!(ehlo.iter().any(|l| l[4..] == *extension), "{ehlo:?}");
    }
    assert!(ehlo.iter().any(|l| l[4..].starts_with("SIZE ")), "{ehlo:?}");
    assert!(ehlo.last().unwrap().starts_with("250 "));
    assert!(s.send("HELO client.test").await[0].starts_with("250 "));
    assert!(s.send("NOOP").await[0].starts_with("250 "));
    assert!(s.send("RCPT TO:<x@y>").await[0].starts_with("503 "));
    assert!(s.send("MAIL FROM:<>").await[0].starts_with("250 "));
    assert!(s.send("RCPT TO:<x@y>").await[0].starts_with("250 "));
    assert!(s.send("RSET").await[0].starts_with("250 "));
    assert!(s.send("DATA").await[0].starts_with("503 "));
    // AUTH PLAIN without an initial response, then "\0u\0p" in base64.
    assert_eq!(s.send("AUTH PLAIN").await, vec!["334"]);
    assert!(s.send("AHUAcA==").await[0].starts_with("235 "));
    assert!(s.send("MAIL FROM:<>").await[0].starts_with("250 "));
    assert!(s.send("RCPT TO:<x@y>").await[0].starts_with("250 "));
    assert!(s.send("DATA").await[0].starts_with("354 "));
    assert!(s.send("Subject: raw\r\n\r\n..dot\r\n.").await[0].starts_with("250 "));
    assert!(s.send("QUIT").await[0].starts_with("221 "));
    assert!(s.reply().await.is_empty(), "closed after QUIT");

    let mail = &smtp.messages()[0];
    assert_eq!(mail.from, "");
    assert_eq!(mail.data, "Subject: raw\r\n\r\n.dot\r\n");
    assert_eq!(mail.auth_user.as_deref(), Some("u"));
    assert_eq!(mail.helo, "client.test");

    smtp.reject_next(1, Stage::Connect, 421);
    let mut refused = RawSession::connect(smtp.port()).await;
    assert!(refused.reply().await[0].starts_with("421 "));
    assert!(refused.reply().await.is_empty(), "closed after 421");
    assert_eq!(smtp.connections(), 2);
}

/// Sends one message over a blocking socket, the way a program under test on another
/// thread (or in another process) would.
fn send_blocking(port: u16, delay: Duration) {
    use std::io::{BufRead, Write};
    std::thread::sleep(delay);
    let stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    let mut reader = std::io::BufReader::new(stream.try_clone().unwrap());
    let mut writer = stream;
    let mut line = String::new();
    for command in [
        "",
        "HELO t",
        "MAIL FROM:<a@b>",
        "RCPT TO:<c@d>",
        "DATA",
        "Subject: late\r\n\r\nhi\r\n.",
        "QUIT",
    ] {
        if !command.is_empty() {
            write!(writer, "{command}\r\n").unwrap();
        }
        line.clear();
        reader.read_line(&mut line).unwrap();
        assert!(!line.starts_with('5'), "{command}: {line}");
    }
}

#[tokio::test(start_paused = true)]
async fn wait_for_waits_on_the_wall_clock_when_tokio_time_is_paused() {
    let smtp = SmtpServer::start().await;
    let port = smtp.port();
    let sender = std::thread::spawn(move || send_blocking(port, Duration::from_millis(300)));
    let messages = smtp.wait_for(1, Duration::from_secs(5)).await;
    sender.join().unwrap();
    assert_eq!(messages.len(), 1);
}

#[tokio::test]
async fn one_connection_serves_several_requests_and_head_has_no_body() {
    use tokio::io::AsyncReadExt;
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "feed.rss", RSS);
    let server = FeedServer::start(dir.path()).await;
    let mut conn = TcpStream::connect(("127.0.0.1", server.port()))
        .await
        .unwrap();
    conn.write_all(
        b"HEAD /feed.rss HTTP/1.1\r\nHost: x\r\n\r\n\
          GET /status/404 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    )
    .await
    .unwrap();
    let mut answer = String::new();
    conn.read_to_string(&mut answer).await.unwrap();
    let (head, rest) = answer.split_once("\r\n\r\n").unwrap();
    assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
    let length = format!("\r\nContent-Length: {}", RSS.len());
    assert!(head.contains(&length), "{head}");
    assert!(rest.starts_with("HTTP/1.1 404 Not Found\r\n"), "{rest}");
    assert!(rest.ends_with("\r\n\r\n404 Not Found\n"), "{rest}");
    let methods: Vec<_> = server.requests().into_iter().map(|r| r.method).collect();
    assert_eq!(methods, vec!["HEAD", "GET"]);

    let mut garbage = TcpStream::connect(("127.0.0.1", server.port()))
        .await
        .unwrap();
    garbage.write_all(b"NONSENSE\r\n\r\n").await.unwrap();
    let mut answer = String::new();
    garbage.read_to_string(&mut answer).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 400 "), "{answer}");
}
