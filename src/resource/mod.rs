//! Typed SCIM resources ([RFC 7643 §4](https://www.rfc-editor.org/rfc/rfc7643#section-4),
//! [§5](https://www.rfc-editor.org/rfc/rfc7643#section-5)).
