//! Replays the committed cargo-fuzz corpora (`fuzz/corpus/{filter,path}`: RFC examples, Entra
//! filters and every crash input ever found) through the checks the fuzz targets run, so CI
//! covers them without a fuzzer.

#[path = "../../fuzz/checks.rs"]
pub(crate) mod checks;

use std::path::Path;

fn replay(dir: &str, check: fn(&str)) -> usize {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(dir);
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        // the fuzz targets skip non-UTF-8 input the same way
        if let Ok(s) = std::str::from_utf8(&bytes) {
            check(s);
        }
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
