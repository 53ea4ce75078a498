//! Replays of what Microsoft Entra ID and Okta really send (`tests/data/clients/*.json`; the
//! format is described in `tests/data/clients/README.md`), request by request, through
//! `Server::handle` on a fresh in-memory backend. `.ci/replay.py` applies the same rules to the
//! same files over HTTP against the running example server.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use bytes::Bytes;
use scimitar::auth::{Context, Principal, Secret, StaticTokenAuthenticator};
use scimitar::backend::MemoryBackend;
use scimitar::server::ScimServer;
use serde_json::Value;

/// Where the replayed server believes it is mounted; `${base}` in the files.
const BASE: &str = "http://scim.test/scim/v2";
/// The bearer key the replayed client sends.
const KEY: &str = "replay-test-key";
const SCIM_MEDIA_TYPE: &str = "application/scim+json";
/// What Entra ID sends as the body's media type.
const REQUEST_CONTENT_TYPE: &str = "application/scim+json; charset=utf-8";

fn clients_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/clients")
}

fn load(name: &str) -> Value {
    let path = clients_dir().join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Replaces every `${name}` in every string of `value`.
fn substitute(value: &Value, vars: &HashMap<String, String>) -> Result<Value, String> {
    Ok(match value {
        Value::String(s) => Value::String(substitute_str(s, vars)?),
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|v| substitute(v, vars))
                .collect::<Result<_, _>>()?,
        ),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| Ok((k.clone(), substitute(v, vars)?)))
                .collect::<Result<_, String>>()?,
        ),
        other => other.clone(),
    })
}

fn substitute_str(s: &str, vars: &HashMap<String, String>) -> Result<String, String> {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after
            .find('}')
            .ok_or_else(|| format!("unterminated variable in {s:?}"))?;
        let name = &after[..end];
        let value = vars
            .get(name)
            .ok_or_else(|| format!("unknown variable ${{{name}}}"))?;
        out.push_str(value);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Expected objects are subsets; arrays match element-wise in any order with equal length;
/// scalars are equal (numbers by value).
fn subset(expected: &Value, actual: &Value, at: &str) -> Result<(), String> {
    match (expected, actual) {
        (Value::Object(want), Value::Object(got)) => {
            for (key, value) in want {
                let got = got
                    .get(key)
                    .ok_or_else(|| format!("{at}/{key}: missing (expected {value})"))?;
                subset(value, got, &format!("{at}/{key}"))?;
            }
            Ok(())
        }
        (Value::Array(want), Value::Array(got)) => {
            if want.len() != got.len() {
                return Err(format!(
                    "{at}: expected {} elements, got {}: {actual}",
                    want.len(),
                    got.len()
                ));
            }
            let mut unused: Vec<usize> = (0..got.len()).collect();
            for element in want {
                let found = unused
                    .iter()
                    .position(|&j| subset(element, &got[j], at).is_ok())
                    .ok_or_else(|| format!("{at}: no element matches {element} in {actual}"))?;
                unused.remove(found);
            }
            Ok(())
        }
        (Value::Number(a), Value::Number(b)) if a.as_f64() == b.as_f64() => Ok(()),
        (a, b) if a == b && !a.is_object() && !a.is_array() => Ok(()),
        _ => Err(format!("{at}: expected {expected}, got {actual}")),
    }
}

fn header<'a>(response: &'a http::Response<Bytes>, name: &str) -> Option<&'a str> {
    response.headers().get(name).and_then(|v| v.to_str().ok())
}

fn build_request(request: &Value, key: &str) -> Result<http::Request<Bytes>, String> {
    let method = request["method"].as_str().ok_or("request.method")?;
    let path = request["path"].as_str().ok_or("request.path")?;
    let uri = format!("{BASE}{path}");
    let mut builder = http::Request::builder().method(method).uri(uri);
    if request.get("auth").and_then(Value::as_bool).unwrap_or(true) {
        builder = builder.header(http::header::AUTHORIZATION, format!("Bearer {key}"));
    }
    let body = match request.get("body") {
        Some(body) => {
            builder = builder.header(http::header::CONTENT_TYPE, REQUEST_CONTENT_TYPE);
            Bytes::from(serde_json::to_vec(body).map_err(|e| e.to_string())?)
        }
        None => Bytes::new(),
    };
    if let Some(headers) = request.get("headers").and_then(Value::as_object) {
        for (name, value) in headers {
            let value = value.as_str().ok_or("request.headers values are strings")?;
            builder = builder.header(name.as_str(), value);
        }
    }
    builder.body(body).map_err(|e| e.to_string())
}

fn check(expect: &Value, response: &http::Response<Bytes>) -> Result<Option<Value>, String> {
    let status = response.status().as_u16();
    let raw = response.body();
    let mut body = None;
    if !raw.is_empty() {
        let content_type = header(response, "content-type").unwrap_or("");
        if !content_type.starts_with(SCIM_MEDIA_TYPE) {
            return Err(format!(
                "Content-Type is {content_type:?}, not {SCIM_MEDIA_TYPE}"
            ));
        }
        body =
            Some(serde_json::from_slice::<Value>(raw).map_err(|e| {
                format!("body is not JSON ({e}): {}", String::from_utf8_lossy(raw))
            })?);
    }
    let statuses: Vec<u64> = match &expect["status"] {
        Value::Array(list) => list.iter().filter_map(Value::as_u64).collect(),
        one => one.as_u64().into_iter().collect(),
    };
    if !statuses.contains(&u64::from(status)) {
        return Err(format!(
            "status {status}, expected {statuses:?}; body: {}",
            String::from_utf8_lossy(raw)
        ));
    }
    if let Some(headers) = expect.get("headers").and_then(Value::as_object) {
        for (name, want) in headers {
            let want = want.as_str().unwrap_or_default();
            match header(response, name) {
                Some(got) if got.starts_with(want) => {}
                got => return Err(format!("header {name}: expected {want:?}, got {got:?}")),
            }
        }
    }
    if let Some(want) = expect.get("body") {
        let got = body.as_ref().ok_or("expected a body, got none")?;
        subset(want, got, "")?;
    }
    let pointers = |key: &str| -> Vec<String> {
        expect
            .get(key)
            .and_then(Value::as_array)
            .map(|list| {
                list.iter()
                    .filter_map(|p| p.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default()
    };
    for pointer in pointers("present") {
        if body.as_ref().and_then(|b| b.pointer(&pointer)).is_none() {
            return Err(format!("{pointer}: expected to be present in {body:?}"));
        }
    }
    for pointer in pointers("absent") {
        if body.as_ref().and_then(|b| b.pointer(&pointer)).is_some() {
            return Err(format!("{pointer}: expected to be absent from {body:?}"));
        }
    }
    Ok(body)
}

/// Replays one file; `Err` names the failing step, the request and what did not match.
async fn replay(name: &str, script: &Value, server: &ScimServer) -> Result<usize, String> {
    let mut vars = HashMap::from([("base".to_owned(), BASE.to_owned())]);
    let steps = script["steps"].as_array().ok_or("no steps")?;
    for (number, raw) in steps.iter().enumerate() {
        let label = format!(
            "{name} step {} ({})",
            number + 1,
            raw["name"].as_str().unwrap_or_default()
        );
        let step = substitute(raw, &vars).map_err(|e| format!("{label}: {e}"))?;
        let request = build_request(&step["request"], KEY).map_err(|e| format!("{label}: {e}"))?;
        let response = server.handle(request).await;
        let body = check(&step["expect"], &response).map_err(|e| {
            format!(
                "{label}\n  request: {} {}\n  request body: {}\n  {e}",
                step["request"]["method"],
                step["request"]["path"],
                step["request"].get("body").unwrap_or(&Value::Null)
            )
        })?;
        if let Some(captures) = step.get("capture").and_then(Value::as_object) {
            for (var, pointer) in captures {
                let value = body
                    .as_ref()
                    .and_then(|b| b.pointer(pointer.as_str().unwrap_or_default()))
                    .and_then(Value::as_str)
                    .ok_or_else(|| format!("{label}: capture {var}: {pointer} is not a string"))?;
                vars.insert(var.clone(), value.to_owned());
            }
        }
    }
    Ok(steps.len())
}

/// A fresh server on an empty in-memory backend, accepting [`KEY`] for one tenant.
fn server() -> ScimServer {
    let auth = StaticTokenAuthenticator::new(
        &Secret::new(KEY),
        Context::new("replay", Principal::new("client")),
    );
    ScimServer::builder()
        .backend(Arc::new(MemoryBackend::new()))
        .authenticator(Arc::new(auth))
        .base_url(BASE)
        .build()
        .expect("server")
}

fn run(script: &Value, name: &str) -> Result<usize, String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    runtime.block_on(replay(name, script, &server()))
}

fn replay_file(name: &str) {
    let script = load(name);
    match run(&script, name) {
        Ok(steps) => assert!(steps > 0, "{name} has no steps"),
        Err(failure) => panic!("{failure}"),
    }
}

#[test]
fn entra_user_lifecycle() {
    replay_file("entra_user_lifecycle.json");
}

#[test]
fn entra_group_lifecycle() {
    replay_file("entra_group_lifecycle.json");
}

#[test]
fn entra_aadoptscim062020() {
    replay_file("entra_aadoptscim062020.json");
}

#[test]
fn okta_user_lifecycle() {
    replay_file("okta_user_lifecycle.json");
}

#[test]
fn okta_group_push() {
    replay_file("okta_group_push.json");
}

/// Every file in the directory has a test above (a new file cannot be silently skipped).
#[test]
fn every_client_file_is_replayed() {
    let source = include_str!("replay.rs");
    let mut files: Vec<String> = std::fs::read_dir(clients_dir())
        .expect("tests/data/clients")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(".json"))
        .collect();
    files.sort();
    assert!(files.len() >= 5, "{files:?}");
    for file in files {
        assert!(
            source.contains(&format!("replay_file(\"{file}\")")),
            "{file} is not replayed"
        );
    }
}

/// The harness is not vacuous: a wrong expected value, status, header or absent member fails.
#[test]
fn a_wrong_expectation_fails_the_replay() {
    let script = load("entra_user_lifecycle.json");
    let mutations: [(&str, Value); 5] = [
        ("/steps/1/expect/body/totalResults", Value::from(1)),
        ("/steps/4/expect/status", Value::from(200)),
        (
            "/steps/0/expect/headers/WWW-Authenticate",
            Value::from("Basic"),
        ),
        ("/steps/4/expect/present", serde_json::json!(["/password"])),
        ("/steps/9/expect/absent", serde_json::json!(["/userName"])),
    ];
    for (pointer, wrong) in mutations {
        let mut broken = script.clone();
        *broken.pointer_mut(pointer).expect(pointer) = wrong;
        let failure = run(&broken, "mutated").expect_err(pointer);
        assert!(failure.contains("mutated step"), "{pointer}: {failure}");
    }
}

#[test]
fn subset_matching_rules() {
    let actual = serde_json::json!({"a": [{"v": 1, "t": "x"}, {"v": 2}], "n": 1.0, "s": "S"});
    assert!(
        subset(
            &serde_json::json!({"a": [{"v": 2}, {"t": "x"}]}),
            &actual,
            ""
        )
        .is_ok()
    );
    assert!(subset(&serde_json::json!({"n": 1}), &actual, "").is_ok());
    assert!(subset(&serde_json::json!({"a": [{"v": 1}]}), &actual, "").is_err());
    assert!(subset(&serde_json::json!({"a": [{"v": 1}, {"v": 1}]}), &actual, "").is_err());
    assert!(subset(&serde_json::json!({"s": "s"}), &actual, "").is_err());
    assert!(subset(&serde_json::json!({"missing": null}), &actual, "").is_err());
    assert!(subset(&serde_json::json!({"n": true}), &actual, "").is_err());
}

#[test]
fn variables_are_substituted_and_unknown_ones_refused() {
    let vars = HashMap::from([("id".to_owned(), "42".to_owned())]);
    let value = serde_json::json!({"path": "/Users/${id}", "list": ["${id}${id}"]});
    assert_eq!(
        substitute(&value, &vars).unwrap(),
        serde_json::json!({"path": "/Users/42", "list": ["4242"]})
    );
    assert!(substitute(&serde_json::json!("${nope}"), &vars).is_err());
}
