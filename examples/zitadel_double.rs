//! The Zitadel v4 double as a runnable server, for trying the Zitadel backend by hand and for
//! the end-to-end CI stage (`.ci/zitadel`).
//!
//! ```sh
//! cargo run --example zitadel_double --features zitadel-double
//! ```
//!
//! Environment:
//! - `ZITADEL_DOUBLE_ADDR` (default `127.0.0.1:8081`);
//! - `ZITADEL_DOUBLE_ORGS`: comma-separated org ids to create (default `org-a,org-b`);
//! - `ZITADEL_DOUBLE_VERSION`: `v4.0`, `v4.1`, `v4.6` or `v4.13` (default);
//! - `ZITADEL_DOUBLE_RECORD`: append every request and response to this JSON-lines file;
//! - `ZITADEL_DOUBLE_429`, `ZITADEL_DOUBLE_LAG_MS`, `ZITADEL_DOUBLE_LATENCY_MS`: faults
//!   (share of 429s, ListUsers lag, latency per call).
//!
//! It prints `ZITADEL_URL=…` and `ZITADEL_PAT=…` lines (and `ZITADEL_KEY_FILE=…` when
//! `ZITADEL_DOUBLE_KEY_FILE` names where to write the service user's key file), then serves
//! until interrupted.

use std::time::Duration;

use scimitar::zitadel_double::{DoubleConfig, Faults, ZitadelDouble, ZitadelVersion};

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let address = env("ZITADEL_DOUBLE_ADDR").unwrap_or_else(|| "127.0.0.1:8081".into());
    let orgs = env("ZITADEL_DOUBLE_ORGS").unwrap_or_else(|| "org-a,org-b".into());
    let version = match env("ZITADEL_DOUBLE_VERSION").as_deref() {
        None | Some("v4.13") => ZitadelVersion::V4_13,
        Some("v4.6") => ZitadelVersion::V4_6,
        Some("v4.1") => ZitadelVersion::V4_1,
        Some("v4.0") => ZitadelVersion::V4_0,
        Some(other) => return Err(format!("unknown ZITADEL_DOUBLE_VERSION {other}").into()),
    };
    let config = DoubleConfig::default()
        .with_address(address.parse()?)
        .with_orgs(orgs.split(',').map(str::trim).filter(|o| !o.is_empty()))
        .with_version(version)
        .with_seed(7);
    let double = ZitadelDouble::start(config).await?;
    if let Some(path) = env("ZITADEL_DOUBLE_RECORD") {
        double.record_to(Some(path.as_ref()))?;
    }
    let ms = |name: &str| -> Result<Duration, Box<dyn std::error::Error>> {
        Ok(Duration::from_millis(
            env(name).map_or(Ok(0), |v| v.parse())?,
        ))
    };
    double.set_faults(
        Faults::default()
            .with_rate_429(env("ZITADEL_DOUBLE_429").map_or(Ok(0.0), |v| v.parse())?)
            .with_seed(7)
            .with_latency(ms("ZITADEL_DOUBLE_LATENCY_MS")?)
            .with_list_users_lag(ms("ZITADEL_DOUBLE_LAG_MS")?),
    );
    println!("ZITADEL_URL={}", double.url());
    println!("ZITADEL_PAT={}", double.pat());
    if let Some(path) = env("ZITADEL_DOUBLE_KEY_FILE") {
        std::fs::write(&path, double.key_file_json())?;
        println!("ZITADEL_KEY_FILE={path}");
    }
    tokio::signal::ctrl_c().await?;
    double.shutdown().await;
    Ok(())
}
