//! openapi.yaml is the contract: the running server's answers must match it exactly.

use serde_json::Value;

use crate::helpers::TestApp;

/// The OpenAPI document as JSON.
pub fn spec() -> Value {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/openapi.yaml")).unwrap();
    serde_norway::from_str(&text).expect("openapi.yaml parses")
}

/// Checks a response body against the schema documented for `path`/`method`/`status`.
pub fn assert_documented(spec: &Value, path: &str, method: &str, status: u16, body: &Value) {
    let operation = &spec["paths"][path][method];
    assert!(operation.is_object(), "{method} {path} is not in openapi.yaml");
    let mut response = &operation["responses"][status.to_string()];
    if let Some(reference) = response["$ref"].as_str() {
        response = pointer(spec, reference);
    }
    let schema = &response["content"]["application/json"]["schema"];
    assert!(schema.is_object(), "{method} {path} does not document a {status} JSON body");
    // Validate against the schema with the whole document as root, so `$ref`s resolve.
    let mut root = spec.clone();
    root["$ref"] = Value::String("#/__schema".into());
    root["__schema"] = schema.clone();
    let validator = jsonschema::validator_for(&root).expect("a valid schema");
    let errors: Vec<String> =
        validator.iter_errors(body).map(|e| format!("{e} at {}", e.instance_path())).collect();
    assert!(errors.is_empty(), "{method} {path} {status} does not match openapi.yaml: {errors:?}\n{body}");
}

fn pointer<'a>(spec: &'a Value, reference: &str) -> &'a Value {
    spec.pointer(reference.trim_start_matches('#')).unwrap_or_else(|| panic!("dangling $ref {reference}"))
}

#[tokio::test]
async fn every_documented_parameterless_get_answers_as_documented() {
    let app = TestApp::spawn(maskportal::db::Backend::Sqlite).await;
    let spec = spec();
    let paths = spec["paths"].as_object().unwrap();
    for (path, item) in paths.iter().filter(|(path, item)| !path.contains('{') && item.get("get").is_some()) {
        let parameters = item["get"]["parameters"].as_array().map_or(0, Vec::len);
        if parameters > 0 {
            continue;
        }
        let response = app.get(path).await;
        let status = response.status().as_u16();
        let body: Value = response.json().await.unwrap();
        assert_documented(&spec, path, "get", status, &body);
    }
}

#[tokio::test]
async fn errors_match_the_documented_error_shape() {
    let app = TestApp::spawn(maskportal::db::Backend::Sqlite).await;
    let spec = spec();
    let body: Value = app.get("/nowhere").await.json().await.unwrap();
    let mut root = spec.clone();
    root["$ref"] = Value::String("#/components/schemas/Error".into());
    let validator = jsonschema::validator_for(&root).unwrap();
    assert!(validator.is_valid(&body), "{body}");
}

#[test]
#[should_panic(expected = "does not match openapi.yaml")]
fn the_contract_check_catches_an_undocumented_field() {
    let body = serde_json::json!({ "status": "ready", "database": "sqlite", "extra": 1 });
    assert_documented(&spec(), "/readyz", "get", 200, &body);
}
