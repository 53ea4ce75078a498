//! One PATCH operation: `op`, `path`, `value`
//! ([RFC 7644 §3.5.2](https://www.rfc-editor.org/rfc/rfc7644#section-3.5.2)).

use super::PatchPath;
use serde_json::Value;
use std::fmt;

/// The operation kind: `add`, `remove` or `replace`
/// ([RFC 7644 §3.5.2.1–§3.5.2.3](https://www.rfc-editor.org/rfc/rfc7644#section-3.5.2.1)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OpKind {
    /// `add` ([§3.5.2.1](https://www.rfc-editor.org/rfc/rfc7644#section-3.5.2.1)).
    Add,
    /// `remove` ([§3.5.2.2](https://www.rfc-editor.org/rfc/rfc7644#section-3.5.2.2)).
    Remove,
    /// `replace` ([§3.5.2.3](https://www.rfc-editor.org/rfc/rfc7644#section-3.5.2.3)).
    Replace,
}

impl OpKind {
    /// The wire name (`add`, `remove`, `replace`).
    pub const fn as_str(self) -> &'static str {
        match self {
            OpKind::Add => "add",
            OpKind::Remove => "remove",
            OpKind::Replace => "replace",
        }
    }
}

impl fmt::Display for OpKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One operation of a PATCH request
/// ([RFC 7644 §3.5.2](https://www.rfc-editor.org/rfc/rfc7644#section-3.5.2)).
///
/// Decoded by [`PatchRequest::from_slice`](super::PatchRequest::from_slice), or built with
/// [`PatchOperation::new`]. The value is kept as the client sent it; it is checked and coerced
/// against the attribute's schema when the operation is applied.
#[derive(Debug, Clone, PartialEq)]
pub struct PatchOperation {
    kind: OpKind,
    path: Option<PatchPath>,
    path_text: Option<Box<str>>,
    value: Option<Value>,
}

impl PatchOperation {
    /// An operation from its parts; `path_text` is the path as written, used in error details
    /// (when absent a description of `path` is used).
    pub fn new(
        kind: OpKind,
        path: Option<PatchPath>,
        path_text: Option<String>,
        value: Option<Value>,
    ) -> Self {
        let path_text = match (path_text, &path) {
            (Some(t), _) => Some(t.into_boxed_str()),
            (None, Some(p)) => Some(p.to_string().into_boxed_str()),
            (None, None) => None,
        };
        Self::from_parts(kind, path, path_text, value)
    }

    /// An operation from its parts, the path text already boxed (the decoder's one copy).
    #[inline]
    pub(crate) fn from_parts(
        kind: OpKind,
        path: Option<PatchPath>,
        path_text: Option<Box<str>>,
        value: Option<Value>,
    ) -> Self {
        PatchOperation {
            kind,
            path,
            path_text,
            value,
        }
    }

    /// The operation kind.
    pub fn kind(&self) -> OpKind {
        self.kind
    }
    /// The parsed `path`, if the operation has one.
    pub fn path(&self) -> Option<&PatchPath> {
        self.path.as_ref()
    }
    /// The `path` as the client wrote it.
    pub fn path_text(&self) -> Option<&str> {
        self.path_text.as_deref()
    }
    /// The `value`, as the client sent it.
    pub fn value(&self) -> Option<&Value> {
        self.value.as_ref()
    }

    /// How error details name this operation's target.
    pub(crate) fn label(&self) -> &str {
        self.path_text.as_deref().unwrap_or("(no path)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::path::AttrPath;

    #[test]
    fn describes_paths_for_errors() {
        let p = PatchPath {
            attr: AttrPath::new("manager")
                .with_urn("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"),
            filter: None,
            sub_attr: None,
        };
        let op = PatchOperation::new(OpKind::Remove, Some(p), None, None);
        assert_eq!(
            op.label(),
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager"
        );
        assert_eq!(OpKind::Replace.to_string(), "replace");
    }
}
