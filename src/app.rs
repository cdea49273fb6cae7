//! Wiring: configuration, secrets, policy and pool become a running HTTP server. Nothing in
//! the library imports this module; the CLI starts it.

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::web;
use anyhow::Context;

use crate::board::{listener, Board, Publisher};
use crate::config::{Config, Role};
use crate::db::{self, Pool};
use crate::domain::clock::Clock;
use crate::domain::policy::Policy;
use crate::domain::sealed_sale::SealingKey;
use crate::http;
use crate::http::client_address::TrustedProxies;
use crate::http::counter_first::CounterFirst;
use crate::http::docs::AllowedMethods;
use crate::http::rate_limit::{LookupLimits, RateLimits};
use crate::http::server::{self as servers, serve, Clients, Shutdown, Workers};
use crate::http::slow_clients::ConnectionCaps;
use crate::http::state::AppState;
use crate::http::steering::serve_steered;
use crate::http::telemetry::MetricsToken;
use crate::secrets::Secrets;
use crate::services::console::Console;
use crate::services::counter::Counter;
use crate::services::operations::Operations;
use crate::services::publishing::StockEvents;
use crate::services::sessions::Sessions;
use crate::services::{api_keys, key_checks};

/// A built server, bound to its port and ready to run.
pub struct Application {
    port: u16,
    server: Server,
    /// The dedicated open-API listener: its port and server.
    public: Option<(u16, Server)>,
    /// The metrics listener: its port and server.
    metrics: Option<(u16, Server)>,
    events: StockEvents,
    shutdown: Shutdown,
}

impl Application {
    /// Loads secrets and policy, migrates the database, and binds `config.bind` (port 0 picks a
    /// free port, as the tests do).
    pub async fn build(config: Config, clock: Clock) -> anyhow::Result<Self> {
        let secrets = Secrets::load(&config).context("loading secrets")?;
        http::telemetry::prometheus();
        let policy = Arc::new(load_policy(&config)?);
        let pool = open_database(&config).await?;
        key_checks::verify(&pool, &clock, &secrets).await??;

        let board = Arc::new(Board::default());
        let rate_limits = RateLimits::new(config.public.rate);
        let events = StockEvents::default();
        // A counter node keeps no board: nothing it serves reads one, and what public nodes
        // read (the change log and its notification) is written in each write's transaction.
        let serves_open_api = config.role.serves_open_api();
        if serves_open_api {
            let publisher = Publisher::load(board.clone(), pool.clone(), clock.clone()).await?;
            rate_limits.set_keys(api_keys::live_limits(&pool).await?);
            let remote = listener::spawn(&config.database_url).context("starting the change listener")?;
            tokio::spawn(publisher.run(events.subscribe(), remote, config.public.board_poll));
        } else if config.public.bind.is_some() {
            anyhow::bail!(
                "MASKPORTAL_PUBLIC_BIND: a counter node serves no open API; unset it or run a public node"
            );
        }

        let listener =
            TcpListener::bind(config.bind).with_context(|| format!("cannot listen on {}", config.bind))?;
        let port = listener.local_addr()?.port();
        let trusted_proxies = TrustedProxies::new(config.public.trusted_proxies.clone());
        let clients = Clients {
            limits: config.clients,
            caps: ConnectionCaps::new(config.clients.max_connections_per_ip, trusted_proxies.clone()),
        };
        let shutdown = Shutdown::default();
        let sealing_key = SealingKey::derive(&secrets.id_key);
        let state = web::Data::new(AppState {
            sessions: Sessions::new(pool.clone(), clock.clone(), config.sessions.clone(), &secrets.jwt),
            counter: Counter::new(
                pool.clone(),
                clock.clone(),
                policy,
                secrets.id_key,
                config.void_window,
                config.backdate_window,
                events.clone(),
            ),
            console: Console::new(pool.clone(), clock.clone(), events.clone(), config.sessions.hashing),
            sealing_key,
            operations: Operations::new(pool.clone(), clock.clone(), config.database_url.backend()),
            board,
            rate_limits,
            lookup_limits: LookupLimits::new(config.lookups_per_minute),
            trusted_proxies,
            allowed_methods: AllowedMethods::from_contract().context("the embedded openapi.yaml")?,
            public_max_age: config.public.max_age,
            clock,
            metrics_token: config.metrics.token.as_deref().map(MetricsToken::new),
            shutdown: shutdown.clone(),
            counter_first: CounterFirst::default(),
        });
        if serves_open_api {
            tokio::spawn(refresh_keys(state.clone(), pool));
        }
        let public = match config.public.bind {
            None => None,
            Some(bind) => {
                let listener = TcpListener::bind(bind).with_context(|| format!("cannot listen on {bind}"))?;
                let port = listener.local_addr()?.port();
                let workers = Workers { count: config.public.workers, nice: config.public.nice };
                Some((port, serve(state.clone(), http::public_routes, listener, workers, &clients)?))
            }
        };
        let metrics = match config.metrics.bind {
            None => None,
            Some(bind) => {
                let listener = TcpListener::bind(bind).with_context(|| format!("cannot listen on {bind}"))?;
                let port = listener.local_addr()?.port();
                let workers = Workers { count: 1, nice: 0 };
                Some((port, serve(state.clone(), http::metrics_routes, listener, workers, &clients)?))
            }
        };
        // Workers that may carry a read flood run lower than the database threads (and the
        // counter's clients on this machine), so the flood takes only the CPU they leave.
        let nice = if serves_open_api { config.public.nice } else { 0 };
        let workers = Workers { count: config.workers, nice };
        let routes = http::routes_of(config.role);
        let server = if config.role == Role::All {
            serve_steered(state, routes, listener, workers, &clients)?
        } else {
            serve(state, routes, listener, workers, &clients)?
        };
        Ok(Self { port, server, public, metrics, events, shutdown })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Stock changes as they commit (the public board, and tests, listen here).
    pub fn stock_events(&self) -> StockEvents {
        self.events.clone()
    }

    /// The dedicated open-API listener's port, when one is configured.
    pub fn public_port(&self) -> Option<u16> {
        self.public.as_ref().map(|(port, _)| *port)
    }

    /// The metrics listener's port, when one is configured.
    pub fn metrics_port(&self) -> Option<u16> {
        self.metrics.as_ref().map(|(port, _)| *port)
    }

    /// Handles that stop the listeners (an in-process run such as `maskportal-simulate` ends with
    /// them).
    pub fn handles(&self) -> Vec<actix_web::dev::ServerHandle> {
        let mut handles = vec![self.server.handle()];
        handles.extend(self.public.as_ref().map(|(_, server)| server.handle()));
        handles.extend(self.metrics.as_ref().map(|(_, server)| server.handle()));
        handles
    }

    /// Serves until every listener has stopped: on a stop signal (SIGTERM gracefully, ending
    /// event streams first), or through [`Self::handles`].
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        tokio::spawn(servers::stop_on_signal(self.handles(), self.shutdown.clone()));
        let servers = std::iter::once(self.server)
            .chain(self.public.map(|(_, s)| s))
            .chain(self.metrics.map(|(_, s)| s));
        futures_util::future::join_all(servers).await.into_iter().collect()
    }
}

/// Keeps the open API's key table current: a new key works, and a revoked one stops, within
/// seconds, without a public read touching the database.
async fn refresh_keys(state: web::Data<AppState>, pool: Pool) {
    let mut every = tokio::time::interval(std::time::Duration::from_secs(2));
    loop {
        every.tick().await;
        match api_keys::live_limits(&pool).await {
            Ok(live) => state.rate_limits.set_keys(live),
            Err(error) => tracing::warn!(%error, "could not refresh API keys"),
        }
    }
}

/// The policy file named in the config, or the built-in launch policy.
pub fn load_policy(config: &Config) -> anyhow::Result<Policy> {
    match &config.policy_file {
        None => Policy::korea_launch().context("the built-in launch policy"),
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read policy file {}", path.display()))?;
            Policy::from_toml_str(&text).with_context(|| format!("policy file {}", path.display()))
        }
    }
}

/// Builds the pool and brings the schema up to date.
pub async fn open_database(config: &Config) -> anyhow::Result<Pool> {
    let url = config.database_url.clone();
    let size = config.db_pool_size;
    let pool = tokio::task::spawn_blocking(move || db::connection::build_pool(&url, size))
        .await?
        .with_context(|| format!("cannot open the database {:?}", config.database_url))?;
    let applied = db::run(&pool, db::migrations::apply).await?;
    if applied > 0 {
        tracing::info!(applied, "applied database migrations");
    }
    Ok(pool)
}
