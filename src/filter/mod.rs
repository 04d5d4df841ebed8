//! Display filters: the `-Y EXPR` language, a documented subset of
//! Wireshark's display filters (wireshark-filter(4); reference in
//! `docs/filters.md`).
//!
//! Owns: the syntax (lexer, parser, error messages with columns), the table
//! of field names and their types, reading literals by field type, and
//! evaluating a compiled filter against a dissected `Packet`. A filter is
//! compiled once: names become enum values and literals become numbers, so
//! matching a packet compares integers and allocates nothing.
//!
//! Must not know: how packets are read or dissected (it reads the
//! `dissect::Packet` it is given, and DNS messages as `dissect::dns` parses
//! them, lazily, only when a DNS field is read), flows or analysis (the
//! caller registers such fields as `ExtraField`s and answers for them
//! through `ExtraFields`), and output.
//!
//! Where we follow Wireshark 4 and where we do not:
//! - precedence `not` > `and` > `xor` > `or`; `==` is "any occurrence",
//!   `!=` is "all occurrences differ" (= `!(a == b)` on a packet with the
//!   field), every comparison requires the field to be present;
//! - protocol and field names, value units (`ip.frag_offset` in bytes) and
//!   which header a field occurs in (ICMP-quoted headers included) are
//!   Wireshark's;
//! - one deliberate difference: a bare boolean field (`tcp.flags.syn`)
//!   means "present and set", where Wireshark means "present".

mod access;
pub mod analysis;
mod eval;
mod fields;
mod lexer;
mod matcher;
mod parser;
mod value;

#[cfg(test)]
mod tests;

use std::fmt;

pub use eval::{EvalContext, ExtraFields, parse_dns};
pub use fields::{ExtraField, FieldInfo, FieldType, builtin_fields};
pub use value::Value;

use parser::{Node, Parser};

/// A filter that did not compile: where, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("filter error at column {column}: {message}")]
pub struct FilterError {
    /// 1-based column, in characters, of the offending token.
    pub column: usize,
    pub message: String,
}

impl FilterError {
    /// An error at byte offset `at` of `src`.
    pub(crate) fn at(src: &str, at: usize, message: impl Into<String>) -> Self {
        FilterError { column: Self::column_of(src, at), message: message.into() }
    }

    pub(crate) fn column_of(src: &str, at: usize) -> usize {
        src.get(..at).map_or(at, |s| s.chars().count()) + 1
    }
}

/// A compiled display filter.
#[derive(Debug, Clone, PartialEq)]
pub struct Filter {
    root: Node,
    used: Vec<&'static str>,
    needs_dns: bool,
    needs_extra: bool,
}

impl Filter {
    /// Compiles a filter over the built-in fields.
    pub fn compile(expr: &str) -> Result<Filter, FilterError> {
        Self::compile_with(expr, &[])
    }

    /// Compiles a filter that may also name the caller's `extras` (built-in
    /// names win over an extra of the same name).
    pub fn compile_with(expr: &str, extras: &[ExtraField]) -> Result<Filter, FilterError> {
        let toks = lexer::tokenize(expr)?;
        let mut p = Parser::new(expr, toks, extras);
        let root = p.parse()?;
        let used = p.used;
        let needs_dns = used.iter().any(|n| fields::lookup(n, &[]).is_some_and(|f| f.dns));
        let needs_extra = used.iter().any(|n| fields::lookup(n, &[]).is_none());
        Ok(Filter { root, used, needs_dns, needs_extra })
    }

    /// Whether the packet passes the filter.
    #[inline]
    pub fn matches(&self, ctx: &EvalContext<'_>) -> bool {
        eval::eval(&self.root, ctx)
    }

    /// The filter reads `dns.*` fields (so DNS messages get parsed). A
    /// caller that parses DNS anyway can pass its messages with
    /// `EvalContext::with_dns`; otherwise the context parses on demand.
    pub fn needs_dns(&self) -> bool {
        self.needs_dns
    }

    /// The filter reads extra (caller-registered) fields.
    pub fn needs_extra(&self) -> bool {
        self.needs_extra
    }

    /// The names of the protocols and fields used, each once, in order of
    /// first use (aliases given as their canonical name).
    pub fn fields(&self) -> impl Iterator<Item = &str> + '_ {
        self.used.iter().copied()
    }
}

/// The canonical form: operators as symbols, every `&&`/`||`/`^^` group in
/// parentheses (which shows how the filter was read), literals normalised.
impl fmt::Display for Filter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.root)
    }
}

impl std::str::FromStr for Filter {
    type Err = FilterError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Filter::compile(s)
    }
}
