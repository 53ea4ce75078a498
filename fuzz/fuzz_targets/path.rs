//! Fuzzes the path parsers (`PatchPath`, `AttrPath`, attribute lists): no panic, and accepted
//! paths survive display -> parse.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../checks.rs"]
mod checks;

fuzz_target!(|data: &[u8]| {
    if let Ok(s) = std::str::from_utf8(data) {
        checks::path(s);
    }
});
