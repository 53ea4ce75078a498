//! Unit tests of the filter parser: grammar, precedence, errors and limits.

use super::*;
use crate::path::AttrPath;

fn cmp(name: &str, op: CompareOp, v: CompValue) -> Filter {
    Filter::Compare {
        path: AttrPath::parse(name).unwrap(),
        op,
        value: v,
    }
}
fn s(v: &str) -> CompValue {
    CompValue::String(v.into())
}
fn pr(name: &str) -> Filter {
    Filter::Present(AttrPath::parse(name).unwrap())
}

#[test]
fn every_operator_in_any_case() {
    for (kw, op) in [
        ("eq", CompareOp::Eq),
        ("NE", CompareOp::Ne),
        ("Co", CompareOp::Co),
        ("sW", CompareOp::Sw),
        ("ew", CompareOp::Ew),
        ("GT", CompareOp::Gt),
        ("lt", CompareOp::Lt),
        ("ge", CompareOp::Ge),
        ("le", CompareOp::Le),
    ] {
        assert_eq!(
            Filter::parse(&format!("a {kw} \"x\"")).unwrap(),
            cmp("a", op, s("x"))
        );
    }
    assert_eq!(Filter::parse("title PR").unwrap(), pr("title"));
}

#[test]
fn literals() {
    let v = |t: &str| match Filter::parse(&format!("a eq {t}")).unwrap() {
        Filter::Compare { value, .. } => value,
        other => panic!("{other:?}"),
    };
    assert_eq!(v("true"), CompValue::Bool(true));
    assert_eq!(v("False"), CompValue::Bool(false));
    assert_eq!(v("null"), CompValue::Null);
    assert_eq!(v("42"), CompValue::Number(42.into()));
    assert_eq!(v("-7"), CompValue::Number((-7).into()));
    assert_eq!(
        v("18446744073709551615"),
        CompValue::Number(u64::MAX.into())
    );
    assert_eq!(
        v("2.5"),
        CompValue::Number(serde_json::Number::from_f64(2.5).unwrap())
    );
    assert_eq!(v(r#""\ud83d\ude00 \u00e9""#), s("\u{1F600} \u{e9}"));
    assert_eq!(v(r#""O'Malley""#), s("O'Malley"));
    for bad in [
        "01",
        "1.",
        "1e",
        "-",
        "1x",
        "tru",
        "\"\\x\"",
        "\"\\ud800\"",
        "\"\\udc00\"",
        "\"abc",
        "\"a\u{1}\"",
        "1e999",
        "\"\\u12\"",
    ] {
        assert!(Filter::parse(&format!("a eq {bad}")).is_err(), "{bad}");
    }
}

#[test]
fn and_binds_tighter_than_or_and_chains_are_flat() {
    let f = Filter::parse("a pr or b pr and c pr or d pr").unwrap();
    assert_eq!(
        f,
        Filter::Or(vec![pr("a"), Filter::And(vec![pr("b"), pr("c")]), pr("d")])
    );
    let f = Filter::parse("a pr and b pr and c pr").unwrap();
    assert_eq!(f, Filter::And(vec![pr("a"), pr("b"), pr("c")]));
    let f = Filter::parse("a pr or (b pr or c pr)").unwrap();
    assert_eq!(
        f,
        Filter::Or(vec![pr("a"), Filter::Or(vec![pr("b"), pr("c")])])
    );
    let f = Filter::parse("(a pr)").unwrap();
    assert_eq!(f, pr("a"));
}

#[test]
fn not_grouping_and_value_paths() {
    let f = Filter::parse(r#"not ( a pr ) and not(b eq 1)"#).unwrap();
    assert_eq!(
        f,
        Filter::And(vec![
            Filter::Not(Box::new(pr("a"))),
            Filter::Not(Box::new(cmp(
                "b",
                CompareOp::Eq,
                CompValue::Number(1.into())
            )))
        ])
    );
    let f = Filter::parse(r#"emails[type eq "work" and value co "@example.com"]"#).unwrap();
    assert_eq!(
        f,
        Filter::ValuePath {
            path: AttrPath::new("emails"),
            filter: Box::new(Filter::And(vec![
                cmp("type", CompareOp::Eq, s("work")),
                cmp("value", CompareOp::Co, s("@example.com"))
            ]))
        }
    );
    // an attribute called `not` is still an attribute
    assert_eq!(Filter::parse("not pr").unwrap(), pr("not"));
    assert_eq!(
        Filter::parse("notes eq \"x\"").unwrap(),
        cmp("notes", CompareOp::Eq, s("x"))
    );
}

#[test]
fn errors_carry_span_and_expectation() {
    let cases: &[(&str, std::ops::Range<usize>, &str)] = &[
        ("userName xx \"b\"", 9..11, "comparison operator"),
        ("userName eq", 11..11, "expected a value"),
        ("userName eq bjensen", 12..19, "expected a value"),
        ("(a pr", 5..5, "')'"),
        ("a pr)", 4..5, "end of the filter"),
        ("a pr b pr", 5..6, "'and', 'or'"),
        ("a pr and", 8..8, "attribute path"),
        ("", 0..0, "attribute path"),
        ("emails[type pr", 14..14, "']'"),
        ("emails[type pr)", 14..15, "']'"),
        ("e[a[b pr]]", 3..4, "'['"),
        ("a.b[c pr]", 0..3, "sub-attribute"),
        ("not (a pr", 9..9, "')'"),
        ("a eq 1 ]", 7..8, "end of the filter"),
        ("not a pr", 4..5, "'(' after 'not'"),
        ("a eq 1.", 5..7, "digit after '.'"),
        ("a eq -", 5..6, "expected a digit"),
        ("a eq \"\\u12\u{e9}\"", 6..12, "four hex digits"),
    ];
    for (input, span, want) in cases {
        let e = Filter::parse(input).unwrap_err();
        assert_eq!(e.kind(), ParseErrorKind::Filter);
        assert_eq!(&e.span(), span, "{input}: {e}");
        assert!(e.message().contains(want), "{input}: {e}");
    }
    let e = Filter::parse("userName xx \"b\"").unwrap_err();
    assert_eq!(
        e.to_string(),
        "invalid filter at 9..11: expected a comparison operator (eq, ne, co, sw, ew, gt, lt, ge, le, pr)"
    );
}

#[test]
fn length_and_depth_limits() {
    let limits = ParseLimits::default().with_max_length(10).with_max_depth(2);
    assert!(Filter::parse_with("a pr", &limits).is_ok());
    let e = Filter::parse_with("abcdef eq 1", &limits).unwrap_err();
    assert_eq!(e.span(), 10..11);
    // the span of a length error starts on a character boundary
    let e = Filter::parse_with("a eq \"123\u{e9}\"", &limits).unwrap_err();
    assert_eq!(e.span(), 9..12);
    assert!(Filter::parse_with("((a pr))", &limits).is_ok());
    let e = Filter::parse_with("(((a pr)))", &limits).unwrap_err();
    assert_eq!(e.span(), 2..3);
    assert!(e.message().contains("at most 2 nested"));
    assert_eq!(
        ParseLimits::default().with_max_depth(1_000_000).max_depth,
        ParseLimits::MAX_DEPTH
    );
    let depth64 = format!("{}a pr{}", "(".repeat(64), ")".repeat(64));
    assert_eq!(Filter::parse(&depth64).unwrap(), pr("a"));
    let depth65 = format!("{}a pr{}", "(".repeat(65), ")".repeat(65));
    assert!(Filter::parse(&depth65).is_err());
}

#[test]
fn adversarial_inputs_end_quickly() {
    let parens = "(".repeat(100_000);
    assert!(Filter::parse(&parens).is_err());
    let big = ParseLimits::default()
        .with_max_length(usize::MAX)
        .with_max_depth(usize::MAX);
    let e = Filter::parse_with(&parens, &big).unwrap_err();
    assert!(e.message().contains("nested"));
    let nots = "not (".repeat(20_000);
    assert!(Filter::parse_with(&nots, &big).is_err());
    let chain = (0..10_000)
        .map(|i| format!("id eq \"{i}\""))
        .collect::<Vec<_>>()
        .join(" or ");
    assert!(Filter::parse(&chain).is_err());
    match Filter::parse_with(&chain, &big).unwrap() {
        Filter::Or(terms) => assert_eq!(terms.len(), 10_000),
        other => panic!("{other:?}"),
    }
    // deepest accepted nesting: display and drop stay on the stack
    let deep = format!(
        "{}a pr{}",
        "a pr and (b pr or (".repeat(ParseLimits::MAX_DEPTH / 2),
        "))".repeat(ParseLimits::MAX_DEPTH / 2)
    );
    let f = Filter::parse_with(&deep, &big).unwrap();
    assert_eq!(Filter::parse_with(&f.to_string(), &big).unwrap(), f);
}

#[test]
fn entra_value_path_with_sub_attribute_reads_as_one_value_filter() {
    let f = Filter::parse(r#"emails[type eq "work"].value eq "a@contoso.com""#).unwrap();
    let want = Filter::parse(r#"emails[type eq "work" and value eq "a@contoso.com"]"#).unwrap();
    assert_eq!(f, want);
    let f =
        Filter::parse(r#"emails[type eq "work" and primary eq true].value pr or x pr"#).unwrap();
    assert_eq!(
        f.to_string(),
        r#"emails[type eq "work" and primary eq true and value pr] or x pr"#
    );
    assert!(Filter::parse(r#"emails[type eq "work"].value"#).is_err());
    assert!(Filter::parse(r#"emails[type eq "work"]. value eq "x""#).is_err());
}
