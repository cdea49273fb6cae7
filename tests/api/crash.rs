//! Crash safety: the real binary is killed with SIGKILL in the middle of counter load, again
//! and again; every sale a client saw acknowledged survives exactly once, the ledgers add up,
//! and the public board after a restart matches the database.

use std::collections::HashMap;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use chrono::NaiveDate;
use diesel::RunQueryDsl;
use maskportal::domain::resident_id::valid_rrn;
use serde_json::{json, Value};

use crate::helpers::{eventually, maskportal, stdout, TestDatabase};
use crate::on_both_backends;

const SITES: [&str; 3] = ["70000001", "70000002", "70000003"];

/// How many times the server is killed (`MASKPORTAL_CRASH_ROUNDS`, default 3).
fn rounds() -> usize {
    std::env::var("MASKPORTAL_CRASH_ROUNDS").ok().and_then(|v| v.parse().ok()).unwrap_or(3)
}

struct Server {
    child: Child,
    address: String,
}

async fn start(db: &TestDatabase, client: &reqwest::Client) -> Server {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = Command::new(env!("CARGO_BIN_EXE_maskportal"))
        .arg("serve")
        .envs(db.env())
        .env("MASKPORTAL_BIND", format!("127.0.0.1:{port}"))
        .env("MASKPORTAL_CLOCK", "2020-03-11T10:00:00+09:00")
        .env("RUST_LOG", "error")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let address = format!("http://127.0.0.1:{port}");
    eventually(Duration::from_secs(30), || async {
        client.get(format!("{address}/readyz")).send().await.is_ok_and(|r| r.status() == 200)
    })
    .await;
    Server { child, address }
}

async fn sign_in(client: &reqwest::Client, address: &str, code: &str) -> String {
    let body = json!({ "username": format!("clerk{code}"), "password": "crash test password", "device_id": "terminal" });
    let reply: Value = client
        .post(format!("{address}/portal/v1/sessions"))
        .json(&body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    reply["token"].as_str().expect("signed in").to_owned()
}

/// A sale request and what became of it.
#[derive(Clone)]
struct Attempt {
    token_site: usize,
    body: Value,
    acknowledged: Option<i64>,
}

fn buyer(n: u32) -> String {
    let year = if n.is_multiple_of(2) { 1983 } else { 1988 };
    valid_rrn(NaiveDate::from_ymd_opt(year, 3, 1).unwrap(), 1, n)
}

on_both_backends! {
    async fn acknowledged_sales_survive_sigkill_exactly_once(db: TestDatabase) {
        for code in SITES {
            stdout(&maskportal(&db, &["admin", "site", "add", "--code", code, "--name", "약국", "--type", "pharmacy",
                "--addr", "서울특별시 강남구 논현로 1 (논현동)", "--lat", "37.5", "--lng", "127.03"], None));
            let user = format!("clerk{code}");
            stdout(&maskportal(&db, &["admin", "user", "add", "--username", &user, "--site", code, "--role", "clerk", "--password-stdin"], Some("crash test password")));
        }
        let client = reqwest::Client::builder().timeout(Duration::from_secs(10)).build().unwrap();
        let mut attempts: Vec<Attempt> = Vec::new();
        let mut next_buyer = 0u32;
        let mut kills = 0;
        for round in 0..rounds() {
            let mut server = start(&db, &client).await;
            let mut tokens = Vec::new();
            for code in SITES {
                tokens.push(sign_in(&client, &server.address, code).await);
            }
            if round == 0 {
                for token in &tokens {
                    let body = json!({ "quantity": 100_000, "client_key": uuid::Uuid::new_v4().to_string() });
                    let reply = client.post(format!("{}/portal/v1/stock-in", server.address)).bearer_auth(token).json(&body).send().await.unwrap();
                    assert_eq!(reply.status(), 201);
                }
            }
            // Sales fire continuously from 12 clients; the kill lands somewhere in the middle.
            let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Attempt>();
            let mut clients = Vec::new();
            for worker in 0..12u32 {
                let (client, address, tokens, tx) = (client.clone(), server.address.clone(), tokens.clone(), tx.clone());
                let first = next_buyer + worker * 1000;
                clients.push(tokio::spawn(async move {
                    for n in first.. {
                        let token_site = (n % 3) as usize;
                        let body = json!({ "resident_id": buyer(n), "quantity": 1, "client_key": uuid::Uuid::new_v4().to_string() });
                        let sent = client.post(format!("{address}/portal/v1/sales")).bearer_auth(&tokens[token_site]).json(&body).send().await;
                        let acknowledged = match sent {
                            Ok(reply) if reply.status() == 201 => reply.json::<Value>().await.ok().and_then(|v| v["sale_id"].as_i64()),
                            Ok(reply) => panic!("unexpected {} before the crash", reply.status()),
                            Err(_) => None,
                        };
                        let stop = acknowledged.is_none();
                        if tx.send(Attempt { token_site, body, acknowledged }).is_err() || stop {
                            return;
                        }
                    }
                }));
            }
            drop(tx);
            next_buyer += 12 * 1000;
            tokio::time::sleep(Duration::from_millis(300 + 150 * round as u64)).await;
            server.child.kill().unwrap(); // SIGKILL
            server.child.wait().unwrap();
            kills += 1;
            for client_task in clients {
                client_task.await.unwrap();
            }
            while let Some(attempt) = rx.recv().await {
                attempts.push(attempt);
            }
        }

        // After the last crash: retry every request whose answer was lost, with its own key.
        let in_doubt = attempts.iter().filter(|a| a.acknowledged.is_none()).count();
        let server = start(&db, &client).await;
        let mut tokens = Vec::new();
        for code in SITES {
            tokens.push(sign_in(&client, &server.address, code).await);
        }
        for attempt in attempts.iter_mut().filter(|a| a.acknowledged.is_none()) {
            let reply = client.post(format!("{}/portal/v1/sales", server.address)).bearer_auth(&tokens[attempt.token_site]).json(&attempt.body).send().await.unwrap();
            assert_eq!(reply.status(), 201, "a retried sale with its original key");
            attempt.acknowledged = reply.json::<Value>().await.unwrap()["sale_id"].as_i64();
        }

        let mut conn = db.connect();
        #[derive(diesel::QueryableByName)]
        struct Sale {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            id: i64,
            #[diesel(sql_type = diesel::sql_types::Text)]
            client_key: String,
        }
        let stored: Vec<Sale> = diesel::sql_query("SELECT id, client_key FROM sales").load(&mut conn).unwrap();
        let mut by_key: HashMap<&str, Vec<i64>> = HashMap::new();
        for sale in &stored {
            by_key.entry(&sale.client_key).or_default().push(sale.id);
        }
        for attempt in &attempts {
            let key = attempt.body["client_key"].as_str().unwrap();
            assert_eq!(by_key.get(key).map(Vec::as_slice), attempt.acknowledged.as_ref().map(std::slice::from_ref), "{key}");
        }
        assert_eq!(stored.len(), attempts.len(), "no sale without a client that asked for it");

        for (site_id, token) in (1..=3).zip(&tokens) {
            let stock: Value = client.get(format!("{}/portal/v1/stock", server.address)).bearer_auth(token).send().await.unwrap().json().await.unwrap();
            let on_hand = stock["on_hand"].as_i64().unwrap();
            assert_eq!(maskportal::db::stock::ledger_total(&mut conn, site_id).unwrap(), on_hand);
            let code = SITES[(site_id - 1) as usize];
            let public: Value = client.get(format!("{}/v2/stores/{code}", server.address)).send().await.unwrap().json().await.unwrap();
            assert_eq!(public["remaining"].as_i64(), Some(on_hand), "the board after restart matches the database");
        }
        #[derive(diesel::QueryableByName)]
        struct Mismatch {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            mismatches: i64,
        }
        let check: Mismatch = diesel::sql_query(
            "SELECT COUNT(*) AS mismatches FROM weekly_quota q WHERE q.bought <> COALESCE((\
               SELECT SUM(s.quantity) FROM sales s LEFT JOIN sale_voids v ON v.sale_id = s.id \
               WHERE s.quota_fingerprint = q.fingerprint AND s.week_start = q.week_start AND v.sale_id IS NULL), 0)",
        )
        .get_result(&mut conn)
        .unwrap();
        assert_eq!(check.mismatches, 0);
        eprintln!("crash test: {kills} kills survived, {} sales checked, {in_doubt} in doubt at a crash and retried", attempts.len());
        let mut server = server;
        server.child.kill().unwrap();
        server.child.wait().unwrap();
    }
}
