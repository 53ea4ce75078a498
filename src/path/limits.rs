//! Bounds on filter and path parsing: input length and nesting depth
//! ([RFC 7644 §3.4.2.2](https://www.rfc-editor.org/rfc/rfc7644#section-3.4.2.2) leaves limits to
//! the service provider; RFC 7644 §3.12 answers a rejected filter with `invalidFilter`).
//! Public as [`crate::filter::ParseLimits`]; here, below filters and PATCH paths, because the
//! path lexer checks the length.

use super::error::ParseError;
use super::lexer::Lexer;

/// Bounds on what the filter parser accepts
/// ([RFC 7644 §3.4.2.2](https://www.rfc-editor.org/rfc/rfc7644#section-3.4.2.2); the RFC
/// leaves limits to the service provider).
///
/// Depth counts nested `( … )`, `not ( … )` and `[ … ]`: `(a pr)` has depth 1. It is capped at
/// [`ParseLimits::MAX_DEPTH`] whatever is asked, so that dropping, printing and evaluating any
/// accepted filter stays far from the stack's end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ParseLimits {
    /// The longest input accepted, in bytes (default 8 KiB).
    pub max_length: usize,
    /// The deepest nesting accepted (default 64).
    pub max_depth: usize,
}

impl ParseLimits {
    /// The hard cap on [`ParseLimits::max_depth`].
    pub const MAX_DEPTH: usize = 256;

    /// The defaults: 8 KiB, depth 64.
    pub const DEFAULT: ParseLimits = ParseLimits {
        max_length: 8 * 1024,
        max_depth: 64,
    };

    /// These limits with another maximum length in bytes.
    pub const fn with_max_length(mut self, bytes: usize) -> Self {
        self.max_length = bytes;
        self
    }

    /// These limits with another maximum depth (capped at [`ParseLimits::MAX_DEPTH`]).
    pub const fn with_max_depth(mut self, depth: usize) -> Self {
        self.max_depth = if depth > Self::MAX_DEPTH {
            Self::MAX_DEPTH
        } else {
            depth
        };
        self
    }

    pub(crate) fn depth(&self) -> usize {
        self.max_depth.min(Self::MAX_DEPTH)
    }
}

impl Default for ParseLimits {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// The input's length within `limits`; else an error over the bytes past the limit.
pub(crate) fn check_length(lx: &Lexer<'_>, limits: &ParseLimits) -> Result<(), ParseError> {
    let len = lx.src().len();
    if len > limits.max_length {
        return Err(ParseError::new(
            lx.kind,
            lx.clamp(limits.max_length..len),
            format!("expected at most {} bytes", limits.max_length),
        ));
    }
    Ok(())
}
