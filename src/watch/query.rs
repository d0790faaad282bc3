//! The query language: a recursive-descent parser from watchlist text (tokens from `lex`)
//! to a boolean tree over terms, proximity and scopes. Everything a user can get wrong is
//! caught here, with the character column to point at, so that a watchlist that loads
//! always compiles and means what it says.
//!
//! Grammar (NEAR binds tightest, then OR, then AND, as in media-monitoring tools):
//!
//! ```text
//! query   = and EOF
//! and     = or { [ "AND" ] or }
//! or      = near { "OR" near }
//! near    = unary [ ( "NEAR/n" | "AROUND(n)" ) unary ]  (operands: terms or an OR of them)
//! unary   = ( "-" | "NOT" ) primary | primary        ("-" written right before it)
//! primary = WORD | WORD* | PHRASE | "(" and ")" | "title:" primary | "@" LIST
//!         | "site:" HOST | "feed:" NAME | "tag:" NAME
//! ```
//!
//! `@name` stands for the OR of the list's terms, taken from the lists given to
//! [`Query::parse_with`]; the tree holds the terms themselves, so matching never looks
//! lists up.

use std::collections::BTreeMap;

use super::lex::{Kind, Token, is_quote, lex};
use super::normalize::normalize;

/// Parentheses deeper than this are refused, so that parsing and evaluation (both
/// recursive) cannot run out of stack on a hostile query.
const MAX_DEPTH: usize = 64;

/// Letters or digits a wildcard needs before its `*`: `mi*` would match half the text.
pub(crate) const WILDCARD_MIN: usize = 3;

/// Named term lists (`[lists]` in the configuration), by name.
pub type Lists = BTreeMap<String, Vec<String>>;

/// A parsed watchlist query.
#[derive(Debug, Clone)]
pub struct Query {
    source: String,
    pub(crate) terms: Vec<Term>,
    pub(crate) scopes: Vec<Scope>,
    pub(crate) root: Node,
    /// The lists the query names, with their terms, in order of first use.
    lists: Vec<(String, Vec<String>)>,
    /// Whether it uses syntax that versions before wildcards, NEAR, scopes, `NOT`,
    /// `intitle:` and lists read as plain words.
    newer_syntax: bool,
}

/// One word, phrase or wildcard of a query, in the order written (a list's terms where
/// the list is named).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Term {
    /// As written: a phrase without its quotes, a wildcard without its `*`, without
    /// `title:`.
    pub(crate) text: String,
    /// `text` normalised: what the automaton looks for.
    pub(crate) pattern: String,
    /// A wildcard: `pattern` starts a word, which may run on past it.
    pub(crate) prefix: bool,
    pub(crate) title_only: bool,
    /// False for a term under an odd number of `-`: its hit makes the query less likely
    /// to match, never more.
    pub(crate) positive: bool,
    /// The list it came from, for `test-query --explain`.
    pub(crate) list: Option<String>,
}

/// Where an item was published, as a query can ask.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// `site:`: the link's host is `host` or a subdomain of it, and its path is `path`
    /// or below it (`path` empty: any).
    Site { host: String, path: String },
    /// `feed:`: seen in the feed of that name.
    Feed(String),
    /// `tag:`: seen in a feed with that tag.
    Tag(String),
}

/// The boolean tree; `Term` indexes `Query::terms`, `Scope` `Query::scopes`.
#[derive(Debug, Clone)]
pub(crate) enum Node {
    Term(usize),
    Scope(usize),
    Near(Near),
    And(Vec<Node>),
    Or(Vec<Node>),
    Not(Box<Node>),
}

/// Two sets of terms (each the OR of its terms) that occur within `within` words of each
/// other, in either order, in the same field.
#[derive(Debug, Clone)]
pub(crate) struct Near {
    pub(crate) left: Vec<usize>,
    pub(crate) right: Vec<usize>,
    pub(crate) within: u32,
}

impl Node {
    /// Whether the tree holds, given what each leaf (a term, a scope, a proximity) says.
    pub(crate) fn eval<F: FnMut(&Node) -> bool>(&self, leaf: &mut F) -> bool {
        match self {
            Node::And(nodes) => nodes.iter().all(|n| n.eval(leaf)),
            Node::Or(nodes) => nodes.iter().any(|n| n.eval(leaf)),
            Node::Not(node) => !node.eval(leaf),
            Node::Term(_) | Node::Scope(_) | Node::Near(_) => leaf(self),
        }
    }
}

/// Why a query does not parse, with the 1-based character position of the problem.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message} at position {position}")]
pub struct QueryError {
    pub position: usize,
    pub message: String,
}

impl QueryError {
    pub(crate) fn new(position: usize, message: impl Into<String>) -> QueryError {
        QueryError {
            position,
            message: message.into(),
        }
    }
}

impl Query {
    /// Parses a query that names no list.
    pub fn parse(source: &str) -> Result<Query, QueryError> {
        Query::parse_with(source, &Lists::new())
    }

    /// Parses a query whose `@name`s are looked up in `lists`.
    pub fn parse_with(source: &str, lists: &Lists) -> Result<Query, QueryError> {
        let tokens = lex(source)?;
        if tokens.is_empty() {
            return Err(QueryError::new(1, "empty query"));
        }
        let mut parser = Parser {
            tokens,
            next: 0,
            terms: Vec::new(),
            scopes: Vec::new(),
            lists,
            used: Vec::new(),
            depth: 0,
        };
        let top = Context {
            negated: false,
            title_only: false,
        };
        let root = parser.and(top)?;
        if let Some(token) = parser.peek() {
            // `and` stops only at the end or at a `)`.
            return Err(QueryError::new(
                token.position,
                "unbalanced parenthesis: ')' without '('",
            ));
        }
        if root.matches_nothing {
            // The tree holds for an item containing none of the terms and in none of the
            // scopes. Because a hit on a positive term can only help and a hit on an
            // excluded one only hurt, refusing these queries means an item can match only
            // if a positive term hits or a scope holds: the matcher relies on that to look
            // only at queries whose terms were seen (or that have a scope).
            let (position, message) = if parser.terms.iter().all(|t| !t.positive) {
                (
                    1,
                    "a query needs at least one term or scope that is not excluded",
                )
            } else if let Some(position) = root.loose_exclusion {
                (position, LOOSE_EXCLUSION)
            } else {
                (
                    1,
                    "this query would match items containing none of its terms",
                )
            };
            return Err(QueryError::new(position, message));
        }
        let used = parser.used;
        let newer_syntax = !parser.scopes.is_empty()
            || !used.is_empty()
            || parser.terms.iter().any(|t| t.prefix)
            || parser.tokens.iter().any(|t| match &t.kind {
                Kind::Near(_) | Kind::Not => true,
                Kind::Title(width) => *width != "title:".len(),
                _ => false,
            });
        Ok(Query {
            newer_syntax,
            source: source.to_string(),
            terms: parser.terms,
            scopes: parser.scopes,
            root: root.node,
            lists: used
                .into_iter()
                .map(|name| {
                    let items = lists[&name].clone();
                    (name, items)
                })
                .collect(),
        })
    }

    pub fn source(&self) -> &str {
        &self.source
    }

    /// The lists the query names, with their terms as they were when it was parsed.
    pub fn lists(&self) -> &[(String, Vec<String>)] {
        &self.lists
    }

    /// Whether the query uses syntax that versions before wildcards, NEAR, scopes, `NOT`,
    /// `intitle:` and lists read as plain words: the same text now means something else.
    pub fn newer_syntax(&self) -> bool {
        self.newer_syntax
    }

    /// The `site:`, `feed:` and `tag:` scopes the query names.
    pub fn scopes(&self) -> &[Scope] {
        &self.scopes
    }
}

const LOOSE_EXCLUSION: &str =
    "an alternative of OR cannot be only exclusions: to exclude several, write -(a OR b)";

/// Whether `item` can be a term of a list: a word, a phrase (quotes optional) or a
/// wildcard, with letters or digits.
pub fn check_list_item(item: &str) -> Result<(), String> {
    list_term(item).map(|_| ())
}

/// A list item as (text, wildcard), or why it cannot be one.
fn list_term(item: &str) -> Result<(String, bool), String> {
    let trimmed = item.trim();
    let quoted = trimmed
        .strip_prefix(is_quote)
        .and_then(|t| t.strip_suffix(is_quote));
    let inner = quoted.unwrap_or(trimmed);
    if inner.contains(is_quote) {
        return Err(format!(
            "`{item}`: a list item is one word or phrase, without quotes inside"
        ));
    }
    // Unquoted, an item is words: an operator in it (`-parody`, `title:x`, `a OR b`) would
    // otherwise be quietly searched for as words.
    let operators = |tokens: Vec<Token>| tokens.iter().any(|t| !matches!(t.kind, Kind::Word(_)));
    if quoted.is_none() && lex(inner).map_or(true, operators) {
        return Err(format!(
            "`{item}`: a list item is a word, a phrase or a wildcard; operators go in the query"
        ));
    }
    let (text, prefix) = wildcard(inner).map_err(|e| format!("`{item}`: {e}"))?;
    let pattern = normalize(&text);
    if pattern.is_empty() {
        return Err(format!("`{item}` has no letters or digits"));
    }
    if prefix && letters_and_digits(&pattern) < WILDCARD_MIN {
        return Err(format!("`{item}`: {}", short_wildcard()));
    }
    Ok((text, prefix))
}

/// A word or phrase as written, without a final `*`, and whether it had one; an error if
/// `*` appears anywhere else.
fn wildcard(text: &str) -> Result<(String, bool), String> {
    let (stem, prefix) = match text.strip_suffix('*') {
        Some(stem) => (stem, true),
        None => (text, false),
    };
    if stem.contains('*') {
        return Err("`*` can only end a word (and, in a phrase, its last word)".into());
    }
    if prefix && !stem.ends_with(char::is_alphanumeric) {
        return Err("`*` must follow a letter or digit, as in missil*".into());
    }
    Ok((stem.to_string(), prefix))
}

/// Letters and digits of the last word of a folded wildcard: what its `*` extends.
fn letters_and_digits(pattern: &str) -> usize {
    let last = pattern.rsplit([' ', '\'']).next().unwrap_or(pattern);
    last.chars().filter(|c| c.is_alphanumeric()).count()
}

fn short_wildcard() -> String {
    format!("a wildcard needs at least {WILDCARD_MIN} letters or digits before `*`")
}

/// What the enclosing operators say about the terms being parsed.
#[derive(Debug, Clone, Copy)]
struct Context {
    negated: bool,
    title_only: bool,
}

/// A parsed subtree and whether it holds for an item in which no term hits.
struct Parsed {
    node: Node,
    matches_nothing: bool,
    /// Position of an alternative of OR that is only exclusions, in an OR not written as
    /// a group of its own: `Turkey -parody OR satire` reads as Turkey AND (NOT parody OR
    /// satire), never what was meant; `Erdogan (Putin OR -Biden)` is written on purpose.
    loose_exclusion: Option<usize>,
}

impl Parsed {
    /// The terms of a subtree that can be a side of NEAR: a term, or an OR of them.
    fn near_operand(&self) -> Option<Vec<usize>> {
        fn collect(node: &Node, out: &mut Vec<usize>) -> bool {
            match node {
                Node::Term(t) => {
                    out.push(*t);
                    true
                }
                Node::Or(nodes) => nodes.iter().all(|n| collect(n, out)),
                _ => false,
            }
        }
        let mut terms = Vec::new();
        collect(&self.node, &mut terms).then_some(terms)
    }
}

struct Parser<'a> {
    tokens: Vec<Token>,
    next: usize,
    terms: Vec<Term>,
    scopes: Vec<Scope>,
    lists: &'a Lists,
    /// Names of the lists used, in order of first use.
    used: Vec<String>,
    depth: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.next)
    }

    fn take(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.next).cloned();
        self.next += 1;
        token
    }

    /// The next token if it is written right after `position` + `width` characters.
    fn adjacent(&self, position: usize, width: usize) -> Option<&Kind> {
        self.peek()
            .filter(|t| t.position == position + width)
            .map(|t| &t.kind)
    }

    fn and(&mut self, context: Context) -> Result<Parsed, QueryError> {
        let mut items: Vec<Parsed> = Vec::new();
        while let Some(token) = self.peek() {
            let position = token.position;
            match token.kind {
                Kind::Close => break,
                Kind::And => {
                    if items.is_empty() {
                        return Err(QueryError::new(position, "AND with nothing before it"));
                    }
                    self.next += 1;
                    if !self.peek().is_some_and(|t| starts_operand(&t.kind)) {
                        return Err(QueryError::new(position, "AND with nothing after it"));
                    }
                }
                Kind::Or => {
                    // A leading OR: `or` consumes every OR that follows an operand.
                    return Err(QueryError::new(position, "OR with nothing before it"));
                }
                Kind::Near(_) => {
                    return Err(QueryError::new(position, "NEAR with nothing before it"));
                }
                _ => items.push(self.or(context)?),
            }
        }
        if items.len() > 1
            && let Some(position) = items.iter().find_map(|p| p.loose_exclusion)
        {
            return Err(QueryError::new(position, LOOSE_EXCLUSION));
        }
        Ok(combine(items, Node::And, |p| {
            p.iter().all(|p| p.matches_nothing)
        }))
    }

    fn or(&mut self, context: Context) -> Result<Parsed, QueryError> {
        let mut alternatives: Vec<(usize, Parsed)> = Vec::new();
        let mut position = self.peek().map_or(1, |t| t.position);
        loop {
            alternatives.push((position, self.near(context)?));
            let Some(or) = self.peek().filter(|t| t.kind == Kind::Or) else {
                break;
            };
            let or_position = or.position;
            self.next += 1;
            position = match self.peek() {
                Some(t) if starts_operand(&t.kind) => t.position,
                _ => return Err(QueryError::new(or_position, "OR with nothing after it")),
            };
        }
        let loose = alternatives
            .iter()
            .find(|(_, a)| a.matches_nothing)
            .filter(|_| alternatives.len() > 1)
            .map(|(position, _)| *position);
        let alternatives = alternatives.into_iter().map(|(_, a)| a).collect();
        let mut parsed = combine(alternatives, Node::Or, |p| {
            p.iter().any(|p| p.matches_nothing)
        });
        parsed.loose_exclusion = parsed.loose_exclusion.or(loose);
        Ok(parsed)
    }

    fn near(&mut self, context: Context) -> Result<Parsed, QueryError> {
        let start = self.peek().map_or(1, |t| t.position);
        let left = self.unary(context)?;
        let Some(&Token {
            kind: Kind::Near(within),
            position,
        }) = self.peek()
        else {
            return Ok(left);
        };
        self.next += 1;
        const OPERANDS: &str = "each side of NEAR must be a word, a phrase, a wildcard or an OR of them in parentheses";
        let Some(left_terms) = left.near_operand() else {
            return Err(QueryError::new(start, OPERANDS));
        };
        let right_start = match self.peek() {
            Some(t) if starts_operand(&t.kind) => t.position,
            _ => return Err(QueryError::new(position, "NEAR with nothing after it")),
        };
        let right = self.unary(context)?;
        let Some(right_terms) = right.near_operand() else {
            return Err(QueryError::new(right_start, OPERANDS));
        };
        if let Some(next) = self.peek().filter(|t| matches!(t.kind, Kind::Near(_))) {
            return Err(QueryError::new(
                next.position,
                "NEAR joins two operands: for three, write (a NEAR/5 b) AND (b NEAR/5 c)",
            ));
        }
        let title = |terms: &[usize]| terms.iter().map(|&t| self.terms[t].title_only).collect();
        let mut fields: Vec<bool> = title(&left_terms);
        fields.extend(title(&right_terms).iter());
        if fields.iter().any(|&t| t != fields[0]) {
            return Err(QueryError::new(
                start,
                "both sides of NEAR must be in the title or neither: write title:(a NEAR/5 b)",
            ));
        }
        Ok(Parsed {
            node: Node::Near(Near {
                left: left_terms,
                right: right_terms,
                within,
            }),
            matches_nothing: false,
            loose_exclusion: None,
        })
    }

    fn unary(&mut self, context: Context) -> Result<Parsed, QueryError> {
        let Some(token) = self.peek() else {
            return Err(QueryError::new(
                self.end_position(),
                "unexpected end of query",
            ));
        };
        let position = token.position;
        match token.kind {
            Kind::Minus => {
                self.next += 1;
                if !self
                    .adjacent(position, 1)
                    .is_some_and(|k| starts_operand(k) && !matches!(k, Kind::Minus | Kind::Not))
                {
                    return Err(QueryError::new(
                        position,
                        "stray '-': write it right before the word, phrase or group to exclude",
                    ));
                }
            }
            Kind::Not => {
                self.next += 1;
                if !self.peek().is_some_and(|t| {
                    starts_operand(&t.kind) && !matches!(t.kind, Kind::Minus | Kind::Not)
                }) {
                    return Err(QueryError::new(
                        position,
                        "NOT needs a word, phrase or group after it",
                    ));
                }
            }
            _ => return self.primary(context),
        }
        let inner = self.primary(Context {
            negated: !context.negated,
            ..context
        })?;
        Ok(Parsed {
            matches_nothing: !inner.matches_nothing,
            loose_exclusion: None,
            node: Node::Not(Box::new(inner.node)),
        })
    }

    fn primary(&mut self, context: Context) -> Result<Parsed, QueryError> {
        let Some(token) = self.take() else {
            return Err(QueryError::new(
                self.end_position(),
                "unexpected end of query",
            ));
        };
        let position = token.position;
        match token.kind {
            Kind::Word(text) => self.written_term(&text, position, context, "word"),
            Kind::Phrase(text) => self.written_term(&text, position, context, "phrase"),
            Kind::List(name) => self.list(name, position, context),
            Kind::Open => {
                if self.depth >= MAX_DEPTH {
                    return Err(QueryError::new(position, "too many nested parentheses"));
                }
                self.depth += 1;
                let inner = self.and(context)?;
                self.depth -= 1;
                match self.take() {
                    Some(Token {
                        kind: Kind::Close, ..
                    }) => {}
                    _ => {
                        return Err(QueryError::new(
                            position,
                            "unbalanced parenthesis: '(' never closed",
                        ));
                    }
                }
                if matches!(&inner.node, Node::And(items) if items.is_empty()) {
                    return Err(QueryError::new(position, "empty parentheses"));
                }
                // An OR in parentheses of its own says what it means.
                Ok(Parsed {
                    loose_exclusion: None,
                    ..inner
                })
            }
            Kind::Title(width) => {
                if !self.adjacent(position, width).is_some_and(|k| {
                    matches!(
                        k,
                        Kind::Word(_) | Kind::Phrase(_) | Kind::Open | Kind::List(_)
                    )
                }) {
                    return Err(QueryError::new(
                        position,
                        "title: needs a word, phrase or group right after it",
                    ));
                }
                self.primary(Context {
                    title_only: true,
                    ..context
                })
            }
            Kind::Site(value) => {
                let scope = site(&value).map_err(|e| QueryError::new(position, e))?;
                self.scope(scope, position, context)
            }
            Kind::Feed(name) => self.scope(Scope::Feed(name), position, context),
            Kind::Tag(tag) => self.scope(Scope::Tag(tag), position, context),
            Kind::Close => Err(QueryError::new(
                position,
                "unbalanced parenthesis: ')' without '('",
            )),
            Kind::Or => Err(QueryError::new(position, "OR with nothing before it")),
            Kind::And => Err(QueryError::new(position, "AND with nothing before it")),
            Kind::Near(_) => Err(QueryError::new(position, "NEAR with nothing before it")),
            Kind::Minus => Err(QueryError::new(position, "stray '-'")),
            Kind::Not => Err(QueryError::new(
                position,
                "NOT needs a word, phrase or group after it",
            )),
        }
    }

    /// A word or phrase of the query itself.
    fn written_term(
        &mut self,
        written: &str,
        position: usize,
        context: Context,
        what: &str,
    ) -> Result<Parsed, QueryError> {
        let (text, prefix) = wildcard(written).map_err(|e| QueryError::new(position, e))?;
        let pattern = normalize(&text);
        if pattern.is_empty() {
            return Err(QueryError::new(
                position,
                format!("{what} has no letters or digits"),
            ));
        }
        if prefix && letters_and_digits(&pattern) < WILDCARD_MIN {
            return Err(QueryError::new(
                position,
                format!("{}; `{written}` has fewer", short_wildcard()),
            ));
        }
        Ok(self.term(text, pattern, prefix, context, None))
    }

    fn term(
        &mut self,
        text: String,
        pattern: String,
        prefix: bool,
        context: Context,
        list: Option<&str>,
    ) -> Parsed {
        self.terms.push(Term {
            text,
            pattern,
            prefix,
            title_only: context.title_only,
            positive: !context.negated,
            list: list.map(str::to_string),
        });
        Parsed {
            node: Node::Term(self.terms.len() - 1),
            matches_nothing: false,
            loose_exclusion: None,
        }
    }

    /// `@name`: the OR of the list's terms.
    fn list(
        &mut self,
        name: String,
        position: usize,
        context: Context,
    ) -> Result<Parsed, QueryError> {
        let Some(items) = self.lists.get(&name) else {
            let known: Vec<String> = self.lists.keys().map(|k| format!("@{k}")).collect();
            let known = if known.is_empty() {
                "no list is defined ([lists] in the configuration)".to_string()
            } else {
                format!("the lists are {}", known.join(", "))
            };
            return Err(QueryError::new(
                position,
                format!("no list is named `{name}`: {known}"),
            ));
        };
        if items.is_empty() {
            return Err(QueryError::new(
                position,
                format!("the list `{name}` is empty"),
            ));
        }
        let mut alternatives = Vec::with_capacity(items.len());
        for item in items {
            let (text, prefix) = list_term(item)
                .map_err(|e| QueryError::new(position, format!("in list `{name}`: {e}")))?;
            let pattern = normalize(&text);
            alternatives.push(self.term(text, pattern, prefix, context, Some(&name)));
        }
        if !self.used.contains(&name) {
            self.used.push(name);
        }
        Ok(combine(alternatives, Node::Or, |_| false))
    }

    fn scope(
        &mut self,
        scope: Scope,
        position: usize,
        context: Context,
    ) -> Result<Parsed, QueryError> {
        if context.title_only {
            return Err(QueryError::new(
                position,
                "title: applies to words and phrases, not to site:, feed: or tag:",
            ));
        }
        self.scopes.push(scope);
        Ok(Parsed {
            node: Node::Scope(self.scopes.len() - 1),
            matches_nothing: false,
            loose_exclusion: None,
        })
    }

    fn end_position(&self) -> usize {
        self.tokens.last().map_or(1, |t| t.position + 1)
    }
}

/// `site:`'s value as a host (in its ASCII form, as links carry it) and a path.
fn site(value: &str) -> Result<Scope, String> {
    // The host is lowercased by the URL parser; a path keeps its case, as servers do.
    let bare = ["https://", "http://"]
        .iter()
        .find_map(|scheme| {
            value
                .get(..scheme.len())
                .filter(|s| s.eq_ignore_ascii_case(scheme))
                .map(|_| &value[scheme.len()..])
        })
        .unwrap_or(value);
    let bare = bare.strip_prefix("*.").unwrap_or(bare);
    let invalid = || format!("`{value}` is not a site: write a host, as in site:reuters.com");
    let authority = bare.split('/').next().unwrap_or(bare);
    let unbracketed = authority.rsplit(']').next().unwrap_or(authority);
    // A user name or a port is no part of where an item was published.
    if bare.is_empty()
        || bare.starts_with(['/', '.', ':'])
        || authority.contains('@')
        || unbracketed.contains(':')
    {
        return Err(invalid());
    }
    let url = url::Url::parse(&format!("http://{bare}")).map_err(|_| invalid())?;
    let host = url
        .host_str()
        .filter(|h| !h.is_empty())
        .ok_or_else(invalid)?
        .trim_end_matches('.')
        .to_string();
    // The URL parser lets through hosts no link has (`around(2)`); a name, in its ASCII
    // form, or an IP address will do.
    let plain = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '.');
    let address = host.starts_with('[') && host.ends_with(']');
    if host.is_empty() || !(address || host.chars().all(plain)) {
        return Err(invalid());
    }
    if url.query().is_some() || url.fragment().is_some() || url.port().is_some() {
        return Err(invalid());
    }
    let path = url.path().trim_end_matches('/').to_string();
    Ok(Scope::Site { host, path })
}

/// Whether a token can begin an operand of AND / OR.
fn starts_operand(kind: &Kind) -> bool {
    matches!(
        kind,
        Kind::Word(_)
            | Kind::Phrase(_)
            | Kind::Open
            | Kind::Minus
            | Kind::Not
            | Kind::Title(_)
            | Kind::List(_)
            | Kind::Site(_)
            | Kind::Feed(_)
            | Kind::Tag(_)
    )
}

/// One node for a list of operands; a single operand is kept as is.
fn combine(
    mut items: Vec<Parsed>,
    node: fn(Vec<Node>) -> Node,
    matches_nothing: fn(&[Parsed]) -> bool,
) -> Parsed {
    if items.len() == 1 {
        return items.remove(0);
    }
    let holds = matches_nothing(&items);
    Parsed {
        node: node(items.into_iter().map(|p| p.node).collect()),
        matches_nothing: holds,
        loose_exclusion: None,
    }
}
