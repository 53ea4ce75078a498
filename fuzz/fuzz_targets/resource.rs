//! Fuzzes the `resource` check (fuzz/checks/resource.rs, which documents the input format and the
//! invariants); tests/it/fuzz_corpus.rs replays the corpus through the same check.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../checks.rs"]
mod checks;

fuzz_target!(|data: &[u8]| {
    checks::resource::resource(data);
});
