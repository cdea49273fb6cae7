//! The service started in this process on a random port, and a client that checks every
//! reply against openapi.yaml.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use maskportal::app::Application;
use maskportal::config::Config;
use maskportal::db::Backend;
use maskportal::domain::clock::Clock;

use super::database::postgres_admin_url;
use super::TestDatabase;

/// A running server and a client for it.
pub struct TestApp {
    pub address: String,
    /// The dedicated open-API listener, when configured.
    pub public_address: Option<String>,
    /// The metrics listener, when configured.
    pub metrics_address: Option<String>,
    pub client: reqwest::Client,
    pub clock: Clock,
    /// Shared by every node started on it ([`TestApp::node_beside`]); dropped with the last.
    pub db: Arc<TestDatabase>,
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
        Self::spawn_node(Arc::new(db), clock, settings).await
    }

    /// Another node in this process on this node's database and clock, with its own settings
    /// (e.g. `MASKPORTAL_ROLE`).
    pub async fn node_beside(&self, settings: &[(&str, &str)]) -> Self {
        Self::spawn_node(self.db.clone(), self.clock.clone(), settings).await
    }

    async fn spawn_node(db: Arc<TestDatabase>, clock: Clock, settings: &[(&str, &str)]) -> Self {
        let mut vars = db.env();
        vars.extend(settings.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        let config = Config::from_vars(&vars).expect("test config");
        let app = Application::build(config, clock.clone()).await.expect("the app builds");
        let address = format!("http://127.0.0.1:{}", app.port());
        let public_address = app.public_port().map(|port| format!("http://127.0.0.1:{port}"));
        let metrics_address = app.metrics_port().map(|port| format!("http://127.0.0.1:{port}"));
        let events = app.stock_events();
        tokio::spawn(app.run_until_stopped());
        Self { address, public_address, metrics_address, client: reqwest::Client::new(), clock, db, events }
    }

    /// A client of a service running elsewhere (a real process, a proxy in front of some) on
    /// `db`, which seeding writes to directly; `clock` only dates what seeding writes.
    pub fn at(address: String, db: Arc<TestDatabase>, clock: Clock) -> Self {
        // That service's own stock events stay inside it.
        let events = Default::default();
        Self {
            address,
            public_address: None,
            metrics_address: None,
            client: reqwest::Client::new(),
            clock,
            db,
            events,
        }
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
