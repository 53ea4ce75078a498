//! Replays of what Microsoft Entra ID and Okta really send (the files of
//! `tests/data/clients/`, embedded; their format is described in
//! `tests/data/clients/README.md`), request by request, through `ScimServer::handle` over a
//! fresh backend ([RFC 7644 §3](https://www.rfc-editor.org/rfc/rfc7644#section-3)).

use super::failure::{Outcome, Step};
use super::harness::{Bench, SCIM_MEDIA_TYPE, Tenant, at, subset};
use super::{BackendFactory, Failure};
use bytes::Bytes;
use serde_json::Value;
use std::collections::HashMap;

/// One recorded client conversation: a file of `tests/data/clients/`, requests and the
/// answers a correct server gives ([RFC 7644 §3](https://www.rfc-editor.org/rfc/rfc7644#section-3)).
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct ClientReplay {
    /// The file name, e.g. `entra_user_lifecycle.json`.
    pub name: &'static str,
    /// The file's JSON text.
    pub script: &'static str,
}

macro_rules! replays {
    ($($file:literal),+ $(,)?) => {
        &[$(ClientReplay {
            name: $file,
            script: include_str!(concat!("../../tests/data/clients/", $file)),
        }),+]
    };
}

/// Every recorded conversation of Entra ID and Okta the kit replays
/// ([RFC 7644 §3](https://www.rfc-editor.org/rfc/rfc7644#section-3)).
pub const CLIENT_REPLAYS: &[ClientReplay] = replays![
    "entra_aadoptscim062020.json",
    "entra_group_lifecycle.json",
    "entra_user_lifecycle.json",
    "okta_group_push.json",
    "okta_user_lifecycle.json",
];

/// What Entra ID sends as the body's media type.
const REQUEST_CONTENT_TYPE: &str = "application/scim+json; charset=utf-8";

/// Replays every file of [`CLIENT_REPLAYS`], each on a fresh backend (check `replays`;
/// [RFC 7644 §3](https://www.rfc-editor.org/rfc/rfc7644#section-3)).
pub async fn check_replays<F: BackendFactory + ?Sized>(factory: &F) -> Result<(), Failure> {
    for replay in CLIENT_REPLAYS {
        check_replay(factory, replay).await?;
    }
    Ok(())
}

/// Replays one conversation on a fresh backend (check `replays`): every step must get the
/// recorded status, headers and body ([RFC 7644 §3](https://www.rfc-editor.org/rfc/rfc7644#section-3)).
pub async fn check_replay<F: BackendFactory + ?Sized>(
    factory: &F,
    replay: &ClientReplay,
) -> Result<(), Failure> {
    let run = async {
        let script: Value = serde_json::from_str(replay.script).step(replay.name)?;
        let bench = Bench::new(factory).await?;
        run_script(replay.name, &script, &bench).await.map(drop)
    };
    run.await.map_err(|e| Failure::new("replays", e))
}

/// Runs one script; `Err` names the failing step, the request and what did not match.
async fn run_script(name: &str, script: &Value, bench: &Bench) -> Outcome<usize> {
    let base = super::harness::BASE;
    let mut vars = HashMap::from([("base".to_owned(), base.to_owned())]);
    let steps = at(script, "steps")
        .as_array()
        .step(&format!("{name}: steps"))?;
    if steps.is_empty() {
        return Err(format!("{name} has no steps"));
    }
    for (number, raw) in steps.iter().enumerate() {
        let label = format!(
            "{name} step {} ({})",
            number + 1,
            at(raw, "name").as_str().unwrap_or_default()
        );
        let step = substitute(raw, &vars).step(&label)?;
        let request = build_request(at(&step, "request"), base).step(&label)?;
        let response = bench.server.handle(request).await;
        let body = check(at(&step, "expect"), &response).map_err(|e| {
            format!(
                "{label}\n  request: {} {}\n  request body: {}\n  {e}",
                at(at(&step, "request"), "method"),
                at(at(&step, "request"), "path"),
                at(&step, "request").get("body").unwrap_or(&Value::Null)
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

/// Replaces every `${name}` in every string of `value`.
fn substitute(value: &Value, vars: &HashMap<String, String>) -> Outcome<Value> {
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
                .collect::<Outcome<_>>()?,
        ),
        other => other.clone(),
    })
}

fn substitute_str(s: &str, vars: &HashMap<String, String>) -> Outcome<String> {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some((before, after)) = rest.split_once("${") {
        out.push_str(before);
        let (name, tail) = after
            .split_once('}')
            .ok_or_else(|| format!("unterminated variable in {s:?}"))?;
        let value = vars
            .get(name)
            .ok_or_else(|| format!("unknown variable ${{{name}}}"))?;
        out.push_str(value);
        rest = tail;
    }
    out.push_str(rest);
    Ok(out)
}

fn header<'a>(response: &'a http::Response<Bytes>, name: &str) -> Option<&'a str> {
    response.headers().get(name).and_then(|v| v.to_str().ok())
}

fn build_request(request: &Value, base: &str) -> Outcome<http::Request<Bytes>> {
    let method = at(request, "method").as_str().step("request.method")?;
    let path = at(request, "path").as_str().step("request.path")?;
    let mut builder = http::Request::builder()
        .method(method)
        .uri(format!("{base}{path}"));
    if request.get("auth").and_then(Value::as_bool).unwrap_or(true) {
        let key = Tenant::A.key();
        builder = builder.header(http::header::AUTHORIZATION, format!("Bearer {key}"));
    }
    let body = match request.get("body") {
        Some(body) => {
            builder = builder.header(http::header::CONTENT_TYPE, REQUEST_CONTENT_TYPE);
            Bytes::from(serde_json::to_vec(body).step("request.body")?)
        }
        None => Bytes::new(),
    };
    if let Some(headers) = request.get("headers").and_then(Value::as_object) {
        for (name, value) in headers {
            let value = value.as_str().step("request.headers values are strings")?;
            builder = builder.header(name.as_str(), value);
        }
    }
    builder.body(body).step("request")
}

fn check(expect: &Value, response: &http::Response<Bytes>) -> Outcome<Option<Value>> {
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
    let statuses: Vec<u64> = match &at(expect, "status") {
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
        let got = body.as_ref().step("expected a body, got none")?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::{IdentityBackend, MemoryBackend};
    use std::sync::Arc;

    fn memory() -> impl BackendFactory {
        || async { Arc::new(MemoryBackend::new()) as Arc<dyn IdentityBackend> }
    }

    fn block<T>(f: impl std::future::Future<Output = T>) -> T {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(f)
    }

    fn script(name: &str) -> Value {
        let replay = CLIENT_REPLAYS.iter().find(|r| r.name == name).unwrap();
        serde_json::from_str(replay.script).unwrap()
    }

    /// The harness is not vacuous: a wrong expected value, status, header or absent member fails.
    #[test]
    fn a_wrong_expectation_fails_the_replay() {
        let script = script("entra_user_lifecycle.json");
        let bench = block(Bench::new(&memory())).unwrap();
        assert_eq!(
            block(run_script("intact", &script, &bench)).unwrap(),
            at(&script, "steps").as_array().unwrap().len()
        );
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
            let bench = block(Bench::new(&memory())).unwrap();
            let failure = block(run_script("mutated", &broken, &bench)).expect_err(pointer);
            assert!(failure.contains("mutated step"), "{pointer}: {failure}");
        }
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
        assert!(substitute(&serde_json::json!("${open"), &vars).is_err());
    }
}
