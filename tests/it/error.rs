use scimitar::{Error, ScimType};

#[test]
fn invalid_filter_is_400() {
    let e = Error::invalid_filter("bad");
    assert_eq!(e.status().as_u16(), 400);
    assert_eq!(e.scim_type(), Some(ScimType::InvalidFilter));
}
