//! An actix server over one route table, on worker threads of its own; and how the servers stop.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::body::MessageBody;
use actix_web::dev::{Server, ServerHandle, ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::{middleware, web, App, HttpServer};
use tokio::sync::watch;

use crate::config::ClientLimits;

use super::slow_clients::{self, BodyTimeout, ConnectionCaps};
use super::state::AppState;
use super::telemetry;

/// How a listener's workers are set up.
#[derive(Debug, Clone, Copy)]
pub struct Workers {
    pub count: usize,
    /// Linux niceness the worker threads run at (0: as the process does), so that another
    /// listener's work can take precedence over theirs.
    pub nice: i32,
}

/// How every listener treats its clients: the time each part of a request may take, and one
/// count of open connections per address across all listeners.
#[derive(Clone)]
pub struct Clients {
    pub limits: ClientLimits,
    pub caps: ConnectionCaps,
}

/// How long a closing connection may linger to flush its last reply.
pub(super) const DISCONNECT_TIMEOUT: Duration = Duration::from_secs(1);

/// An HTTP server over `routes`, listening on `listener`. It leaves signals to
/// [`stop_on_signal`].
pub fn serve(
    state: web::Data<AppState>,
    routes: fn(&mut web::ServiceConfig),
    listener: TcpListener,
    workers: Workers,
    clients: &Clients,
) -> std::io::Result<Server> {
    let nice = workers.nice;
    let body_timeout = BodyTimeout(clients.limits.body_timeout);
    let caps = clients.caps.clone();
    Ok(HttpServer::new(move || {
        // The factory runs once on each worker thread as it starts.
        if nice != 0 {
            lower_this_threads_priority(nice);
        }
        app(state.clone(), routes, body_timeout)
    })
    .workers(workers.count)
    .client_request_timeout(clients.limits.head_timeout)
    .keep_alive(clients.limits.keep_alive)
    .client_disconnect_timeout(DISCONNECT_TIMEOUT)
    .on_connect(move |connection, data| caps.on_connect(connection, data))
    .disable_signals()
    .listen(listener)?
    .run())
}

/// The application every listener serves: the route table behind the shared middleware.
pub(super) fn app(
    state: web::Data<AppState>,
    routes: fn(&mut web::ServiceConfig),
    body_timeout: BodyTimeout,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    App::new()
        .app_data(state)
        .app_data(body_timeout)
        .wrap(middleware::from_fn(slow_clients::body_deadline))
        .wrap(middleware::from_fn(telemetry::observe))
        .wrap(middleware::NormalizePath::trim())
        .configure(routes)
}

/// Tripped once, when the service begins to stop, so that replies that never end by themselves
/// (event streams) end then, instead of holding a graceful stop for its whole timeout.
#[derive(Clone)]
pub struct Shutdown(Arc<watch::Sender<bool>>);

impl Default for Shutdown {
    fn default() -> Self {
        Self(Arc::new(watch::Sender::new(false)))
    }
}

impl Shutdown {
    pub fn begin(&self) {
        self.0.send_replace(true);
    }

    /// Resolves once the stop has begun (at once if it already has).
    pub async fn begun(&self) {
        // The sender lives in `self`, so the wait cannot fail.
        let _ = self.0.subscribe().wait_for(|begun| *begun).await;
    }
}

/// Waits for SIGTERM (stop gracefully: requests in flight are answered) or SIGINT/SIGQUIT (stop
/// at once), ends the event streams, and stops every listener.
pub async fn stop_on_signal(handles: Vec<ServerHandle>, shutdown: Shutdown) {
    let graceful = stop_signal().await;
    tracing::info!(graceful, "stopping");
    shutdown.begin();
    futures_util::future::join_all(handles.iter().map(|handle| handle.stop(graceful))).await;
}

/// The next stop signal: true for SIGTERM, false for SIGINT or SIGQUIT.
#[cfg(unix)]
async fn stop_signal() -> bool {
    use tokio::signal::unix::{signal, SignalKind};
    let (Ok(mut term), Ok(mut int), Ok(mut quit)) =
        (signal(SignalKind::terminate()), signal(SignalKind::interrupt()), signal(SignalKind::quit()))
    else {
        tracing::warn!("cannot listen for stop signals; the service stops only when killed");
        return std::future::pending().await;
    };
    tokio::select! {
        _ = term.recv() => true,
        _ = int.recv() => false,
        _ = quit.recv() => false,
    }
}

#[cfg(not(unix))]
async fn stop_signal() -> bool {
    let _ = tokio::signal::ctrl_c().await;
    false
}

/// Lowers the calling thread's scheduling priority by `nice` (Linux sets niceness per thread).
/// Raising it needs privileges this service never asks for, so only positive values apply.
#[allow(unsafe_code)]
pub(super) fn lower_this_threads_priority(nice: i32) {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: gettid has no preconditions; setpriority only reads its arguments.
        let result = unsafe {
            let tid = libc::gettid();
            libc::setpriority(libc::PRIO_PROCESS, libc::id_t::try_from(tid).unwrap_or(0), nice.clamp(0, 19))
        };
        if result != 0 {
            tracing::warn!(error = %std::io::Error::last_os_error(), "cannot lower a worker's priority");
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = nice;
}
