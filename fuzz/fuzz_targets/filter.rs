//! Fuzzes `Filter::parse`: no panic, and accepted filters survive display -> parse.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../checks.rs"]
mod checks;

fuzz_target!(|data: &[u8]| {
    if let Ok(s) = std::str::from_utf8(data) {
        checks::filter(s);
    }
});
