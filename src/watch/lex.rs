//! The query lexer: watchlist text to tokens, each with the character column it starts
//! at. Operators are recognised here, so that every word of letters followed by `:` is
//! either a known operator or an error, never silently a word: a query copied from a
//! search engine (`inurl:nato`) must not quietly match nothing.

use super::query::QueryError;

/// Operators written as `name:` before what they apply to, for error messages.
pub(crate) const OPERATORS: &str = "title:, intitle:, site:, feed:, tag:";

/// Proximity distances allowed, in words.
pub(crate) const NEAR_MAX: u32 = 50;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Kind {
    Word(String),
    Phrase(String),
    Or,
    And,
    Minus,
    /// `NOT`, as media-monitoring tools write `-`.
    Not,
    Open,
    Close,
    /// `title:` or `intitle:`, with the width written (for the adjacency check).
    Title(usize),
    /// `NEAR/n` or `AROUND(n)`.
    Near(u32),
    Site(String),
    Feed(String),
    Tag(String),
    /// `@name`
    List(String),
}

#[derive(Debug, Clone)]
pub(crate) struct Token {
    pub(crate) kind: Kind,
    /// 1-based character column of the token's first character.
    pub(crate) position: usize,
}

pub(crate) fn is_quote(c: char) -> bool {
    // People paste phrases from word processors: curly quotes delimit them too.
    matches!(c, '"' | '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}')
}

fn ends_bare_word(c: char) -> bool {
    c.is_whitespace() || c == '(' || c == ')' || is_quote(c)
}

pub(crate) fn lex(source: &str) -> Result<Vec<Token>, QueryError> {
    let chars: Vec<char> = source.chars().collect();
    let mut lexer = Lexer { chars, at: 0 };
    let mut tokens = Vec::new();
    while let Some(token) = lexer.token()? {
        tokens.push(token);
    }
    Ok(tokens)
}

struct Lexer {
    chars: Vec<char>,
    at: usize,
}

impl Lexer {
    fn token(&mut self) -> Result<Option<Token>, QueryError> {
        while self.chars.get(self.at).is_some_and(|c| c.is_whitespace()) {
            self.at += 1;
        }
        let Some(&c) = self.chars.get(self.at) else {
            return Ok(None);
        };
        let position = self.at + 1;
        let kind = match c {
            '(' => {
                self.at += 1;
                Kind::Open
            }
            ')' => {
                self.at += 1;
                Kind::Close
            }
            '-' => {
                self.at += 1;
                Kind::Minus
            }
            c if is_quote(c) => Kind::Phrase(self.quoted(position)?),
            '@' => {
                self.at += 1;
                let name = self.bare();
                if name.is_empty() {
                    return Err(QueryError::new(
                        position,
                        "'@' needs a list name right after it, as in @turkey",
                    ));
                }
                Kind::List(name)
            }
            _ => self.word(position)?,
        };
        Ok(Some(Token { kind, position }))
    }

    /// The bare word from here: up to whitespace, a parenthesis or a quote.
    fn bare(&mut self) -> String {
        let len = self.chars[self.at..]
            .iter()
            .position(|&c| ends_bare_word(c))
            .unwrap_or(self.chars.len() - self.at);
        let word = self.chars[self.at..self.at + len].iter().collect();
        self.at += len;
        word
    }

    /// The text between the quote here and the next one.
    fn quoted(&mut self, position: usize) -> Result<String, QueryError> {
        let rest = &self.chars[self.at + 1..];
        let Some(len) = rest.iter().position(|&c| is_quote(c)) else {
            return Err(QueryError::new(position, "unterminated quote"));
        };
        let phrase: String = rest[..len].iter().collect();
        if phrase.trim().is_empty() {
            return Err(QueryError::new(position, "empty phrase"));
        }
        self.at += len + 2;
        Ok(phrase)
    }

    /// A bare word, an operator word (`OR`, `NEAR/5`, `AROUND(3)`) or an operator
    /// (`site:…`).
    fn word(&mut self, position: usize) -> Result<Kind, QueryError> {
        let start = self.at;
        let word = self.bare();
        if let Some((name, _)) = word.split_once(':')
            && !name.is_empty()
            && name.chars().all(char::is_alphabetic)
        {
            self.at = start + name.chars().count() + 1;
            return self.operator(&name.to_lowercase(), position);
        }
        Ok(match word.as_str() {
            // Only uppercase: "or", "and" and "not" are ordinary words people search for.
            "OR" => Kind::Or,
            "AND" => Kind::And,
            "NOT" => Kind::Not,
            "NEAR" => {
                return Err(QueryError::new(
                    position,
                    "NEAR needs a distance in words, as in NEAR/5",
                ));
            }
            "AROUND" if self.chars.get(self.at) != Some(&'(') => {
                return Err(QueryError::new(
                    position,
                    "AROUND needs a distance in words, as in AROUND(3)",
                ));
            }
            _ if word.eq_ignore_ascii_case("around") && self.chars.get(self.at) == Some(&'(') => {
                let close = self.chars[self.at..].iter().position(|&c| c == ')');
                let Some(close) = close else {
                    return Err(QueryError::new(position, "AROUND( is never closed"));
                };
                let inside: String = self.chars[self.at + 1..self.at + close].iter().collect();
                self.at += close + 1;
                Kind::Near(distance(&inside, position, "AROUND(3)")?)
            }
            _ if word
                .get(..5)
                .is_some_and(|w| w.eq_ignore_ascii_case("near/")) =>
            {
                Kind::Near(distance(&word[5..], position, "NEAR/5")?)
            }
            _ => Kind::Word(word),
        })
    }

    /// After `name:`: the operator and, for those that take one, its value (bare, or
    /// quoted for a feed name with spaces).
    fn operator(&mut self, name: &str, position: usize) -> Result<Kind, QueryError> {
        let value = |lexer: &mut Lexer| -> Result<String, QueryError> {
            let value = match lexer.chars.get(lexer.at) {
                Some(&c) if is_quote(c) => lexer.quoted(lexer.at + 1)?,
                _ => lexer.bare(),
            };
            if value.trim().is_empty() {
                return Err(QueryError::new(
                    position,
                    format!("{name}: needs a value right after it"),
                ));
            }
            Ok(value.trim().to_string())
        };
        Ok(match name {
            "title" | "intitle" => Kind::Title(name.len() + 1),
            "site" => Kind::Site(value(self)?),
            "feed" => Kind::Feed(value(self)?),
            "tag" => Kind::Tag(value(self)?),
            _ => {
                return Err(QueryError::new(
                    position,
                    format!(
                        "unknown operator `{name}:`; the known ones are {OPERATORS} \
                         (to search for the word, put it in quotes)"
                    ),
                ));
            }
        })
    }
}

fn distance(text: &str, position: usize, example: &str) -> Result<u32, QueryError> {
    match text.trim().parse::<u32>() {
        Ok(n) if (1..=NEAR_MAX).contains(&n) => Ok(n),
        Ok(n) => Err(QueryError::new(
            position,
            format!("a distance of {n} words: it must be 1 to {NEAR_MAX}"),
        )),
        Err(_) => Err(QueryError::new(
            position,
            format!("`{text}` is not a distance in words, as in {example}"),
        )),
    }
}
