//! Known deviations of real SCIM clients from RFC 7643/7644, each switchable
//! ([RFC 7644 §3.5.2](https://www.rfc-editor.org/rfc/rfc7644#section-3.5.2) is where most of them
//! show up).
//!
//! Microsoft Entra ID and Okta send requests that a strict reading of the RFCs rejects. Every
//! deviation listed here is unambiguous — accepting it changes the meaning of no RFC-correct
//! request — so [`Compat::default`] accepts all of them; [`Compat::strict`] accepts none. Each
//! field is one switch, named after the deviation, and the layers that meet it (PATCH decoding and
//! application, the typed resources, the server's content negotiation) read it from here.
//!
//! ```
//! use scimitar::Compat;
//!
//! // Strict RFC behaviour, except for Entra's "True"/"False" booleans.
//! let mut compat = Compat::strict();
//! compat.boolean_strings = true;
//! assert!(!compat.capitalized_op_names);
//! assert!(Compat::default().capitalized_op_names);
//! ```

/// Which client deviations from [RFC 7643](https://www.rfc-editor.org/rfc/rfc7643) and
/// [RFC 7644](https://www.rfc-editor.org/rfc/rfc7644) are accepted (see the [module docs](self)).
///
/// Build one from [`Compat::default`] (lenient: every known deviation accepted) or
/// [`Compat::strict`] (none) and flip single fields. New switches may be added in later versions,
/// always accepted by `default()` and refused by `strict()`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Compat {
    /// PATCH `op` names in any letter case (`"Replace"`, `"Add"`, `"Remove"`), as Entra ID sends
    /// them; RFC 7644 §3.5.2 spells them `add`, `remove`, `replace`.
    pub capitalized_op_names: bool,
    /// The strings `"True"`/`"False"` (any letter case) accepted as values of `boolean`
    /// attributes ([RFC 7643 §2.3.2](https://www.rfc-editor.org/rfc/rfc7643#section-2.3.2)
    /// wants JSON `true`/`false`); Entra ID sends `"value": "False"` for `active`. Applies to
    /// PATCH values and to POST and PUT bodies alike.
    pub boolean_strings: bool,
    /// `{"op": "remove", "path": "members", "value": [{"value": "<id>"}]}` removes only the listed
    /// values of a multi-valued attribute (Entra ID's member removal). Without this switch a
    /// `remove` carrying a `value` is rejected (`invalidSyntax`) rather than removing every member.
    pub remove_with_value_list: bool,
    /// A bare string given for a singular complex attribute that has a `value` sub-attribute —
    /// the enterprise extension's `manager` — means `{"value": "<string>"}` (Entra ID sends the
    /// manager's id alone). Applies to PATCH values and to POST and PUT bodies alike.
    pub complex_as_bare_value: bool,
    /// A `null` or empty-string (`""`) PATCH value means "clear the attribute" (Entra ID clears
    /// `manager` and other attributes this way). Without this switch a `null` value is rejected
    /// and `""` is an ordinary string value. In POST and PUT bodies the switch governs `""`
    /// given for a complex attribute the same way (`null` is unassigned there in both modes,
    /// [RFC 7643 §2.5](https://www.rfc-editor.org/rfc/rfc7643#section-2.5)).
    pub null_or_empty_clears: bool,
    /// An `id` inside a path-less PATCH value (Okta sends `{"op": "replace", "value": {"id": ..,
    /// "displayName": ..}}`) is ignored; `id` is `readOnly` (RFC 7643 §3.1), so without this
    /// switch it is a `mutability` error. (POST and PUT ignore `id` in both modes: RFC 7644
    /// §3.3 and §3.5.1 have a server ignore `readOnly` values there.)
    pub ignore_id_in_values: bool,
    /// Keys of a path-less `add`/`replace` value that are attribute paths rather than attribute
    /// names: dotted sub-attribute keys (`"name.givenName"`) and URN-qualified keys
    /// (`"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber"`), as Entra ID
    /// sends with its `aadOptscim062020` flag. Without this switch such keys are `invalidPath`.
    pub pathless_path_keys: bool,
    /// A PATCH body without `schemas`. RFC 7644 §3.5.2 requires
    /// `["urn:ietf:params:scim:api:messages:2.0:PatchOp"]`; a body whose `schemas` is present but
    /// lacks that URN is refused either way.
    pub missing_patch_schema: bool,
    /// `replace` on a value-filter path that matches no element (`emails[type eq "work"].value`
    /// on a user without a work email) creates the element from the filter's `eq` terms and the
    /// value, as Entra ID expects. RFC 7644 §3.5.2.3 answers `noTarget`. (`add` on such a path
    /// creates the element in both modes: §3.5.2.1 adds a target that does not exist.)
    pub replace_creates_filtered_value: bool,
    /// Request bodies typed `application/json` are accepted as `application/scim+json`
    /// ([RFC 7644 §3.1](https://www.rfc-editor.org/rfc/rfc7644#section-3.1) names the latter;
    /// some clients and tools send the former). Read by the server layer.
    pub json_content_type: bool,
}

impl Default for Compat {
    /// Every known deviation accepted.
    fn default() -> Self {
        Compat::lenient()
    }
}

impl Compat {
    /// Every known deviation accepted (the same as [`Compat::default`]).
    pub const fn lenient() -> Self {
        Compat {
            capitalized_op_names: true,
            boolean_strings: true,
            remove_with_value_list: true,
            complex_as_bare_value: true,
            null_or_empty_clears: true,
            ignore_id_in_values: true,
            pathless_path_keys: true,
            missing_patch_schema: true,
            replace_creates_filtered_value: true,
            json_content_type: true,
        }
    }

    /// No deviation accepted: RFC 7643/7644 as written.
    pub const fn strict() -> Self {
        Compat {
            capitalized_op_names: false,
            boolean_strings: false,
            remove_with_value_list: false,
            complex_as_bare_value: false,
            null_or_empty_clears: false,
            ignore_id_in_values: false,
            pathless_path_keys: false,
            missing_patch_schema: false,
            replace_creates_filtered_value: false,
            json_content_type: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_is_lenient_and_strict_is_not() {
        assert_eq!(Compat::default(), Compat::lenient());
        assert_ne!(Compat::default(), Compat::strict());
        let s = Compat::strict();
        assert!(!s.boolean_strings && !s.json_content_type && !s.pathless_path_keys);
    }
}
