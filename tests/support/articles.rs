//! A news site on loopback for the full-text tests: a [`FeedServer`] serving the article
//! pages of `tests/fixtures/articles/daemon-*.html` (navigation, a sidebar and a footer
//! around the article) under `/articles/`, and feeds a test writes with [`Site::feed`],
//! whose items link to those pages or to any other route of the server.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use super::FeedServer;

/// An item of a feed a test writes.
#[derive(Debug, Clone)]
pub struct Entry {
    pub guid: String,
    pub title: String,
    /// The link, as a path on the site (`articles/daemon-sinop.html`, `hang`) or a URL.
    pub link: Option<String>,
    /// The description; `None` for a title-only item.
    pub text: Option<String>,
    /// Whether `text` goes in `content:encoded`, where feeds that carry whole articles
    /// put them, rather than in the description.
    pub content: bool,
    pub published: Option<DateTime<Utc>>,
}

impl Entry {
    /// An item published `hours_ago`, linking to `link` on the site.
    pub fn new(guid: &str, title: &str, link: &str, text: Option<&str>, hours_ago: i64) -> Entry {
        Entry {
            guid: guid.into(),
            title: title.into(),
            link: Some(link.into()),
            text: text.map(str::to_string),
            content: false,
            published: Some(Utc::now() - chrono::Duration::hours(hours_ago)),
        }
    }

    /// The same item with its text as the item's content rather than its description.
    pub fn in_content(self) -> Entry {
        Entry {
            content: true,
            ..self
        }
    }
}

/// The served folder and its server. Stops on drop.
pub struct Site {
    pub dir: tempfile::TempDir,
    pub http: FeedServer,
}

impl Site {
    /// Serves a folder holding the fixture article pages under `articles/` (and the
    /// consent wall also under `consent/`, where a redirect to it ends).
    pub async fn start() -> Site {
        let dir = tempfile::tempdir().expect("temp dir");
        for sub in ["articles", "consent"] {
            std::fs::create_dir(dir.path().join(sub)).expect("create dir");
        }
        for page in std::fs::read_dir(fixtures()).expect("read fixtures") {
            let path = page.expect("dir entry").path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if name.starts_with("daemon-") {
                std::fs::copy(&path, dir.path().join("articles").join(&name)).expect("copy");
            }
        }
        std::fs::copy(
            fixtures().join("daemon-consent.html"),
            dir.path().join("consent/daemon-consent.html"),
        )
        .expect("copy");
        let http = FeedServer::start(dir.path()).await;
        Site { dir, http }
    }

    /// `path` as the URL of the site.
    pub fn url(&self, path: &str) -> String {
        if path.contains("://") {
            path.to_string()
        } else {
            self.http.url(path)
        }
    }

    /// Writes the RSS feed `file` with `entries`; returns its URL.
    pub fn feed(&self, file: &str, entries: &[Entry]) -> String {
        let items: String = entries
            .iter()
            .map(|e| {
                let link = e
                    .link
                    .as_deref()
                    .map(|l| format!("<link>{}</link>", escape(&self.url(l))))
                    .unwrap_or_default();
                let element = if e.content {
                    "content:encoded"
                } else {
                    "description"
                };
                let text = e
                    .text
                    .as_deref()
                    .map(|t| format!("<{element}>{}</{element}>", escape(t)))
                    .unwrap_or_default();
                let date = e
                    .published
                    .map(|p| format!("<pubDate>{}</pubDate>", p.to_rfc2822()))
                    .unwrap_or_default();
                format!(
                    "<item><title>{}</title>{link}<guid isPermaLink=\"false\">{}</guid>{date}{text}</item>\n",
                    escape(&e.title),
                    e.guid
                )
            })
            .collect();
        let rss = format!(
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<rss version=\"2.0\" \
             xmlns:content=\"http://purl.org/rss/1.0/modules/content/\"><channel>\
             <title>{file}</title><link>{}</link>\n{items}</channel></rss>\n",
            self.http.base_url()
        );
        std::fs::write(self.dir.path().join(file), rss).expect("write feed");
        self.http.url(file)
    }

    /// How many requests the site answered for `path` (without its query).
    pub fn requests_for(&self, path: &str) -> usize {
        self.http.requests_for(path).len()
    }

    /// The paths of every request for an article page (not a feed), in order.
    pub fn article_requests(&self) -> Vec<String> {
        self.http
            .requests()
            .into_iter()
            .map(|r| r.path)
            .filter(|p| !p.ends_with(".rss"))
            .collect()
    }
}

/// `tests/fixtures/articles`.
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/articles")
}

/// The first paragraph of the Sinop article, as a teaser feed carries it: it does not
/// name the S-400, which only the article's fourth paragraph does.
pub const SINOP_TEASER: &str = "SINOP — Engineers returned to a military test range on the \
    Black Sea coast on Saturday, residents said, after a pause of several months in which \
    the site stood empty and its access road was closed to traffic.";

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
