//! [`Failure`]: which conformance check failed, and why.

/// A conformance check that did not pass: its name (the kit function that runs it, e.g.
/// `"model"`) and what the backend did that RFC 7643/7644 or the trait's contract forbids
/// ([RFC 7644 §3](https://www.rfc-editor.org/rfc/rfc7644#section-3)).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("conformance check `{check}` failed: {detail}")]
pub struct Failure {
    check: &'static str,
    detail: String,
}

impl Failure {
    pub(crate) fn new(check: &'static str, detail: impl Into<String>) -> Self {
        Failure {
            check,
            detail: detail.into(),
        }
    }

    /// The check's name: `model`, `rfc_examples`, `replays`, `concurrent_group_members`,
    /// `concurrent_user_patches`, `uniqueness_race`, `isolation_by_id`, `isolation_by_filter`,
    /// `isolation_by_search`, `isolation_by_key`, `cursor_walk` or `key_store`.
    pub fn check(&self) -> &'static str {
        self.check
    }

    /// What went wrong: the step, the request or operation, and what was expected.
    pub fn detail(&self) -> &str {
        &self.detail
    }
}

/// The internal result of a check: `Err` says what went wrong, [`Failure::new`] adds the name.
pub(crate) type Outcome<T = ()> = Result<T, String>;

/// Turns any displayable error into the kit's `Err(String)`, naming the step.
pub(crate) trait Step<T> {
    /// `Err(e)` becomes `Err("{what}: {e}")`.
    fn step(self, what: &str) -> Outcome<T>;
}

impl<T, E: std::fmt::Display> Step<T> for Result<T, E> {
    fn step(self, what: &str) -> Outcome<T> {
        self.map_err(|e| format!("{what}: {e}"))
    }
}

impl<T> Step<T> for Option<T> {
    fn step(self, what: &str) -> Outcome<T> {
        self.ok_or_else(|| format!("{what}: missing"))
    }
}

/// `ensure!(condition, "format", args…)`: returns `Err(format!(…))` from the check when the
/// condition is false.
macro_rules! ensure {
    ($cond:expr, $($fmt:tt)+) => {
        if !$cond {
            return Err(format!($($fmt)+));
        }
    };
}
pub(crate) use ensure;
