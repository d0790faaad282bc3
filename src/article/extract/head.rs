//! What a page says about its article outside the body's markup: the title (Open Graph,
//! the first `<h1>`, `<title>`) and the JSON-LD `articleBody`, which some pages carry
//! whole and others cut to a teaser.

use serde_json::Value;

use super::dom::Dom;
use super::tags::Tag;
use crate::feed::html::html_to_text;

/// The article's title: the `og:title` meta tag, else the first `<h1>` with text, else
/// the `<title>` (which often ends with the site's name).
pub(crate) fn title(dom: &Dom<'_>) -> String {
    let meta = dom
        .nodes
        .iter()
        .filter(|n| n.tag == Tag::Meta)
        .find_map(|node| {
            let mut property = false;
            let mut content = None;
            for (name, value) in dom.attributes(node) {
                if name.eq_ignore_ascii_case(b"property") || name.eq_ignore_ascii_case(b"name") {
                    property |= value.eq_ignore_ascii_case(b"og:title");
                } else if name.eq_ignore_ascii_case(b"content") {
                    content = Some(value);
                }
            }
            property.then_some(content).flatten()
        })
        .and_then(|c| std::str::from_utf8(c).ok())
        .map(html_to_text)
        .filter(|t| !t.is_empty());
    meta.or_else(|| first_h1(dom))
        .or_else(|| dom.title.map(html_to_text))
        .unwrap_or_default()
}

fn first_h1(dom: &Dom<'_>) -> Option<String> {
    dom.nodes
        .iter()
        .enumerate()
        .filter(|(_, n)| n.tag == Tag::H1)
        .map(|(i, n)| {
            let text: String = dom.nodes[i + 1..n.end as usize]
                .iter()
                .filter(|n| n.tag == Tag::Text)
                .map(|n| dom.text(n))
                .collect();
            html_to_text(&text)
        })
        .find(|t| !t.is_empty())
}

/// The longest `articleBody` of the page's JSON-LD, as plain text.
pub(crate) fn article_body(dom: &Dom<'_>) -> Option<String> {
    let mut best: Option<String> = None;
    for script in &dom.json_ld {
        let Ok(value) = serde_json::from_str::<Value>(script.trim()) else {
            continue;
        };
        let mut found = Vec::new();
        bodies(&value, &mut found, 0);
        for body in found {
            if best.as_ref().is_none_or(|b| body.len() > b.len()) {
                best = Some(body.to_string());
            }
        }
    }
    best.map(|b| html_to_text(&b)).filter(|b| !b.is_empty())
}

/// Every `articleBody` string in a JSON-LD value (objects, `@graph` arrays, lists), to a
/// bounded depth.
fn bodies<'v>(value: &'v Value, found: &mut Vec<&'v str>, depth: usize) {
    if depth > 8 {
        return;
    }
    match value {
        Value::Object(map) => {
            if let Some(Value::String(body)) = map.get("articleBody") {
                found.push(body);
            }
            for (key, child) in map {
                if key != "articleBody" {
                    bodies(child, found, depth + 1);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|i| bodies(i, found, depth + 1)),
        _ => {}
    }
}
