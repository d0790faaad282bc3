//! The HTML part, written for mail clients, not browsers: tables for layout, inline
//! `style=` only, every text colour set together with its background, no cell wider than a
//! phone, and every feed-given string escaped, with links only to safe `http(s)` URLs.

use html_escape::{encode_double_quoted_attribute, encode_text};
use url::Url;

use super::block::Block;
use super::dates::format_time;
use super::select::{Prepared, left_out, section_left_out};
use super::snippet::{segments, without_controls};
use super::words::{NOTHING_NEW_TAIL, capitalised, covered, heading, no_new_coverage, summary};
use super::{DigestView, Mail};
use crate::wording::one_line;

// Colours of the HTML part. Each text colour is only ever used together with a background.
const PAGE_BG: &str = "#f2f3f5";
const CARD_BG: &str = "#ffffff";
const INK: &str = "#1f2328";
const MUTED: &str = "#57606a";
const LINK: &str = "#0550ae";
const RULE: &str = "#e1e4e8";
const HIGHLIGHT_BG: &str = "#fff1a8";
const FONT: &str = "-apple-system,BlinkMacSystemFont,'Segoe UI',Helvetica,Arial,sans-serif";
/// Highlighted terms this long at most are kept on one line; even in bold at 15px they fit
/// the card's text column on a 360px-wide phone (about 296px).
const NOWRAP_HIGHLIGHT: usize = 24;
/// On every cell of the card. A table grows to fit its widest unbreakable word, so a long
/// URL would push the card past a phone's screen; `anywhere` (and `break-word`, for older
/// WebKit) lets the browser break it instead, and counts those breaks when it sizes the
/// table, which `overflow-wrap:break-word` alone does not.
pub(super) const WRAP: &str = "overflow-wrap:anywhere;word-break:break-word;";

/// Text colour together with its background; the only way colours enter the HTML.
fn colours(fg: &str, bg: &str) -> String {
    format!("color:{fg};background-color:{bg};")
}

pub(super) fn html_of(
    view: &DigestView,
    sections: &[Prepared<'_>],
    mail: Mail,
    subject: &str,
) -> String {
    let name = encode_text(&one_line(&view.name)).into_owned();
    let mut h = String::new();
    h.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n");
    h.push_str("<meta charset=\"utf-8\">\n");
    h.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    // Every colour is set explicitly, so the mail reads the same whichever scheme a client
    // picks; saying so keeps clients that honour these from inverting it on their own.
    h.push_str("<meta name=\"color-scheme\" content=\"light dark\">\n");
    h.push_str("<meta name=\"supported-color-schemes\" content=\"light dark\">\n");
    h.push_str(&format!("<title>{}</title>\n", encode_text(subject)));
    h.push_str("</head>\n");
    h.push_str(&format!(
        "<body style=\"margin:0;padding:0;{}\">\n",
        colours(INK, PAGE_BG)
    ));
    h.push_str(&format!(
        "<table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" \
         border=\"0\" style=\"{}\">\n<tr><td align=\"center\" style=\"padding:16px 8px;\">\n",
        colours(INK, PAGE_BG)
    ));
    // Outlook for Windows ignores max-width; this table, which only it sees, holds the
    // card to the same 640px.
    h.push_str(
        "<!--[if mso]><table role=\"presentation\" width=\"640\" cellpadding=\"0\" \
         cellspacing=\"0\" border=\"0\"><tr><td><![endif]-->\n",
    );
    h.push_str(&format!(
        "<table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" \
         border=\"0\" style=\"max-width:640px;{}font-family:{FONT};font-size:16px;\
         line-height:1.5;overflow-wrap:break-word;word-wrap:break-word;\">\n",
        colours(INK, CARD_BG)
    ));

    let muted = colours(MUTED, CARD_BG);
    h.push_str(&format!(
        "<tr><td style=\"padding:20px 24px 12px;{WRAP}\">\n"
    ));
    h.push_str(&format!(
        "<div style=\"font-size:13px;letter-spacing:0.04em;text-transform:uppercase;{muted}\">\
         {}</div>\n",
        mail.kicker()
    ));
    h.push_str(&format!(
        "<h1 style=\"margin:4px 0 0;font-size:22px;line-height:1.3;font-weight:bold;\">{name}</h1>\n"
    ));
    let summary = capitalised(&summary(sections));
    h.push_str(&format!(
        "<div style=\"padding-top:4px;font-size:13px;{muted}\">{summary} · generated {}</div>\n",
        format_time(view.generated_at, view.timezone)
    ));
    if let Some(left_out) = left_out(sections) {
        h.push_str(&format!(
            "<div style=\"padding-top:4px;font-size:13px;{muted}\">{}</div>\n",
            encode_text(&left_out)
        ));
    }
    h.push_str("</td></tr>\n");

    if sections.is_empty() {
        let topics: Vec<String> = covered(view)
            .iter()
            .map(|t| format!("<strong>{}</strong>", encode_text(t)))
            .collect();
        h.push_str(&format!(
            "<tr><td style=\"padding:16px 24px 20px;border-top:1px solid {RULE};\
             font-size:15px;{WRAP}\">{}{}</td></tr>\n",
            no_new_coverage(&topics),
            encode_text(NOTHING_NEW_TAIL)
        ));
    }
    for section in sections {
        h.push_str(&format!(
            "<tr><td style=\"padding:20px 24px 4px;{WRAP}\">\n\
             <h2 style=\"margin:0;font-size:18px;line-height:1.3;font-weight:bold;\">{} \
             <span style=\"font-weight:normal;{muted}\">· {}</span></h2>\n</td></tr>\n",
            encode_text(&section.watchlist),
            encode_text(&heading(section))
        ));
        for block in &section.blocks {
            html_block(&mut h, block);
        }
        if let Some(more) = section_left_out(section) {
            h.push_str(&format!(
                "<tr><td style=\"padding:12px 24px;border-top:1px solid {RULE};font-size:14px;\
                 {WRAP}{muted}\">{}</td></tr>\n",
                encode_text(&more)
            ));
        }
    }

    h.push_str(&format!(
        "<tr><td style=\"padding:16px 24px 20px;border-top:1px solid {RULE};font-size:12px;\
         {WRAP}{muted}\">\n"
    ));
    for (lead, feeds) in mail.problems(view) {
        let feeds: Vec<String> = feeds
            .iter()
            .map(|(feed, detail)| {
                format!(
                    "<strong>{}</strong> ({})",
                    encode_text(feed),
                    encode_text(detail)
                )
            })
            .collect();
        h.push_str(&format!(
            "<p style=\"margin:0 0 8px;\">{}: {}.</p>\n",
            encode_text(&lead),
            feeds.join(", ")
        ));
    }
    h.push_str(&format!("{}</td></tr>\n", mail.closing(&name)));
    h.push_str("</table>\n<!--[if mso]></td></tr></table><![endif]-->\n");
    h.push_str("</td></tr>\n</table>\n</body>\n</html>\n");
    h
}

fn html_block(h: &mut String, b: &Block<'_>) {
    let muted = colours(MUTED, CARD_BG);
    h.push_str(&format!(
        "<tr><td style=\"padding:12px 24px;border-top:1px solid {RULE};{WRAP}\">\n"
    ));
    let label = b
        .head
        .label
        .map(|l| {
            format!(
                "<span style=\"font-weight:normal;{muted}\">{}</span> ",
                encode_text(l)
            )
        })
        .unwrap_or_default();
    h.push_str(&format!(
        "<div style=\"font-size:17px;line-height:1.35;font-weight:bold;\">{label}{}</div>\n",
        linked(&b.head.headline, b.head.link)
    ));
    h.push_str(&format!(
        "<div style=\"padding-top:2px;font-size:13px;{muted}\">{}</div>\n",
        encode_text(&b.head.byline)
    ));

    if let Some((from, snippet)) = &b.snippet {
        let from = from
            .as_ref()
            .map(|f| format!("<span style=\"{muted}\">{}:</span> ", encode_text(f)))
            .unwrap_or_default();
        let marked: String = segments(snippet)
            .into_iter()
            .map(|(highlighted, s)| {
                let short = s.chars().count() <= NOWRAP_HIGHLIGHT;
                let s = encode_text(&without_controls(s)).into_owned();
                if highlighted {
                    // A short term stays on one line: a browser would break "S-400" after
                    // its hyphen, leaving half a highlight on each line.
                    let nowrap = if short { "white-space:nowrap;" } else { "" };
                    // <strong> rather than <mark>: Outlook's Word engine drops <mark> and
                    // its styling, while bold survives even where the background is
                    // stripped.
                    format!(
                        "<strong style=\"{}padding:0 1px;{nowrap}\">{s}</strong>",
                        colours(INK, HIGHLIGHT_BG)
                    )
                } else {
                    s
                }
            })
            .collect();
        h.push_str(&format!(
            "<div style=\"padding-top:6px;font-size:15px;\">{from}{marked}</div>\n"
        ));
    }
    if let Some(terms) = &b.terms {
        h.push_str(&format!(
            "<div style=\"padding-top:6px;font-size:13px;{muted}\">{}</div>\n",
            encode_text(terms)
        ));
    }
    if b.list.is_empty() && b.more.is_none() {
        h.push_str("</td></tr>\n");
        return;
    }
    h.push_str(&format!(
        "<div style=\"padding-top:8px;font-size:13px;{muted}\">{}</div>\n",
        encode_text(b.head.list_label)
    ));
    // Divs with a left padding rather than <ul>: mail clients disagree on list margins,
    // and a wrapped line still hangs under its own entry.
    for line in &b.list {
        let outlets = match line.outlets.as_str() {
            "" => String::new(),
            o => format!("<span style=\"{muted}\">{}</span> — ", encode_text(o)),
        };
        h.push_str(&format!(
            "<div style=\"padding:2px 0 0 12px;font-size:14px;line-height:1.4;\">{outlets}{}</div>\n",
            linked(&line.title, line.link)
        ));
    }
    if let Some(more) = &b.more {
        h.push_str(&format!(
            "<div style=\"padding:2px 0 0 12px;font-size:13px;{muted}\">{}</div>\n",
            encode_text(more)
        ));
    }
    h.push_str("</td></tr>\n");
}

/// `text`, escaped, as a link to `link` when that is a safe `http(s)` URL; else unlinked,
/// because a title is worth showing even where its link is not worth following.
fn linked(text: &str, link: Option<&str>) -> String {
    let text = encode_text(text);
    match link.and_then(safe_href) {
        Some(href) => format!(
            "<a href=\"{}\" style=\"{}text-decoration:underline;\">{text}</a>",
            encode_double_quoted_attribute(&href),
            colours(LINK, CARD_BG)
        ),
        None => text.into_owned(),
    }
}

/// The link as an `href`, only when it is an absolute `http`/`https` URL. The scheme is
/// checked on the text as written *and* on the parsed URL, so neither `javascript:` and
/// `data:` nor lenient spellings like `http:host` or `ht\ttp://` get through; the parsed
/// form is returned because it percent-encodes quotes, brackets and spaces.
pub(super) fn safe_href(link: &str) -> Option<String> {
    let link = link.trim();
    let written_as_http = ["http://", "https://"].iter().any(|prefix| {
        link.get(..prefix.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(prefix))
    });
    if !written_as_http {
        return None;
    }
    let url = Url::parse(link).ok()?;
    let has_host = url.host_str().is_some_and(|h| !h.is_empty());
    (matches!(url.scheme(), "http" | "https") && has_host).then(|| url.into())
}
