//! The HTML elements the extractor tells apart, and what it needs to know of each: how
//! the tree builder treats it (void, raw text, closes an open `<p>`) and how the text
//! writer does (a block that starts a paragraph, or inline text).
//!
//! Names are looked up once per tag from a lower-cased copy on the stack; every element
//! the rules do not name is [`Tag::Other`], which is laid out like a `<div>` (custom
//! elements such as `<share-bar>` hold furniture as often as text, and a break around them
//! never joins two words).

/// An element the rules know by name, or [`Tag::Other`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub(crate) enum Tag {
    /// A text node, not an element.
    Text,
    Other,
    Html,
    Head,
    Body,
    Title,
    Meta,
    /// The other void elements (`<link>`, `<source>`, `<embed>`, …).
    Void,
    Script,
    Style,
    // Sections.
    Article,
    Main,
    Section,
    Div,
    Header,
    Footer,
    Nav,
    Aside,
    Address,
    // Paragraph blocks.
    P,
    H1,
    H2,
    H3,
    H4,
    H5,
    H6,
    Blockquote,
    Pre,
    Ul,
    Ol,
    Li,
    Dl,
    Dt,
    Dd,
    Table,
    Caption,
    Thead,
    Tbody,
    Tfoot,
    Tr,
    Td,
    Th,
    Figure,
    Figcaption,
    Details,
    Summary,
    Center,
    Hr,
    Br,
    // Inline.
    A,
    Span,
    Inline,
    Code,
    Img,
    Time,
    // Furniture by nature.
    Form,
    Fieldset,
    Button,
    Input,
    Label,
    Select,
    Option,
    Textarea,
    Menu,
    Dialog,
    Svg,
    Math,
    Canvas,
    Video,
    Audio,
    Object,
    Iframe,
    Noscript,
    Template,
    Picture,
}

impl Tag {
    /// The tag named `name` (any case).
    pub(crate) fn of(name: &[u8]) -> Tag {
        let mut buffer = [0u8; 10];
        let Some(lower) = buffer.get_mut(..name.len()) else {
            return Tag::Other;
        };
        lower.copy_from_slice(name);
        lower.make_ascii_lowercase();
        match &*lower {
            b"html" => Tag::Html,
            b"head" => Tag::Head,
            b"body" => Tag::Body,
            b"title" => Tag::Title,
            b"meta" => Tag::Meta,
            b"link" | b"base" | b"area" | b"col" | b"embed" | b"param" | b"source" | b"track"
            | b"keygen" => Tag::Void,
            b"script" => Tag::Script,
            b"style" => Tag::Style,
            b"article" => Tag::Article,
            b"main" => Tag::Main,
            b"section" => Tag::Section,
            b"div" => Tag::Div,
            b"header" | b"hgroup" => Tag::Header,
            b"footer" => Tag::Footer,
            b"nav" => Tag::Nav,
            b"aside" => Tag::Aside,
            b"address" => Tag::Address,
            b"p" => Tag::P,
            b"h1" => Tag::H1,
            b"h2" => Tag::H2,
            b"h3" => Tag::H3,
            b"h4" => Tag::H4,
            b"h5" => Tag::H5,
            b"h6" => Tag::H6,
            b"blockquote" => Tag::Blockquote,
            b"pre" | b"listing" | b"xmp" => Tag::Pre,
            b"ul" | b"dir" => Tag::Ul,
            b"ol" => Tag::Ol,
            b"li" => Tag::Li,
            b"dl" => Tag::Dl,
            b"dt" => Tag::Dt,
            b"dd" => Tag::Dd,
            b"table" => Tag::Table,
            b"caption" => Tag::Caption,
            b"thead" => Tag::Thead,
            b"tbody" => Tag::Tbody,
            b"tfoot" => Tag::Tfoot,
            b"tr" => Tag::Tr,
            b"td" => Tag::Td,
            b"th" => Tag::Th,
            b"figure" => Tag::Figure,
            b"figcaption" => Tag::Figcaption,
            b"details" => Tag::Details,
            b"summary" => Tag::Summary,
            b"center" => Tag::Center,
            b"hr" => Tag::Hr,
            b"br" => Tag::Br,
            b"a" => Tag::A,
            b"span" => Tag::Span,
            b"b" | b"i" | b"em" | b"strong" | b"u" | b"s" | b"small" | b"big" | b"sub" | b"sup"
            | b"mark" | b"abbr" | b"cite" | b"q" | b"dfn" | b"ins" | b"del" | b"font" | b"bdi"
            | b"bdo" | b"var" | b"samp" | b"kbd" | b"tt" | b"strike" | b"data" | b"nobr"
            | b"wbr" | b"acronym" => Tag::Inline,
            b"code" => Tag::Code,
            b"img" | b"image" => Tag::Img,
            b"time" => Tag::Time,
            b"form" => Tag::Form,
            b"fieldset" => Tag::Fieldset,
            b"button" => Tag::Button,
            b"input" => Tag::Input,
            b"label" => Tag::Label,
            b"select" | b"datalist" => Tag::Select,
            b"option" | b"optgroup" => Tag::Option,
            b"textarea" => Tag::Textarea,
            b"menu" => Tag::Menu,
            b"dialog" => Tag::Dialog,
            b"svg" => Tag::Svg,
            b"math" => Tag::Math,
            b"canvas" => Tag::Canvas,
            b"video" => Tag::Video,
            b"audio" => Tag::Audio,
            b"object" | b"applet" => Tag::Object,
            b"iframe" | b"frame" | b"frameset" => Tag::Iframe,
            b"noscript" | b"noembed" | b"noframes" => Tag::Noscript,
            b"template" => Tag::Template,
            b"picture" => Tag::Picture,
            _ => Tag::Other,
        }
    }

    /// Elements that never have content: no end tag is waited for.
    pub(crate) fn is_void(self) -> bool {
        matches!(
            self,
            Tag::Meta | Tag::Void | Tag::Hr | Tag::Br | Tag::Img | Tag::Input
        )
    }

    /// Elements whose content is not markup: everything up to their end tag is one text
    /// (read for `<title>` and JSON-LD scripts, skipped for the others).
    pub(crate) fn is_raw_text(self) -> bool {
        matches!(
            self,
            Tag::Title
                | Tag::Script
                | Tag::Style
                | Tag::Textarea
                | Tag::Iframe
                | Tag::Noscript
                | Tag::Template
        )
    }

    /// Elements that start and end a paragraph of the text.
    pub(crate) fn is_block(self) -> bool {
        !matches!(
            self,
            Tag::Text
                | Tag::A
                | Tag::Span
                | Tag::Inline
                | Tag::Code
                | Tag::Img
                | Tag::Time
                | Tag::Label
                | Tag::Br
        )
    }

    /// Elements whose start tag closes an open `<p>`, as in HTML.
    pub(crate) fn closes_p(self) -> bool {
        matches!(
            self,
            Tag::Article
                | Tag::Main
                | Tag::Section
                | Tag::Div
                | Tag::Header
                | Tag::Footer
                | Tag::Nav
                | Tag::Aside
                | Tag::Address
                | Tag::P
                | Tag::H1
                | Tag::H2
                | Tag::H3
                | Tag::H4
                | Tag::H5
                | Tag::H6
                | Tag::Blockquote
                | Tag::Pre
                | Tag::Ul
                | Tag::Ol
                | Tag::Dl
                | Tag::Table
                | Tag::Figure
                | Tag::Details
                | Tag::Center
                | Tag::Hr
                | Tag::Form
                | Tag::Fieldset
                | Tag::Menu
                | Tag::Dialog
        )
    }

    /// Elements made for furniture (navigation, asides, footers, menus, dialogs), which
    /// unclosed markup sometimes makes hold the whole page.
    pub(crate) fn is_named_furniture(self) -> bool {
        matches!(
            self,
            Tag::Nav | Tag::Aside | Tag::Footer | Tag::Menu | Tag::Dialog
        )
    }

    /// Headings `<h1>`…`<h6>`.
    pub(crate) fn is_heading(self) -> bool {
        matches!(
            self,
            Tag::H1 | Tag::H2 | Tag::H3 | Tag::H4 | Tag::H5 | Tag::H6
        )
    }

    /// Elements that hold page furniture whatever their class: form controls, embedded
    /// media and graphics, captions.
    pub(crate) fn is_furniture(self) -> bool {
        matches!(
            self,
            Tag::Button
                | Tag::Input
                | Tag::Select
                | Tag::Option
                | Tag::Textarea
                | Tag::Svg
                | Tag::Math
                | Tag::Canvas
                | Tag::Video
                | Tag::Audio
                | Tag::Object
                | Tag::Iframe
                | Tag::Noscript
                | Tag::Template
                | Tag::Figcaption
                | Tag::Head
                | Tag::Title
                | Tag::Script
                | Tag::Style
                | Tag::Meta
                | Tag::Void
        )
    }
}
