//! Filter syntax trees ([RFC 7644 §3.4.2.2](https://www.rfc-editor.org/rfc/rfc7644#section-3.4.2.2)).

use crate::path::AttrPath;

/// A comparison operator (RFC 7644 §3.4.2.2, Table 3). `pr` is [`Filter::Present`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CompareOp {
    /// `eq`: equal.
    Eq,
    /// `ne`: not equal.
    Ne,
    /// `co`: contains.
    Co,
    /// `sw`: starts with.
    Sw,
    /// `ew`: ends with.
    Ew,
    /// `gt`: greater than.
    Gt,
    /// `lt`: less than.
    Lt,
    /// `ge`: greater than or equal.
    Ge,
    /// `le`: less than or equal.
    Le,
}

/// A comparison value: a JSON literal (RFC 7644 §3.4.2.2, `compValue`).
#[derive(Debug, Clone, PartialEq)]
pub enum CompValue {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A JSON number, kept as written (integer or decimal).
    Number(serde_json::Number),
    /// A JSON string, unescaped.
    String(Box<str>),
}

/// A filter expression ([RFC 7644 §3.4.2.2](https://www.rfc-editor.org/rfc/rfc7644#section-3.4.2.2)).
///
/// `and` and `or` are n-ary: a chain `a or b or c` is one `Or` with three terms, so a
/// 10 000-term chain is one flat vector (no deep recursion in drop, display or evaluation).
/// Parentheses that group a chain of the same operator inside another are kept as a nested node.
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    /// `attrPath op compValue`.
    Compare {
        /// The attribute compared.
        path: AttrPath,
        /// The operator.
        op: CompareOp,
        /// The literal.
        value: CompValue,
    },
    /// `attrPath pr`.
    Present(AttrPath),
    /// `f1 and f2 and …` (at least two terms).
    And(Vec<Filter>),
    /// `f1 or f2 or …` (at least two terms).
    Or(Vec<Filter>),
    /// `not (f)`.
    Not(Box<Filter>),
    /// `attrPath [ valFilter ]`: the inner filter applies to each element of a multi-valued
    /// complex attribute (its paths are relative to the element).
    ValuePath {
        /// The multi-valued attribute.
        path: AttrPath,
        /// The filter over its elements.
        filter: Box<Filter>,
    },
}
