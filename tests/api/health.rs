//! Liveness, readiness, and the error shape for unknown routes.

use crate::on_both_backends;

on_both_backends! {
    async fn readyz_reports_a_migrated_database_as_ready(app: crate::helpers::TestApp) {
        let reply = app.get("/readyz").await;
        assert_eq!(reply.status, 200);
        let body = reply.body;
        assert_eq!(body["status"], "ready");
        let backend = serde_json::to_value(app.db.backend()).unwrap();
        assert_eq!(body["database"], backend);
    }
}

on_both_backends! {
    async fn healthz_reports_the_clock_mode(app: crate::helpers::TestApp) {
        let body = app.get("/healthz").await.body;
        assert_eq!(body["status"], "ok");
        assert_eq!(body["clock"]["mode"], "system");
    }
}

#[tokio::test]
async fn a_service_started_at_a_set_instant_reports_a_shifted_clock() {
    use chrono::TimeZone;
    let start = chrono::Utc.with_ymd_and_hms(2020, 3, 11, 0, 0, 0).unwrap();
    let app = crate::helpers::TestApp::spawn_at(maskportal::db::Backend::Sqlite, start).await;
    let body = app.get("/healthz").await.body;
    assert_eq!(body["clock"]["mode"], "shifted");
    assert!(body["clock"]["now"].as_str().unwrap().starts_with("2020-03-11T00:00"), "{body}");
}

#[tokio::test]
async fn unknown_routes_answer_404_in_the_error_shape() {
    let app = crate::helpers::TestApp::spawn(maskportal::db::Backend::Sqlite).await;
    let reply = app.get("/no/such/thing").await;
    assert_eq!(reply.status, 404);
    let body = reply.body;
    assert_eq!(body["error"]["code"], "not_found");
    assert!(body["error"]["message"].is_string());
}

#[tokio::test]
async fn the_contract_and_its_page_are_served_from_the_binary() {
    let app = crate::helpers::TestApp::spawn(maskportal::db::Backend::Sqlite).await;
    let yaml = app.get("/openapi.yaml").await;
    assert_eq!(yaml.status, 200);
    let served: serde_json::Value = serde_norway::from_str(yaml.body.as_str().unwrap()).unwrap();
    let on_disk: serde_json::Value = serde_norway::from_str(
        &std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/openapi.yaml")).unwrap(),
    )
    .unwrap();
    assert_eq!(served, on_disk);

    let page = app.get("/docs").await;
    assert!(page.header("content-type").unwrap().starts_with("text/html"));
    // Every link the page holds resolves and is served: `edge::every_asset_the_docs_page_links_…`.
    assert!(page.body.as_str().unwrap().contains("swagger-ui-bundle.js"));
    let script = app.client.get(app.url("/docs/swagger-initializer.js")).send().await.unwrap();
    assert_eq!(script.status(), 200);
    assert!(script.text().await.unwrap().contains("/openapi.yaml"));
    let escape = app.client.get(app.url("/docs/..%2F..%2FCargo.toml")).send().await.unwrap();
    assert_eq!(escape.status(), 404);
}
