//! `newshound feeds import` and `feeds export` as a user runs them: real-world-shaped OPML
//! exports (tests/fixtures/opml) into a `conf.d/` file that the configuration loader and
//! the polling daemon then read, bad files refused with their line and nothing written,
//! `--force`, and export → import round trips.
//!
//! The shared feed corpus (../shared/corpus/feeds, see its manifest.tsv) holds no OPML
//! file, so these fixtures are the project's own, written in the shapes Feedly,
//! NetNewsWire and OPML 2.0 category-style exporters produce.

mod support;

use std::path::{Path, PathBuf};
use std::process::Output;

use newshound::config::{self, Settings};
use support::fixtures::{feed_table, files_under, serve_copies, write_config};
use support::process::newshound;

fn opml_fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/opml")
        .join(name)
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// (name, url, tags) of every configured feed, in order.
fn feeds(settings: &Settings) -> Vec<(String, String, Vec<String>)> {
    settings
        .feeds
        .iter()
        .map(|f| (f.name.clone(), f.url.to_string(), f.tags.clone()))
        .collect()
}

fn feed(name: &str, url: &str, tags: &[&str]) -> (String, String, Vec<String>) {
    (
        name.to_string(),
        url.to_string(),
        tags.iter().map(|t| t.to_string()).collect(),
    )
}

/// Every file in `dir` and below, with its bytes.
fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    files_under(dir)
        .into_iter()
        .map(|path| {
            let bytes = std::fs::read(&path).unwrap();
            (path, bytes)
        })
        .collect()
}

#[test]
fn a_feedly_export_lands_in_conf_d_and_the_daemon_polls_its_feeds() {
    let (_served, http) = serve_copies(&["wire.rss", "defense.atom"]);
    let work = tempfile::tempdir().unwrap();
    // Breaking Defense is already configured, under another name.
    let config = write_config(
        work.path(),
        &feed_table("BD", "https://breakingdefense.com/feed/"),
    );
    let export = std::fs::read_to_string(opml_fixture("feedly.opml"))
        .unwrap()
        .replace("PORT", &http.port().to_string());
    let file = work.path().join("feedly.opml");
    std::fs::write(&file, export).unwrap();

    let output = newshound(&config, &["feeds", "import", file.to_str().unwrap()]);
    assert!(output.status.success(), "{output:?}");
    let report = stdout(&output);
    assert!(
        report.contains("line 10: https://breakingdefense.com/feed/ is already configured as `BD`"),
        "{report}"
    );
    assert!(
        report.contains("line 14: http://127.0.0.1:")
            && report.contains("listed again (first at line 9); its tags are merged"),
        "{report}"
    );
    assert!(report.contains("folder \"Must read\" is empty"), "{report}");
    assert!(report.contains("added 2 feeds to"), "{report}");

    let written = work.path().join("conf.d/imported.toml");
    let settings = config::load(&config).expect("the imported file loads");
    assert_eq!(settings.files.last(), Some(&written));
    assert_eq!(
        feeds(&settings),
        vec![
            feed("BD", "https://breakingdefense.com/feed/", &[]),
            feed(
                "Defense News",
                &http.url("defense.atom"),
                &["Defense", "Turkey & Region"]
            ),
            feed("Wire", &http.url("wire.rss"), &["Turkey & Region"]),
        ]
    );
    // No temporary file is left beside it.
    let left: Vec<String> = std::fs::read_dir(work.path().join("conf.d"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(left, vec!["imported.toml".to_string()]);

    // The daemon side: the binary reads the file and polls what it names.
    let output = newshound(&config, &["poll", "--once", "--feed", "Wire"]);
    assert!(output.status.success(), "{output:?}");
    assert!(
        stdout(&output).contains("ok      Wire: 5 items, 5 new"),
        "{}",
        stdout(&output)
    );
    assert_eq!(http.requests_for("/wire.rss").len(), 1);
}

#[test]
fn netnewswire_folders_nest_and_shared_titles_get_unique_names() {
    let work = tempfile::tempdir().unwrap();
    let config = write_config(
        work.path(),
        // A feed named "News" already exists: the NPR feed needs another name.
        &feed_table("News", "https://news.example/rss"),
    );
    let fixture = opml_fixture("netnewswire.opml");
    let output = newshound(&config, &["feeds", "import", fixture.to_str().unwrap()]);
    assert!(output.status.success(), "{output:?}");
    let settings = config::load(&config).unwrap();
    assert_eq!(
        feeds(&settings)[1..],
        [
            feed(
                "Le Monde – International",
                "https://www.lemonde.fr/international/rss_full.xml",
                &["World", "Europe"]
            ),
            feed(
                "Deutsche Welle",
                "https://rss.dw.com/rdf/rss-en-all",
                &["World", "Europe"]
            ),
            feed(
                "News (feeds.bbci.co.uk)",
                "https://feeds.bbci.co.uk/news/world/rss.xml",
                &["World"]
            ),
            feed(
                "News (feeds.npr.org)",
                "https://feeds.npr.org/1004/rss.xml",
                &[]
            ),
            feed(
                "Daring Fireball",
                "https://daringfireball.net/feeds/main",
                &[]
            ),
        ]
    );
}

#[test]
fn categories_entities_latin1_untitled_feeds_and_repeats() {
    let work = tempfile::tempdir().unwrap();
    let config = write_config(work.path(), "");
    let fixture = opml_fixture("categories.opml");
    let output = newshound(&config, &["feeds", "import", fixture.to_str().unwrap()]);
    assert!(output.status.success(), "{output:?}");
    let settings = config::load(&config).unwrap();
    assert_eq!(
        feeds(&settings),
        vec![
            // The same URL again (line 14) adds its category to the first one's.
            feed(
                "Al Jazeera",
                "https://www.aljazeera.com/xml/rss/all.xml",
                &["World", "Middle East", "Wire", "Qatar"]
            ),
            feed(
                "Café Babel & Friends",
                "https://cafebabel.example/feed?lang=fr&format=rss",
                &["Europe"]
            ),
            // The file is ISO-8859-1, as its declaration says.
            feed(
                "Süddeutsche",
                "https://rss.sueddeutsche.de/rss/Topthemen",
                &["Europe", "Germany"]
            ),
            // No title: named after the host.
            feed(
                "hurriyetdailynews.example",
                "https://hurriyetdailynews.example/rss",
                &["Turkey"]
            ),
            feed("untitled.example", "https://untitled.example/atom.xml", &[]),
        ]
    );
}

#[test]
fn bad_files_are_refused_with_their_line_and_nothing_is_written() {
    let cases = [
        ("bad-html.opml", "not an OPML file: the document is <html>"),
        (
            "bad-missing-xmlurl.opml",
            "line 7: outline \"Agence France-Presse\" has no xmlUrl",
        ),
        (
            "bad-scheme.opml",
            "line 6: outline \"Old Safari bookmark\": xmlUrl `feed://blog.example/rss` is a feed: URL",
        ),
        ("bad-truncated.opml", "not well-formed XML at line 7"),
        ("bad-mismatched.opml", "not well-formed XML at line 8"),
        ("bad-no-outlines.opml", "no <outline> in the OPML <body>"),
    ];
    for (name, expected) in cases {
        let work = tempfile::tempdir().unwrap();
        let config = write_config(work.path(), "");
        let before = snapshot(work.path());
        let fixture = opml_fixture(name);
        let output = newshound(&config, &["feeds", "import", fixture.to_str().unwrap()]);
        assert_eq!(output.status.code(), Some(1), "{name}: {output:?}");
        let error = stderr(&output);
        assert!(error.contains(expected), "{name}: {error}");
        assert!(error.contains("nothing was imported"), "{name}: {error}");
        assert_eq!(snapshot(work.path()), before, "{name} wrote something");
    }
}

#[test]
fn an_existing_file_is_replaced_only_with_force() {
    let work = tempfile::tempdir().unwrap();
    let config = write_config(work.path(), "");
    let first = opml_fixture("categories.opml");
    let second = opml_fixture("netnewswire.opml");
    let import = |file: &Path, force: bool| {
        let mut args = vec!["feeds", "import", file.to_str().unwrap()];
        if force {
            args.push("--force");
        }
        newshound(&config, &args)
    };
    assert!(import(&first, false).status.success());
    let written = work.path().join("conf.d/imported.toml");
    let before = std::fs::read(&written).unwrap();

    let refused = import(&second, false);
    assert_eq!(refused.status.code(), Some(1), "{refused:?}");
    assert!(
        stderr(&refused).contains("exists; pass --force"),
        "{refused:?}"
    );
    assert_eq!(std::fs::read(&written).unwrap(), before);

    // Forced, the file's own feeds do not count as configured: the same file imports the
    // same feeds again instead of skipping them all.
    let again = import(&first, true);
    assert!(again.status.success(), "{again:?}");
    assert!(stdout(&again).contains("added 5 feeds"), "{again:?}");
    assert!(!stdout(&again).contains("already configured"), "{again:?}");
    let replaced = import(&second, true);
    assert!(replaced.status.success(), "{replaced:?}");
    let names: Vec<String> = config::load(&config)
        .unwrap()
        .feeds
        .into_iter()
        .map(|f| f.name)
        .collect();
    assert_eq!(
        names,
        [
            "Le Monde – International",
            "Deutsche Welle",
            "News",
            "News (feeds.npr.org)",
            "Daring Fireball"
        ]
    );
}

#[test]
fn nothing_new_writes_nothing() {
    let work = tempfile::tempdir().unwrap();
    let config = write_config(
        work.path(),
        &feed_table("Reuters", "https://reuters.example/world.rss"),
    );
    let file = work.path().join("one.opml");
    std::fs::write(
        &file,
        "<opml version=\"2.0\"><body><outline text=\"R\" xmlUrl=\"https://reuters.example/world.rss\"/></body></opml>",
    )
    .unwrap();
    let output = newshound(&config, &["feeds", "import", file.to_str().unwrap()]);
    assert!(output.status.success(), "{output:?}");
    assert!(stdout(&output).contains("already configured as `Reuters`"));
    assert!(stdout(&output).contains("nothing new to add"));
    assert!(!work.path().join("conf.d").exists());
}

#[test]
fn output_outside_conf_d_is_verified_and_flagged_and_must_be_toml() {
    let work = tempfile::tempdir().unwrap();
    let config = write_config(work.path(), "");
    let fixture = opml_fixture("categories.opml");
    let import_to = |output: &Path| {
        newshound(
            &config,
            &[
                "feeds",
                "import",
                fixture.to_str().unwrap(),
                "--output",
                output.to_str().unwrap(),
            ],
        )
    };
    let elsewhere = work.path().join("staging/feeds.toml");
    let output = import_to(&elsewhere);
    assert!(output.status.success(), "{output:?}");
    assert!(elsewhere.is_file());
    assert!(
        stderr(&output).contains("move the file there to poll these feeds"),
        "{output:?}"
    );
    assert!(config::load(&config).unwrap().feeds.is_empty());

    let text = work.path().join("conf.d/feeds.txt");
    let output = import_to(&text);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("must be a file ending in .toml"));
    assert!(!text.exists());
}

#[test]
fn a_broken_configuration_is_reported_with_its_real_path_and_nothing_written() {
    let work = tempfile::tempdir().unwrap();
    let config = write_config(work.path(), "");
    let conf_d = work.path().join("conf.d");
    std::fs::create_dir(&conf_d).unwrap();
    std::fs::write(conf_d.join("imported.toml"), "# an earlier import\n").unwrap();
    std::fs::write(conf_d.join("typo.toml"), "[[feeds]]\nnmae = \"x\"\n").unwrap();
    let before = snapshot(work.path());
    let fixture = opml_fixture("categories.opml");
    // --force makes the import read a copy of the configuration without imported.toml;
    // the error must still name the real file.
    let output = newshound(
        &config,
        &["feeds", "import", fixture.to_str().unwrap(), "--force"],
    );
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let error = stderr(&output);
    assert!(
        error.contains(&conf_d.join("typo.toml").display().to_string()) && error.contains("nmae"),
        "{error}"
    );
    assert_eq!(snapshot(work.path()), before);
}

#[test]
fn export_then_import_into_a_fresh_config_gives_the_same_feeds_and_tags() {
    let work = tempfile::tempdir().unwrap();
    let config = write_config(
        work.path(),
        "[[feeds]]\nname = 'Tom & Jerry \"Daily\" <News>'\nurl = \"https://example.org/rss?a=1&b=2\"\n\
         tags = [\"world\", \"R&D <lab>\", \"Türkiye\", \"two words\"]\n\n\
         [[feeds]]\nname = \"Plain\"\nurl = \"http://plain.example/feed.xml\"\n\n\
         [[feeds]]\nname = \"Local file\"\nurl = \"file:///var/feeds/local.xml\"\ntags = [\"local\"]\n",
    );
    let output = newshound(&config, &["feeds", "export"]);
    assert!(output.status.success(), "{output:?}");
    let opml = stdout(&output);
    assert!(opml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<opml version=\"2.0\">"));
    assert!(
        opml.contains("text=\"Tom &amp; Jerry &quot;Daily&quot; &lt;News&gt;\""),
        "{opml}"
    );
    assert!(
        opml.contains("category=\"world,R&amp;D &lt;lab&gt;,Türkiye,two words\""),
        "{opml}"
    );
    // A file:// feed means nothing on another machine; it is named, not exported.
    assert!(!opml.contains("file://"), "{opml}");
    assert!(
        stderr(&output).contains("left out 1 feed (file:// URLs): Local file"),
        "{output:?}"
    );

    let fresh = tempfile::tempdir().unwrap();
    let fresh_config = write_config(fresh.path(), "");
    let file = fresh.path().join("export.opml");
    std::fs::write(&file, &opml).unwrap();
    let output = newshound(&fresh_config, &["feeds", "import", file.to_str().unwrap()]);
    assert!(output.status.success(), "{output:?}");
    let original = config::load(&config).unwrap();
    let imported = config::load(&fresh_config).unwrap();
    assert_eq!(feeds(&imported), feeds(&original)[..2]);
}
