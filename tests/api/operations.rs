//! What operators rely on: metrics, request ids, logs free of secrets, readiness that follows
//! the database, and a graceful stop.

use std::process::{Command, Stdio};
use std::time::Duration;

use chrono::NaiveDate;
use maskportal::domain::resident_id::valid_rrn;
use serde_json::json;

use crate::helpers::{add_clerk_by_cli, add_site_by_cli, eventually, ServedBinary, TestApp, TestDatabase};

#[tokio::test]
async fn metrics_count_requests_by_route_and_sales_and_replies_carry_a_request_id() {
    let metrics_token = "the metrics scraper's token";
    let app = TestApp::spawn_with(
        TestDatabase::sqlite(),
        maskportal::domain::clock::Clock::system(),
        &[("MASKPORTAL_METRICS_TOKEN", metrics_token)],
    )
    .await;
    let clerk = app.seed_clerk("11817488", 1);
    let token = app.token(&clerk, "counter").await;
    app.post_as(
        &token,
        "/portal/v1/stock-in",
        json!({ "quantity": 10, "client_key": uuid::Uuid::new_v4().to_string() }),
    )
    .await;
    let echoed =
        app.client.get(app.url("/healthz")).header("x-request-id", "trace-123").send().await.unwrap();
    assert_eq!(echoed.headers()["x-request-id"], "trace-123");
    let made = app.get("/healthz").await;
    assert_eq!(made.header("x-request-id").map(str::len), Some(36), "a fresh UUID");

    let metrics = app.client.get(app.url("/metrics")).bearer_auth(metrics_token).send().await.unwrap();
    let content_type = metrics.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(content_type.starts_with("text/plain"), "{content_type}: {}", metrics.text().await.unwrap());
    let text = metrics.text().await.unwrap();
    for expected in [
        "maskportal_http_requests_total{method=\"POST\",route=\"/portal/v1/stock-in\",status=\"201\"}",
        "maskportal_http_request_duration_seconds_bucket",
        "maskportal_active_sessions",
        "maskportal_db_pool_connections",
        "maskportal_board_stores",
    ] {
        assert!(text.contains(expected), "{expected} missing from:\n{text}");
    }
}

#[tokio::test]
async fn logs_never_hold_an_id_number_a_password_or_a_token_and_sigterm_stops_gracefully() {
    let db = TestDatabase::sqlite();
    add_site_by_cli(&db, "11817488");
    let password = "a secret password 123";
    add_clerk_by_cli(&db, "kim", "11817488", password);
    let served = ServedBinary::start(&db, &[("RUST_LOG", "debug"), ("MASKPORTAL_LOG_FORMAT", "json")]).await;
    let client = reqwest::Client::new();

    let token = served.sign_in(&client, "kim", password, "d1").await;
    let post = |path: &str, body: serde_json::Value| {
        client.post(format!("{}{path}", served.address)).bearer_auth(&token).json(&body).send()
    };
    post("/portal/v1/stock-in", json!({ "quantity": 100, "client_key": uuid::Uuid::new_v4().to_string() }))
        .await
        .unwrap();
    let rrn = valid_rrn(NaiveDate::from_ymd_opt(1983, 5, 15).unwrap(), 1, 4242);
    // One sale answered before the stop, so its request line (and the number it carried) is
    // certainly in the logs whatever the timing of the ones in flight.
    let first = post(
        "/portal/v1/sales",
        json!({ "resident_id": rrn, "quantity": 1, "client_key": uuid::Uuid::new_v4().to_string() }),
    )
    .await
    .unwrap();
    assert!(first.status().is_success() || first.status() == 409, "{}", first.status());
    let in_flight: Vec<_> = (1..20)
        .map(|i| {
            let id = valid_rrn(NaiveDate::from_ymd_opt(1988, 1, 1).unwrap(), 1, i);
            post(
                "/portal/v1/sales",
                json!({ "resident_id": id, "quantity": 1, "client_key": uuid::Uuid::new_v4().to_string() }),
            )
        })
        .collect();
    let sales = tokio::spawn(futures_util::future::join_all(in_flight));
    tokio::time::sleep(Duration::from_millis(5)).await;
    let (status, logs) = served.stop("TERM").await;
    // Accepted before the stop: answered in full; after it: refused at the door.
    for reply in sales.await.unwrap().into_iter().flatten() {
        assert!(reply.status().is_success() || reply.status() == 409, "{}", reply.status());
    }
    assert!(status.success(), "exit {status}");
    assert!(logs.contains("\"route\":\"/portal/v1/sales\""), "structured request lines expected:\n{logs}");
    for secret in [rrn.as_str(), &rrn.replace('-', ""), password, token.as_str()] {
        assert!(!logs.contains(secret), "a secret reached the logs");
    }
}

#[tokio::test]
async fn readiness_fails_while_the_database_is_unreachable_and_recovers() {
    let Some(db) = TestDatabase::postgres_if_configured() else { return };
    let app = TestApp::spawn_on(db, maskportal::domain::clock::Clock::system()).await;
    assert_eq!(app.get("/readyz").await.status, 200);
    let name = app.db.url.rsplit('/').next().unwrap().to_owned();
    let admin = std::env::var("TEST_DATABASE_URL").unwrap();
    let psql = |sql: String| {
        let status =
            Command::new("psql").arg(&admin).arg("-qc").arg(sql).stdout(Stdio::null()).status().unwrap();
        assert!(status.success());
    };
    psql(format!("ALTER DATABASE {name} ALLOW_CONNECTIONS false"));
    psql(format!("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"));
    eventually(Duration::from_secs(20), || async { app.get("/readyz").await.status == 503 }).await;
    psql(format!("ALTER DATABASE {name} ALLOW_CONNECTIONS true"));
    eventually(Duration::from_secs(20), || async { app.get("/readyz").await.status == 200 }).await;
}
