//! What operators rely on: metrics, request ids, logs free of secrets, readiness that follows
//! the database, and a graceful stop.

use std::io::Read;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use chrono::NaiveDate;
use maskportal::domain::resident_id::valid_rrn;
use serde_json::json;

use crate::helpers::{eventually, maskportal, stdout, TestApp, TestDatabase};

#[tokio::test]
async fn metrics_count_requests_by_route_and_sales_and_replies_carry_a_request_id() {
    let app = TestApp::spawn(maskportal::db::Backend::Sqlite).await;
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

    let metrics = app.client.get(app.url("/metrics")).send().await.unwrap();
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

/// The real binary serving on a free port, its stderr drained (so it never blocks) and kept.
struct Served {
    child: Child,
    address: String,
    logs: std::thread::JoinHandle<String>,
}

fn serve(db: &TestDatabase, extra: &[(&str, &str)]) -> Served {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_maskportal"))
        .arg("serve")
        .envs(db.env())
        .env("MASKPORTAL_BIND", format!("127.0.0.1:{port}"))
        .env("MASKPORTAL_CLOCK", "2020-03-11T10:00:00+09:00")
        .envs(extra.iter().copied())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let logs = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    Served { child, address: format!("http://127.0.0.1:{port}"), logs }
}

async fn ready(client: &reqwest::Client, address: &str) {
    eventually(Duration::from_secs(20), || async {
        client.get(format!("{address}/readyz")).send().await.is_ok_and(|r| r.status() == 200)
    })
    .await;
}

fn signal(child: &Child, signal: &str) {
    let status = Command::new("kill").arg(format!("-{signal}")).arg(child.id().to_string()).status().unwrap();
    assert!(status.success());
}

#[tokio::test]
async fn logs_never_hold_an_id_number_a_password_or_a_token_and_sigterm_stops_gracefully() {
    let db = TestDatabase::sqlite();
    stdout(&maskportal(
        &db,
        &[
            "admin",
            "site",
            "add",
            "--code",
            "11817488",
            "--name",
            "약국",
            "--type",
            "pharmacy",
            "--addr",
            "서울특별시 강남구 논현로 1 (논현동)",
            "--lat",
            "37.5",
            "--lng",
            "127.03",
        ],
        None,
    ));
    let password = "a secret password 123";
    stdout(&maskportal(
        &db,
        &[
            "admin",
            "user",
            "add",
            "--username",
            "kim",
            "--site",
            "11817488",
            "--role",
            "clerk",
            "--password-stdin",
        ],
        Some(password),
    ));
    let served = serve(&db, &[("RUST_LOG", "debug"), ("MASKPORTAL_LOG_FORMAT", "json")]);
    let client = reqwest::Client::new();
    ready(&client, &served.address).await;

    let signed_in: serde_json::Value = client
        .post(format!("{}/portal/v1/sessions", served.address))
        .json(&json!({ "username": "kim", "password": password, "device_id": "d1" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = signed_in["token"].as_str().unwrap().to_owned();
    let post = |path: &str, body: serde_json::Value| {
        client.post(format!("{}{path}", served.address)).bearer_auth(&token).json(&body).send()
    };
    post("/portal/v1/stock-in", json!({ "quantity": 100, "client_key": uuid::Uuid::new_v4().to_string() }))
        .await
        .unwrap();
    let rrn = valid_rrn(NaiveDate::from_ymd_opt(1983, 5, 15).unwrap(), 1, 4242);
    let in_flight: Vec<_> = (0..20)
        .map(|i| {
            let id = if i == 0 {
                rrn.clone()
            } else {
                valid_rrn(NaiveDate::from_ymd_opt(1988, 1, 1).unwrap(), 1, i)
            };
            post(
                "/portal/v1/sales",
                json!({ "resident_id": id, "quantity": 1, "client_key": uuid::Uuid::new_v4().to_string() }),
            )
        })
        .collect();
    let sales = tokio::spawn(futures_util::future::join_all(in_flight));
    tokio::time::sleep(Duration::from_millis(5)).await;
    signal(&served.child, "TERM");
    // Accepted before the stop: answered in full; after it: refused at the door.
    for reply in sales.await.unwrap().into_iter().flatten() {
        assert!(reply.status().is_success() || reply.status() == 409, "{}", reply.status());
    }
    let Served { mut child, logs, .. } = served;
    let status = tokio::task::spawn_blocking(move || child.wait()).await.unwrap().unwrap();
    assert!(status.success(), "exit {status}");
    let logs = logs.join().unwrap();
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
