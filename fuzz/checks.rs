#![allow(dead_code)] // each fuzz target uses one of the checks
//! The checks the fuzz targets run on each input; `tests/it/fuzz_corpus.rs` replays the
//! committed corpora through the same functions, so CI checks them without a fuzzer.

#[path = "checks/request.rs"]
pub mod request;
#[path = "checks/resource.rs"]
pub mod resource;
#[path = "checks/validate.rs"]
pub mod validate;

use scimitar::AttrPath;
use scimitar::filter::{Filter, ParseLimits};
use scimitar::patch::PatchPath;
use scimitar::path::parse_attribute_list;

/// Limits for re-parsing printed text: printing may lengthen (escapes), never deepen.
fn reparse_limits() -> ParseLimits {
    ParseLimits::default().with_max_length(usize::MAX)
}

/// An error's span lies inside the input, on character boundaries.
fn span_ok(input: &str, e: &scimitar::ParseError) {
    let span = e.span();
    assert!(
        span.start <= span.end && input.get(span.clone()).is_some(),
        "{input:?}: span {span:?} of {e}"
    );
}

/// `Filter::parse` never panics; what it accepts prints to a text that parses to an equal
/// tree, and printing that tree again gives the same text.
pub fn filter(input: &str) {
    let f = match Filter::parse(input) {
        Ok(f) => f,
        Err(e) => return span_ok(input, &e),
    };
    {
        let text = f.to_string();
        match Filter::parse_with(&text, &reparse_limits()) {
            Ok(back) => {
                assert_eq!(back, f, "{input:?} printed as {text:?}");
                assert_eq!(back.to_string(), text);
            }
            Err(e) => panic!("{input:?} printed as {text:?}, which does not parse: {e}"),
        }
    }
}

/// The path parsers never panic, and what they accept round-trips through `Display`.
pub fn path(input: &str) {
    for e in [
        PatchPath::parse(input).err(),
        AttrPath::parse(input).err(),
        parse_attribute_list(input).err(),
    ]
    .into_iter()
    .flatten()
    {
        span_ok(input, &e);
    }
    if let Ok(p) = PatchPath::parse(input) {
        let text = p.to_string();
        match PatchPath::parse_with(&text, &reparse_limits()) {
            Ok(back) => assert_eq!(back, p, "{input:?} printed as {text:?}"),
            Err(e) => panic!("{input:?} printed as {text:?}, which does not parse: {e}"),
        }
    }
    if let Ok(p) = AttrPath::parse(input) {
        assert_eq!(AttrPath::parse(&p.to_string()).ok(), Some(p), "{input:?}");
    }
    if let Ok(list) = parse_attribute_list(input) {
        let text = list
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(",");
        assert_eq!(parse_attribute_list(&text).ok(), Some(list), "{input:?}");
    }
}
