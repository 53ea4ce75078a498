// Checks recorded Zitadel traffic (JSON lines {method, request, response, status, version}, as
// the double writes them with ZITADEL_DOUBLE_RECORD) against Zitadel's published v4.0 schemas:
// every request and every successful response must parse with protobuf-es `fromJson` under the
// RPC's *RequestSchema / *ResponseSchema, strictly (an unknown key fails; RELEASED.md §6.1).
//
// Usage: node check_proto.mjs RECORDING.jsonl   (with @zitadel/proto@1.3.1 and
// @bufbuild/protobuf resolvable, e.g. NODE_PATH or a node_modules beside this file).
//
// @zitadel/proto@1.3.1 is the v4.0 proto set. Fields added later are checked here in their v4.0
// form and by check_client.py against zitadel-client's models:
//  - ListUsers metadataKeyFilter / metadataValueFilter (v4.1): the query is removed here;
//  - root `metadata` of CreateUser (v4.13): validated here as `human.metadata` (same message);
//    of UpdateUser: each entry validated as a v4.0 `Metadata` message;
//  - zitadel.authorization.v2 (v4.6): not in the package, checked by check_client.py only.
import { readFileSync } from "node:fs";
import { fromJson } from "@bufbuild/protobuf";

const MODULES = {
  "zitadel.user.v2.UserService": "@zitadel/proto/zitadel/user/v2/user_service_pb.js",
  "zitadel.org.v2.OrganizationService": "@zitadel/proto/zitadel/org/v2/org_service_pb.js",
  "zitadel.settings.v2.SettingsService": "@zitadel/proto/zitadel/settings/v2/settings_service_pb.js",
  "zitadel.project.v2beta.ProjectService": "@zitadel/proto/zitadel/project/v2beta/project_service_pb.js",
  "zitadel.authorization.v2beta.AuthorizationService":
    "@zitadel/proto/zitadel/authorization/v2beta/authorization_service_pb.js",
};
const LATER = new Set(["zitadel.authorization.v2.AuthorizationService"]);

const [, , path] = process.argv;
if (!path) {
  console.error("usage: node check_proto.mjs RECORDING.jsonl");
  process.exit(2);
}

// Removes the v4.1+ metadata filters from a ListUsers request (at any depth).
function withoutMetadataFilters(queries) {
  const out = [];
  for (const q of queries ?? []) {
    if ("metadataKeyFilter" in q || "metadataValueFilter" in q) continue;
    if (q.andQuery) out.push({ andQuery: { queries: withoutMetadataFilters(q.andQuery.queries) } });
    else if (q.orQuery) out.push({ orQuery: { queries: withoutMetadataFilters(q.orQuery.queries) } });
    else if (q.notQuery) {
      const inner = withoutMetadataFilters([q.notQuery.query]);
      if (inner.length) out.push({ notQuery: { query: inner[0] } });
    } else out.push(q);
  }
  return out;
}

// The v4.0 form of a request (see the header), plus extra [schema, json] checks.
function asV40(method, request) {
  const extra = [];
  const req = structuredClone(request);
  if (method === "ListUsers" && req.queries) req.queries = withoutMetadataFilters(req.queries);
  if (method === "CreateUser" && req.metadata) {
    if (req.human) req.human.metadata = req.metadata;
    else extra.push(...req.metadata.map((m) => ["Metadata", m]));
    delete req.metadata;
  }
  if (method === "UpdateUser" && req.metadata) {
    extra.push(...req.metadata.map((m) => ["Metadata", m]));
    delete req.metadata;
  }
  return { req, extra };
}

const modules = {};
let checked = 0;
let later = 0;
const failures = [];
const lines = readFileSync(path, "utf8").split("\n").filter((l) => l.trim());
for (const [i, line] of lines.entries()) {
  const rec = JSON.parse(line);
  const [service, method] = rec.method.split("/");
  if (LATER.has(service)) {
    later++;
    continue;
  }
  const modPath = MODULES[service];
  if (!modPath) {
    if (rec.status === 200) failures.push(`line ${i + 1}: ${rec.method} succeeded but has no schema`);
    continue;
  }
  modules[modPath] ??= await import(modPath);
  const mod = modules[modPath];
  const reqSchema = mod[`${method}RequestSchema`];
  const resSchema = mod[`${method}ResponseSchema`];
  if (!reqSchema || !resSchema) {
    failures.push(`line ${i + 1}: ${rec.method}: no schema in ${modPath}`);
    continue;
  }
  const checks = [];
  if (typeof rec.request === "object" && rec.request !== null) {
    const { req, extra } = asV40(method, rec.request);
    checks.push(["request", reqSchema, req]);
    // zitadel.user.v2.Metadata{key, value}: the message root metadata entries are.
    for (const [, m] of extra) checks.push(["request metadata", mod.MetadataSchema, m]);
  }
  if (rec.status === 200) checks.push(["response", resSchema, rec.response]);
  for (const [what, schema, json] of checks) {
    try {
      fromJson(schema, json);
      checked++;
    } catch (e) {
      failures.push(`line ${i + 1}: ${rec.method} ${what}: ${e.message}\n    ${JSON.stringify(json)}`);
    }
  }
}
console.log(`@zitadel/proto: ${checked} messages parsed strictly, ${later} records left to zitadel-client`);
if (failures.length) {
  console.log(`${failures.length} FAILED:`);
  for (const f of failures.slice(0, 50)) console.log("  " + f);
  process.exit(1);
}
