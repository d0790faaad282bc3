//! `newshound extract` as a user runs it: on article pages from disk and from a real HTTP
//! server on loopback, with the furniture of a news page left out, a PDF and a missing
//! file reported while the other inputs still print, and `--json` read back.

mod support;

use std::path::{Path, PathBuf};
use std::process::Output;

use support::FeedServer;
use support::fixtures::write_config;
use support::process::newshound;

fn articles() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/articles")
}

fn page(name: &str) -> String {
    articles()
        .join("html")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

/// The fixture pages served on loopback, for a test without a runtime of its own.
fn serve() -> FeedServer {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a runtime to start the server on")
        .block_on(FeedServer::start(&articles()))
}

/// `newshound extract ARGS…` with a configuration of nothing but storage, so the
/// `[polling]` defaults apply.
fn extract(args: &[&str]) -> Output {
    let work = tempfile::tempdir().unwrap();
    let config = write_config(work.path(), "");
    let args: Vec<&str> = std::iter::once("extract")
        .chain(args.iter().copied())
        .collect();
    newshound(&config, &args)
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn json_lines(output: &Output) -> Vec<serde_json::Value> {
    stdout(output)
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect()
}

#[test]
fn a_news_page_reads_as_its_article_without_the_furniture() {
    let output = extract(&[&page("news.html")]);
    assert!(output.status.success(), "{output:?}");
    let printed = stdout(&output);
    assert!(
        printed.contains("Turkey weighs second S-400 batch as talks with Washington stall\n"),
        "{printed}"
    );
    // The term only the fourth paragraph has, and paragraphs a blank line apart.
    assert!(printed.contains("stationed near Incirlik"), "{printed}");
    assert!(
        printed.contains("appear to have stalled.\n\nThe defence ministry"),
        "{printed}"
    );
    let furniture = [
        "We use cookies",
        "Vladimir Putin",
        "20.4 C",
        "Frankfurt am Main",
        "Share on Facebook",
        "Photo: Example Agency",
        "WATCH: Turkey's Convoluted Foreign Relations",
        "Register now for free unlimited access",
        "previously covered the Middle East",
        "Sochi",
        "Merkel",
        "All rights reserved",
    ];
    for text in furniture {
        assert!(!printed.contains(text), "{text:?} in\n{printed}");
    }
}

#[test]
fn files_and_urls_each_get_their_answer_and_a_failure_sets_the_exit_code() {
    let http = serve();
    let missing = articles().join("html/no-such-page.html");
    let inputs = [
        page("blog.html"),
        http.url("html/news.html"),
        http.url("typed/application%2Fpdf/brochure.pdf"),
        // A PDF behind a misleading HTML label is still a PDF.
        http.url("typed/text%2Fhtml/brochure.pdf"),
        missing.to_string_lossy().into_owned(),
        http.url("status/404"),
        http.url("html/consent.html"),
        // Served without a charset: the <meta> tag past the first kilobyte says it.
        http.url("typed/text%2Fhtml/html/latin1.html"),
    ];
    let args: Vec<&str> = std::iter::once("--json")
        .chain(inputs.iter().map(String::as_str))
        .collect();
    let output = extract(&args);
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let lines = json_lines(&output);
    assert_eq!(lines.len(), inputs.len(), "{}", stdout(&output));
    for (line, input) in lines.iter().zip(&inputs) {
        assert_eq!(line["source"], input.as_str());
        for field in ["title", "text", "words", "error"] {
            assert!(line.get(field).is_some(), "{field} missing in {line}");
        }
    }

    let blog = &lines[0];
    assert!(blog["error"].is_null(), "{blog}");
    assert_eq!(blog["title"], "Repairing a cane chair seat, step by step");
    let text = blog["text"].as_str().unwrap();
    assert!(text.contains("binder cane around the edge"), "{text}");
    assert!(!text.contains("Share this"), "{text}");
    assert!(
        !text.contains("kitchen chairs"),
        "a reader's comment: {text}"
    );
    assert_eq!(
        blog["words"].as_u64().unwrap() as usize,
        text.split_whitespace().count()
    );

    let news = &lines[1];
    assert!(news["error"].is_null(), "{news}");
    assert!(news["text"].as_str().unwrap().contains("Incirlik"));

    for pdf in &lines[2..4] {
        let error = pdf["error"].as_str().unwrap();
        assert!(error.contains("PDF"), "{error}");
    }
    let error = lines[4]["error"].as_str().unwrap();
    assert!(error.contains("cannot read"), "{error}");
    let error = lines[5]["error"].as_str().unwrap();
    assert!(error.contains("404"), "{error}");
    let consent = &lines[6];
    assert_eq!(consent["verdict"], "consent wall");
    assert!(consent["error"].as_str().unwrap().contains("consent wall"));

    let latin1 = &lines[7];
    assert!(latin1["error"].is_null(), "{latin1}");
    assert_eq!(latin1["title"], "Le café des Deux Moulins ferme ses portes");
    assert!(
        latin1["text"]
            .as_str()
            .unwrap()
            .contains("« C’est toute une époque qui s’en va »")
    );
}

#[test]
fn errors_go_to_stderr_and_the_pages_that_were_read_still_print() {
    let output = extract(&[
        &page("no-such-page.html"),
        &page("news.html"),
        &page("paywall.html"),
    ]);
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let printed = stdout(&output);
    assert!(printed.contains("stationed near Incirlik"), "{printed}");
    let errors = String::from_utf8_lossy(&output.stderr);
    assert!(
        errors.contains("no-such-page.html: cannot read"),
        "{errors}"
    );
    assert!(
        errors.contains("paywall.html: a login or paywall stub"),
        "{errors}"
    );
}

#[test]
fn a_gzip_compressed_page_is_read() {
    use std::io::Write;

    let work = tempfile::tempdir().unwrap();
    let path = work.path().join("news.html.gz");
    let mut encoder = flate2::write::GzEncoder::new(
        std::fs::File::create(&path).unwrap(),
        flate2::Compression::default(),
    );
    encoder
        .write_all(&std::fs::read(page("news.html")).unwrap())
        .unwrap();
    encoder.finish().unwrap();
    // As a path, and as a `file:` URL.
    let url = url::Url::from_file_path(&path).unwrap().to_string();
    let output = extract(&["--json", path.to_str().unwrap(), &url]);
    assert!(output.status.success(), "{output:?}");
    let lines = json_lines(&output);
    assert!(lines[0]["text"].as_str().unwrap().contains("Incirlik"));
    assert_eq!(lines[1]["text"], lines[0]["text"]);
    assert_eq!(lines[1]["source"], url.as_str());
}

#[test]
fn the_furniture_the_daemon_learned_of_a_site_is_left_out_as_matching_leaves_it_out() {
    let http = serve();
    let url = http.url("html/news.html");
    let work = tempfile::tempdir().unwrap();
    let config = write_config(work.path(), "");
    let read = |config: &Path| {
        let output = newshound(config, &["extract", "--json", &url]);
        assert!(output.status.success(), "{output:?}");
        json_lines(&output).remove(0)
    };
    // No database yet: nothing learned, the page reads as it does alone.
    let alone = read(&config);
    let text = alone["text"].as_str().unwrap();
    let paragraph = text
        .split("\n\n")
        .find(|p| p.starts_with("The defence ministry"))
        .expect("the paragraph")
        .to_string();

    // The daemon has seen that paragraph on five other pages of the site.
    let mut store = newshound::store::Store::open(&work.path().join("newshound.db")).unwrap();
    let line = newshound::article::furniture::fingerprint(&paragraph).unwrap();
    let learned = newshound::article::furniture::Learned {
        site: "127.0.0.1".into(),
        line,
        pages: 5,
    };
    store
        .record_site_lines(&[learned], chrono::Utc::now())
        .unwrap();
    drop(store);
    let stripped = read(&config);
    let text = stripped["text"].as_str().unwrap();
    assert!(!text.contains("The defence ministry"), "{text}");
    assert!(text.contains("stationed near Incirlik"), "{text}");
    let words = |v: &serde_json::Value| v["words"].as_u64().unwrap() as usize;
    assert_eq!(
        words(&stripped),
        words(&alone) - paragraph.split_whitespace().count()
    );
}
