//! The `resource` check: `User::from_json` / `Group::from_json` on any JSON, and the round trip
//! of what they accept.
//!
//! Invariants: no panic; an accepted resource's `to_json` is read back, even under
//! `Compat::strict` (the output uses no client quirk), to an equal value (but for `password`,
//! which is never written) whose `to_json` is the same JSON; and that JSON passes
//! `validate::check` against the resource type's schemas.

use scimitar::Compat;
use scimitar::query::validate::{ValidateOptions, check};
use scimitar::resource::{Group, User};
use scimitar::schema::ResourceSchema;
use serde_json::Value;
use std::sync::LazyLock;

static USER: LazyLock<ResourceSchema> = LazyLock::new(ResourceSchema::user);
static GROUP: LazyLock<ResourceSchema> = LazyLock::new(ResourceSchema::group);

/// Runs every check on one input (JSON text; other bytes are skipped).
pub fn resource(data: &[u8]) {
    let Ok(value) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    for compat in [Compat::default(), Compat::strict()] {
        if let Ok(user) = User::from_json_with(value.clone(), &compat) {
            let json = user.to_json();
            let back = match User::from_json_with(json.clone(), &Compat::strict()) {
                Ok(u) => u,
                Err(e) => panic!("{value} read as {json}, which does not re-read: {e}"),
            };
            let mut expected = user;
            expected.password = None;
            assert_eq!(back, expected, "{value} read as {json}");
            assert_eq!(back.to_json(), json, "{value}");
            if let Err(e) = check(&json, &USER, &ValidateOptions::default()) {
                panic!("{value} read as {json}, which does not validate: {e}");
            }
        }
    }
    if let Ok(group) = Group::from_json(value.clone()) {
        let json = group.to_json();
        let back = match Group::from_json(json.clone()) {
            Ok(g) => g,
            Err(e) => panic!("{value} read as {json}, which does not re-read: {e}"),
        };
        assert_eq!(back, group, "{value} read as {json}");
        assert_eq!(back.to_json(), json, "{value}");
        if let Err(e) = check(&json, &GROUP, &ValidateOptions::default()) {
            panic!("{value} read as {json}, which does not validate: {e}");
        }
    }
}
