//! Running the operations of a bulk request
//! ([RFC 7644 §3.7](https://www.rfc-editor.org/rfc/rfc7644#section-3.7)).
//!
//! Each operation becomes the request it stands for and goes through the same resource
//! handlers as a single request (`perform`), with the bulk request's [`Context`]: the same
//! validation, the same tenant. The `bulkId` references of an operation are replaced by the
//! ids of the resources created before it runs; POSTs that refer to each other in a cycle are
//! created without the parts that refer into the cycle, which are then added by PATCH once all
//! of them exist (the resolution RFC 7644 §3.7.1 asks a service provider to try; a PATCH that
//! fails makes that operation 409 `invalidValue`).

use super::bulk_id::{self, Deferred};
use super::order::{self, Step};
use super::request::{BulkMethod, BulkRequest, Operation, shown};
use super::response::OpResult;
use crate::Error;
use crate::auth::Context;
use crate::server::ScimServer;
use crate::server::refs::SEGMENT;
use http::StatusCode;
use percent_encoding::utf8_percent_encode;
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};

/// The PatchOp message URN (RFC 7644 §3.5.2).
const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

/// The state of one bulk request while it runs.
struct Run<'a> {
    server: &'a ScimServer,
    ctx: &'a Context,
    ops: Vec<Operation>,
    /// bulkId → the index of the POST that defines it.
    defined_by: HashMap<String, usize>,
    /// The id of the resource each operation created (POSTs that succeeded).
    created: Vec<Option<String>>,
    results: Vec<Option<OpResult>>,
    errors: usize,
    fail_on_errors: Option<usize>,
}

/// Why a `bulkId` reference could not be replaced by an id.
enum Unresolved {
    /// No POST of the request defines it.
    Unknown(String),
    /// Its POST failed (or could not run).
    Failed(String),
}

impl Unresolved {
    fn error(&self) -> Error {
        match self {
            Unresolved::Unknown(id) => Error::invalid_value(format!(
                "bulkId:{} is not the bulkId of a POST in this request",
                shown(id)
            )),
            Unresolved::Failed(id) => Error::with_status(
                StatusCode::CONFLICT,
                Some(crate::ScimType::InvalidValue),
                format!(
                    "bulkId:{} cannot be resolved: the operation that creates it failed",
                    shown(id)
                ),
            ),
        }
    }
}

impl ScimServer {
    /// Runs the operations of a decoded bulk request; the results of the operations that ran,
    /// in request order.
    pub(super) async fn run_bulk(&self, ctx: &Context, request: BulkRequest) -> Vec<OpResult> {
        let n = request.operations.len();
        let defined_by: HashMap<String, usize> = request
            .operations
            .iter()
            .enumerate()
            .filter(|(_, op)| op.method == BulkMethod::Post)
            .filter_map(|(i, op)| op.bulk_id.clone().map(|id| (id, i)))
            .collect();
        let deps: Vec<Vec<usize>> = request
            .operations
            .iter()
            .map(|op| dependencies(op, &defined_by))
            .collect();
        let mut run = Run {
            server: self,
            ctx,
            ops: request.operations,
            defined_by,
            created: vec![None; n],
            results: (0..n).map(|_| None).collect(),
            errors: 0,
            fail_on_errors: request.fail_on_errors,
        };
        for step in order::plan(&deps) {
            if run.stopped() {
                break;
            }
            if step.cyclic {
                run.cycle(&step).await;
            } else {
                for &i in &step.ops {
                    if run.stopped() {
                        break;
                    }
                    run.single(i).await;
                }
            }
        }
        run.results.into_iter().flatten().collect()
    }
}

/// The operations `op` refers to by bulkId (path and data), each once.
fn dependencies(op: &Operation, defined_by: &HashMap<String, usize>) -> Vec<usize> {
    let mut deps: Vec<usize> = bulk_id::path_references(&op.path)
        .chain(op.data.iter().flat_map(bulk_id::references))
        .filter_map(|id| defined_by.get(id).copied())
        .collect();
    deps.sort_unstable();
    deps.dedup();
    deps
}

impl Run<'_> {
    /// Whether `failOnErrors` errors have been seen (RFC 7644 §3.7.3).
    fn stopped(&self) -> bool {
        self.fail_on_errors.is_some_and(|max| self.errors >= max)
    }

    fn record(&mut self, i: usize, result: OpResult) {
        if result.is_error() {
            self.errors += 1;
        }
        if let (Some(id), Some(slot)) = (&result.created_id, self.created.get_mut(i)) {
            *slot = Some(id.clone());
        }
        if let Some(slot) = self.results.get_mut(i) {
            *slot = Some(result);
        }
    }

    /// The id a bulkId stands for.
    fn resolve(&self, id: &str) -> Result<String, Unresolved> {
        let Some(&i) = self.defined_by.get(id) else {
            return Err(Unresolved::Unknown(id.to_owned()));
        };
        self.created
            .get(i)
            .cloned()
            .flatten()
            .ok_or_else(|| Unresolved::Failed(id.to_owned()))
    }

    /// The operation's path and data with every bulkId replaced.
    fn resolved(
        &self,
        op: &Operation,
        data: Option<Value>,
    ) -> Result<(String, Option<Value>), Unresolved> {
        let path = bulk_id::resolve_path(&op.path, &|id| {
            self.resolve(id)
                .map(|r| utf8_percent_encode(&r, SEGMENT).to_string())
        })?;
        let data = match data {
            Some(mut d) => {
                bulk_id::resolve_value(&mut d, &|id| self.resolve(id))?;
                Some(d)
            }
            None => None,
        };
        Ok((path, data))
    }

    /// Runs operation `i` as it is.
    async fn single(&mut self, i: usize) {
        let Some(op) = self.ops.get_mut(i) else {
            return;
        };
        let data = op.data.take();
        let op = op.clone();
        let result = self.execute(&op, data).await;
        self.record(i, result);
    }

    /// Resolves and performs one operation with this data.
    async fn execute(&self, op: &Operation, data: Option<Value>) -> OpResult {
        match self.resolved(op, data) {
            Ok((path, data)) => {
                let version = op.version.as_deref();
                let mut result = self
                    .server
                    .perform(self.ctx, op.method, &path, version, data.as_ref())
                    .await;
                result.bulk_id.clone_from(&op.bulk_id);
                result
            }
            Err(e) => OpResult::failed(op, &e.error()),
        }
    }

    /// POSTs that refer to each other: each is created without the parts that refer into the
    /// cycle, then those parts are added by PATCH (RFC 7644 §3.7.1).
    async fn cycle(&mut self, step: &Step) {
        let cyclic: HashSet<String> = step
            .ops
            .iter()
            .filter_map(|&i| self.ops.get(i).and_then(|op| op.bulk_id.clone()))
            .collect();
        let cyclic_ref: HashSet<&str> = cyclic.iter().map(String::as_str).collect();
        let mut deferred: Vec<(usize, Vec<Deferred>)> = Vec::new();
        for &i in &step.ops {
            if self.stopped() {
                return;
            }
            let Some(op) = self.ops.get_mut(i) else {
                continue;
            };
            let mut data = op.data.take();
            let later = data
                .as_mut()
                .map(|d| bulk_id::defer_cyclic(d, &cyclic_ref))
                .unwrap_or_default();
            let op = op.clone();
            let result = self.execute(&op, data).await;
            let created = result.created_id.is_some();
            self.record(i, result);
            if created && !later.is_empty() {
                deferred.push((i, later));
            }
        }
        for (i, later) in deferred {
            if self.stopped() {
                return;
            }
            self.add_deferred(i, later).await;
        }
    }

    /// The PATCH that adds to the resource operation `i` created what referred into its cycle.
    async fn add_deferred(&mut self, i: usize, later: Vec<Deferred>) {
        let Some(Some(result)) = self.results.get(i) else {
            return;
        };
        let Some(location) = result.location.clone() else {
            return;
        };
        let path = location
            .strip_prefix(self.server.base_url())
            .unwrap_or(&location)
            .to_owned();
        let operations: Vec<Value> = later
            .into_iter()
            .map(|d| json!({"op": "add", "path": d.path, "value": d.value}))
            .collect();
        let mut patch = json!({"schemas": [PATCH_OP], "Operations": operations});
        let outcome = match bulk_id::resolve_value(&mut patch, &|id| self.resolve(id)) {
            Ok(()) => {
                self.server
                    .perform(self.ctx, BulkMethod::Patch, &path, None, Some(&patch))
                    .await
            }
            Err(e) => OpResult::failed_as(BulkMethod::Patch, &e.error()),
        };
        let Some(Some(result)) = self.results.get_mut(i) else {
            return;
        };
        if outcome.is_error() {
            let detail = outcome
                .response
                .as_ref()
                .and_then(|r| r.get("detail"))
                .and_then(Value::as_str)
                .unwrap_or("the PATCH failed");
            let e = Error::with_status(
                StatusCode::CONFLICT,
                Some(crate::ScimType::InvalidValue),
                format!(
                    "the resource was created, but its circular references could not be \
                     added: {detail}"
                ),
            );
            result.status = e.status();
            result.response = Some(e.to_json());
            self.errors += 1;
        } else if outcome.version.is_some() {
            result.version = outcome.version;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dependencies_come_from_path_and_data_once_each() {
        let defined_by: HashMap<String, usize> = [("u".to_owned(), 3), ("g".to_owned(), 1)]
            .into_iter()
            .collect();
        let op = Operation {
            method: BulkMethod::Patch,
            bulk_id: None,
            version: None,
            path: "/Groups/bulkId:g".into(),
            data: Some(json!({"Operations": [
                {"op": "add", "path": "members",
                 "value": [{"value": "bulkId:u"}, {"value": "bulkId:u"}, {"value": "bulkId:x"}]}
            ]})),
        };
        assert_eq!(dependencies(&op, &defined_by), vec![1, 3]);
    }
}
