//! JSON strings written straight into a response buffer: copied between quotes when nothing
//! in them needs escaping (the common case for ids, URLs and names), escaped by serde_json
//! otherwise ([RFC 8259 §7](https://www.rfc-editor.org/rfc/rfc8259#section-7)).

/// Whether serde_json would write `s` unchanged between quotes: no control character, `"` or
/// `\` (the only characters it escapes). Branch-free, so it runs a word at a time.
fn plain(s: &str) -> bool {
    s.bytes()
        .fold(true, |ok, b| ok & (b >= 0x20) & (b != b'"') & (b != b'\\'))
}

/// Appends `s` as a JSON string, exactly as `serde_json` writes it.
pub(crate) fn write_str(out: &mut Vec<u8>, s: &str) {
    if plain(s) {
        out.reserve(s.len() + 2);
        out.push(b'"');
        out.extend_from_slice(s.as_bytes());
        out.push(b'"');
    } else {
        let mark = out.len();
        // writing a `&str` into a `Vec` cannot fail; keep the buffer whole if it ever did
        if serde_json::to_writer(&mut *out, s).is_err() {
            out.truncate(mark);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ours(s: &str) -> String {
        let mut out = b"x".to_vec();
        write_str(&mut out, s);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn plain_and_escaped_strings() {
        assert_eq!(ours("https://x/Users/1"), "x\"https://x/Users/1\"");
        assert_eq!(ours("W/\"3\""), "x\"W/\\\"3\\\"\"");
        assert_eq!(ours("a\\b\u{1}\n\u{7f}é"), "x\"a\\\\b\\u0001\\n\u{7f}é\"");
        assert_eq!(ours(""), "x\"\"");
    }

    proptest! {
        #[test]
        fn same_as_serde_json(s in any::<String>()) {
            prop_assert_eq!(ours(&s), format!("x{}", serde_json::to_string(&s).unwrap()));
        }
    }
}
