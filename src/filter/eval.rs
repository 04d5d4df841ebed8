//! Evaluation of a compiled filter against one packet: the context the
//! caller builds, and how tests combine a field's occurrences. Reading the
//! occurrences is `access`; testing one is `matcher`. Nothing here
//! allocates, except parsing the packet's DNS messages when a `dns.*` field
//! is read and the caller did not hand them over.

use std::cell::OnceCell;

use super::access::{self, Seen};
use super::fields::{Builtin, FieldId, FieldRef, FieldType};
use super::lexer::CmpOp;
use super::matcher::{self, Domain, Kind, Matcher, Op, SliceKind};
use super::parser::{Check, Node};
use super::value::Value;
use crate::dissect::dns;
use crate::dissect::{AppKind, Packet};

/// Values of the caller's extra fields (see `ExtraField`) for the packet
/// being evaluated. `id` is the `ExtraField::id` the caller registered;
/// `None` means the field is absent from this packet.
pub trait ExtraFields {
    fn value(&self, id: u32) -> Option<Value<'_>>;
}

/// A closure `|id| -> Option<Value>` serves as an extra-field source when
/// its values borrow nothing (numbers, flags, addresses).
impl<F: Fn(u32) -> Option<Value<'static>>> ExtraFields for F {
    fn value(&self, id: u32) -> Option<Value<'_>> {
        self(id)
    }
}

/// Everything a filter may look at for one packet.
///
/// The `dns.*` fields read the packet's DNS messages (`Packet::dns`) as
/// parsed by `dissect::dns`. A caller that has parsed them already hands
/// them over with `with_dns`; otherwise the context parses them itself, once,
/// the first time a filter reads a DNS field of this packet, so packets the
/// filter rejects earlier (`dns && ...`) are never parsed.
pub struct EvalContext<'a> {
    pub packet: &'a Packet<'a>,
    given_dns: Option<&'a [dns::Message]>,
    parsed_dns: OnceCell<Vec<dns::Message>>,
    extra: Option<&'a dyn ExtraFields>,
}

impl<'a> EvalContext<'a> {
    /// A context with the packet alone: DNS is parsed on demand, extra fields are absent.
    pub fn new(packet: &'a Packet<'a>) -> Self {
        EvalContext { packet, given_dns: None, parsed_dns: OnceCell::new(), extra: None }
    }

    /// The packet's DNS messages, already parsed (one per entry of
    /// `Packet::dns`, as `parse_dns` returns them).
    pub fn with_dns(self, messages: &'a [dns::Message]) -> Self {
        EvalContext { given_dns: Some(messages), ..self }
    }

    /// The source of the caller's extra fields.
    pub fn with_extra(self, extra: &'a dyn ExtraFields) -> Self {
        EvalContext { extra: Some(extra), ..self }
    }

    pub(crate) fn dns(&self) -> &[dns::Message] {
        match self.given_dns {
            Some(m) => m,
            None => self.parsed_dns.get_or_init(|| parse_dns(self.packet)),
        }
    }
}

/// Parses every DNS message of the packet with the flavour its port says
/// (DNS, mDNS, LLMNR); messages shorter than a DNS header are skipped.
pub fn parse_dns(p: &Packet<'_>) -> Vec<dns::Message> {
    let flavor = match p.app {
        AppKind::Mdns => dns::Flavor::Mdns,
        AppKind::Llmnr => dns::Flavor::Llmnr,
        _ => dns::Flavor::Dns,
    };
    p.dns.iter().filter_map(|m| dns::parse_as(m, flavor).ok()).collect()
}

impl std::fmt::Debug for EvalContext<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EvalContext")
            .field("packet", &self.packet.number)
            .field("given_dns", &self.given_dns.map(<[_]>::len))
            .field("parsed_dns", &self.parsed_dns.get().map(Vec::len))
            .field("extra", &self.extra.is_some())
            .finish()
    }
}

/// How a test combines the per-occurrence results (Wireshark 4's
/// multi-occurrence semantics, wireshark-filter(4) and dfvm's ANY_/ALL_
/// instructions): every comparison first requires the field to be present;
/// `==`, `<`, `contains`, `in`... hold if ANY occurrence satisfies them; `!=`
/// holds if ALL occurrences differ (so it is `!(a == b)` on a packet that
/// has the field); `===` if all are equal; `!==` / `~=` if any differs.
/// `a not in S` is `!(a in S)`, as Wireshark's grammar writes it, and so
/// holds when the field is absent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Want {
    /// Some occurrence satisfies the (possibly negated) test.
    Some,
    /// The field is present and no occurrence satisfies it.
    None,
    /// No occurrence satisfies it, the field being present or not.
    NotSome,
}

/// A test compiled for evaluation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Compiled {
    matcher: Matcher,
    /// Negate the per-occurrence test (`===`, `!==`).
    negate: bool,
    want: Want,
}

impl Compiled {
    pub(crate) fn new(ty: FieldType, mask: Option<u64>, check: &Check) -> Compiled {
        let (op, negate, want) = match check {
            Check::NonZero => (Op::NonZero, false, Want::Some),
            Check::Cmp(c, lit) => {
                let (negate, want) = match c {
                    CmpOp::Ne => (false, Want::None),
                    CmpOp::AllEq => (true, Want::None),
                    CmpOp::AnyNe => (true, Want::Some),
                    _ => (false, Want::Some),
                };
                (Op::Cmp(*c, lit), negate, want)
            }
            Check::Contains(lit) => (Op::Contains(lit), false, Want::Some),
            Check::In { set, negate } => (Op::In(set), false, if *negate { Want::NotSome } else { Want::Some }),
        };
        Compiled { matcher: Matcher::new(ty, mask, &op), negate, want }
    }

    /// The presence test of a bare field: a flag must be set, anything else present.
    pub(crate) fn exists(ty: FieldType) -> Compiled {
        let matcher = match matcher::domain(ty) {
            Domain::Scalar if ty == FieldType::Bool => Matcher::Scalar { pre: u64::MAX, kind: Kind::NonZero },
            Domain::Scalar => Matcher::Scalar { pre: u64::MAX, kind: Kind::Any },
            Domain::Wide => Matcher::Wide(Kind::Any),
            Domain::Slice => Matcher::Slice(SliceKind::Any),
        };
        Compiled { matcher, negate: false, want: Want::Some }
    }
}

pub(crate) fn eval(node: &Node, cx: &EvalContext<'_>) -> bool {
    match node {
        Node::True => true,
        Node::And(items) => items.iter().all(|n| eval(n, cx)),
        Node::Or(items) => items.iter().any(|n| eval(n, cx)),
        Node::Xor(a, b) => eval(a, cx) != eval(b, cx),
        Node::Not(n) => !eval(n, cx),
        Node::Protocol(b) => access::protocol(*b, cx.packet),
        Node::Exists(field, c) => run(field, c, cx),
        Node::Test(t) => run(&t.field, &t.compiled, cx),
    }
}

fn run(field: &FieldRef, c: &Compiled, cx: &EvalContext<'_>) -> bool {
    let neg = c.negate;
    let seen = match field.id {
        FieldId::Builtin(b) => visit(b, c, cx),
        FieldId::Extra(id) => match cx.extra.and_then(|x| x.value(id)) {
            None => Seen::Absent,
            Some(v) => {
                let hit = match (&c.matcher, v) {
                    (Matcher::Scalar { pre, kind }, v) => matcher::scalar_of(v, field.ty).map(|x| kind.holds(x & pre)),
                    (Matcher::Wide(kind), Value::Ipv6(a)) => Some(kind.holds(u128::from(a))),
                    (Matcher::Slice(kind), Value::Str(s)) => Some(kind.holds(s.as_bytes())),
                    (Matcher::Slice(kind), Value::Bytes(b)) => Some(kind.holds(b)),
                    // A protocol-typed extra: present when it has a value.
                    (Matcher::Slice(SliceKind::Any), _) => Some(true),
                    _ => None,
                };
                match hit {
                    None => Seen::Absent,
                    Some(h) if h != neg => Seen::Match,
                    Some(_) => Seen::NoMatch,
                }
            }
        },
    };
    match c.want {
        Want::Some => seen == Seen::Match,
        Want::None => seen == Seen::NoMatch,
        Want::NotSome => seen != Seen::Match,
    }
}

fn visit(b: Builtin, c: &Compiled, cx: &EvalContext<'_>) -> Seen {
    let neg = c.negate;
    match &c.matcher {
        Matcher::Scalar { pre, kind } => {
            let pre = *pre;
            access::scalars(b, cx, |v| kind.holds(v & pre) != neg)
        }
        Matcher::Wide(kind) => access::wides(b, cx, |v| kind.holds(v) != neg),
        Matcher::Slice(kind) => access::slices(b, cx, |v| kind.holds(v) != neg),
    }
}
