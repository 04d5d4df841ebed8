//! Cuts a filter into tokens. Words (field names and unquoted literals
//! alike) are not interpreted here: as in Wireshark's scanner, `10.0.0.0/8`,
//! `aa:bb:cc:dd:ee:ff` and `tcp.port` are all just words; the parser and the
//! field's type decide what they are.

use super::FilterError;

/// Comparison operators, with Wireshark 4's multi-occurrence meaning
/// (wireshark-filter(4), "Comparison operators").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CmpOp {
    /// `==`, `eq`, `any_eq`: some occurrence is equal.
    Eq,
    /// `!=`, `ne`, `all_ne`: the field is present and no occurrence is equal.
    Ne,
    /// `===`, `all_eq`: the field is present and every occurrence is equal.
    AllEq,
    /// `!==`, `~=`, `any_ne`: some occurrence is not equal.
    AnyNe,
    Lt,
    Le,
    Gt,
    Ge,
}

impl CmpOp {
    pub(crate) fn symbol(self) -> &'static str {
        match self {
            CmpOp::Eq => "==",
            CmpOp::Ne => "!=",
            CmpOp::AllEq => "===",
            CmpOp::AnyNe => "!==",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
        }
    }

    pub(crate) fn is_ordering(self) -> bool {
        matches!(self, CmpOp::Lt | CmpOp::Le | CmpOp::Gt | CmpOp::Ge)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Tok<'s> {
    LParen,
    RParen,
    LBrace,
    RBrace,
    Comma,
    DotDot,
    And,
    Or,
    Xor,
    Not,
    BitAnd,
    Cmp(CmpOp),
    Contains,
    Matches,
    In,
    /// `any` / `all` quantifiers (recognised only to say they are unsupported).
    Quantifier,
    Word(&'s str),
    /// A quoted string, escapes resolved.
    Str(String),
    End,
}

impl Tok<'_> {
    /// How the token reads in an error message.
    pub(crate) fn describe(&self) -> String {
        match self {
            Tok::LParen => "'('".into(),
            Tok::RParen => "')'".into(),
            Tok::LBrace => "'{'".into(),
            Tok::RBrace => "'}'".into(),
            Tok::Comma => "','".into(),
            Tok::DotDot => "'..'".into(),
            Tok::And => "'&&'".into(),
            Tok::Or => "'||'".into(),
            Tok::Xor => "'^^'".into(),
            Tok::Not => "'!'".into(),
            Tok::BitAnd => "'&'".into(),
            Tok::Cmp(op) => format!("'{}'", op.symbol()),
            Tok::Contains => "'contains'".into(),
            Tok::Matches => "'matches'".into(),
            Tok::In => "'in'".into(),
            Tok::Quantifier => "a quantifier".into(),
            Tok::Word(w) => format!("'{w}'"),
            Tok::Str(s) => format!("{s:?}"),
            Tok::End => "the end of the filter".into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Token<'s> {
    pub tok: Tok<'s>,
    /// Byte offsets in the filter text.
    pub start: usize,
    pub end: usize,
}

/// Characters that make up words: field names, numbers, addresses, subnets.
fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | ':' | '/' | '-')
}

fn keyword(w: &str) -> Option<Tok<'static>> {
    // Wireshark's keywords are case-insensitive ("and", "AND").
    let k = w.to_ascii_lowercase();
    Some(match k.as_str() {
        "and" => Tok::And,
        "or" => Tok::Or,
        "xor" => Tok::Xor,
        "not" => Tok::Not,
        "eq" | "any_eq" => Tok::Cmp(CmpOp::Eq),
        "ne" | "all_ne" => Tok::Cmp(CmpOp::Ne),
        "all_eq" => Tok::Cmp(CmpOp::AllEq),
        "any_ne" => Tok::Cmp(CmpOp::AnyNe),
        "gt" => Tok::Cmp(CmpOp::Gt),
        "ge" => Tok::Cmp(CmpOp::Ge),
        "lt" => Tok::Cmp(CmpOp::Lt),
        "le" => Tok::Cmp(CmpOp::Le),
        "contains" => Tok::Contains,
        "matches" => Tok::Matches,
        "in" => Tok::In,
        "bitand" | "bitwise_and" => Tok::BitAnd,
        "any" | "all" => Tok::Quantifier,
        _ => return None,
    })
}

pub(crate) fn tokenize(src: &str) -> Result<Vec<Token<'_>>, FilterError> {
    let mut out = Vec::new();
    let b = src.as_bytes();
    let mut i = 0;
    let at = |i: usize| b.get(i).copied().unwrap_or(0);
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        let two = (c, at(i + 1));
        let (tok, len) = match c {
            b'(' => (Tok::LParen, 1),
            b')' => (Tok::RParen, 1),
            b'{' => (Tok::LBrace, 1),
            b'}' => (Tok::RBrace, 1),
            b',' => (Tok::Comma, 1),
            b'&' if two.1 == b'&' => (Tok::And, 2),
            b'&' => (Tok::BitAnd, 1),
            b'|' if two.1 == b'|' => (Tok::Or, 2),
            b'|' => return Err(FilterError::at(src, i, "'|' is not an operator; use '||' or 'or'")),
            b'^' if two.1 == b'^' => (Tok::Xor, 2),
            b'=' if two.1 == b'=' && at(i + 2) == b'=' => (Tok::Cmp(CmpOp::AllEq), 3),
            b'=' if two.1 == b'=' => (Tok::Cmp(CmpOp::Eq), 2),
            b'=' => return Err(FilterError::at(src, i, "'=' is not an operator; use '==' to compare")),
            b'!' if two.1 == b'=' && at(i + 2) == b'=' => (Tok::Cmp(CmpOp::AnyNe), 3),
            b'!' if two.1 == b'=' => (Tok::Cmp(CmpOp::Ne), 2),
            b'!' => (Tok::Not, 1),
            b'~' if two.1 == b'=' => (Tok::Cmp(CmpOp::AnyNe), 2),
            b'~' => (Tok::Matches, 1),
            b'<' if two.1 == b'=' => (Tok::Cmp(CmpOp::Le), 2),
            b'<' => (Tok::Cmp(CmpOp::Lt), 1),
            b'>' if two.1 == b'=' => (Tok::Cmp(CmpOp::Ge), 2),
            b'>' => (Tok::Cmp(CmpOp::Gt), 1),
            b'.' if two.1 == b'.' => (Tok::DotDot, 2),
            b'"' => {
                let (s, len) = string(src, i + 1, false)?;
                (Tok::Str(s), len + 1)
            }
            b'r' | b'R' if two.1 == b'"' => {
                let (s, len) = string(src, i + 2, true)?;
                (Tok::Str(s), len + 2)
            }
            b'[' => return Err(FilterError::at(src, i, "slices ('field[0:2]') are not supported")),
            b'#' => return Err(FilterError::at(src, i, "layer selectors ('field#2') are not supported")),
            b'$' => return Err(FilterError::at(src, i, "macros and field references ('$') are not supported")),
            b'@' => return Err(FilterError::at(src, i, "raw field access ('@field') is not supported")),
            b'+' | b'*' | b'%' => {
                return Err(FilterError::at(src, i, "arithmetic ('+', '-', '*', '/', '%') is not supported"));
            }
            _ if is_word_char(c as char) => {
                let mut j = i;
                while j < b.len() && is_word_char(b[j] as char) {
                    // ".." ends a word: `{8000..8100}` is a range, not one word.
                    if b[j] == b'.' && at(j + 1) == b'.' {
                        break;
                    }
                    j += 1;
                }
                let w = &src[i..j];
                (keyword(w).unwrap_or(Tok::Word(w)), j - i)
            }
            _ => {
                let ch = src[i..].chars().next().unwrap_or('?');
                return Err(FilterError::at(src, i, format!("unexpected character '{ch}'")));
            }
        };
        i += len;
        out.push(Token { tok, start, end: i });
    }
    out.push(Token { tok: Tok::End, start: src.len(), end: src.len() });
    Ok(out)
}

/// A double-quoted string whose content starts at byte `from`; returns the
/// value and the bytes consumed including the closing quote. Escapes are
/// those of wireshark-filter(4); a raw string (`r"..."`) keeps backslashes
/// but a `\"` still does not end it.
fn string(src: &str, from: usize, raw: bool) -> Result<(String, usize), FilterError> {
    let mut out = String::new();
    let mut chars = src[from..].char_indices().peekable();
    let open = if raw { from - 2 } else { from - 1 };
    while let Some((k, c)) = chars.next() {
        match c {
            '"' => return Ok((out, k + 1)),
            '\\' if raw => {
                out.push('\\');
                if let Some(&(_, n)) = chars.peek() {
                    out.push(n);
                    chars.next();
                }
            }
            '\\' => {
                let Some((_, e)) = chars.next() else { break };
                let bad = |msg: &str| FilterError::at(src, from + k, msg.to_owned());
                match e {
                    '"' | '\'' | '\\' => out.push(e),
                    'a' => out.push('\x07'),
                    'b' => out.push('\x08'),
                    'f' => out.push('\x0c'),
                    'n' => out.push('\n'),
                    'r' => out.push('\r'),
                    't' => out.push('\t'),
                    'v' => out.push('\x0b'),
                    'x' => {
                        let mut v = 0u32;
                        let mut n = 0;
                        while n < 2 {
                            match chars.peek().and_then(|&(_, d)| d.to_digit(16)) {
                                Some(d) => {
                                    v = v * 16 + d;
                                    chars.next();
                                    n += 1;
                                }
                                None => break,
                            }
                        }
                        if n == 0 {
                            return Err(bad("'\\x' needs hex digits"));
                        }
                        out.push(char::from_u32(v).ok_or_else(|| bad("bad escape"))?);
                    }
                    '0'..='7' => {
                        let mut v = e.to_digit(8).unwrap_or(0);
                        for _ in 0..2 {
                            match chars.peek().and_then(|&(_, d)| d.to_digit(8)) {
                                Some(d) => {
                                    v = v * 8 + d;
                                    chars.next();
                                }
                                None => break,
                            }
                        }
                        out.push(char::from_u32(v).ok_or_else(|| bad("bad escape"))?);
                    }
                    'u' | 'U' => {
                        let len = if e == 'u' { 4 } else { 8 };
                        let mut v = 0u32;
                        for _ in 0..len {
                            let d =
                                chars.next().and_then(|(_, d)| d.to_digit(16)).ok_or_else(|| bad("bad \\u escape"))?;
                            v = v.wrapping_mul(16).wrapping_add(d);
                        }
                        out.push(char::from_u32(v).ok_or_else(|| bad("bad \\u escape"))?);
                    }
                    other => return Err(bad(&format!("unknown escape '\\{other}'"))),
                }
            }
            c => out.push(c),
        }
    }
    Err(FilterError::at(src, open, "unterminated string: missing closing '\"'"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(s: &str) -> Vec<Tok<'_>> {
        tokenize(s).unwrap().into_iter().map(|t| t.tok).collect()
    }

    #[test]
    fn operators_and_words() {
        assert_eq!(
            toks("tcp.port==80&&!ip"),
            vec![
                Tok::Word("tcp.port"),
                Tok::Cmp(CmpOp::Eq),
                Tok::Word("80"),
                Tok::And,
                Tok::Not,
                Tok::Word("ip"),
                Tok::End
            ]
        );
        assert_eq!(
            toks("a === b !== c ~= d != e"),
            vec![
                Tok::Word("a"),
                Tok::Cmp(CmpOp::AllEq),
                Tok::Word("b"),
                Tok::Cmp(CmpOp::AnyNe),
                Tok::Word("c"),
                Tok::Cmp(CmpOp::AnyNe),
                Tok::Word("d"),
                Tok::Cmp(CmpOp::Ne),
                Tok::Word("e"),
                Tok::End
            ]
        );
        assert_eq!(toks("x AND y or z")[1], Tok::And);
        assert_eq!(toks("ip.addr == fe80::1/64")[2], Tok::Word("fe80::1/64"));
        assert_eq!(
            toks("{8000..8100}"),
            vec![Tok::LBrace, Tok::Word("8000"), Tok::DotDot, Tok::Word("8100"), Tok::RBrace, Tok::End]
        );
        assert_eq!(toks("{10.0.0.1 .. 10.0.0.9}")[1..4], [Tok::Word("10.0.0.1"), Tok::DotDot, Tok::Word("10.0.0.9")]);
        assert_eq!(toks("tcp.flags & 0x02")[1], Tok::BitAnd);
    }

    #[test]
    fn strings() {
        assert_eq!(toks(r#""a\"b\\c\x41\101\n""#)[0], Tok::Str("a\"b\\cAA\n".into()));
        assert_eq!(toks(r#"r"\d+\"x""#)[0], Tok::Str(r#"\d+\"x"#.into()));
        assert_eq!(toks(r#""é""#)[0], Tok::Str("é".into()));
        let e = tokenize(r#"dns.qry.name == "abc"#).unwrap_err();
        assert_eq!((e.column, e.message.as_str()), (17, "unterminated string: missing closing '\"'"));
    }

    #[test]
    fn bad_characters_have_columns() {
        let e = tokenize("tcp.port = 80").unwrap_err();
        assert_eq!(e.column, 10);
        assert!(e.message.contains("use '=='"));
        let e = tokenize("ip | tcp").unwrap_err();
        assert_eq!(e.column, 4);
        let e = tokenize("ipé").unwrap_err();
        assert_eq!((e.column, e.message.as_str()), (3, "unexpected character 'é'"));
        assert!(tokenize("eth.src[0:3] == 00:00:83").unwrap_err().message.contains("slices"));
    }
}
