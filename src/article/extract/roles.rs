//! What an element's own markup says about its job: furniture (navigation, share bars,
//! "related" lists, comments, newsletter boxes, cookie banners, author bios, hidden
//! elements), the article's body (`itemprop=articleBody`, `entry-content`, `<article>`),
//! or nothing.
//!
//! Class names and ids are read as words (split at anything but letters and digits, and
//! where camelCase turns), so that `ad` is a word of `top-ad` and not of `header` or
//! `shadow`; a few long stems (`sharebar`, `relatedposts`) are found inside words too.
//! These are rules about how pages are built in general; none names a site.

use super::dom::{Dom, Node};
use super::tags::Tag;

/// The job an element's markup gives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    /// Nothing said.
    Plain,
    /// Page furniture by its tag, an ARIA role, or because it is hidden: never text.
    Furniture,
    /// Set aside: readers' comments (by a word of the class or id), navigation, asides,
    /// footers (by the tag or the ARIA role), hidden elements. Dropped unless it is a
    /// wrapper around most of the page or around the article's body, as unclosed markup,
    /// pages rendered for a script to move into place and classes such as
    /// `comments-open` on a page's outer `<div>` make them. Comments and hidden copies
    /// are prose, so what it holds does not tell.
    Aside,
    /// Furniture by a word of its class or id that seldom names anything else
    /// (`related`, `share`, `newsletter`, `sidebar`): dropped unless it is a wrapper or
    /// holds a long run of prose (furniture is links and blurbs).
    Named,
    /// Furniture by a word of its class or id that sometimes names a part of the article
    /// (`toc`, `meta`, `nav` in `content-nav-section`): dropped unless it is a wrapper or
    /// holds prose.
    Hinted,
    /// Named as the body of an article.
    Body,
    /// Marked as the whole article or the page's main content (`<article>`, `<main>`,
    /// `role=main`).
    Main,
}

/// The role of element `node`.
pub(crate) fn role(dom: &Dom<'_>, node: &Node) -> Role {
    if node.tag.is_furniture() {
        return Role::Furniture;
    }
    let mut role = match node.tag {
        Tag::Article | Tag::Main => Role::Main,
        tag if tag.is_named_furniture() => Role::Aside,
        _ => Role::Plain,
    };
    if node.len == 0 {
        return role;
    }
    for (name, value) in dom.attributes(node) {
        let name_is = |n: &str| name.eq_ignore_ascii_case(n.as_bytes());
        // Class words are read on blocks only: inside a paragraph or a code listing they
        // name styles (`hljs-comment`, `tag-label`), not the page's parts.
        if (name_is("class") || name_is("id")) && node.tag.is_block() {
            match words_role(value) {
                Role::Plain => {}
                Role::Body => role = Role::Body,
                Role::Aside if role != Role::Body => role = Role::Aside,
                named if matches!(role, Role::Plain | Role::Hinted) => role = named,
                _ => {}
            }
        } else if name_is("style") && hides(value) {
            if role != Role::Body {
                role = Role::Aside;
            }
        } else if name_is("hidden") {
            // Pages streamed from the server send parts of the article in hidden elements
            // for a script to move into place.
            if matches!(role, Role::Plain | Role::Hinted) {
                role = Role::Named;
            }
        } else if name_is("aria-hidden") && value == b"true" {
            return Role::Furniture;
        } else if name_is("role") {
            let value = value.to_ascii_lowercase();
            match value.as_slice() {
                b"navigation" | b"complementary" | b"banner" | b"contentinfo" | b"menu"
                | b"menubar" | b"dialog" | b"alertdialog" | b"search"
                    if role != Role::Body =>
                {
                    role = Role::Aside
                }
                b"toolbar" | b"tablist" if role == Role::Plain => role = Role::Hinted,
                b"main" | b"article" => role = Role::Main,
                _ => {}
            }
        } else if name_is("itemprop") && value.eq_ignore_ascii_case(b"articleBody") {
            return Role::Body;
        }
    }
    role
}

/// Whether a `style` attribute hides the element.
fn hides(style: &[u8]) -> bool {
    let compact: Vec<u8> = style
        .iter()
        .filter(|b| !b.is_ascii_whitespace())
        .map(u8::to_ascii_lowercase)
        .collect();
    memchr::memmem::find(&compact, b"display:none").is_some()
        || memchr::memmem::find(&compact, b"visibility:hidden").is_some()
}

/// The role a class or id gives: a class naming the body wins over furniture words (a
/// `post-content clearfix` is not furniture for its `clearfix`), named furniture over
/// hinted, hinted over nothing.
/// A class is read whole for the body (`entry-content`, `article__body`) and word by
/// word for furniture.
fn words_role(value: &[u8]) -> Role {
    let mut role = Role::Plain;
    for class in value.split(u8::is_ascii_whitespace) {
        let mut compact = [0u8; 24];
        let mut len = 0;
        for &byte in class.iter().filter(|b| b.is_ascii_alphanumeric()) {
            if len == compact.len() {
                len = 0;
                break;
            }
            compact[len] = byte.to_ascii_lowercase();
            len += 1;
        }
        if is_body_class(&compact[..len]) {
            return Role::Body;
        }
        let class_role = if &compact[..len] == b"hidden" {
            Role::Aside
        } else {
            furniture_words(class)
        };
        match class_role {
            Role::Aside => role = Role::Aside,
            Role::Named if role != Role::Aside => role = Role::Named,
            Role::Hinted if role == Role::Plain => role = Role::Hinted,
            _ => {}
        }
    }
    role
}

/// Whether one class (letters and digits only, lower case) names an article's body.
fn is_body_class(class: &[u8]) -> bool {
    matches!(
        class,
        b"articlebody"
            | b"articlecontent"
            | b"articletext"
            | b"entrycontent"
            | b"entrybody"
            | b"postcontent"
            | b"postbody"
            | b"posttext"
            | b"storybody"
            | b"storycontent"
            | b"storytext"
            | b"bodytext"
            | b"contentbody"
            | b"blogpostcontent"
            | b"singlecontent"
    )
}

/// The strongest furniture role a word of one class gives.
fn furniture_words(class: &[u8]) -> Role {
    let mut role = Role::Plain;
    let mut word = [0u8; 24];
    let mut len = 0;
    let mut previous_lower = false;
    let mut first = true;
    for &byte in class.iter().chain(b" ") {
        let upper = byte.is_ascii_uppercase();
        if !byte.is_ascii_alphanumeric() || (upper && previous_lower) {
            if len > 0 && len < word.len() {
                // `no-sidebars`, `has-comments`, `with-share-bar`: a layout's flags on a
                // wrapper, not the name of a part.
                if first && matches!(&word[..len], b"no" | b"has" | b"with" | b"without") {
                    return Role::Plain;
                }
                first = false;
                match word_role(&word[..len]) {
                    Role::Aside => return Role::Aside,
                    Role::Named => role = Role::Named,
                    Role::Hinted if role == Role::Plain => role = Role::Hinted,
                    _ => {}
                }
            }
            len = 0;
        }
        if byte.is_ascii_alphanumeric() && len < word.len() {
            word[len] = byte.to_ascii_lowercase();
            len += 1;
        }
        previous_lower = byte.is_ascii_lowercase();
    }
    role
}

/// What one lower-case word of a class or id says.
fn word_role(word: &[u8]) -> Role {
    match word {
        b"comment" | b"comments" | b"disqus" | b"replies" | b"respond" | b"footer" => Role::Aside,
        _ if word.starts_with(b"comment") => Role::Aside,
        b"breadcrumb" | b"breadcrumbs" | b"sidebar" | b"share" | b"sharing" | b"shares"
        | b"social" | b"related" | b"recommended" | b"newsletter" | b"subscribe"
        | b"subscription" | b"signup" | b"promo" | b"promotion" | b"sponsor" | b"sponsored"
        | b"ad" | b"ads" | b"advert" | b"advertisement" | b"adsense" | b"cookie" | b"cookies"
        | b"consent" | b"gdpr" | b"popup" | b"modal" | b"outbrain" | b"taboola" | b"sharedaddy"
        | b"login" | b"paywall" => Role::Named,
        b"nav" | b"navbar" | b"navigation" | b"menu" | b"masthead" | b"banner" | b"overlay"
        | b"byline" | b"author" | b"bio" | b"tags" | b"categories" | b"pagination" | b"pager"
        | b"toolbar" | b"breaking" | b"trending" | b"popular" | b"skip" | b"caption"
        | b"credit" | b"credits" | b"meta" | b"rating" | b"donate" | b"toc" | b"print" => {
            Role::Hinted
        }
        _ if word.starts_with(b"share")
            || word.starts_with(b"related")
            || word.starts_with(b"sidebar")
            || word.starts_with(b"newsletter")
            || word.starts_with(b"social") =>
        {
            Role::Named
        }
        _ => Role::Plain,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_by_tag_class_and_attribute() {
        let cases = [
            ("<div>", Role::Plain),
            (r#"<div class="entry-content clearfix">"#, Role::Body),
            (r#"<div class="article__body">"#, Role::Body),
            (r#"<section itemprop="articleBody">"#, Role::Body),
            ("<article>", Role::Main),
            (r#"<div role="main">"#, Role::Main),
            ("<nav>", Role::Aside),
            ("<footer>", Role::Aside),
            (r#"<div id="comments">"#, Role::Aside),
            (r#"<div class="commentList">"#, Role::Aside),
            (r#"<div style="display: none">"#, Role::Aside),
            (r#"<div role="navigation">"#, Role::Aside),
            (r#"<div class="share-bar">"#, Role::Named),
            (r#"<ul class="relatedPosts">"#, Role::Named),
            (r#"<div class="top-ad">"#, Role::Named),
            (r#"<div hidden>"#, Role::Named),
            (r#"<div class="toc">"#, Role::Hinted),
            (r#"<div class="entry-meta">"#, Role::Hinted),
            (r#"<div aria-hidden="true">"#, Role::Furniture),
            ("<figcaption>", Role::Furniture),
            ("<button>", Role::Furniture),
            // Words, not substrings: no `ad` in these, no `nav` in the second.
            (r#"<div class="header shadow loaded">"#, Role::Plain),
            (r#"<div class="canvas-wrap">"#, Role::Plain),
            // Class words on inline elements name styles.
            (r#"<span class="hljs-comment">"#, Role::Plain),
            // Layout flags on a wrapper.
            (r#"<div class="no-sidebars" id="content">"#, Role::Plain),
            (r#"<div class="has-comments">"#, Role::Plain),
        ];
        for (tag, expected) in cases {
            let dom = Dom::parse(tag);
            let node = &dom.nodes[1];
            assert_eq!(role(&dom, node), expected, "{tag}");
        }
    }
}
