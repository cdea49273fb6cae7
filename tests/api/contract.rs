//! openapi.yaml is the contract: every reply a test receives through `TestApp::call` is checked
//! against it (status documented, body matching its schema), and these tests cover the rest.

use std::sync::LazyLock;

use serde_json::Value;

use crate::helpers::{Reply, TestApp};

/// The OpenAPI document as JSON, parsed once.
static SPEC: LazyLock<Value> = LazyLock::new(|| {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/openapi.yaml")).unwrap();
    serde_norway::from_str(&text).expect("openapi.yaml parses")
});

/// The documented path template a concrete path falls under (`/a/{id}/b` matches `/a/7/b`).
fn template_of(path: &str) -> Option<&'static str> {
    // The server answers a trailing slash as if it were absent.
    let path = path.split('?').next().unwrap_or(path);
    let path = path.strip_suffix('/').filter(|p| !p.is_empty()).unwrap_or(path);
    let wanted: Vec<&str> = path.split('/').collect();
    SPEC["paths"].as_object()?.keys().map(String::as_str).find(|template| {
        let parts: Vec<&str> = template.split('/').collect();
        parts.len() == wanted.len()
            && parts.iter().zip(&wanted).all(|(t, w)| t == w || (t.starts_with('{') && !w.is_empty()))
    })
}

/// Panics unless `reply` is a documented answer to `method path`.
pub fn assert_reply_documented(method: &str, path: &str, reply: &Reply) {
    let method = method.to_ascii_lowercase();
    // HEAD is GET without the body: documented wherever GET is.
    let head = method == "head";
    let method = if head { "get".to_owned() } else { method };
    let Some(template) = template_of(path) else {
        assert_eq!(reply.status, 404, "{method} {path} is not in openapi.yaml but answered {}", reply.status);
        return assert_matches(&component("Error"), &reply.body, &format!("404 for {path}"));
    };
    let operation = &SPEC["paths"][template][&method];
    assert!(operation.is_object(), "{method} {template} is not in openapi.yaml");
    let responses = &operation["responses"];
    let mut response =
        responses.get(reply.status.to_string()).or_else(|| responses.get("default")).unwrap_or_else(|| {
            panic!(
                "{method} {template} answered {}, which openapi.yaml does not list: {}",
                reply.status, reply.body
            )
        });
    if let Some(reference) = response["$ref"].as_str() {
        response = resolve(reference);
    }
    let what = format!("{method} {template} {}", reply.status);
    if head {
        return assert!(reply.body.is_null(), "HEAD {template} {} answered with a body", reply.status);
    }
    let content_type = reply.header("content-type").unwrap_or_default();
    let media_type = content_type.split(';').next().unwrap_or_default().trim();
    match response.get("content").and_then(|c| c.get(media_type)) {
        Some(content) if media_type == "application/json" => {
            assert_matches(&content["schema"], &reply.body, &what)
        }
        Some(_) => assert!(reply.body.is_string(), "{what}: a {media_type} body was expected"),
        None => assert!(
            reply.body.is_null() && response.get("content").is_none(),
            "{what} sent `{content_type}`, which openapi.yaml does not document: {}",
            reply.body
        ),
    }
}

fn component(name: &str) -> Value {
    serde_json::json!({ "$ref": format!("#/components/schemas/{name}") })
}

fn resolve(reference: &str) -> &'static Value {
    SPEC.pointer(reference.trim_start_matches('#')).unwrap_or_else(|| panic!("dangling $ref {reference}"))
}

/// Validates with the whole document as the root resource, so `$ref`s into it resolve.
fn assert_matches(schema: &Value, body: &Value, what: &str) {
    let mut root = SPEC.clone();
    root["$ref"] = Value::String("#/__schema".into());
    root["__schema"] = schema.clone();
    let validator = jsonschema::validator_for(&root).expect("a valid schema");
    let errors: Vec<String> =
        validator.iter_errors(body).map(|e| format!("{e} at {}", e.instance_path())).collect();
    assert!(errors.is_empty(), "{what} does not match openapi.yaml: {errors:?}\n{body}");
}

#[tokio::test]
async fn every_documented_parameterless_get_answers_as_documented() {
    let app = TestApp::spawn(maskportal::db::Backend::Sqlite).await;
    let paths = SPEC["paths"].as_object().unwrap();
    for (path, item) in paths {
        let Some(get) = item.get("get") else { continue };
        let needs_input =
            path.contains('{') || get.get("parameters").is_some() || get.get("security").is_some();
        if !needs_input {
            // `call` checks the reply against the contract.
            app.get(path).await;
        }
    }
}

#[test]
#[should_panic(expected = "does not match openapi.yaml")]
fn the_contract_check_catches_an_undocumented_field() {
    let body = serde_json::json!({ "status": "ready", "database": "sqlite", "extra": 1 });
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("content-type", "application/json".parse().unwrap());
    let reply = Reply { status: 200, headers, body };
    assert_reply_documented("GET", "/readyz", &reply);
}

#[test]
#[should_panic(expected = "which openapi.yaml does not list")]
fn the_contract_check_catches_an_undocumented_status() {
    let reply = Reply { status: 418, headers: Default::default(), body: Value::Null };
    assert_reply_documented("GET", "/healthz", &reply);
}

#[test]
#[should_panic(expected = "sent `text/plain`, which openapi.yaml does not document")]
fn the_contract_check_catches_an_undocumented_media_type() {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("content-type", "text/plain".parse().unwrap());
    let reply = Reply { status: 200, headers, body: Value::String("hello".into()) };
    assert_reply_documented("GET", "/", &reply);
}

#[test]
fn openapi_yaml_lists_exactly_the_error_codes_the_service_raises() {
    use std::collections::BTreeSet;

    use maskportal::http::error::ErrorCode;

    let code = &SPEC["components"]["schemas"]["Error"]["properties"]["error"]["properties"]["code"];
    let documented: BTreeSet<&str> =
        code["enum"].as_array().expect("an enum of codes").iter().filter_map(Value::as_str).collect();
    let raised: BTreeSet<&str> = ErrorCode::ALL.iter().map(|code| code.as_str()).collect();
    assert_eq!(raised, documented, "ErrorCode and openapi.yaml disagree");
    let described = code["description"].as_str().unwrap_or_default();
    for code in ErrorCode::ALL {
        let status = code.status().as_u16().to_string();
        let listed = described.find(&format!("`{}`", code.as_str())).map(|at| &described[..at]);
        let status_at = listed.and_then(|before| {
            before.rfind(|c: char| c.is_ascii_digit()).map(|end| {
                let start = before[..=end].rfind(|c: char| !c.is_ascii_digit()).map_or(0, |i| i + 1);
                &before[start..=end]
            })
        });
        assert_eq!(
            status_at,
            Some(status.as_str()),
            "openapi.yaml describes `{}` under another status",
            code.as_str()
        );
    }
}

#[test]
fn every_resident_number_shown_in_openapi_yaml_passes_its_own_check() {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/openapi.yaml")).unwrap();
    let bytes = text.as_bytes();
    let shaped = |at: usize| {
        bytes.get(at..at + 14).is_some_and(|w| {
            w.iter().enumerate().all(|(i, b)| if i == 6 { *b == b'-' } else { b.is_ascii_digit() })
        }) && !bytes.get(at + 14).is_some_and(u8::is_ascii_digit)
    };
    let numbers: Vec<&str> = (0..bytes.len()).filter(|&at| shaped(at)).map(|at| &text[at..at + 14]).collect();
    assert!(!numbers.is_empty(), "openapi.yaml shows no resident number");
    for number in numbers {
        assert!(
            maskportal::domain::resident_id::ResidentId::parse(number).is_ok(),
            "{number} fails its check digit"
        );
    }
}
