//! One port for the counter and the map apps, without the map apps slowing the counter. Each
//! connection is steered by its first request: one that opens with an open-API read
//! (`/corona19-masks/…`, `/v2/…`) is served by the listener's workers, which run at lower
//! priority (`MASKPORTAL_PUBLIC_NICE`); any other goes to the counter's own threads, at the
//! process's priority, whose run queues no flood fills. Both serve the whole route table, so a
//! connection that later mixes requests is still answered; steering decides only who serves it.

use std::future::Future;
use std::net::{SocketAddr, TcpListener};
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use actix_http::HttpService;
use actix_web::dev::{fn_factory, fn_service, AppConfig, Server, Service, ServiceFactory};
use actix_web::rt::net::TcpStream;
use actix_web::web;
use tokio::sync::{mpsc, watch};

use super::server::{app, lower_this_threads_priority, Clients, Workers, DISCONNECT_TIMEOUT};
use super::slow_clients::BodyTimeout;
use super::state::AppState;

/// How long the counter's threads let open connections finish once the listener has stopped.
const COUNTER_GRACE: Duration = Duration::from_secs(10);

/// True when a connection's first bytes are an open-API request line (GET, HEAD, or a CORS
/// preflight). A head split before its path is rare and goes to the counter, which serves it too.
pub fn opens_with_open_api_read(head: &[u8]) -> bool {
    let Some(space) = head.iter().position(|&b| b == b' ') else { return false };
    let (method, path) = (&head[..space], &head[space + 1..]);
    matches!(method, b"GET" | b"HEAD" | b"OPTIONS")
        && (path.starts_with(b"/corona19-masks/") || path.starts_with(b"/v2/"))
}

/// Serves `routes` on `listener`, steering each connection (see the module doc): `workers`
/// for the open API's connections, as many threads again for the counter's.
pub fn serve_steered(
    state: web::Data<AppState>,
    routes: fn(&mut web::ServiceConfig),
    listener: TcpListener,
    workers: Workers,
    clients: &Clients,
) -> std::io::Result<Server> {
    let local_addr = listener.local_addr()?;
    let http = HttpFactory { state, routes, clients: clients.clone(), local_addr };
    let counter = CounterThreads::start(workers.count, http.clone())?;
    let head_timeout = clients.limits.head_timeout;
    let nice = workers.nice;
    Ok(actix_server::Server::build()
        .workers(workers.count)
        .disable_signals()
        .listen("maskportal", listener, move || {
            // The factory runs once on each worker thread as it starts.
            if nice != 0 {
                lower_this_threads_priority(nice);
            }
            let (http, counter) = (http.clone(), counter.clone());
            fn_factory(move || {
                let (http, counter) = (http.clone(), counter.clone());
                async move {
                    let shutdown = http.state.shutdown.clone();
                    let stopping = move || {
                        let shutdown = shutdown.clone();
                        async move { shutdown.begun().await }
                    };
                    let public = Rc::new(http.build(stopping).new_service(()).await?);
                    Ok::<_, ()>(fn_service(move |stream: TcpStream| {
                        steer(stream, public.clone(), counter.clone(), head_timeout)
                    }))
                }
            })
        })?
        .run())
}

async fn steer<S>(
    stream: TcpStream,
    public: Rc<S>,
    counter: CounterThreads,
    head_timeout: Duration,
) -> Result<(), ()>
where
    S: Service<TcpStream, Response = ()>,
{
    let mut head = [0u8; 24];
    // A client that sends nothing in time is dropped, as a silent one would be by the server.
    let Ok(Ok(read)) = tokio::time::timeout(head_timeout, stream.peek(&mut head)).await else {
        return Ok(());
    };
    if opens_with_open_api_read(&head[..read]) {
        let _ = public.call(stream).await;
    } else {
        counter.take(stream);
    }
    Ok(())
}

/// What it takes to build the HTTP service on any thread.
#[derive(Clone)]
struct HttpFactory {
    state: web::Data<AppState>,
    routes: fn(&mut web::ServiceConfig),
    clients: Clients,
    local_addr: SocketAddr,
}

impl HttpFactory {
    /// The HTTP/1 service over the application, set up as `HttpServer` sets up its own; once
    /// `stopping` resolves, each connection closes after the reply in progress.
    fn build<F, Fut>(
        &self,
        stopping: F,
    ) -> impl ServiceFactory<
        TcpStream,
        Config = (),
        Response = (),
        Error = actix_http::error::DispatchError,
        InitError = (),
    >
    where
        F: Fn() -> Fut + 'static,
        Fut: Future<Output = ()> + 'static,
    {
        let limits = self.clients.limits;
        let caps = self.clients.caps.clone();
        let application = app(self.state.clone(), self.routes, BodyTimeout(limits.body_timeout));
        HttpService::build()
            .keep_alive(limits.keep_alive)
            .client_request_timeout(limits.head_timeout)
            .client_disconnect_timeout(DISCONNECT_TIMEOUT)
            .local_addr(self.local_addr)
            .graceful_shutdown_signal(stopping)
            .on_connect_ext(move |io: &TcpStream, data| caps.on_connect(io, data))
            .finish(actix_service::map_config(application, |()| AppConfig::default()))
            .tcp()
    }
}

/// The counter's threads, each with its own runtime and HTTP service, taking connections in
/// turn.
#[derive(Clone)]
struct CounterThreads {
    connections: Arc<[mpsc::UnboundedSender<std::net::TcpStream>]>,
    next: Arc<AtomicUsize>,
}

impl CounterThreads {
    fn start(count: usize, http: HttpFactory) -> std::io::Result<Self> {
        let mut connections = Vec::with_capacity(count.max(1));
        for n in 0..count.max(1) {
            let (sender, receiver) = mpsc::unbounded_channel();
            let http = http.clone();
            std::thread::Builder::new()
                .name(format!("counter-http-{n}"))
                .spawn(move || actix_web::rt::System::new().block_on(serve_counter(http, receiver)))?;
            connections.push(sender);
        }
        Ok(Self { connections: connections.into(), next: Arc::new(AtomicUsize::new(0)) })
    }

    fn take(&self, stream: TcpStream) {
        let n = self.next.fetch_add(1, Ordering::Relaxed) % self.connections.len();
        match stream.into_std() {
            Ok(stream) => {
                // A closed thread means the service is stopping; the connection closes with it.
                let _ = self.connections[n].send(stream);
            }
            Err(error) => tracing::debug!(%error, "cannot hand a connection to the counter's threads"),
        }
    }
}

/// One counter thread: serves the connections it is handed until every sender is gone (the
/// listener has stopped), then lets them finish, closing idle keep-alive ones at once.
async fn serve_counter(http: HttpFactory, mut incoming: mpsc::UnboundedReceiver<std::net::TcpStream>) {
    let (stopping, stop) = watch::channel(false);
    let shutdown = http.state.shutdown.clone();
    let stopped = move || {
        let (mut stop, shutdown) = (stop.clone(), shutdown.clone());
        async move {
            tokio::select! {
                _ = stop.wait_for(|stopping| *stopping) => {}
                () = shutdown.begun() => {}
            }
        }
    };
    let service = match http.build(stopped).new_service(()).await {
        Ok(service) => Rc::new(service),
        Err(()) => {
            tracing::error!("the counter's HTTP service did not start");
            return;
        }
    };
    let mut open = tokio::task::JoinSet::new();
    while let Some(stream) = incoming.recv().await {
        while open.try_join_next().is_some() {}
        let Ok(stream) = TcpStream::from_std(stream) else { continue };
        let service = service.clone();
        open.spawn_local(async move {
            let _ = service.call(stream).await;
        });
    }
    stopping.send_replace(true);
    let _ = tokio::time::timeout(COUNTER_GRACE, async { while open.join_next().await.is_some() {} }).await;
}

#[cfg(test)]
mod tests {
    use super::opens_with_open_api_read;

    #[test]
    fn open_api_reads_are_told_from_everything_else_by_their_request_line() {
        for head in [
            &b"GET /corona19-masks/v1/storesByGeo/json?lat=37"[..],
            b"HEAD /v2/stores HTTP/1.1",
            b"OPTIONS /v2/stream HTTP/1.1",
            b"GET /v2/",
        ] {
            assert!(opens_with_open_api_read(head), "{}", String::from_utf8_lossy(head));
        }
        for head in [
            &b"POST /portal/v1/sales HTTP/1.1"[..],
            b"POST /v2/stores HTTP/1.1",
            b"GET /portal/v1/stock",
            b"GET /readyz HTTP/1.1",
            b"GET /v2 HTTP/1.1",
            b"GET /corona19-masksx/",
            b"GET",
            b"",
            b"\x16\x03\x01\x02\x00",
        ] {
            assert!(!opens_with_open_api_read(head), "{}", String::from_utf8_lossy(head));
        }
    }
}
