//! Replays every input of the `patch` fuzz corpus (fuzz/corpus/patch/, seeded with the RFC 7644
//! §3.5.2 examples and the Entra ID / Okta bodies, plus anything the fuzzer found) through the
//! fuzz target's own check, so CI checks the corpus without a fuzzer.

use super::patch_fuzz_check;

#[test]
fn patch_fuzz_corpus_replays_clean() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/fuzz/corpus/patch");
    let mut n = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let data = std::fs::read(&path).unwrap();
        let run = std::panic::catch_unwind(|| patch_fuzz_check::patch(&data));
        assert!(
            run.is_ok(),
            "corpus input {} failed its check",
            path.display()
        );
        n += 1;
    }
    assert!(n >= 20, "the seed corpus is missing ({n} files)");
}

#[test]
fn seed_corpus_bodies_decode() {
    // the seeds other than the error cases are valid PatchOp messages in lenient mode
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/fuzz/corpus/patch");
    for name in [
        "rfc7644_3_5_2_1_add_member",
        "entra_replace_active_false_string",
        "okta_group_rename_with_id",
    ] {
        let data = std::fs::read(format!("{dir}/{name}.json")).unwrap();
        scimitar::PatchRequest::from_slice(
            &data,
            &scimitar::Compat::default(),
            &scimitar::PatchLimits::default(),
        )
        .unwrap();
    }
}
