//! Replays of what Microsoft Entra ID and Okta really send (`tests/data/clients/*.json`; the
//! format is described in `tests/data/clients/README.md`), request by request, through
//! `ScimServer::handle` on a fresh in-memory backend: the conformance kit's runner
//! (`scimitar::testkit::check_replay`). `.ci/replay.py` applies the same rules to the same files
//! over HTTP against the running example server.

use scimitar::backend::{IdentityBackend, MemoryBackend};
use scimitar::testkit::{self, CLIENT_REPLAYS};
use std::path::Path;
use std::sync::Arc;

async fn replay_file(name: &str) {
    let replay = CLIENT_REPLAYS
        .iter()
        .find(|r| r.name == name)
        .unwrap_or_else(|| panic!("{name} is not among the kit's replays"));
    let memory = || async { Arc::new(MemoryBackend::new()) as Arc<dyn IdentityBackend> };
    if let Err(failure) = testkit::check_replay(&memory, replay).await {
        panic!("{failure}");
    }
}

#[tokio::test]
async fn entra_user_lifecycle() {
    replay_file("entra_user_lifecycle.json").await;
}

#[tokio::test]
async fn entra_group_lifecycle() {
    replay_file("entra_group_lifecycle.json").await;
}

#[tokio::test]
async fn entra_aadoptscim062020() {
    replay_file("entra_aadoptscim062020.json").await;
}

#[tokio::test]
async fn okta_user_lifecycle() {
    replay_file("okta_user_lifecycle.json").await;
}

#[tokio::test]
async fn okta_group_push() {
    replay_file("okta_group_push.json").await;
}

/// Every file in the directory is embedded in the kit (a new file cannot be silently skipped).
#[test]
fn every_client_file_is_replayed() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/clients");
    let mut files: Vec<String> = std::fs::read_dir(dir)
        .expect("tests/data/clients")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(".json"))
        .collect();
    files.sort();
    let kit: Vec<&str> = CLIENT_REPLAYS.iter().map(|r| r.name).collect();
    assert!(files.len() >= 5, "{files:?}");
    assert_eq!(files, kit);
}
