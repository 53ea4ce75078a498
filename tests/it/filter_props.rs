//! Properties of the filter and path grammar: any syntax tree the parser can produce prints to
//! a text that parses back to the same tree, and no input string panics a parser.

use proptest::prelude::*;
use scimitar::AttrPath;
use scimitar::filter::{CompValue, CompareOp, Filter, ParseLimits};
use scimitar::patch::PatchPath;
use scimitar::path::parse_attribute_list;

fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => "[a-zA-Z][a-zA-Z0-9_-]{0,7}",
        1 => Just("$ref".to_string()),
        1 => prop::sample::select(vec!["not", "and", "or", "pr", "eq", "true", "null"]).prop_map(String::from),
    ]
}

fn urn() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "urn:ietf:params:scim:schemas:core:2.0:User",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0",
        ])
        .prop_map(String::from),
        "[a-z]{1,4}(:[a-zA-Z0-9.-]{1,6}){1,4}",
    ]
}

fn attr_path(sub: bool) -> impl Strategy<Value = AttrPath> {
    let sub_s = if sub {
        prop::option::of(name()).boxed()
    } else {
        Just(None).boxed()
    };
    (prop::option::of(urn()), name(), sub_s).prop_map(|(urn, name, sub)| AttrPath {
        urn: urn.map(Into::into),
        name: name.into(),
        sub_attr: sub.map(Into::into),
    })
}

fn comp_value() -> impl Strategy<Value = CompValue> {
    prop_oneof![
        Just(CompValue::Null),
        any::<bool>().prop_map(CompValue::Bool),
        any::<i64>().prop_map(|n| CompValue::Number(n.into())),
        any::<u64>().prop_map(|n| CompValue::Number(n.into())),
        any::<f64>()
            .prop_filter_map("finite", serde_json::Number::from_f64)
            .prop_map(CompValue::Number),
        any::<String>().prop_map(|s| CompValue::String(s.into())),
        "[ -~]{0,12}".prop_map(|s| CompValue::String(s.into())),
    ]
}

fn compare_op() -> impl Strategy<Value = CompareOp> {
    prop::sample::select(vec![
        CompareOp::Eq,
        CompareOp::Ne,
        CompareOp::Co,
        CompareOp::Sw,
        CompareOp::Ew,
        CompareOp::Gt,
        CompareOp::Lt,
        CompareOp::Ge,
        CompareOp::Le,
    ])
}

fn leaf() -> impl Strategy<Value = Filter> {
    prop_oneof![
        3 => (attr_path(true), compare_op(), comp_value())
            .prop_map(|(path, op, value)| Filter::Compare { path, op, value }),
        1 => attr_path(true).prop_map(Filter::Present),
    ]
}

/// Trees the parser produces: and/or with two or more terms, value paths not nested and
/// without a sub-attribute on their path.
fn filter_in(value_path: bool) -> BoxedStrategy<Filter> {
    leaf()
        .prop_recursive(5, 48, 4, move |inner| {
            let mut options = vec![
                prop::collection::vec(inner.clone(), 2..5)
                    .prop_map(Filter::And)
                    .boxed(),
                prop::collection::vec(inner.clone(), 2..5)
                    .prop_map(Filter::Or)
                    .boxed(),
                inner.clone().prop_map(|f| Filter::Not(Box::new(f))).boxed(),
            ];
            if value_path {
                options.push(
                    (attr_path(false), filter_in(false))
                        .prop_map(|(path, f)| Filter::ValuePath {
                            path,
                            filter: Box::new(f),
                        })
                        .boxed(),
                );
            }
            prop::strategy::Union::new(options)
        })
        .boxed()
}

fn patch_path() -> impl Strategy<Value = PatchPath> {
    prop_oneof![
        attr_path(true).prop_map(|attr| PatchPath {
            attr,
            filter: None,
            sub_attr: None
        }),
        (attr_path(false), filter_in(false), prop::option::of(name())).prop_map(
            |(attr, f, sub)| {
                PatchPath {
                    attr,
                    filter: Some(f),
                    sub_attr: sub.map(Into::into),
                }
            }
        ),
    ]
}

/// Token soup: reaches deep into the grammar more often than arbitrary strings do.
fn filterish() -> impl Strategy<Value = String> {
    let tokens = vec![
        "(", ")", "[", "]", " ", "not", "NOT ", "and", " or ", "eq", " pr", " gt ", "\"x\"", "\"",
        "\\", "\\u", "d800", "1", "-", "1.5e3", "e", ".", ":", "a", "emails", "urn:a:b", "true",
        "null", "$ref", ",", "\u{e9}", "\t", "\u{0}",
    ];
    prop::collection::vec(prop::sample::select(tokens), 0..40).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn display_then_parse_is_identity(f in filter_in(true)) {
        let text = f.to_string();
        let limits = ParseLimits::default().with_max_length(usize::MAX);
        let back = Filter::parse_with(&text, &limits);
        prop_assert_eq!(back.as_ref().ok(), Some(&f), "{} -> {:?}", text, back);
    }

    #[test]
    fn patch_paths_round_trip(p in patch_path()) {
        let text = p.to_string();
        let back = PatchPath::parse_with(&text, &ParseLimits::default().with_max_length(usize::MAX));
        prop_assert_eq!(back.as_ref().ok(), Some(&p), "{} -> {:?}", text, back);
    }

    #[test]
    fn attr_paths_round_trip(p in attr_path(true)) {
        let text = p.to_string();
        prop_assert_eq!(AttrPath::parse(&text).ok(), Some(p));
    }

    #[test]
    fn no_string_panics_the_parsers(s in any::<String>()) {
        check_any(&s);
    }

    #[test]
    fn no_token_soup_panics_the_parsers(s in filterish()) {
        check_any(&s);
    }
}

/// What the fuzz targets check: parsers never panic, and what they accept re-prints to an
/// equal tree.
pub(crate) fn check_any(s: &str) {
    crate::fuzz_corpus::checks::filter(s);
    crate::fuzz_corpus::checks::path(s);
    if let Ok(f) = Filter::parse(s) {
        let text = f.to_string();
        let back = Filter::parse_with(&text, &ParseLimits::default().with_max_length(usize::MAX));
        assert_eq!(back.as_ref().ok(), Some(&f), "{s:?} -> {text:?}");
    }
    if let Ok(p) = PatchPath::parse(s) {
        let text = p.to_string();
        let back =
            PatchPath::parse_with(&text, &ParseLimits::default().with_max_length(usize::MAX));
        assert_eq!(back.as_ref().ok(), Some(&p), "{s:?} -> {text:?}");
    }
    if let Ok(p) = AttrPath::parse(s) {
        assert_eq!(AttrPath::parse(&p.to_string()).ok(), Some(p));
    }
    if let Ok(list) = parse_attribute_list(s) {
        let text = list
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(",");
        assert_eq!(parse_attribute_list(&text).ok(), Some(list));
    }
}
