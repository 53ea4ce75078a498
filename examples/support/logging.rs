//! Request logs of the example servers, through `tracing-subscriber`: scimitar's `tracing`
//! feature opens one `scim_request` span per request (method, route template, tenant) and
//! closes it with one event (status, latency in µs; `error` level with the cause chain for a 5xx).
//!
//! | variable | meaning | default |
//! |---|---|---|
//! | `SCIM_LOG_FORMAT` | `json` for one JSON object per line; anything else: readable lines | readable |
//! | `RUST_LOG` | level and per-module filter, e.g. `warn`, `info,scimitar=debug` | `info` |
//!
//! A readable line:
//! `2026-12-06T16:00:00.123Z  INFO scim_request{method=GET route=/Users tenant=default}: request answered status=200 latency_us=84`

use std::io::IsTerminal;
use tracing_subscriber::EnvFilter;

/// Installs the global subscriber, as `SCIM_LOG_FORMAT` and `RUST_LOG` say. A subscriber that is
/// already installed is kept.
pub fn init() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let json =
        std::env::var("SCIM_LOG_FORMAT").is_ok_and(|v| v.trim().eq_ignore_ascii_case("json"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stdout().is_terminal())
        .with_target(false);
    let installed = if json {
        builder
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .try_init()
    } else {
        builder.try_init()
    };
    // Err only when a subscriber is already installed: that one is kept.
    let _ = installed;
}
