//! Node roles and freshness across nodes: counter nodes take the writes, public nodes answer
//! map apps from boards of their own, and a sale on one reaches the others.

use std::sync::Arc;
use std::time::Duration;

use chrono::{NaiveDate, TimeZone, Utc};
use maskportal::domain::resident_id::valid_rrn;
use serde_json::json;

use crate::helpers::{eventually, ServedBinary, TestApp, TestDatabase};
use crate::on_both_backends;

/// The status of a request sent without the contract check (a route this role does not serve
/// is a plain 404 the contract does not list per path).
async fn status_of(app: &TestApp, method: reqwest::Method, path: &str) -> u16 {
    app.client.request(method, app.url(path)).send().await.expect("request sent").status().as_u16()
}

/// A clerk of a new site, signed in, with `stock` masks delivered, on Wednesday 10:00 KST.
async fn stocked_site(node: &TestApp, code: &str, stock: i64) -> String {
    node.travel_to(Utc.with_ymd_and_hms(2020, 3, 11, 1, 0, 0).unwrap());
    let clerk = node.seed_clerk(code, 1);
    let token = node.token(&clerk, "counter-1").await;
    let delivery = json!({ "quantity": stock, "client_key": uuid::Uuid::new_v4().to_string() });
    assert_eq!(node.post_as(&token, "/portal/v1/stock-in", delivery).await.status, 201);
    token
}

/// Sells one mask to a buyer born in 1983 (Wednesday is their day).
async fn sell_one(node: &TestApp, token: &str, serial: u32) {
    let buyer = valid_rrn(NaiveDate::from_ymd_opt(1983, 5, 15).unwrap(), 1, serial);
    let sale = json!({ "resident_id": buyer, "quantity": 1, "client_key": uuid::Uuid::new_v4().to_string() });
    let reply = node.post_as(token, "/portal/v1/sales", sale).await;
    assert_eq!(reply.status, 201, "{}", reply.body);
}

/// What a node's open API shows of a site's stock.
async fn remaining(node: &TestApp, code: &str) -> Option<i64> {
    node.get(&format!("/v2/stores/{code}")).await.body["remaining"].as_i64()
}

#[tokio::test]
async fn a_public_node_serves_the_open_api_its_contract_and_probes_and_nothing_of_the_portal() {
    let node = TestApp::spawn_with(
        TestDatabase::sqlite(),
        maskportal::domain::clock::Clock::system(),
        &[("MASKPORTAL_ROLE", "public")],
    )
    .await;
    for path in [
        "/corona19-masks/v1/stores/json",
        "/v2/stores",
        "/v2/changes",
        "/openapi.yaml",
        "/healthz",
        "/readyz",
    ] {
        assert_eq!(node.get(path).await.status, 200, "{path}");
    }
    assert_eq!(status_of(&node, reqwest::Method::GET, "/docs/").await, 200);
    for path in ["/", "/counter", "/assets/counter.js", "/portal/v1/stock", "/portal/v1/sales"] {
        assert_eq!(status_of(&node, reqwest::Method::GET, path).await, 404, "{path}");
    }
    assert_eq!(status_of(&node, reqwest::Method::POST, "/portal/v1/sessions").await, 404);
}

#[tokio::test]
async fn a_counter_node_serves_the_portal_and_the_page_and_no_open_api() {
    let node = TestApp::spawn_with(
        TestDatabase::sqlite(),
        maskportal::domain::clock::Clock::system(),
        &[("MASKPORTAL_ROLE", "counter")],
    )
    .await;
    let token = stocked_site(&node, "11817488", 10).await;
    sell_one(&node, &token, 1).await;
    assert_eq!(node.get_as(&token, "/portal/v1/stock").await.body["on_hand"], 9);
    for path in ["/", "/counter", "/openapi.yaml", "/healthz", "/readyz"] {
        assert_eq!(node.get(path).await.status, 200, "{path}");
    }
    for path in
        ["/corona19-masks/v1/stores/json", "/corona19-masks/v1/storesByGeo/json", "/v2/stores", "/v2/stream"]
    {
        assert_eq!(status_of(&node, reqwest::Method::GET, path).await, 404, "{path}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_role_flag_of_serve_wins_over_the_environment() {
    let db = Arc::new(TestDatabase::sqlite());
    let served =
        ServedBinary::start_with_args(&db, &["--role", "public"], &[("MASKPORTAL_ROLE", "counter")]).await;
    let node = served.app(&db);
    assert_eq!(node.get("/v2/stores").await.status, 200);
    assert_eq!(status_of(&node, reqwest::Method::GET, "/portal/v1/stock").await, 404);
}

#[tokio::test]
async fn a_counter_node_refuses_a_dedicated_public_listener() {
    let db = TestDatabase::sqlite();
    let mut vars = db.env();
    vars.extend(
        [("MASKPORTAL_ROLE", "counter"), ("MASKPORTAL_PUBLIC_BIND", "127.0.0.1:0")]
            .map(|(k, v)| (k.to_owned(), v.to_owned())),
    );
    let config = maskportal::config::Config::from_vars(&vars).unwrap();
    let refused =
        maskportal::app::Application::build(config, maskportal::domain::clock::Clock::system()).await;
    assert!(format!("{:#}", refused.err().expect("refused")).contains("MASKPORTAL_PUBLIC_BIND"));
}

on_both_backends! {
    async fn a_sale_on_a_counter_node_shows_on_a_public_node(first: TestApp) {
        // The fixture is a node of role `all`; the two below share its database.
        let counter = first.node_beside(&[("MASKPORTAL_ROLE", "counter")]).await;
        let public = first.node_beside(&[("MASKPORTAL_ROLE", "public")]).await;
        let token = stocked_site(&counter, "11817488", 10).await;
        eventually(Duration::from_secs(5), || async { remaining(&public, "11817488").await == Some(10) }).await;
        sell_one(&counter, &token, 1).await;
        eventually(Duration::from_secs(5), || async { remaining(&public, "11817488").await == Some(9) }).await;
    }
}

/// A public node on its own database's PostgreSQL that polls the log only once a minute, so a
/// change it shows within seconds came by notification.
async fn deaf_to_polling_public_node(db: TestDatabase) -> (TestApp, TestApp) {
    let counter = TestApp::spawn_with(
        db,
        maskportal::domain::clock::Clock::system(),
        &[("MASKPORTAL_ROLE", "counter")],
    )
    .await;
    let public =
        counter.node_beside(&[("MASKPORTAL_ROLE", "public"), ("MASKPORTAL_BOARD_POLL_MS", "60000")]).await;
    (counter, public)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_postgres_a_public_node_hears_of_a_sale_at_commit_not_at_its_next_poll() {
    let Some(db) = TestDatabase::postgres_if_configured() else { return };
    let (counter, public) = deaf_to_polling_public_node(db).await;
    let token = stocked_site(&counter, "11817488", 10).await;
    eventually(Duration::from_secs(5), || async { remaining(&public, "11817488").await == Some(10) }).await;
    sell_one(&counter, &token, 1).await;
    let took =
        eventually(Duration::from_secs(5), || async { remaining(&public, "11817488").await == Some(9) })
            .await;
    eprintln!("sale on the counter node public on the other node after {took:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_postgres_a_public_node_whose_listening_connection_dies_listens_again() {
    use diesel::RunQueryDsl;
    let Some(db) = TestDatabase::postgres_if_configured() else { return };
    let (counter, public) = deaf_to_polling_public_node(db).await;
    let token = stocked_site(&counter, "11817488", 10).await;
    eventually(Duration::from_secs(5), || async { remaining(&public, "11817488").await == Some(10) }).await;

    let cut = format!(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = current_database() AND application_name = '{}'",
        maskportal::db::notifications::LISTENER_NAME
    );
    let killed = diesel::sql_query(cut).execute(&mut counter.db.connect()).unwrap();
    assert_eq!(killed, 1, "the public node listens on one connection of its own");
    sell_one(&counter, &token, 1).await;
    eventually(Duration::from_secs(5), || async { remaining(&public, "11817488").await == Some(9) }).await;
    sell_one(&counter, &token, 2).await;
    eventually(Duration::from_secs(5), || async { remaining(&public, "11817488").await == Some(8) }).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_postgres_nodes_starting_at_once_on_a_new_database_take_turns_migrating() {
    let Some(db) = TestDatabase::postgres_if_configured() else { return };
    let build = || {
        let config = maskportal::config::Config::from_vars(&db.env()).unwrap();
        maskportal::app::Application::build(config, maskportal::domain::clock::Clock::system())
    };
    let started = futures_util::future::join_all((0..4).map(|_| build())).await;
    for node in started {
        node.expect("every node starts");
    }
}
