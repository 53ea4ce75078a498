//! Replays the committed cargo-fuzz corpora (`fuzz/corpus/{filter,path,request,resource,
//! validate}`: RFC examples, Entra ID / Okta requests and every crash input ever found) through
//! the checks the fuzz targets run, so CI covers them without a fuzzer.

#[path = "../../fuzz/checks.rs"]
pub(crate) mod checks;

use std::path::Path;

fn replay(dir: &str, check: fn(&str)) -> usize {
    replay_bytes(dir, &|bytes| {
        // the fuzz targets skip non-UTF-8 input the same way
        if let Ok(s) = std::str::from_utf8(bytes) {
            check(s);
        }
    })
}

/// Runs every file of `fuzz/corpus/<dir>` through `check`, naming the file that fails.
fn replay_bytes(dir: &str, check: &(dyn Fn(&[u8]) + std::panic::RefUnwindSafe)) -> usize {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(dir);
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        let run = std::panic::catch_unwind(|| check(&bytes));
        assert!(
            run.is_ok(),
            "corpus input {} failed its check",
            path.display()
        );
        n += 1;
    }
    n
}

#[test]
fn filter_corpus_replays() {
    assert!(
        replay("filter", checks::filter) >= 17,
        "the RFC examples are seeds"
    );
}

#[test]
fn path_corpus_replays() {
    assert!(
        replay("path", checks::path) >= 7,
        "the RFC examples are seeds"
    );
    // paths are parsed as filters too: a filter parser must never panic on them
    replay("path", checks::filter);
    replay("filter", checks::path);
}

#[test]
fn request_corpus_replays() {
    assert!(
        replay_bytes("request", &checks::request::request) >= 20,
        "the client request seeds are missing"
    );
}

#[test]
fn request_seeds_reach_the_handler() {
    // the seeds are real requests: each gets the answer a client expects
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/request");
    for (name, status) in [
        ("entra_test_connection", 200),
        ("entra_create_user", 201),
        ("entra_create_user_duplicate", 409),
        ("entra_create_group", 201),
        ("entra_patch_work_email", 200),
        ("entra_patch_remove_member", 204),
        ("okta_put_group_members", 200),
        ("search_root", 200),
        ("discovery_schemas", 200),
        ("bad_auth_wrong_token", 401),
        ("malformed_json", 400),
        ("wrong_content_type", 415),
        ("bulk", 400),
        ("bulk_rfc_user_group", 200),
        ("bulk_circular", 200),
        ("bulk_duplicate_bulk_id", 400),
        ("bulk_errors", 200),
        ("me_unmapped", 501),
        ("method_not_allowed", 405),
        ("delete_user", 204),
        ("patch_missing_user", 404),
        ("if_match_stale", 412),
        ("sort_count_zero", 200),
        ("filter_incomplete", 400),
    ] {
        let data = std::fs::read(dir.join(format!("{name}.txt"))).unwrap();
        let got = checks::request::respond(&data).map(|s| s.as_u16());
        assert_eq!(got, Some(status), "{name}");
    }
}

#[test]
fn resource_corpus_replays() {
    assert!(
        replay_bytes("resource", &checks::resource::resource) >= 8,
        "the RFC 7643 example seeds are missing"
    );
}

#[test]
fn validate_corpus_replays() {
    assert!(
        replay_bytes("validate", &checks::validate::validate) >= 8,
        "the create body seeds are missing"
    );
}
