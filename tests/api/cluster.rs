//! What must hold across nodes holds: two real processes on one PostgreSQL database share
//! device limits, sessions, lockouts, weekly quotas, idempotency and API keys, because each of
//! these lives in the database (or, for API keys, a copy of it refreshed every 2 s).

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use maskportal::domain::resident_id::valid_rrn;
use reqwest::Method;
use serde_json::json;

use crate::helpers::{
    error_of, eventually, maskportal, stdout, ServedBinary, TestApp, TestClerk, TestDatabase,
};

/// Two `maskportal serve` processes on one fresh PostgreSQL database, and a contract-checking
/// client of each. Fields drop in order: the clients, the processes, then the database.
struct Cluster {
    a: TestApp,
    b: TestApp,
    _nodes: [ServedBinary; 2],
    db: Arc<TestDatabase>,
}

impl Cluster {
    /// `None` (skipped) without `TEST_DATABASE_URL`, unless `CI` is set, where that fails.
    async fn start() -> Option<Self> {
        let db = Arc::new(TestDatabase::postgres_if_configured()?);
        // One after the other: the first applies the migrations.
        let first = ServedBinary::start(&db, &[]).await;
        let second = ServedBinary::start(&db, &[]).await;
        Some(Self { a: first.app(&db), b: second.app(&db), _nodes: [first, second], db })
    }
}

fn key() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// A buyer born in 1983: Wednesday, the nodes' day, is theirs.
fn buyer(serial: u32) -> String {
    valid_rrn(NaiveDate::from_ymd_opt(1983, 5, 15).unwrap(), 1, serial)
}

/// A clerk of a new site (one device) signed in on `node`, with 10 masks delivered.
async fn stocked(node: &TestApp, code: &str) -> (TestClerk, String) {
    let clerk = node.seed_clerk(code, 1);
    let token = node.token(&clerk, "device-a").await;
    let delivery = json!({ "quantity": 10, "client_key": key() });
    assert_eq!(node.post_as(&token, "/portal/v1/stock-in", delivery).await.status, 201);
    (clerk, token)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_site_full_on_one_node_refuses_a_second_device_on_the_other_or_hands_over_to_it() {
    let Some(cluster) = Cluster::start().await else { return };
    let (a, b) = (&cluster.a, &cluster.b);
    let clerk = a.seed_clerk("11817488", 1);
    let first = a.token(&clerk, "device-a").await;

    let refused = error_of(b.sign_in(&clerk, "device-b", false).await, 409);
    assert_eq!(refused["code"], "device_limit_reached");
    assert_eq!(refused["devices"][0]["device_name"], "counter device-a");
    assert_eq!(a.get_as(&first, "/portal/v1/sessions").await.status, 200, "a refusal ends nothing");

    let taken = b.sign_in(&clerk, "device-b", true).await;
    assert_eq!(taken.status, 201, "{}", taken.body);
    let ended = error_of(a.get_as(&first, "/portal/v1/sessions").await, 401);
    assert_eq!(ended["code"], "session_revoked");
    assert_eq!(ended["reason"], "signed_in_elsewhere");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn devices_signing_in_at_once_on_both_nodes_leave_exactly_one_session() {
    let Some(cluster) = Cluster::start().await else { return };
    let (a, b) = (&cluster.a, &cluster.b);
    let clerk = a.seed_clerk("11817488", 1);
    let attempts = (0..12).map(|i| {
        let (node, clerk) = (if i % 2 == 0 { a } else { b }, &clerk);
        async move { node.sign_in(clerk, &format!("device-{i}"), false).await.status }
    });
    let statuses = futures_util::future::join_all(attempts).await;
    assert_eq!(statuses.iter().filter(|s| **s == 201).count(), 1, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 409).count(), 11, "{statuses:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_issued_on_one_node_works_on_the_other_until_it_ends_there_at_once() {
    let Some(cluster) = Cluster::start().await else { return };
    let (a, b) = (&cluster.a, &cluster.b);
    let (_, token) = stocked(a, "11817488").await;
    assert_eq!(b.get_as(&token, "/portal/v1/stock").await.body["on_hand"], 10);
    let sale = json!({ "resident_id": buyer(1), "quantity": 1, "client_key": key() });
    assert_eq!(b.post_as(&token, "/portal/v1/sales", sale).await.status, 201);

    assert_eq!(a.call(Method::DELETE, "/portal/v1/sessions/current", Some(&token), None).await.status, 204);
    let ended = error_of(b.get_as(&token, "/portal/v1/stock").await, 401);
    assert_eq!(ended["code"], "session_revoked");
    assert_eq!(ended["reason"], "logged_out");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_sign_ins_on_both_nodes_add_up_to_one_lockout() {
    let Some(cluster) = Cluster::start().await else { return };
    let (a, b) = (&cluster.a, &cluster.b);
    let clerk = a.seed_clerk("11817488", 1);
    let wrong = TestClerk { username: clerk.username.clone(), password: "not the password".to_owned() };
    for node in [a, b, a, b, a] {
        error_of(node.sign_in(&wrong, "device-a", false).await, 401);
    }
    for node in [a, b] {
        assert_eq!(error_of(node.sign_in(&clerk, "device-a", false).await, 429)["code"], "account_locked");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sale_retried_on_the_other_node_replays_the_first_answer() {
    let Some(cluster) = Cluster::start().await else { return };
    let (a, b) = (&cluster.a, &cluster.b);
    let (_, token) = stocked(a, "11817488").await;
    let sale = json!({ "resident_id": buyer(1), "quantity": 2, "client_key": key() });
    let first = a.post_as(&token, "/portal/v1/sales", sale.clone()).await;
    assert_eq!(first.status, 201, "{}", first.body);
    let retry = b.post_as(&token, "/portal/v1/sales", sale).await;
    assert_eq!((retry.status, &retry.body), (201, &first.body));
    assert_eq!(b.get_as(&token, "/portal/v1/stock").await.body["on_hand"], 8, "sold once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_who_used_the_weekly_quota_on_one_node_is_refused_on_the_other() {
    let Some(cluster) = Cluster::start().await else { return };
    let (a, b) = (&cluster.a, &cluster.b);
    let (_, on_a) = stocked(a, "11817488").await;
    let (_, on_b) = stocked(b, "11817489").await;
    let sale = |quantity: i64| json!({ "resident_id": buyer(7), "quantity": quantity, "client_key": key() });
    assert_eq!(a.post_as(&on_a, "/portal/v1/sales", sale(2)).await.status, 201);
    let refused = error_of(b.post_as(&on_b, "/portal/v1/sales", sale(1)).await, 409);
    assert_eq!(refused["code"], "weekly_quota_exceeded");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_api_key_issued_or_revoked_counts_on_every_node_within_seconds() {
    let Some(cluster) = Cluster::start().await else { return };
    let url = "/corona19-masks/v1/stores/json";
    let status_with = |node: &TestApp, key: &str| {
        let request = node.client.get(node.url(url)).header("x-api-key", key);
        async move { request.send().await.expect("request sent").status().as_u16() }
    };
    let issue = ["admin", "apikey", "issue", "--name", "map app", "--per-second", "50"];
    let issued = stdout(&maskportal(&cluster.db, &issue, None)).trim().to_owned();
    let since = Instant::now();
    for node in [&cluster.a, &cluster.b] {
        eventually(Duration::from_secs(10), || async { status_with(node, &issued).await == 200 }).await;
    }
    eprintln!("a new key worked on both nodes after {:?}", since.elapsed());

    stdout(&maskportal(&cluster.db, &["admin", "apikey", "revoke", "--id", "1"], None));
    let since = Instant::now();
    for node in [&cluster.a, &cluster.b] {
        eventually(Duration::from_secs(10), || async { status_with(node, &issued).await == 401 }).await;
    }
    eprintln!("a revoked key was refused on both nodes after {:?}", since.elapsed());
}
