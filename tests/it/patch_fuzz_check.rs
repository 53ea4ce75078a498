//! The check the `patch` fuzz target runs on each input (fuzz/fuzz_targets/patch.rs includes
//! this file); `patch_corpus.rs` replays the committed corpus through it, so CI checks the
//! corpus without a fuzzer.
//!
//! Any bytes: decoding (lenient and strict) never panics; applied to the RFC 7643 §8.2 full
//! user, the §8.3 enterprise user and the §8.4 group, a failing PATCH leaves the resource
//! byte-identical and a succeeding one leaves it valid under its schema; a Group PATCH's member
//! delta, where there is one, applies to the group without panicking and all or nothing.

use scimitar::Compat;
use scimitar::patch::{PatchLimits, PatchRequest};
use scimitar::query::validate::{ValidateOptions, check};
use scimitar::schema::ResourceSchema;
use serde_json::Value;

const FULL_USER: &str = include_str!("../data/rfc7643/full_user.json");
const ENTERPRISE_USER: &str = include_str!("../data/rfc7643/enterprise_user.json");
const GROUP: &str = include_str!("../data/rfc7643/group.json");

/// Runs every check on one input; panics when one fails.
pub fn patch(data: &[u8]) {
    let limits = PatchLimits::new(64, 256);
    for compat in [Compat::default(), Compat::strict()] {
        let Ok(req) = PatchRequest::from_slice(data, &compat, &limits) else {
            continue;
        };
        for (text, schema) in [
            (FULL_USER, ResourceSchema::user()),
            (ENTERPRISE_USER, ResourceSchema::user()),
            (GROUP, ResourceSchema::group()),
        ] {
            let mut resource: Value = serde_json::from_str(text).unwrap();
            let before = serde_json::to_string(&resource).unwrap();
            match req.apply(&mut resource, &schema) {
                Err(_) => assert_eq!(
                    serde_json::to_string(&resource).unwrap(),
                    before,
                    "a failed PATCH changed the resource"
                ),
                Ok(out) => {
                    if let Err(e) = check(&resource, &schema, &ValidateOptions::strict()) {
                        panic!("PATCH result does not validate: {e}\n{resource}");
                    }
                    if !out.changed {
                        assert_eq!(serde_json::to_string(&resource).unwrap(), before);
                    }
                }
            }
        }
        let group_schema = ResourceSchema::group();
        if let Ok(Some(delta)) = req.group_delta(&group_schema) {
            let mut group: Value = serde_json::from_str(GROUP).unwrap();
            let before = serde_json::to_string(&group).unwrap();
            match delta.apply_to(&mut group, &group_schema) {
                Err(_) => assert_eq!(serde_json::to_string(&group).unwrap(), before),
                Ok(()) => {
                    if let Err(e) = check(&group, &group_schema, &ValidateOptions::strict()) {
                        panic!("member delta result does not validate: {e}\n{group}");
                    }
                }
            }
        }
    }
}
