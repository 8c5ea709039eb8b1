//! OData `$filter`: a parser from text to an expression tree (errors with the offset they were
//! found at) and its evaluation against an entity. Comparisons (`eq`, `ne`, `gt`, `ge`, `lt`,
//! `le`), `and`, `or`, `not`, `in (…)`, `startswith`, `endswith`, `contains`, on string,
//! number, boolean, null and date-time values; parentheses nest to a bound.

use std::cmp::Ordering;

use serde_json::{Map, Value};

/// A filter expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Or(Box<Expr>, Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    Compare(Op, Operand, Operand),
    In(Operand, Vec<Literal>),
    /// A boolean operand standing alone: `isLocked`, `startswith(topic, 'a')`.
    Truth(Operand),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Operand {
    /// A property, or a path into complex values: `from/emailAddress/address`.
    Property(Vec<String>),
    Literal(Literal),
    Call(Function, Vec<Operand>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Function {
    StartsWith,
    EndsWith,
    Contains,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    String(String),
    Number(f64),
    Bool(bool),
    Null,
    /// `2020-01-01T00:00:00Z`, `2020-01-01`: written without quotes.
    DateTime(String),
}

/// A filter that cannot be read, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterError {
    pub message: String,
    pub at: usize,
}

/// How deep parentheses and `not` may nest.
const MAX_DEPTH: usize = 32;
/// How many clauses `and` and `or` may join.
const MAX_CLAUSES: usize = 256;

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Open,
    Close,
    Comma,
    Word(String),
    String(String),
    Number(f64),
    DateTime(String),
}

fn tokens(text: &str) -> Result<Vec<(Token, usize)>, FilterError> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let (at, c) = chars[i];
        match c {
            c if c.is_whitespace() => i += 1,
            '(' | ')' | ',' => {
                out.push((
                    match c {
                        '(' => Token::Open,
                        ')' => Token::Close,
                        _ => Token::Comma,
                    },
                    at,
                ));
                i += 1;
            }
            '\'' => {
                let (literal, next) = string_literal(&chars, i)?;
                out.push((Token::String(literal), at));
                i = next;
            }
            c if c.is_ascii_digit() || c == '-' => {
                let end = run(&chars, i, |c| {
                    c.is_ascii_alphanumeric() || ".:+-".contains(c)
                });
                let word: String = chars[i..end].iter().map(|(_, c)| c).collect();
                let token = match word.parse::<f64>() {
                    Ok(number)
                        if word
                            .chars()
                            .all(|c| c.is_ascii_digit() || ".-eE+".contains(c)) =>
                    {
                        Token::Number(number)
                    }
                    _ if word.len() >= 10 && word.as_bytes()[4] == b'-' => Token::DateTime(word),
                    _ => {
                        return Err(FilterError {
                            message: format!("`{word}` is not a number or a date"),
                            at,
                        });
                    }
                };
                out.push((token, at));
                i = end;
            }
            c if c.is_alphabetic() || c == '_' || c == '@' || c == '$' => {
                let end = run(&chars, i, |c| c.is_alphanumeric() || "_/.@$".contains(c));
                out.push((
                    Token::Word(chars[i..end].iter().map(|(_, c)| c).collect()),
                    at,
                ));
                i = end;
            }
            other => {
                return Err(FilterError {
                    message: format!("unexpected `{other}`"),
                    at,
                });
            }
        }
    }
    Ok(out)
}

fn run(chars: &[(usize, char)], from: usize, keep: impl Fn(char) -> bool) -> usize {
    let mut end = from + 1;
    while end < chars.len() && keep(chars[end].1) {
        end += 1;
    }
    end
}

/// `'it''s'` → `it's`, and the index after the closing quote.
fn string_literal(chars: &[(usize, char)], open: usize) -> Result<(String, usize), FilterError> {
    let mut literal = String::new();
    let mut i = open + 1;
    while i < chars.len() {
        match chars[i].1 {
            '\'' if chars.get(i + 1).is_some_and(|(_, c)| *c == '\'') => {
                literal.push('\'');
                i += 2;
            }
            '\'' => return Ok((literal, i + 1)),
            c => {
                literal.push(c);
                i += 1;
            }
        }
    }
    Err(FilterError {
        message: "a string is not closed".into(),
        at: chars[open].0,
    })
}

/// Parses a `$filter` value.
pub fn parse(text: &str) -> Result<Expr, FilterError> {
    let tokens = tokens(text)?;
    let mut parser = Parser {
        tokens,
        next: 0,
        end: text.len(),
        depth: 0,
        clauses: 0,
    };
    let expr = parser.or()?;
    match parser.tokens.get(parser.next) {
        None => Ok(expr),
        Some((token, at)) => Err(FilterError {
            message: format!("unexpected {}", describe(token)),
            at: *at,
        }),
    }
}

fn describe(token: &Token) -> String {
    match token {
        Token::Open => "`(`".into(),
        Token::Close => "`)`".into(),
        Token::Comma => "`,`".into(),
        Token::Word(word) => format!("`{word}`"),
        Token::String(s) => format!("'{s}'"),
        Token::Number(n) => format!("`{n}`"),
        Token::DateTime(d) => format!("`{d}`"),
    }
}

struct Parser {
    tokens: Vec<(Token, usize)>,
    next: usize,
    end: usize,
    depth: usize,
    clauses: usize,
}

impl Parser {
    fn peek_word(&self) -> Option<&str> {
        match self.tokens.get(self.next) {
            Some((Token::Word(word), _)) => Some(word.as_str()),
            _ => None,
        }
    }

    fn at(&self) -> usize {
        self.tokens.get(self.next).map_or(self.end, |(_, at)| *at)
    }

    fn error(&self, message: impl Into<String>) -> FilterError {
        FilterError {
            message: message.into(),
            at: self.at(),
        }
    }

    fn expect_token(&mut self, wanted: Token, what: &str) -> Result<(), FilterError> {
        match self.tokens.get(self.next) {
            Some((token, _)) if *token == wanted => {
                self.next += 1;
                Ok(())
            }
            _ => Err(self.error(format!("expected {what}"))),
        }
    }

    fn keyword(&mut self, word: &str) -> bool {
        let found = self
            .peek_word()
            .is_some_and(|w| w.eq_ignore_ascii_case(word));
        if found {
            self.next += 1;
        }
        found
    }

    fn nested<T>(
        &mut self,
        inner: impl FnOnce(&mut Self) -> Result<T, FilterError>,
    ) -> Result<T, FilterError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error(format!("the filter nests deeper than {MAX_DEPTH} levels")));
        }
        let result = inner(self);
        self.depth -= 1;
        result
    }

    fn or(&mut self) -> Result<Expr, FilterError> {
        let mut left = self.and()?;
        while self.keyword("or") {
            self.clause()?;
            left = Expr::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr, FilterError> {
        let mut left = self.unary()?;
        while self.keyword("and") {
            self.clause()?;
            left = Expr::And(Box::new(left), Box::new(self.unary()?));
        }
        Ok(left)
    }

    /// Counts a clause joined by `and` or `or`: their tree is evaluated recursively.
    fn clause(&mut self) -> Result<(), FilterError> {
        self.clauses += 1;
        if self.clauses > MAX_CLAUSES {
            return Err(self.error(format!("the filter joins more than {MAX_CLAUSES} clauses")));
        }
        Ok(())
    }

    fn unary(&mut self) -> Result<Expr, FilterError> {
        if self.keyword("not") {
            return self.nested(|p| Ok(Expr::Not(Box::new(p.unary()?))));
        }
        if matches!(self.tokens.get(self.next), Some((Token::Open, _))) {
            self.next += 1;
            let inner = self.nested(Self::or)?;
            self.expect_token(Token::Close, "`)`")?;
            return Ok(inner);
        }
        self.comparison()
    }

    fn comparison(&mut self) -> Result<Expr, FilterError> {
        let left = self.operand()?;
        let op = match self.peek_word().map(str::to_ascii_lowercase).as_deref() {
            Some("eq") => Op::Eq,
            Some("ne") => Op::Ne,
            Some("gt") => Op::Gt,
            Some("ge") => Op::Ge,
            Some("lt") => Op::Lt,
            Some("le") => Op::Le,
            Some("in") => {
                self.next += 1;
                return Ok(Expr::In(left, self.list()?));
            }
            Some(other @ ("has" | "add" | "sub" | "mul" | "div" | "mod")) => {
                return Err(self.error(format!("the operator `{other}` is not supported")));
            }
            _ => return Ok(Expr::Truth(left)),
        };
        self.next += 1;
        Ok(Expr::Compare(op, left, self.operand()?))
    }

    fn list(&mut self) -> Result<Vec<Literal>, FilterError> {
        self.expect_token(Token::Open, "`(` after `in`")?;
        let mut items = Vec::new();
        loop {
            match self.operand()? {
                Operand::Literal(literal) => items.push(literal),
                _ => return Err(self.error("`in` takes a list of values")),
            }
            if matches!(self.tokens.get(self.next), Some((Token::Comma, _))) {
                self.next += 1;
                continue;
            }
            self.expect_token(Token::Close, "`)` closing the list")?;
            return Ok(items);
        }
    }

    fn operand(&mut self) -> Result<Operand, FilterError> {
        let Some((token, _)) = self.tokens.get(self.next).cloned() else {
            return Err(self.error("expected a property or a value"));
        };
        self.next += 1;
        Ok(match token {
            Token::String(s) => Operand::Literal(Literal::String(s)),
            Token::Number(n) => Operand::Literal(Literal::Number(n)),
            Token::DateTime(d) => Operand::Literal(Literal::DateTime(d)),
            Token::Word(word) => match word.to_ascii_lowercase().as_str() {
                "true" => Operand::Literal(Literal::Bool(true)),
                "false" => Operand::Literal(Literal::Bool(false)),
                "null" => Operand::Literal(Literal::Null),
                _ if matches!(self.tokens.get(self.next), Some((Token::Open, _))) => {
                    self.call(&word)?
                }
                _ => Operand::Property(word.split('/').map(str::to_string).collect()),
            },
            other => {
                self.next -= 1;
                return Err(self.error(format!("unexpected {}", describe(&other))));
            }
        })
    }

    fn call(&mut self, name: &str) -> Result<Operand, FilterError> {
        let function = match name.to_ascii_lowercase().as_str() {
            "startswith" => Function::StartsWith,
            "endswith" => Function::EndsWith,
            "contains" => Function::Contains,
            _ => return Err(self.error(format!("the function `{name}` is not supported"))),
        };
        self.next += 1;
        let first = self.nested(Self::operand)?;
        self.expect_token(Token::Comma, "`,` between the arguments")?;
        let second = self.nested(Self::operand)?;
        self.expect_token(Token::Close, "`)` closing the call")?;
        Ok(Operand::Call(function, vec![first, second]))
    }
}

/// Whether `entity` passes the filter.
/// The property paths `expr` names, each once per mention.
pub fn properties(expr: &Expr) -> Vec<&[String]> {
    fn operand<'e>(named: &'e Operand, found: &mut Vec<&'e [String]>) {
        match named {
            Operand::Property(path) => found.push(path),
            Operand::Call(_, arguments) => arguments.iter().for_each(|a| operand(a, found)),
            Operand::Literal(_) => {}
        }
    }
    fn walk<'e>(expr: &'e Expr, found: &mut Vec<&'e [String]>) {
        match expr {
            Expr::Or(a, b) | Expr::And(a, b) => {
                walk(a, found);
                walk(b, found);
            }
            Expr::Not(inner) => walk(inner, found),
            Expr::Compare(_, a, b) => {
                operand(a, found);
                operand(b, found);
            }
            Expr::In(a, _) | Expr::Truth(a) => operand(a, found),
        }
    }
    let mut found = Vec::new();
    walk(expr, &mut found);
    found
}

pub fn matches(expr: &Expr, entity: &Map<String, Value>) -> bool {
    match expr {
        Expr::Or(a, b) => matches(a, entity) || matches(b, entity),
        Expr::And(a, b) => matches(a, entity) && matches(b, entity),
        Expr::Not(inner) => !matches(inner, entity),
        Expr::Truth(operand) => value_of(operand, entity) == Value::Bool(true),
        Expr::In(operand, items) => {
            let value = value_of(operand, entity);
            items
                .iter()
                .any(|item| compare(&value, &literal_value(item)) == Some(Ordering::Equal))
        }
        Expr::Compare(op, left, right) => {
            let ordering = compare(&value_of(left, entity), &value_of(right, entity));
            match op {
                Op::Eq => ordering == Some(Ordering::Equal),
                Op::Ne => ordering != Some(Ordering::Equal),
                Op::Gt => ordering == Some(Ordering::Greater),
                Op::Ge => matches!(ordering, Some(Ordering::Greater | Ordering::Equal)),
                Op::Lt => ordering == Some(Ordering::Less),
                Op::Le => matches!(ordering, Some(Ordering::Less | Ordering::Equal)),
            }
        }
    }
}

fn literal_value(literal: &Literal) -> Value {
    match literal {
        Literal::String(s) | Literal::DateTime(s) => Value::String(s.clone()),
        Literal::Number(n) => serde_json::Number::from_f64(*n).map_or(Value::Null, Value::Number),
        Literal::Bool(b) => Value::Bool(*b),
        Literal::Null => Value::Null,
    }
}

fn value_of(operand: &Operand, entity: &Map<String, Value>) -> Value {
    match operand {
        Operand::Literal(literal) => literal_value(literal),
        Operand::Property(path) => property(entity, path).cloned().unwrap_or(Value::Null),
        Operand::Call(function, args) => {
            let text = |i: usize| match value_of(&args[i], entity) {
                Value::String(s) => Some(s.to_lowercase()),
                _ => None,
            };
            let (Some(haystack), Some(needle)) = (text(0), text(1)) else {
                return Value::Bool(false);
            };
            Value::Bool(match function {
                Function::StartsWith => haystack.starts_with(&needle),
                Function::EndsWith => haystack.ends_with(&needle),
                Function::Contains => haystack.contains(&needle),
            })
        }
    }
}

/// A property of `entity` by path, names matched as written, else without regard to case.
pub fn property<'v>(entity: &'v Map<String, Value>, path: &[String]) -> Option<&'v Value> {
    let (first, rest) = path.split_first()?;
    let value = entity.get(first).or_else(|| {
        entity
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(first))
            .map(|(_, v)| v)
    })?;
    if rest.is_empty() {
        return Some(value);
    }
    property(value.as_object()?, rest)
}

/// A total order over values for `$orderby`: null, then booleans, numbers, strings, and the
/// rest; within a kind as `compare` orders them.
pub fn total_order(a: &Value, b: &Value) -> Ordering {
    let rank = |v: &Value| match v {
        Value::Null => 0,
        Value::Bool(_) => 1,
        Value::Number(_) => 2,
        Value::String(_) => 3,
        Value::Array(_) => 4,
        Value::Object(_) => 5,
    };
    rank(a)
        .cmp(&rank(b))
        .then_with(|| compare(a, b).unwrap_or(Ordering::Equal))
}

/// Orders two values of the same kind; strings without regard to case. `None` for values that
/// do not compare (a string and a number).
pub fn compare(a: &Value, b: &Value) -> Option<Ordering> {
    match (a, b) {
        (Value::Null, Value::Null) => Some(Ordering::Equal),
        (Value::String(a), Value::String(b)) => Some(a.to_lowercase().cmp(&b.to_lowercase())),
        (Value::Number(a), Value::Number(b)) => a.as_f64()?.partial_cmp(&b.as_f64()?),
        (Value::Bool(a), Value::Bool(b)) => Some(a.cmp(b)),
        _ => None,
    }
}

#[cfg(test)]
mod tests;
