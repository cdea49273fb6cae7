//! Wiring: configuration, secrets, policy and pool become a running HTTP server.

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::{middleware, web, App, HttpServer};
use anyhow::Context;

use crate::board::{Board, Publisher};
use crate::config::Config;
use crate::db::{self, Backend, Pool};
use crate::domain::clock::Clock;
use crate::domain::policy::Policy;
use crate::http;
use crate::http::rate_limit::RateLimits;
use crate::secrets::Secrets;
use crate::services::counter::Counter;
use crate::services::publishing::StockEvents;
use crate::services::sessions::Sessions;

/// What every handler can reach.
pub struct AppState {
    pub pool: Pool,
    pub clock: Clock,
    pub backend: Backend,
    pub policy: Arc<Policy>,
    pub secrets: Secrets,
    pub sessions: Sessions,
    pub counter: Counter,
    pub board: Arc<Board>,
    pub rate_limits: RateLimits,
    pub public_max_age: u32,
    pub config: Arc<Config>,
}

/// A built server, bound to its port and ready to run.
pub struct Application {
    port: u16,
    server: Server,
    /// The dedicated open-API listener: its port and server.
    public: Option<(u16, Server)>,
    events: StockEvents,
}

impl Application {
    /// Loads secrets and policy, migrates the database, and binds `config.bind` (port 0 picks a
    /// free port, as the tests do).
    pub async fn build(config: Config, clock: Clock) -> anyhow::Result<Self> {
        let secrets = Secrets::load(&config).context("loading secrets")?;
        http::telemetry::prometheus();
        let policy = Arc::new(load_policy(&config)?);
        let pool = open_database(&config).await?;

        let board = Arc::new(Board::default());
        let publisher = Publisher::load(board.clone(), pool.clone(), clock.clone()).await?;
        let rate_limits = RateLimits::new(config.public.rate, config.public.trusted_proxies.clone());
        rate_limits.refresh_keys(&pool).await?;

        let listener =
            TcpListener::bind(config.bind).with_context(|| format!("cannot listen on {}", config.bind))?;
        let port = listener.local_addr()?.port();
        let workers = config.workers;
        let (public_bind, public_workers, public_nice) =
            (config.public.bind, config.public.workers, config.public.nice);
        let sessions = Sessions::new(pool.clone(), clock.clone(), config.sessions.clone(), &secrets.jwt);
        let events = StockEvents::default();
        tokio::spawn(publisher.run(events.subscribe(), config.public.board_poll));
        let counter = Counter::new(
            pool.clone(),
            clock.clone(),
            policy.clone(),
            secrets.id_key.clone(),
            config.void_window,
            events.clone(),
        );
        let state = web::Data::new(AppState {
            sessions,
            counter,
            board,
            rate_limits,
            public_max_age: config.public.max_age,
            pool,
            clock,
            backend: config.database_url.backend(),
            policy,
            secrets,
            config: Arc::new(config),
        });
        tokio::spawn(refresh_keys(state.clone()));
        let public = match public_bind {
            None => None,
            Some(bind) => {
                let listener = TcpListener::bind(bind).with_context(|| format!("cannot listen on {bind}"))?;
                let port = listener.local_addr()?.port();
                Some((
                    port,
                    serve(state.clone(), http::public_routes, listener, public_workers, public_nice)?,
                ))
            }
        };
        let server = serve(state, http::routes, listener, workers, 0)?;
        Ok(Self { port, server, public, events })
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

    /// Handles that stop the listeners (an in-process run such as `maskportal-simulate` ends with
    /// them).
    pub fn handles(&self) -> Vec<actix_web::dev::ServerHandle> {
        let mut handles = vec![self.server.handle()];
        handles.extend(self.public.as_ref().map(|(_, server)| server.handle()));
        handles
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        match self.public {
            None => self.server.await,
            Some((_, public)) => {
                let (main, public) = futures_util::future::join(self.server, public).await;
                main.and(public)
            }
        }
    }
}

/// An HTTP server over `routes`, on its own worker threads, which run at `nice` (0: as the
/// process does) so that another listener's work can take precedence over theirs.
fn serve(
    state: web::Data<AppState>,
    routes: fn(&mut web::ServiceConfig),
    listener: TcpListener,
    workers: usize,
    nice: i32,
) -> std::io::Result<Server> {
    Ok(HttpServer::new(move || {
        // The factory runs once on each worker thread as it starts.
        if nice != 0 {
            lower_this_threads_priority(nice);
        }
        App::new()
            .app_data(state.clone())
            .wrap(middleware::from_fn(http::telemetry::observe))
            .wrap(middleware::NormalizePath::trim())
            .configure(routes)
    })
    .workers(workers)
    .listen(listener)?
    .run())
}

/// Lowers the calling thread's scheduling priority by `nice` (Linux sets niceness per thread).
/// Raising it needs privileges this service never asks for, so only positive values apply.
fn lower_this_threads_priority(nice: i32) {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: gettid has no preconditions; setpriority only reads its arguments.
        let result = unsafe {
            let tid = libc::gettid();
            libc::setpriority(libc::PRIO_PROCESS, tid as libc::id_t, nice.clamp(0, 19))
        };
        if result != 0 {
            tracing::warn!(error = %std::io::Error::last_os_error(), "cannot lower a worker's priority");
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = nice;
}

/// Keeps the open API's key table current: a new key works, and a revoked one stops, within
/// seconds, without a public read touching the database.
async fn refresh_keys(state: web::Data<AppState>) {
    let mut every = tokio::time::interval(std::time::Duration::from_secs(2));
    loop {
        every.tick().await;
        if let Err(error) = state.rate_limits.refresh_keys(&state.pool).await {
            tracing::warn!(%error, "could not refresh API keys");
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
