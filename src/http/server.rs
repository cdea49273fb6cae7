//! An actix server over one route table, on worker threads of its own.

use std::net::TcpListener;

use actix_web::dev::Server;
use actix_web::{middleware, web, App, HttpServer};

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

/// An HTTP server over `routes`, listening on `listener`.
pub fn serve(
    state: web::Data<AppState>,
    routes: fn(&mut web::ServiceConfig),
    listener: TcpListener,
    workers: Workers,
) -> std::io::Result<Server> {
    let nice = workers.nice;
    Ok(HttpServer::new(move || {
        // The factory runs once on each worker thread as it starts.
        if nice != 0 {
            lower_this_threads_priority(nice);
        }
        App::new()
            .app_data(state.clone())
            .wrap(middleware::from_fn(telemetry::observe))
            .wrap(middleware::NormalizePath::trim())
            .configure(routes)
    })
    .workers(workers.count)
    .listen(listener)?
    .run())
}

/// Lowers the calling thread's scheduling priority by `nice` (Linux sets niceness per thread).
/// Raising it needs privileges this service never asks for, so only positive values apply.
#[allow(unsafe_code)]
fn lower_this_threads_priority(nice: i32) {
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
