//! What a slow or greedy client can hold: every request body has a deadline, and every address a
//! cap on open connections.

use std::any::Any;
use std::cell::RefCell;
use std::collections::HashMap;
use std::future::Future;
use std::net::{IpAddr, Shutdown};
use std::pin::Pin;
use std::rc::Rc;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{ready, Context, Poll};
use std::time::Duration;

use actix_web::body::{BodySize, BoxBody, EitherBody, MessageBody};
use actix_web::dev::{Extensions, Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::middleware::Next;
use actix_web::rt::net::TcpStream;
use actix_web::web::Bytes;
use actix_web::HttpMessage;
use futures_util::{Stream, StreamExt};

use super::client_address::TrustedProxies;

/// How long a request body may take to arrive in full, counted from its head (app data of
/// every listener, read by [`body_deadline`]).
#[derive(Debug, Clone, Copy)]
pub struct BodyTimeout(pub Duration);

/// Whether a payload error is [`body_deadline`]'s: the body did not arrive in time.
pub fn is_body_timeout(error: &PayloadError) -> bool {
    matches!(error, PayloadError::Io(io) if io.kind() == std::io::ErrorKind::TimedOut)
}

/// The middleware: a body that has not arrived in full by the deadline ends in a timeout error
/// (the handler answers 408). Whatever the reply, a request whose body was not read to its
/// end closes its connection after the reply: actix would otherwise keep reading, and
/// discarding, a chunked body for as long as the client keeps sending it.
pub async fn body_deadline<B: MessageBody + 'static>(
    mut req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<EitherBody<B, HoldingUnread>>, actix_web::Error> {
    let limit = req.app_data::<BodyTimeout>().map(|timeout| timeout.0);
    let payload = req.take_payload();
    let body = match limit {
        Some(limit) if !matches!(payload, Payload::None) => {
            let body = Rc::new(RefCell::new(Body { payload, finished: false }));
            let timed = Deadline {
                body: body.clone(),
                deadline: Box::pin(tokio::time::sleep(limit)),
                expired: false,
            };
            req.set_payload(Payload::Stream { payload: Box::pin(timed) });
            Some(body)
        }
        _ => {
            req.set_payload(payload);
            None
        }
    };
    let response = next.call(req).await?;
    Ok(match body.filter(|body| !body.borrow().finished) {
        None => response.map_into_left_body(),
        Some(unread) => response
            .map_body(|_, reply| EitherBody::right(HoldingUnread { reply: reply.boxed(), _unread: unread })),
    })
}

/// A request body as actix delivers it, and whether it has been read to its end.
struct Body {
    payload: Payload,
    finished: bool,
}

/// A reply that holds its request's unread body until the reply's last byte is sent: actix
/// decides then whether to keep the connection, and closes it while the body is still alive.
pub struct HoldingUnread {
    reply: BoxBody,
    _unread: Rc<RefCell<Body>>,
}

impl MessageBody for HoldingUnread {
    type Error = <BoxBody as MessageBody>::Error;

    fn size(&self) -> BodySize {
        self.reply.size()
    }

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Bytes, Self::Error>>> {
        Pin::new(&mut self.reply).poll_next(cx)
    }
}

/// The body as the handler reads it: the client's bytes until the deadline, then a timeout.
struct Deadline {
    body: Rc<RefCell<Body>>,
    deadline: Pin<Box<tokio::time::Sleep>>,
    expired: bool,
}

impl Stream for Deadline {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.expired {
            return Poll::Ready(None);
        }
        {
            let mut body = self.body.borrow_mut();
            if body.finished {
                return Poll::Ready(None);
            }
            if let Poll::Ready(item) = body.payload.poll_next_unpin(cx) {
                // After its end or an error of actix's own, actix no longer reads this body.
                body.finished = !matches!(item, Some(Ok(_)));
                return Poll::Ready(item);
            }
        }
        ready!(self.deadline.as_mut().poll(cx));
        self.expired = true;
        let late =
            std::io::Error::new(std::io::ErrorKind::TimedOut, "the request body did not arrive in time");
        Poll::Ready(Some(Err(PayloadError::Io(late))))
    }
}

/// Open connections per client address, one count for every listener of the process. A
/// trusted proxy's address is not capped: it carries many clients, and caps its own.
#[derive(Clone)]
pub struct ConnectionCaps {
    open: Arc<Mutex<HashMap<IpAddr, u32>>>,
    max: u32,
    uncapped: TrustedProxies,
}

impl ConnectionCaps {
    pub fn new(max: u32, uncapped: TrustedProxies) -> Self {
        Self { open: Arc::default(), max, uncapped }
    }

    /// Runs as each connection opens (`HttpServer::on_connect`): counts it against its address
    /// for as long as it stays open, or, over the cap, shuts it before a byte is read, so that
    /// one address can hold no more than the cap, however slowly it sends.
    pub fn on_connect(&self, connection: &dyn Any, data: &mut Extensions) {
        let Some(stream) = connection.downcast_ref::<TcpStream>() else { return };
        let Ok(peer) = stream.peer_addr() else { return };
        let ip = peer.ip().to_canonical();
        if self.uncapped.trusts(ip) {
            return;
        }
        match self.admit(ip) {
            Some(counted) => {
                data.insert(counted);
            }
            None => {
                metrics::counter!("maskportal_connections_refused_total").increment(1);
                tracing::debug!(%ip, max = self.max, "connection over the per-address cap closed");
                if let Err(error) = socket2::SockRef::from(stream).shutdown(Shutdown::Both) {
                    tracing::debug!(%error, "closing a connection over the cap");
                }
            }
        }
    }

    fn admit(&self, ip: IpAddr) -> Option<Counted> {
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        let count = open.entry(ip).or_insert(0);
        if *count >= self.max {
            return None;
        }
        *count += 1;
        Some(Counted { open: self.open.clone(), ip })
    }
}

/// One open connection, counted against its address until the connection (and with it this
/// value, kept in the connection's data) is dropped.
struct Counted {
    open: Arc<Mutex<HashMap<IpAddr, u32>>>,
    ip: IpAddr,
}

impl Drop for Counted {
    fn drop(&mut self) {
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(count) = open.get_mut(&self.ip) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                open.remove(&self.ip);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_holds_no_more_than_the_cap_and_a_closed_connection_frees_its_place() {
        let caps = ConnectionCaps::new(2, TrustedProxies::default());
        let ip: IpAddr = "192.0.2.7".parse().unwrap();
        let first = caps.admit(ip).unwrap();
        let _second = caps.admit(ip).unwrap();
        assert!(caps.admit(ip).is_none());
        assert!(caps.admit("192.0.2.8".parse().unwrap()).is_some(), "another address has its own cap");
        drop(first);
        assert!(caps.admit(ip).is_some());
    }
}
