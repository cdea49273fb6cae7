//! The test harness: `spawn_app` on a fresh SQLite file or a fresh PostgreSQL database.

use std::collections::HashMap;
use std::path::PathBuf;

use chrono::{DateTime, Utc};
use diesel::{Connection, RunQueryDsl};
use maskportal::app::Application;
use maskportal::config::Config;
use maskportal::db::{Backend, DbConnection};
use maskportal::domain::clock::Clock;

/// Runs an async test body once per backend, on a fresh fixture (`TestApp` or `TestDatabase`).
/// The PostgreSQL run needs `TEST_DATABASE_URL`; without it the run is skipped, unless `CI` is
/// set, where a missing server fails the test.
#[macro_export]
macro_rules! on_both_backends {
    ($(#[$meta:meta])* async fn $name:ident($arg:ident: $fixture:ty) $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            use $crate::helpers::{Fixture, TestDatabase};

            async fn body($arg: $fixture) $body

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                body(<$fixture as Fixture>::create(TestDatabase::sqlite()).await).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(db) = TestDatabase::postgres_if_configured() {
                    body(<$fixture as Fixture>::create(db).await).await;
                }
            }
        }
    };
}

/// What a test body receives, made from a fresh database.
pub trait Fixture: Sized {
    async fn create(db: TestDatabase) -> Self;
}

impl Fixture for TestDatabase {
    async fn create(db: TestDatabase) -> Self {
        db
    }
}

impl Fixture for TestApp {
    async fn create(db: TestDatabase) -> Self {
        TestApp::spawn_on(db, Clock::system()).await
    }
}

/// A fresh database, with its URL and the directory its secrets live in.
pub struct TestDatabase {
    pub url: String,
    pub dir: tempfile::TempDir,
    postgres: Option<(String, String)>,
}

impl TestDatabase {
    pub fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = dir.path().join("test.db").to_string_lossy().into_owned();
        Self { url, dir, postgres: None }
    }

    /// A new database on the server named by `TEST_DATABASE_URL`, dropped afterwards.
    pub fn postgres(admin_url: &str) -> Self {
        let name = format!("t_{}", uuid::Uuid::new_v4().simple());
        let mut admin = diesel::PgConnection::establish(admin_url)
            .unwrap_or_else(|e| panic!("TEST_DATABASE_URL is set but PostgreSQL is unreachable: {e}"));
        diesel::sql_query(format!("CREATE DATABASE {name}")).execute(&mut admin).expect("create database");
        let base = admin_url.rsplit_once('/').map_or(admin_url, |(base, _)| base);
        Self {
            url: format!("{base}/{name}"),
            dir: tempfile::tempdir().expect("temp dir"),
            postgres: Some((admin_url.to_owned(), name)),
        }
    }

    pub fn postgres_if_configured() -> Option<Self> {
        match postgres_admin_url() {
            Some(url) => Some(Self::postgres(&url)),
            None if std::env::var_os("CI").is_some() => {
                panic!("CI must run the PostgreSQL tests: set TEST_DATABASE_URL")
            }
            None => {
                eprintln!("skipping the PostgreSQL run: TEST_DATABASE_URL is not set");
                None
            }
        }
    }

    pub fn backend(&self) -> Backend {
        if self.postgres.is_some() {
            Backend::Postgres
        } else {
            Backend::Sqlite
        }
    }

    /// The environment a `maskportal` process needs to use this database.
    pub fn env(&self) -> HashMap<String, String> {
        HashMap::from([
            ("DATABASE_URL".to_owned(), self.url.clone()),
            ("MASKPORTAL_SECRETS_DIR".to_owned(), self.dir.path().to_string_lossy().into_owned()),
            ("MASKPORTAL_BIND".to_owned(), "127.0.0.1:0".to_owned()),
            ("MASKPORTAL_WORKERS".to_owned(), "2".to_owned()),
            ("MASKPORTAL_DB_POOL_SIZE".to_owned(), "8".to_owned()),
        ])
    }

    pub fn secrets_dir(&self) -> PathBuf {
        self.dir.path().to_path_buf()
    }

    /// Everything the database holds, as bytes: the SQLite files, or a `pg_dump`.
    pub fn dump(&self) -> Vec<u8> {
        match &self.postgres {
            None => ["", "-wal"]
                .iter()
                .filter_map(|suffix| std::fs::read(format!("{}{suffix}", self.url)).ok())
                .flatten()
                .collect(),
            Some(_) => {
                let output = std::process::Command::new("pg_dump")
                    .arg("--data-only")
                    .arg(&self.url)
                    .output()
                    .expect("pg_dump runs");
                assert!(output.status.success(), "pg_dump: {}", String::from_utf8_lossy(&output.stderr));
                output.stdout
            }
        }
    }

    /// A direct connection, for checks the HTTP API deliberately does not offer.
    pub fn connect(&self) -> DbConnection {
        let url = self.url.parse().expect("database url");
        r2d2::ManageConnection::connect(&maskportal::db::connection::ConnectionManager::new(url))
            .expect("connect")
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Some((admin_url, name)) = &self.postgres {
            if let Ok(mut admin) = diesel::PgConnection::establish(admin_url) {
                let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut admin);
            }
        }
    }
}

/// A running server and a client for it.
pub struct TestApp {
    pub address: String,
    /// The dedicated open-API listener, when configured.
    pub public_address: Option<String>,
    pub client: reqwest::Client,
    pub clock: Clock,
    pub db: TestDatabase,
    pub events: maskportal::services::publishing::StockEvents,
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> Self {
        let db = match backend {
            Backend::Sqlite => TestDatabase::sqlite(),
            Backend::Postgres => TestDatabase::postgres(&postgres_admin_url().expect("TEST_DATABASE_URL")),
        };
        Self::spawn_on(db, Clock::system()).await
    }

    /// Starts the service with its clock at `start` (it runs on from there).
    pub async fn spawn_at(backend: Backend, start: DateTime<Utc>) -> Self {
        let app = Self::spawn(backend).await;
        app.travel_to(start);
        app
    }

    pub async fn spawn_on(db: TestDatabase, clock: Clock) -> Self {
        Self::spawn_with(db, clock, &[]).await
    }

    /// Starts the service with extra settings (`MASKPORTAL_*` variables).
    pub async fn spawn_with(db: TestDatabase, clock: Clock, settings: &[(&str, &str)]) -> Self {
        let mut vars = db.env();
        vars.extend(settings.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        let config = Config::from_vars(&vars).expect("test config");
        let app = Application::build(config, clock.clone()).await.expect("the app builds");
        let address = format!("http://127.0.0.1:{}", app.port());
        let public_address = app.public_port().map(|port| format!("http://127.0.0.1:{port}"));
        let events = app.stock_events();
        tokio::spawn(app.run_until_stopped());
        Self { address, public_address, client: reqwest::Client::new(), clock, db, events }
    }

    /// Moves the service clock to `instant` (it runs on from there).
    pub fn travel_to(&self, instant: DateTime<Utc>) {
        self.clock.advance(instant - self.clock.now());
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    /// Sends a request and checks the reply against openapi.yaml before returning it.
    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<serde_json::Value>,
    ) -> Reply {
        let mut request = self.client.request(method.clone(), self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let reply = Reply::read(request.send().await.expect("request sent")).await;
        crate::contract::assert_reply_documented(method.as_str(), path, &reply);
        reply
    }

    /// Posts a raw body with the given content type (for malformed-input tests).
    pub async fn post_raw(&self, path: &str, content_type: &str, body: &str) -> Reply {
        let request =
            self.client.post(self.url(path)).header("content-type", content_type).body(body.to_owned());
        let reply = Reply::read(request.send().await.expect("request sent")).await;
        crate::contract::assert_reply_documented("POST", path, &reply);
        reply
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.call(reqwest::Method::GET, path, None, None).await
    }
}

fn postgres_admin_url() -> Option<String> {
    std::env::var("TEST_DATABASE_URL").ok().filter(|url| !url.trim().is_empty())
}

/// Runs the real `maskportal` binary with the given database and arguments.
pub fn maskportal(db: &TestDatabase, args: &[&str], stdin: Option<&str>) -> std::process::Output {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_maskportal"))
        .args(args)
        .envs(db.env())
        .env("RUST_LOG", "warn")
        .current_dir(db.dir.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("maskportal runs");
    if let Some(input) = stdin {
        child.stdin.take().expect("stdin").write_all(input.as_bytes()).expect("stdin written");
    }
    drop(child.stdin.take());
    child.wait_with_output().expect("maskportal finishes")
}

pub fn stdout(output: &std::process::Output) -> String {
    assert!(
        output.status.success(),
        "maskportal failed: {}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// A site to seed.
#[derive(Debug, Clone)]
pub struct Place {
    pub code: String,
    pub name: String,
    pub kind: maskportal::domain::site::SiteKind,
    pub addr: String,
    pub lat: f64,
    pub lng: f64,
    pub max_devices: u16,
}

impl Place {
    pub fn pharmacy(code: &str, lat: f64, lng: f64, addr: &str) -> Self {
        Self {
            code: code.to_owned(),
            name: format!("{code}약국"),
            kind: maskportal::domain::site::SiteKind::Pharmacy,
            addr: addr.to_owned(),
            lat,
            lng,
            max_devices: 1,
        }
    }

    pub fn max_devices(mut self, max_devices: u16) -> Self {
        self.max_devices = max_devices;
        self
    }
}

/// Polls `check` until it holds or `within` passes; returns how long it took.
pub async fn eventually<F, Fut>(within: std::time::Duration, mut check: F) -> std::time::Duration
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let start = std::time::Instant::now();
    loop {
        if check().await {
            return start.elapsed();
        }
        assert!(start.elapsed() < within, "not within {within:?}");
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
}

/// A clerk account made for a test, with the password it signs in with.
pub struct TestClerk {
    pub username: String,
    pub password: String,
}

impl TestApp {
    /// Registers a pharmacy in Mangwon-dong allowing `max_devices` devices.
    pub fn seed_site(&self, code: &str, max_devices: u16) {
        self.seed_sites(&[Place::pharmacy(code, 37.556, 126.910, "서울특별시 마포구 월드컵로 1 (망원동)")
            .max_devices(max_devices)]);
    }

    /// Registers sites in one transaction.
    pub fn seed_sites(&self, places: &[Place]) {
        use maskportal::domain::site::{DisplayText, GeoPoint, SiteCode};
        use maskportal::services::sites::{self, SiteRegistration};
        let registrations: Vec<SiteRegistration> = places
            .iter()
            .map(|p| SiteRegistration {
                code: SiteCode::parse(&p.code).unwrap(),
                name: DisplayText::parse(&p.name).unwrap(),
                kind: p.kind,
                addr: DisplayText::parse(&p.addr).unwrap(),
                location: GeoPoint::new(p.lat, p.lng).unwrap(),
                max_devices: std::num::NonZeroU16::new(p.max_devices).unwrap(),
            })
            .collect();
        sites::register_all(&mut self.db.connect(), &self.clock, &registrations).expect("sites registered");
    }

    /// Creates an account (a clerk of `site_code`, or an admin when `None`).
    pub fn seed_user(&self, username: &str, site_code: Option<&str>) -> TestClerk {
        use maskportal::domain::account::{Password, Username};
        use maskportal::domain::site::SiteCode;
        use maskportal::services::users::{self, Membership};
        let password = format!("pw-{username}-0123456789");
        let hash = maskportal::services::passwords::hash(
            &Password::new_secret(password.clone()).unwrap(),
            &Default::default(),
        )
        .unwrap();
        let membership = match site_code {
            Some(code) => Membership::Clerk(SiteCode::parse(code).unwrap()),
            None => Membership::Admin,
        };
        users::create(
            &mut self.db.connect(),
            &self.clock,
            &Username::parse(username).unwrap(),
            &membership,
            &hash,
        )
        .expect("user created");
        TestClerk { username: username.to_owned(), password }
    }

    /// A site with one clerk, the usual starting point.
    pub fn seed_clerk(&self, site_code: &str, max_devices: u16) -> TestClerk {
        self.seed_site(site_code, max_devices);
        self.seed_user(&format!("clerk{site_code}"), Some(site_code))
    }

    pub async fn sign_in(&self, clerk: &TestClerk, device: &str, takeover: bool) -> Reply {
        let body = serde_json::json!({
            "username": clerk.username,
            "password": clerk.password,
            "device_id": device,
            "device_name": format!("counter {device}"),
            "takeover": takeover,
        });
        self.call(reqwest::Method::POST, "/portal/v1/sessions", None, Some(body)).await
    }

    /// Signs in and returns the token, failing the test otherwise.
    pub async fn token(&self, clerk: &TestClerk, device: &str) -> String {
        let reply = self.sign_in(clerk, device, false).await;
        assert_eq!(reply.status, 201, "sign-in refused: {}", reply.body);
        reply.body["token"].as_str().unwrap().to_owned()
    }

    pub async fn get_as(&self, token: &str, path: &str) -> Reply {
        self.call(reqwest::Method::GET, path, Some(token), None).await
    }

    pub async fn post_as(&self, token: &str, path: &str, body: serde_json::Value) -> Reply {
        self.call(reqwest::Method::POST, path, Some(token), Some(body)).await
    }
}

/// A reply read in full: status, headers, and the JSON body (`null` when empty).
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: serde_json::Value,
}

impl Reply {
    pub async fn read(response: reqwest::Response) -> Self {
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let is_json = headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json"));
        let bytes = response.bytes().await.expect("body read");
        let body = if bytes.is_empty() {
            serde_json::Value::Null
        } else if is_json {
            serde_json::from_slice(&bytes).unwrap_or_else(|e| {
                panic!("{status}: body is not JSON ({e}): {}", String::from_utf8_lossy(&bytes))
            })
        } else {
            // Pages, the YAML contract, assets: kept as text.
            serde_json::Value::String(String::from_utf8_lossy(&bytes).into_owned())
        };
        Self { status, headers, body }
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// The `error` object of an error reply, after checking its status.
pub fn error_of(reply: Reply, status: u16) -> serde_json::Value {
    assert_eq!(reply.status, status, "unexpected status: {}", reply.body);
    reply.body["error"].clone()
}

/// Registers a pharmacy in Gangnam with the real CLI.
pub fn add_site_by_cli(db: &TestDatabase, code: &str) {
    let args = [
        "admin",
        "site",
        "add",
        "--code",
        code,
        "--name",
        "테스트약국",
        "--type",
        "pharmacy",
        "--addr",
        "서울특별시 강남구 논현로 1 (논현동)",
        "--lat",
        "37.5",
        "--lng",
        "127.03",
    ];
    stdout(&maskportal(db, &args, None));
}

/// Creates a clerk of `site` with the real CLI.
pub fn add_clerk_by_cli(db: &TestDatabase, username: &str, site: &str, password: &str) {
    let args = [
        "admin",
        "user",
        "add",
        "--username",
        username,
        "--site",
        site,
        "--role",
        "clerk",
        "--password-stdin",
    ];
    stdout(&maskportal(db, &args, Some(password)));
}

/// The real binary serving on a free port, on the Wednesday test clock, its stderr drained (so
/// it never blocks on a full pipe) and kept.
pub struct ServedBinary {
    pub child: std::process::Child,
    pub address: String,
    logs: std::thread::JoinHandle<String>,
}

impl ServedBinary {
    /// Starts `maskportal serve` and waits until it is ready.
    pub async fn start(db: &TestDatabase, settings: &[(&str, &str)]) -> Self {
        use std::io::Read;
        use std::process::{Command, Stdio};
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let mut child = Command::new(env!("CARGO_BIN_EXE_maskportal"))
            .arg("serve")
            .envs(db.env())
            .env("MASKPORTAL_BIND", format!("127.0.0.1:{port}"))
            .env("MASKPORTAL_CLOCK", "2020-03-11T10:00:00+09:00")
            .env("RUST_LOG", "warn")
            .envs(settings.iter().copied())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("maskportal serve starts");
        let mut stderr = child.stderr.take().expect("stderr");
        let logs = std::thread::spawn(move || {
            let mut text = String::new();
            let _ = stderr.read_to_string(&mut text);
            text
        });
        let address = format!("http://127.0.0.1:{port}");
        let client = reqwest::Client::new();
        eventually(std::time::Duration::from_secs(30), || async {
            client.get(format!("{address}/readyz")).send().await.is_ok_and(|r| r.status() == 200)
        })
        .await;
        Self { child, address, logs }
    }

    /// Signs a clerk in on `device` and returns the token.
    pub async fn sign_in(
        &self,
        client: &reqwest::Client,
        username: &str,
        password: &str,
        device: &str,
    ) -> String {
        let body = serde_json::json!({ "username": username, "password": password, "device_id": device });
        let reply: serde_json::Value = client
            .post(format!("{}/portal/v1/sessions", self.address))
            .json(&body)
            .send()
            .await
            .expect("request sent")
            .json()
            .await
            .expect("a JSON reply");
        reply["token"].as_str().expect("signed in").to_owned()
    }

    /// Sends `signal` (e.g. `TERM`, `KILL`) and waits for the exit; returns it with the logs.
    pub async fn stop(self, signal: &str) -> (std::process::ExitStatus, String) {
        let Self { mut child, logs, .. } = self;
        let sent = std::process::Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(child.id().to_string())
            .status()
            .expect("kill runs");
        assert!(sent.success());
        let status = tokio::task::spawn_blocking(move || child.wait()).await.unwrap().expect("exit status");
        (status, logs.join().unwrap_or_default())
    }
}

/// Every weekly-quota row equals the sum of that person's non-voided sales that week.
pub fn assert_quotas_match_sales(conn: &mut DbConnection) {
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
    .get_result(conn)
    .expect("quota check runs");
    assert_eq!(check.mismatches, 0, "weekly quota rows disagree with the sales");
}
