//! Crash safety: the real binary is killed with SIGKILL in the middle of counter load, again
//! and again; every sale a client saw acknowledged survives exactly once, the ledgers add up,
//! and the public board after a restart matches the database.

use std::collections::HashMap;
use std::time::Duration;

use chrono::NaiveDate;
use diesel::RunQueryDsl;
use maskportal::domain::resident_id::valid_rrn;
use serde_json::{json, Value};

use crate::helpers::{
    add_clerk_by_cli, add_site_by_cli, assert_quotas_match_sales, eventually, ServedBinary,
};
use crate::on_both_backends;

const SITES: [&str; 3] = ["70000001", "70000002", "70000003"];

/// How many times the server is killed (`MASKPORTAL_CRASH_ROUNDS`, default 3).
fn rounds() -> usize {
    std::env::var("MASKPORTAL_CRASH_ROUNDS").ok().and_then(|v| v.parse().ok()).unwrap_or(3)
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
            add_site_by_cli(&db, code);
            add_clerk_by_cli(&db, &format!("clerk{code}"), code, "crash test password");
        }
        let client = reqwest::Client::builder().timeout(Duration::from_secs(10)).build().unwrap();
        let mut attempts: Vec<Attempt> = Vec::new();
        let mut next_buyer = 0u32;
        let mut kills = 0;
        for round in 0..rounds() {
            let server = ServedBinary::start(&db, &[]).await;
            let mut tokens = Vec::new();
            for code in SITES {
                tokens.push(server.sign_in(&client, &format!("clerk{code}"), "crash test password", "terminal").await);
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
            server.stop("KILL").await;
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
        let server = ServedBinary::start(&db, &[]).await;
        let mut tokens = Vec::new();
        for code in SITES {
            tokens.push(server.sign_in(&client, &format!("clerk{code}"), "crash test password", "terminal").await);
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
            // The retried sales reach the board a moment after their answers.
            let board = || async {
                let public: Value = client.get(format!("{}/v2/stores/{code}", server.address)).send().await.unwrap().json().await.unwrap();
                public["remaining"].as_i64() == Some(on_hand)
            };
            eventually(std::time::Duration::from_secs(5), board).await;
        }
        assert_quotas_match_sales(&mut conn);
        eprintln!("crash test: {kills} kills survived, {} sales checked, {in_doubt} in doubt at a crash and retried", attempts.len());
        server.stop("KILL").await;
    }
}
