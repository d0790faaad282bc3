//! The query language: a lexer and a recursive-descent parser from watchlist text to a
//! boolean tree over terms. Everything a user can get wrong is caught here, with the
//! character column to point at, so that a watchlist that loads always compiles.
//!
//! Grammar (OR binds tighter than AND, as in web search engines):
//!
//! ```text
//! query   = and EOF
//! and     = or { [ "AND" ] or }
//! or      = unary { "OR" unary }
//! unary   = "-" primary | primary              ("-" written right before it)
//! primary = WORD | PHRASE | "(" and ")" | "title:" primary   (no space after "title:")
//! ```

use super::normalize::normalize;

/// Parentheses deeper than this are refused, so that parsing and evaluation (both
/// recursive) cannot run out of stack on a hostile query.
const MAX_DEPTH: usize = 64;

/// A parsed watchlist query.
#[derive(Debug, Clone)]
pub struct Query {
    source: String,
    pub(crate) terms: Vec<Term>,
    pub(crate) root: Node,
}

/// One word or phrase of a query, in the order written.
#[derive(Debug, Clone)]
pub(crate) struct Term {
    /// As written: a phrase without its quotes, without `title:`.
    pub(crate) text: String,
    /// `text` normalised: what the automaton looks for.
    pub(crate) pattern: String,
    pub(crate) title_only: bool,
    /// False for a term under an odd number of `-`: its hit makes the query less likely
    /// to match, never more.
    pub(crate) positive: bool,
}

/// The boolean tree; `Term` indexes `Query::terms`.
#[derive(Debug, Clone)]
pub(crate) enum Node {
    Term(usize),
    And(Vec<Node>),
    Or(Vec<Node>),
    Not(Box<Node>),
}

impl Node {
    /// Whether the tree holds when `hit[i]` says whether term `i` was found.
    pub(crate) fn eval(&self, hit: &[bool]) -> bool {
        match self {
            Node::Term(i) => hit.get(*i).copied().unwrap_or(false),
            Node::And(nodes) => nodes.iter().all(|n| n.eval(hit)),
            Node::Or(nodes) => nodes.iter().any(|n| n.eval(hit)),
            Node::Not(node) => !node.eval(hit),
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
    fn new(position: usize, message: impl Into<String>) -> QueryError {
        QueryError {
            position,
            message: message.into(),
        }
    }
}

impl Query {
    pub fn parse(source: &str) -> Result<Query, QueryError> {
        let tokens = lex(source)?;
        if tokens.is_empty() {
            return Err(QueryError::new(1, "empty query"));
        }
        let mut parser = Parser {
            tokens,
            next: 0,
            terms: Vec::new(),
            or_without_term: None,
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
            // The tree holds for an item containing none of the terms. Because a hit on a
            // positive term can only help and a hit on an excluded one only hurt, refusing
            // these queries means an item can match only if a positive term hits: the
            // matcher relies on that to look only at queries whose terms were seen.
            let (position, message) = if parser.terms.iter().all(|t| !t.positive) {
                (1, "a query needs at least one term that is not excluded")
            } else if let Some(position) = parser.or_without_term {
                (position, "an alternative of OR cannot be only exclusions")
            } else {
                (
                    1,
                    "this query would match items containing none of its terms",
                )
            };
            return Err(QueryError::new(position, message));
        }
        Ok(Query {
            source: source.to_string(),
            terms: parser.terms,
            root: root.node,
        })
    }

    pub fn source(&self) -> &str {
        &self.source
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Kind {
    Word(String),
    Phrase(String),
    Or,
    And,
    Minus,
    Open,
    Close,
    /// `title:`
    Title,
}

#[derive(Debug, Clone)]
struct Token {
    kind: Kind,
    /// 1-based character column of the token's first character.
    position: usize,
}

fn is_quote(c: char) -> bool {
    // People paste phrases from word processors: curly quotes delimit them too.
    matches!(c, '"' | '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}')
}

fn ends_bare_word(c: char) -> bool {
    c.is_whitespace() || c == '(' || c == ')' || is_quote(c)
}

const TITLE_PREFIX: &str = "title:";

fn lex(source: &str) -> Result<Vec<Token>, QueryError> {
    let chars: Vec<char> = source.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let position = i + 1;
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let kind = if c == '(' {
            i += 1;
            Kind::Open
        } else if c == ')' {
            i += 1;
            Kind::Close
        } else if c == '-' {
            i += 1;
            Kind::Minus
        } else if is_quote(c) {
            let Some(len) = chars[i + 1..].iter().position(|&c| is_quote(c)) else {
                return Err(QueryError::new(position, "unterminated quote"));
            };
            let phrase: String = chars[i + 1..i + 1 + len].iter().collect();
            if phrase.trim().is_empty() {
                return Err(QueryError::new(position, "empty phrase"));
            }
            i += len + 2;
            Kind::Phrase(phrase)
        } else if starts_with_title(&chars[i..]) {
            i += TITLE_PREFIX.len();
            Kind::Title
        } else {
            let len = chars[i..]
                .iter()
                .position(|&c| ends_bare_word(c))
                .unwrap_or(chars.len() - i);
            let word: String = chars[i..i + len].iter().collect();
            i += len;
            match word.as_str() {
                // Only uppercase: "or" and "and" are ordinary words people search for.
                "OR" => Kind::Or,
                "AND" => Kind::And,
                _ => Kind::Word(word),
            }
        };
        tokens.push(Token { kind, position });
    }
    Ok(tokens)
}

fn starts_with_title(chars: &[char]) -> bool {
    chars.len() >= TITLE_PREFIX.len()
        && chars
            .iter()
            .zip(TITLE_PREFIX.chars())
            .all(|(a, b)| a.to_ascii_lowercase() == b)
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
}

struct Parser {
    tokens: Vec<Token>,
    next: usize,
    terms: Vec<Term>,
    /// Position of the first OR alternative that holds with no term hit, to explain why
    /// a query is refused.
    or_without_term: Option<usize>,
    depth: usize,
}

impl Parser {
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
                _ => items.push(self.or(context)?),
            }
        }
        Ok(combine(items, Node::And, |p| {
            p.iter().all(|p| p.matches_nothing)
        }))
    }

    fn or(&mut self, context: Context) -> Result<Parsed, QueryError> {
        let mut alternatives: Vec<(usize, Parsed)> = Vec::new();
        let mut position = self.peek().map_or(1, |t| t.position);
        loop {
            alternatives.push((position, self.unary(context)?));
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
        if alternatives.len() > 1 && self.or_without_term.is_none() {
            self.or_without_term = alternatives
                .iter()
                .find(|(_, a)| a.matches_nothing)
                .map(|(position, _)| *position);
        }
        let alternatives = alternatives.into_iter().map(|(_, a)| a).collect();
        Ok(combine(alternatives, Node::Or, |p| {
            p.iter().any(|p| p.matches_nothing)
        }))
    }

    fn unary(&mut self, context: Context) -> Result<Parsed, QueryError> {
        let Some(token) = self.peek() else {
            return Err(QueryError::new(
                self.end_position(),
                "unexpected end of query",
            ));
        };
        if token.kind != Kind::Minus {
            return self.primary(context);
        }
        let position = token.position;
        self.next += 1;
        if !self.adjacent(position, 1).is_some_and(|k| {
            matches!(
                k,
                Kind::Word(_) | Kind::Phrase(_) | Kind::Open | Kind::Title
            )
        }) {
            return Err(QueryError::new(
                position,
                "stray '-': write it right before the word, phrase or group to exclude",
            ));
        }
        let inner = self.primary(Context {
            negated: !context.negated,
            ..context
        })?;
        Ok(Parsed {
            matches_nothing: !inner.matches_nothing,
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
            Kind::Word(text) => self.term(text, position, context, "word"),
            Kind::Phrase(text) => self.term(text, position, context, "phrase"),
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
                Ok(inner)
            }
            Kind::Title => {
                if !self
                    .adjacent(position, TITLE_PREFIX.len())
                    .is_some_and(|k| matches!(k, Kind::Word(_) | Kind::Phrase(_) | Kind::Open))
                {
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
            Kind::Close => Err(QueryError::new(
                position,
                "unbalanced parenthesis: ')' without '('",
            )),
            Kind::Or => Err(QueryError::new(position, "OR with nothing before it")),
            Kind::And => Err(QueryError::new(position, "AND with nothing before it")),
            Kind::Minus => Err(QueryError::new(position, "stray '-'")),
        }
    }

    fn term(
        &mut self,
        text: String,
        position: usize,
        context: Context,
        what: &str,
    ) -> Result<Parsed, QueryError> {
        let pattern = normalize(&text);
        if pattern.is_empty() {
            return Err(QueryError::new(
                position,
                format!("{what} has no letters or digits"),
            ));
        }
        self.terms.push(Term {
            text,
            pattern,
            title_only: context.title_only,
            positive: !context.negated,
        });
        Ok(Parsed {
            node: Node::Term(self.terms.len() - 1),
            matches_nothing: false,
        })
    }

    fn end_position(&self) -> usize {
        self.tokens.last().map_or(1, |t| t.position + 1)
    }
}

/// Whether a token can begin an operand of AND / OR.
fn starts_operand(kind: &Kind) -> bool {
    matches!(
        kind,
        Kind::Word(_) | Kind::Phrase(_) | Kind::Open | Kind::Minus | Kind::Title
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
    }
}
