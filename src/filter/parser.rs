//! Tokens to a compiled tree. Names are resolved to fields and literals are
//! read by the field's type here, once, so that evaluation never looks at a
//! string.
//!
//! Grammar (precedence from Wireshark's grammar.lemon: `not` binds tighter
//! than `and`, `and` tighter than `xor`, `xor` tighter than `or`; all
//! binary operators are left-associative):
//!
//! ```text
//! expr     := xor ( ('||' | 'or') xor )*
//! xor      := and ( ('^^' | 'xor') and )*
//! and      := unary ( ('&&' | 'and') unary )*
//! unary    := ('!' | 'not') unary | primary
//! primary  := '(' expr ')' | relation
//! relation := FIELD [ '&' INT ] [ CMP value | 'contains' value | ['not'] 'in' set ]
//! set      := '{' item ( [','] item )* '}'      item := value [ '..' value ]
//! ```

use std::fmt;

use super::FilterError;
use super::eval::Compiled;
use super::fields::{self, Builtin, ExtraField, FieldId, FieldRef, FieldType};
use super::lexer::{CmpOp, Tok, Token};
use super::value::{self, Lit, Written};

/// A compiled filter expression.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Node {
    /// The empty filter: every packet.
    True,
    And(Box<[Node]>),
    Or(Box<[Node]>),
    Xor(Box<Node>, Box<Node>),
    Not(Box<Node>),
    /// A bare built-in protocol: present.
    Protocol(Builtin),
    /// A bare field: present (and, for a boolean, set).
    Exists(FieldRef, Compiled),
    Test(Box<Test>),
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Test {
    pub field: FieldRef,
    /// `field & mask` (unsigned integers only).
    pub mask: Option<u64>,
    /// The test as written (for `Display`).
    pub check: Check,
    /// The test as evaluated.
    pub compiled: Compiled,
}

impl Test {
    fn new(field: FieldRef, mask: Option<u64>, check: Check) -> Test {
        let compiled = Compiled::new(field.ty, mask, &check);
        Test { field, mask, check, compiled }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Check {
    /// Bare `field & mask`: some occurrence has a masked bit set.
    NonZero,
    Cmp(CmpOp, Lit),
    Contains(Lit),
    /// Inclusive ranges `lo..hi`; a single value is `(v, v)`.
    In {
        set: Box<[(Lit, Lit)]>,
        negate: bool,
    },
}

pub(crate) struct Parser<'s, 'e> {
    src: &'s str,
    toks: Vec<Token<'s>>,
    pos: usize,
    extras: &'e [ExtraField],
    /// Names of the fields used, first use first.
    pub used: Vec<&'static str>,
}

impl<'s, 'e> Parser<'s, 'e> {
    pub(crate) fn new(src: &'s str, toks: Vec<Token<'s>>, extras: &'e [ExtraField]) -> Self {
        Parser { src, toks, pos: 0, extras, used: Vec::new() }
    }

    fn peek(&self) -> &Token<'s> {
        &self.toks[self.pos.min(self.toks.len() - 1)]
    }

    fn next(&mut self) -> Token<'s> {
        let t = self.peek().clone();
        if self.pos < self.toks.len() - 1 {
            self.pos += 1;
        }
        t
    }

    fn err(&self, at: usize, msg: impl Into<String>) -> FilterError {
        FilterError::at(self.src, at, msg)
    }

    /// The whole filter.
    pub(crate) fn parse(&mut self) -> Result<Node, FilterError> {
        if self.peek().tok == Tok::End {
            // Like tshark, an empty filter selects everything.
            return Ok(Node::True);
        }
        let node = self.or()?;
        let t = self.peek();
        match &t.tok {
            Tok::End => Ok(node),
            Tok::RParen => Err(self.err(t.start, "unmatched ')'")),
            other => {
                let mut msg = format!("expected '&&', '||' or the end of the filter, found {}", other.describe());
                if let (Tok::Word(w), Some(prev)) = (other, self.pos.checked_sub(1).map(|p| &self.toks[p].tok))
                    && (matches!(*w, "port" | "host" | "src" | "dst" | "net" | "portrange")
                        || matches!(prev, Tok::Word(p) if matches!(*p, "src" | "dst" | "host" | "port")))
                {
                    msg.push_str(
                        " (this looks like capture-filter syntax: write e.g. tcp.port == 80, ip.addr == 10.0.0.1)",
                    );
                }
                Err(self.err(t.start, msg))
            }
        }
    }

    fn or(&mut self) -> Result<Node, FilterError> {
        let mut items = vec![self.xor()?];
        while self.peek().tok == Tok::Or {
            self.next();
            items.push(self.xor()?);
        }
        Ok(if items.len() == 1 { items.pop().unwrap_or(Node::True) } else { Node::Or(items.into()) })
    }

    fn xor(&mut self) -> Result<Node, FilterError> {
        let mut left = self.and()?;
        while self.peek().tok == Tok::Xor {
            self.next();
            let right = self.and()?;
            left = Node::Xor(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Node, FilterError> {
        let mut items = vec![self.unary()?];
        while self.peek().tok == Tok::And {
            self.next();
            items.push(self.unary()?);
        }
        Ok(if items.len() == 1 { items.pop().unwrap_or(Node::True) } else { Node::And(items.into()) })
    }

    fn unary(&mut self) -> Result<Node, FilterError> {
        if self.peek().tok == Tok::Not {
            self.next();
            return Ok(Node::Not(Box::new(self.unary()?)));
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Node, FilterError> {
        let t = self.next();
        match t.tok {
            Tok::LParen => {
                if self.peek().tok == Tok::RParen {
                    return Err(self.err(self.peek().start, "empty parentheses: expected an expression"));
                }
                let inner = self.or()?;
                let close = self.peek();
                if close.tok != Tok::RParen {
                    let col = FilterError::column_of(self.src, t.start);
                    let msg = format!("expected ')' to close the '(' at column {col}, found {}", close.tok.describe());
                    return Err(self.err(close.start, msg));
                }
                self.next();
                Ok(inner)
            }
            Tok::Word(w) => self.relation(w, t.start, t.end),
            Tok::Quantifier => Err(self.err(t.start, "the 'any' and 'all' quantifiers are not supported")),
            Tok::End => Err(self.err(t.start, "unexpected end of filter: expected a protocol or field name")),
            Tok::Str(_) => Err(self.err(t.start, "expected a protocol or field name, found a string")),
            other => Err(self.err(t.start, format!("expected a protocol or field name, found {}", other.describe()))),
        }
    }

    fn resolve(&mut self, name: &str, at: usize) -> Result<FieldRef, FilterError> {
        if let Some(f) = fields::lookup(name, self.extras) {
            if !self.used.contains(&f.name) {
                self.used.push(f.name);
            }
            return Ok(f);
        }
        let looks_like_value = name.starts_with(|c: char| c.is_ascii_digit()) || name.contains(':');
        let msg = if looks_like_value {
            format!(
                "expected a protocol or field name, found '{name}' (a value goes after an operator: tcp.port == 80)"
            )
        } else {
            match fields::suggest(name, self.extras) {
                Some(s) => format!("unknown field '{name}' — did you mean {s}?"),
                None => format!("unknown field '{name}'"),
            }
        };
        Err(self.err(at, msg))
    }

    fn relation(&mut self, name: &'s str, start: usize, end: usize) -> Result<Node, FilterError> {
        let next = self.peek();
        if next.tok == Tok::LParen && next.start == end {
            return Err(self.err(start, format!("functions such as '{name}()' are not supported")));
        }
        let field = self.resolve(name, start)?;

        let mut mask = None;
        if self.peek().tok == Tok::BitAnd {
            let amp = self.next();
            if !field.ty.is_uint() {
                return Err(
                    self.err(amp.start, format!("'&' needs an integer field; {} is {}", field.name, field.ty.a()))
                );
            }
            let v = self.next();
            let m = match &v.tok {
                Tok::Word(w) => value::parse_uint(w),
                _ => None,
            };
            match m {
                Some(m) => mask = Some(m),
                None => return Err(self.err(v.start, "expected an integer mask after '&'")),
            }
        }

        let op = self.peek().clone();
        let check = match op.tok {
            Tok::Cmp(cmp) => {
                self.next();
                self.check_operator(&field, &op, cmp.symbol())?;
                if field.ty == FieldType::Bool && cmp.is_ordering() {
                    let msg = format!(
                        "'{}' cannot be used with the boolean field {}; use == or !=",
                        cmp.symbol(),
                        field.name
                    );
                    return Err(self.err(op.start, msg));
                }
                let (lit, at) = self.value(&field, &op, mask.is_some())?;
                if lit.is_cidr() && cmp.is_ordering() {
                    return Err(
                        self.err(at, format!("a subnet cannot be compared with '{}'; use == or !=", cmp.symbol()))
                    );
                }
                Check::Cmp(cmp, lit)
            }
            Tok::Contains => {
                self.next();
                let ok = matches!(field.ty, FieldType::Str | FieldType::Bytes) || field.name == "frame";
                if !ok || mask.is_some() {
                    let msg = format!("'contains' needs a string or byte field; {} is {}", field.name, field.ty.a());
                    return Err(self.err(op.start, msg));
                }
                let (lit, _) = self.value(&field, &op, false)?;
                Check::Contains(lit)
            }
            Tok::Matches => {
                return Err(
                    self.err(op.start, "regular expressions ('matches', '~') are not supported; use 'contains'")
                );
            }
            Tok::In => {
                self.next();
                self.check_operator(&field, &op, "in")?;
                Check::In { set: self.set(&field, mask.is_some())?, negate: false }
            }
            Tok::Not if self.toks.get(self.pos + 1).is_some_and(|t| t.tok == Tok::In) => {
                self.next();
                let in_tok = self.next();
                self.check_operator(&field, &in_tok, "not in")?;
                Check::In { set: self.set(&field, mask.is_some())?, negate: true }
            }
            _ => {
                return Ok(match (mask, field.id) {
                    (Some(_), _) => Node::Test(Box::new(Test::new(field, mask, Check::NonZero))),
                    (None, FieldId::Builtin(b)) if field.ty == FieldType::Protocol => Node::Protocol(b),
                    (None, _) => Node::Exists(field, Compiled::exists(field.ty)),
                });
            }
        };
        Ok(Node::Test(Box::new(Test::new(field, mask, check))))
    }

    /// Refuses comparisons on protocols.
    fn check_operator(&self, field: &FieldRef, op: &Token<'_>, symbol: &str) -> Result<(), FilterError> {
        if field.ty == FieldType::Protocol {
            let hint =
                if field.name == "frame" { " ('frame contains \"...\"' searches the captured bytes)" } else { "" };
            let msg = format!(
                "'{}' is a protocol: it can only be tested for presence, not with '{symbol}'{hint}",
                field.name
            );
            return Err(self.err(op.start, msg));
        }
        Ok(())
    }

    /// The value after an operator, read for `field`'s type. Returns it and
    /// its byte offset.
    fn value(&mut self, field: &FieldRef, op: &Token<'_>, masked: bool) -> Result<(Lit, usize), FilterError> {
        let t = self.next();
        let written = match &t.tok {
            Tok::Word(w) => Written { text: w, quoted: false },
            Tok::Str(s) => Written { text: s.as_str(), quoted: true },
            _ => {
                let what = match op.tok {
                    Tok::Cmp(c) => format!("expected a value after '{}'", c.symbol()),
                    Tok::Contains => "expected a value after 'contains'".to_owned(),
                    Tok::DotDot => "expected a value after '..'".to_owned(),
                    _ => "expected a value in the set".to_owned(),
                };
                let found = if t.tok == Tok::End { String::new() } else { format!(", found {}", t.tok.describe()) };
                return Err(self.err(t.start, format!("{what}{found}")));
            }
        };
        if !written.quoted && fields::lookup(written.text, self.extras).is_some() {
            let msg = format!(
                "'{}' is a field: comparing two fields is not supported; compare {} with a value",
                written.text, field.name
            );
            return Err(self.err(t.start, msg));
        }
        // `field & mask` compares plain integers whatever the field's width.
        let ty = if masked { FieldType::U64 } else { field.ty };
        // A quoted value is taken as a string only by string-like fields;
        // others read what is inside the quotes ("10.0.0.1").
        let lit = value::parse(written, ty, field.name).map_err(|m| self.err(t.start, m))?;
        Ok((lit, t.start))
    }

    fn set(&mut self, field: &FieldRef, masked: bool) -> Result<Box<[(Lit, Lit)]>, FilterError> {
        let open = self.next();
        if open.tok != Tok::LBrace {
            return Err(self.err(open.start, format!("expected '{{' after 'in', found {}", open.tok.describe())));
        }
        let op = Token { tok: Tok::In, start: open.start, end: open.end };
        let mut items = Vec::new();
        loop {
            let t = self.peek();
            match t.tok {
                Tok::RBrace if items.is_empty() => return Err(self.err(t.start, "empty set: expected a value")),
                Tok::RBrace => {
                    self.next();
                    break;
                }
                Tok::Comma if !items.is_empty() => {
                    self.next();
                }
                Tok::End => {
                    let col = FilterError::column_of(self.src, open.start);
                    return Err(self.err(t.start, format!("expected '}}' to close the '{{' at column {col}")));
                }
                _ => {}
            }
            if self.peek().tok == Tok::RBrace {
                continue;
            }
            let (lo, lo_at) = self.value(field, &op, masked)?;
            if self.peek().tok == Tok::DotDot {
                let dots = self.next();
                let (hi, _) = self.value(field, &Token { tok: Tok::DotDot, ..dots }, masked)?;
                let ty = if masked { FieldType::U64 } else { field.ty };
                if !ty.is_ordered() {
                    return Err(
                        self.err(dots.start, format!("ranges need an ordered field; {} is {}", field.name, ty.a()))
                    );
                }
                if lo.is_cidr() || hi.is_cidr() {
                    return Err(self.err(lo_at, "a range cannot have subnet ends"));
                }
                if value::order_lits(&lo, &hi) == Some(std::cmp::Ordering::Greater) {
                    return Err(self.err(lo_at, format!("empty range {lo}..{hi}: the first value is larger")));
                }
                items.push((lo, hi));
            } else {
                items.push((lo.clone(), lo));
            }
        }
        Ok(items.into())
    }
}

/// The canonical text of a compiled filter: every binary operator
/// parenthesised, symbols for operators, literals normalised.
impl fmt::Display for Node {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let list = |f: &mut fmt::Formatter<'_>, items: &[Node], sep: &str| -> fmt::Result {
            f.write_str("(")?;
            for (i, n) in items.iter().enumerate() {
                if i > 0 {
                    f.write_str(sep)?;
                }
                write!(f, "{n}")?;
            }
            f.write_str(")")
        };
        match self {
            Node::True => Ok(()),
            Node::And(items) => list(f, items, " && "),
            Node::Or(items) => list(f, items, " || "),
            Node::Xor(a, b) => write!(f, "({a} ^^ {b})"),
            Node::Not(n) => write!(f, "!{n}"),
            Node::Protocol(_) => f.write_str(self.protocol_name()),
            Node::Exists(field, _) => f.write_str(field.name),
            Node::Test(t) => {
                f.write_str(t.field.name)?;
                if let Some(m) = t.mask {
                    write!(f, " & {m:#x}")?;
                }
                match &t.check {
                    Check::NonZero => Ok(()),
                    Check::Cmp(op, lit) => write!(f, " {} {lit}", op.symbol()),
                    Check::Contains(lit) => write!(f, " contains {lit}"),
                    Check::In { set, negate } => {
                        f.write_str(if *negate { " not in {" } else { " in {" })?;
                        for (i, item) in set.iter().enumerate() {
                            if i > 0 {
                                f.write_str(", ")?;
                            }
                            match item {
                                (a, b) if a == b => write!(f, "{a}")?,
                                (a, b) => write!(f, "{a}..{b}")?,
                            }
                        }
                        f.write_str("}")
                    }
                }
            }
        }
    }
}

impl Node {
    fn protocol_name(&self) -> &'static str {
        match self {
            Node::Protocol(b) => fields::BUILTINS.iter().find(|f| f.id == *b).map_or("?", |f| f.name),
            _ => "?",
        }
    }
}
