//! Resources of types registered at run time in the memory backend: per tenant and type, each
//! resource's JSON body with its stamp, in id order, and the index of the values the type
//! declares unique ([RFC 7643 §2.2](https://www.rfc-editor.org/rfc/rfc7643#section-2.2)
//! `uniqueness`, [§6](https://www.rfc-editor.org/rfc/rfc7643#section-6);
//! [RFC 7644 §3](https://www.rfc-editor.org/rfc/rfc7644#section-3)).

use super::store::{Stamp, TenantStore, Write};
use super::uid::Uid;
use crate::backend::generic::{not_found, taken};
use crate::backend::{BackendError, UniqueValue, unique_values};
use crate::patch::PatchRequest;
use crate::resource::{GenericResource, VersionCondition};
use crate::schema::ResourceSchema;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashMap};

/// One stored resource: its body (no `id`, `meta`), stamp and unique values.
#[derive(Debug, Clone)]
pub(crate) struct ResourceRec {
    pub(crate) body: Map<String, Value>,
    pub(crate) stamp: Stamp,
    pub(crate) unique: Vec<UniqueValue>,
}

/// The resources of one type in one tenant.
#[derive(Debug, Default)]
pub(crate) struct TypeStore {
    pub(crate) recs: BTreeMap<Uid, ResourceRec>,
    unique: HashMap<UniqueValue, Uid>,
}

/// The key of a resource type in [`TenantStore::resources`]: its name, lower-cased.
pub(crate) fn type_key(schema: &ResourceSchema) -> String {
    schema.resource_type().name.to_ascii_lowercase()
}

impl TypeStore {
    fn check_unique(
        &self,
        schema: &ResourceSchema,
        values: &[UniqueValue],
        except: Option<Uid>,
    ) -> Result<(), BackendError> {
        for u in values {
            if let Some(owner) = self.unique.get(u)
                && Some(*owner) != except
            {
                return Err(taken(schema, u));
            }
        }
        Ok(())
    }

    /// Inserts (or replaces) a record, keeping the unique index in step.
    pub(crate) fn put(&mut self, id: Uid, rec: ResourceRec) {
        if let Some(old) = self.recs.get(&id) {
            for u in &old.unique {
                self.unique.remove(u);
            }
        }
        for u in &rec.unique {
            self.unique.insert(u.clone(), id);
        }
        self.recs.insert(id, rec);
    }

    fn remove(&mut self, id: Uid) -> Option<ResourceRec> {
        let old = self.recs.remove(&id)?;
        for u in &old.unique {
            self.unique.remove(u);
        }
        Some(old)
    }

    pub(crate) fn resource(&self, schema: &ResourceSchema, id: Uid) -> Option<GenericResource> {
        let rec = self.recs.get(&id)?;
        let meta = rec.stamp.meta(&schema.resource_type().name);
        Some(GenericResource::from_parts(
            id.to_string(),
            meta,
            rec.body.clone(),
        ))
    }
}

fn parse(schema: &ResourceSchema, id: &str) -> Result<Uid, BackendError> {
    Uid::parse(id).ok_or_else(|| not_found(schema, id))
}

impl TenantStore {
    /// The store of a type, if the tenant has any of its resources.
    pub(crate) fn of_type(&self, schema: &ResourceSchema) -> Option<&TypeStore> {
        self.resources.get(&type_key(schema))
    }

    fn of_type_mut(&mut self, schema: &ResourceSchema) -> &mut TypeStore {
        self.resources.entry(type_key(schema)).or_default()
    }

    pub(crate) fn get_resource(
        &self,
        schema: &ResourceSchema,
        id: &str,
    ) -> Result<GenericResource, BackendError> {
        let uid = parse(schema, id)?;
        self.of_type(schema)
            .and_then(|t| t.resource(schema, uid))
            .ok_or_else(|| not_found(schema, id))
    }

    pub(crate) fn create_resource(
        &mut self,
        schema: &ResourceSchema,
        resource: GenericResource,
        w: Write,
    ) -> Result<GenericResource, BackendError> {
        let unique = unique_values(schema, &resource);
        let store = self.of_type_mut(schema);
        store.check_unique(schema, &unique, None)?;
        let id = loop {
            let id = Uid::random();
            if !store.recs.contains_key(&id) {
                break id;
            }
        };
        let rec = ResourceRec {
            body: resource.body().clone(),
            stamp: Stamp::new(w),
            unique,
        };
        store.put(id, rec);
        store
            .resource(schema, id)
            .ok_or_else(|| BackendError::internal_msg("a created resource vanished"))
    }

    pub(crate) fn replace_resource(
        &mut self,
        schema: &ResourceSchema,
        id: &str,
        resource: GenericResource,
        if_match: Option<&VersionCondition>,
        w: Write,
    ) -> Result<GenericResource, BackendError> {
        let uid = parse(schema, id)?;
        let store = self.of_type_mut(schema);
        let Some(current) = store.recs.get(&uid) else {
            return Err(not_found(schema, id));
        };
        current.stamp.check(if_match)?;
        if current.body == *resource.body() {
            // nothing changed: the version stays (RFC 7644 §3.14)
            return store
                .resource(schema, uid)
                .ok_or_else(|| not_found(schema, id));
        }
        let unique = unique_values(schema, &resource);
        store.check_unique(schema, &unique, Some(uid))?;
        let mut stamp = current.stamp;
        stamp.touch(w);
        let rec = ResourceRec {
            body: resource.body().clone(),
            stamp,
            unique,
        };
        store.put(uid, rec);
        store
            .resource(schema, uid)
            .ok_or_else(|| not_found(schema, id))
    }

    pub(crate) fn patch_resource(
        &mut self,
        schema: &ResourceSchema,
        id: &str,
        patch: &PatchRequest,
        if_match: Option<&VersionCondition>,
        w: Write,
    ) -> Result<GenericResource, BackendError> {
        let current = self.get_resource(schema, id)?;
        check(&current, if_match)?;
        let mut json = current.to_json();
        if !patch.apply(&mut json, schema)?.changed {
            return Ok(current);
        }
        let patched = GenericResource::from_json(json)?;
        self.replace_resource(schema, id, patched, None, w)
    }

    pub(crate) fn delete_resource(
        &mut self,
        schema: &ResourceSchema,
        id: &str,
        if_match: Option<&VersionCondition>,
    ) -> Result<(), BackendError> {
        let uid = parse(schema, id)?;
        let store = self.of_type_mut(schema);
        let Some(current) = store.recs.get(&uid) else {
            return Err(not_found(schema, id));
        };
        current.stamp.check(if_match)?;
        store.remove(uid);
        Ok(())
    }
}

fn check(r: &GenericResource, if_match: Option<&VersionCondition>) -> Result<(), BackendError> {
    crate::backend::check_if_match(if_match, r.version())
}
