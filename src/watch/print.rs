//! Queries written back out: [`Query`]'s `Display` is the query as the parser read it, in
//! one canonical spelling (every group in parentheses, lists spelled out, `title:` on each
//! term), which parses back to the same tree; [`Query::explain`] draws the tree for
//! `test-query --explain`, so that a user sees how a query was read, not how it was meant.

use std::fmt::{self, Write as _};

use super::lex::is_quote;
use super::query::{Near, Node, Query, Scope, Term};

impl fmt::Display for Query {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write_node(f, &self.root)
    }
}

impl Query {
    fn write_node(&self, f: &mut impl fmt::Write, node: &Node) -> fmt::Result {
        match node {
            Node::Term(t) => write_term(f, &self.terms[*t]),
            Node::Scope(s) => write_scope(f, &self.scopes[*s]),
            Node::Near(near) => self.write_near(f, near),
            Node::And(nodes) | Node::Or(nodes) => {
                let join = if matches!(node, Node::And(_)) {
                    " "
                } else {
                    " OR "
                };
                for (i, child) in nodes.iter().enumerate() {
                    if i > 0 {
                        f.write_str(join)?;
                    }
                    self.write_operand(f, child)?;
                }
                Ok(())
            }
            Node::Not(inner) => {
                f.write_char('-')?;
                if let Node::Not(_) = **inner {
                    // `--a` reads as a stray `-`.
                    f.write_char('(')?;
                    self.write_node(f, inner)?;
                    return f.write_char(')');
                }
                self.write_operand(f, inner)
            }
        }
    }

    /// A node inside another: groups in parentheses, so nothing depends on precedence.
    fn write_operand(&self, f: &mut impl fmt::Write, node: &Node) -> fmt::Result {
        if matches!(node, Node::And(_) | Node::Or(_) | Node::Near(_)) {
            f.write_char('(')?;
            self.write_node(f, node)?;
            f.write_char(')')
        } else {
            self.write_node(f, node)
        }
    }

    fn write_near(&self, f: &mut impl fmt::Write, near: &Near) -> fmt::Result {
        self.write_terms(f, &near.left)?;
        write!(f, " NEAR/{} ", near.within)?;
        self.write_terms(f, &near.right)
    }

    fn write_terms(&self, f: &mut impl fmt::Write, terms: &[usize]) -> fmt::Result {
        if let [t] = terms {
            return write_term(f, &self.terms[*t]);
        }
        f.write_char('(')?;
        for (i, t) in terms.iter().enumerate() {
            if i > 0 {
                f.write_str(" OR ")?;
            }
            write_term(f, &self.terms[*t])?;
        }
        f.write_char(')')
    }

    /// The tree as the parser read it, one node a line, with what each term looks for.
    pub fn explain(&self) -> String {
        let mut out = String::new();
        self.explain_node(&mut out, &self.root, "", "");
        out
    }

    fn explain_node(&self, out: &mut String, node: &Node, first: &str, rest: &str) {
        let children: Vec<Node>;
        let (label, children): (String, &[Node]) = match node {
            Node::Term(t) => (describe_term(&self.terms[*t]), &[]),
            Node::Scope(s) => (describe_scope(&self.scopes[*s]), &[]),
            Node::And(nodes) => ("AND: all of".to_string(), nodes),
            Node::Or(nodes) => ("OR: any of".to_string(), nodes),
            Node::Not(inner) => (
                "NOT: an item with this does not match".to_string(),
                std::slice::from_ref(inner.as_ref()),
            ),
            Node::Near(near) => {
                children = [&near.left, &near.right]
                    .iter()
                    .map(|side| match side.as_slice() {
                        [t] => Node::Term(*t),
                        terms => Node::Or(terms.iter().map(|&t| Node::Term(t)).collect()),
                    })
                    .collect();
                (
                    format!(
                        "NEAR/{}: both, at most {} words apart, either order, in one field",
                        near.within, near.within
                    ),
                    &children,
                )
            }
        };
        let _ = writeln!(out, "{first}{label}");
        for (i, child) in children.iter().enumerate() {
            let last = i + 1 == children.len();
            let (branch, indent) = if last {
                ("└─ ", "   ")
            } else {
                ("├─ ", "│  ")
            };
            self.explain_node(
                out,
                child,
                &format!("{rest}{branch}"),
                &format!("{rest}{indent}"),
            );
        }
    }
}

fn write_term(f: &mut impl fmt::Write, term: &Term) -> fmt::Result {
    if term.title_only {
        f.write_str("title:")?;
    }
    let star = if term.prefix { "*" } else { "" };
    if is_bare_word(&term.text) {
        write!(f, "{}{star}", term.text)
    } else {
        write!(f, "\"{}{star}\"", term.text)
    }
}

fn write_scope(f: &mut impl fmt::Write, scope: &Scope) -> fmt::Result {
    match scope {
        Scope::Site { host, path } => write_value(f, "site:", &format!("{host}{path}")),
        Scope::Feed(name) => write_value(f, "feed:", name),
        Scope::Tag(tag) => write_value(f, "tag:", tag),
    }
}

fn write_value(f: &mut impl fmt::Write, operator: &str, value: &str) -> fmt::Result {
    if is_bare_word(value) {
        write!(f, "{operator}{value}")
    } else {
        write!(f, "{operator}\"{value}\"")
    }
}

/// Whether `text` reads back as one word, and not as an operator or a group.
fn is_bare_word(text: &str) -> bool {
    !text.is_empty()
        && !text.starts_with(['-', '@'])
        && !text.contains(|c: char| {
            c.is_whitespace() || matches!(c, '(' | ')' | ':' | '*') || is_quote(c)
        })
        && !matches!(text, "OR" | "AND" | "NOT" | "NEAR" | "AROUND")
        && !text
            .get(..5)
            .is_some_and(|p| p.eq_ignore_ascii_case("near/"))
}

fn describe_term(term: &Term) -> String {
    let mut label = String::new();
    if term.title_only {
        label.push_str("in the title: ");
    }
    let _ = if term.prefix {
        write!(
            label,
            "wildcard {:?}: words starting with `{}`",
            format!("{}*", term.text),
            term.pattern
        )
    } else if term.text.split_whitespace().nth(1).is_some() {
        write!(label, "phrase {:?} → `{}`", term.text, term.pattern)
    } else {
        write!(label, "word {:?} → `{}`", term.text, term.pattern)
    };
    if let Some(list) = &term.list {
        let _ = write!(label, " (from @{list})");
    }
    label
}

fn describe_scope(scope: &Scope) -> String {
    match scope {
        Scope::Site { host, path } if path.is_empty() => {
            format!("site {host}: links on {host} or a subdomain of it")
        }
        Scope::Site { host, path } => {
            format!("site {host}{path}: links on {host} or a subdomain, under {path}")
        }
        Scope::Feed(name) => format!("feed {name:?}: items seen in that feed"),
        Scope::Tag(tag) => format!("tag {tag:?}: items seen in a feed with that tag"),
    }
}
