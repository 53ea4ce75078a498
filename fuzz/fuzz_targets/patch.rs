//! Fuzzes PATCH decoding and application (RFC 7644 §3.5.2): no panic; a failing PATCH leaves
//! the resource byte-identical; a succeeding one leaves it valid under its schema. The check is
//! shared with the corpus replay test (tests/it/patch_corpus.rs).
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../tests/it/patch_fuzz_check.rs"]
mod check;

fuzz_target!(|data: &[u8]| {
    check::patch(data);
});
