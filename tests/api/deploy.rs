//! The deployment in `deploy/` works: Debian's nginx running `deploy/nginx/maskportal.conf` in
//! front of two counter nodes and two public nodes on one PostgreSQL database. nginx runs as a
//! child of the test, in the foreground, with a prefix of its own and a free port.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use chrono::NaiveDate;
use maskportal::domain::resident_id::valid_rrn;
use serde_json::json;

use crate::helpers::{eventually, test_clock, ServedBinary, TestApp, TestDatabase};

/// The configuration under test, as deployed.
const SITE: &str = include_str!("../../deploy/nginx/maskportal.conf");

/// Debian's nginx, or `None` (skipped) when it is not installed, unless `CI` is set, where that
/// fails (`.ci/run` installs it).
fn nginx_binary() -> Option<PathBuf> {
    let found = ["/usr/sbin/nginx", "/usr/bin/nginx"].map(PathBuf::from).into_iter().find(|p| p.is_file());
    if found.is_none() {
        assert!(std::env::var_os("CI").is_none(), "CI must run the nginx test: install Debian's nginx");
        eprintln!("skipping the nginx test: nginx is not installed");
    }
    found
}

/// nginx in the foreground on a free port; killed when dropped.
struct Edge {
    child: std::process::Child,
    address: String,
    _prefix: tempfile::TempDir,
}

impl Edge {
    /// Runs the deployed site with its upstream addresses replaced by the given nodes'.
    async fn start(nginx: &PathBuf, public: [&str; 2], counter: [&str; 2]) -> Self {
        let prefix = tempfile::tempdir().unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let mut site = SITE.to_owned();
        let host = |address: &str| address.trim_start_matches("http://").to_owned();
        for (deployed, node) in [
            ("listen 80;", format!("listen 127.0.0.1:{port};")),
            ("listen [::]:80;", String::new()),
            ("server 127.0.0.1:8081 ", format!("server {} ", host(public[0]))),
            ("server 127.0.0.1:8082 ", format!("server {} ", host(public[1]))),
            ("server 127.0.0.1:8091 ", format!("server {} ", host(counter[0]))),
            ("server 127.0.0.1:8092 ", format!("server {} ", host(counter[1]))),
        ] {
            assert!(site.contains(deployed), "deploy/nginx/maskportal.conf no longer has `{deployed}`");
            site = site.replace(deployed, &node);
        }
        let dir = prefix.path().display().to_string();
        std::fs::write(prefix.path().join("maskportal.conf"), site).unwrap();
        // The rest of what Debian's /etc/nginx/nginx.conf holds, with every path in the prefix;
        // one process, so it needs no user to switch to.
        let main = format!(
            "daemon off;\nmaster_process off;\npid {dir}/nginx.pid;\nerror_log stderr warn;\n\
             events {{ worker_connections 512; }}\n\
             http {{\n  access_log off;\n  client_body_temp_path {dir}/body;\n  proxy_temp_path {dir}/proxy;\n\
             \x20 fastcgi_temp_path {dir}/fastcgi;\n  uwsgi_temp_path {dir}/uwsgi;\n  scgi_temp_path {dir}/scgi;\n\
             \x20 include {dir}/maskportal.conf;\n}}\n"
        );
        std::fs::write(prefix.path().join("nginx.conf"), main).unwrap();
        let child = std::process::Command::new(nginx)
            .args(["-p", &dir, "-c", &format!("{dir}/nginx.conf"), "-e", "stderr"])
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("nginx starts");
        // Held before waiting, so that a start that never answers still ends nginx.
        let edge = Self { child, address: format!("http://127.0.0.1:{port}"), _prefix: prefix };
        eventually(Duration::from_secs(10), || async {
            std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
        })
        .await;
        edge
    }
}

impl Drop for Edge {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A node of `role` that believes the X-Forwarded-For of a proxy on this machine.
async fn node(db: &TestDatabase, role: &str, extra: &[(&str, &str)]) -> ServedBinary {
    let mut settings = vec![("MASKPORTAL_ROLE", role), ("MASKPORTAL_TRUSTED_PROXIES", "127.0.0.1")];
    settings.extend_from_slice(extra);
    ServedBinary::start(db, &settings).await
}

fn key() -> String {
    uuid::Uuid::new_v4().to_string()
}

async fn remaining(edge: &TestApp, code: &str) -> Option<i64> {
    edge.get(&format!("/v2/stores/{code}")).await.body["remaining"].as_i64()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nginx_sends_clerks_to_counter_nodes_and_map_apps_to_public_nodes_and_survives_a_killed_public_node()
{
    let Some(nginx) = nginx_binary() else { return };
    let Some(db) = TestDatabase::postgres_if_configured() else { return };
    let db = Arc::new(db);
    let counter = [node(&db, "counter", &[]).await, node(&db, "counter", &[]).await];
    let [first_public, second_public] = [node(&db, "public", &[]).await, node(&db, "public", &[]).await];
    let edge = Edge::start(
        &nginx,
        [&first_public.address, &second_public.address],
        [&counter[0].address, &counter[1].address],
    )
    .await;
    let edge = TestApp::at(edge.address.clone(), db.clone(), test_clock());

    // Neither kind of node serves both: each answer shows nginx chose the right kind.
    assert_eq!(edge.get("/counter").await.status, 200);
    assert_eq!(edge.get("/corona19-masks/v1/stores/json").await.status, 200);
    let clerk = edge.seed_clerk("11817488", 1);
    let token = edge.token(&clerk, "device-a").await;
    let delivery = json!({ "quantity": 10, "client_key": key() });
    assert_eq!(edge.post_as(&token, "/portal/v1/stock-in", delivery).await.status, 201);
    let sell = |serial: u32| {
        let buyer = valid_rrn(NaiveDate::from_ymd_opt(1983, 5, 15).unwrap(), 1, serial);
        json!({ "resident_id": buyer, "quantity": 1, "client_key": key() })
    };
    assert_eq!(edge.post_as(&token, "/portal/v1/sales", sell(1)).await.status, 201);
    eventually(Duration::from_secs(5), || async { remaining(&edge, "11817488").await == Some(9) }).await;

    let (status, _) = first_public.stop("KILL").await;
    assert!(!status.success());
    for _ in 0..20 {
        assert_eq!(remaining(&edge, "11817488").await, Some(9), "a read failed with one public node down");
    }
    assert_eq!(edge.post_as(&token, "/portal/v1/sales", sell(2)).await.status, 201, "the counter goes on");
    eventually(Duration::from_secs(5), || async { remaining(&edge, "11817488").await == Some(8) }).await;
    drop(second_public);
}

/// A client whose requests leave from `address` (any of 127.0.0.0/8 is this machine).
fn client_from(address: Ipv4Addr) -> reqwest::Client {
    reqwest::Client::builder().local_address(IpAddr::V4(address)).build().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nginx_passes_the_client_address_so_each_map_app_has_its_own_limit() {
    let Some(nginx) = nginx_binary() else { return };
    let Some(db) = TestDatabase::postgres_if_configured() else { return };
    let limited = [("MASKPORTAL_PUBLIC_RPS", "1"), ("MASKPORTAL_PUBLIC_BURST", "3")];
    let public = node(&db, "public", &limited).await;
    // Nothing listens on the counter upstreams: this test reads only.
    let nowhere = format!("http://{}", SocketAddr::from(([127, 0, 0, 1], 9)));
    let edge = Edge::start(&nginx, [&public.address, &public.address], [&nowhere, &nowhere]).await;
    let url = format!("{}/v2/changes", edge.address);

    let flooder = client_from(Ipv4Addr::new(127, 0, 0, 2));
    let mut refused = false;
    for _ in 0..10 {
        if flooder.get(&url).send().await.unwrap().status() == 429 {
            refused = true;
            break;
        }
    }
    assert!(refused, "the flooding address was never limited");
    let neighbour = client_from(Ipv4Addr::new(127, 0, 0, 3));
    assert_eq!(
        neighbour.get(&url).send().await.unwrap().status(),
        200,
        "another address shares the flood's limit"
    );
}
