//! Wakes the publisher when any node commits a change: a thread of its own LISTENs on
//! PostgreSQL, and reconnects after a dropped connection while the log tail covers the gap.

use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use tokio::sync::Notify;

use crate::db::notifications::Listener;
use crate::db::{DatabaseUrl, DbError};

/// How often the thread takes what libpq has received. diesel offers no blocking wait on the
/// connection's socket, so each look is a non-blocking read of it: a few microseconds of CPU.
const TICK: Duration = Duration::from_millis(2);
/// How often a quiet connection is checked: a peer that vanished sends no error of its own.
const PING_EVERY: Duration = Duration::from_secs(5);
/// The pause before connecting again.
const RETRY_AFTER: Duration = Duration::from_secs(1);

/// Starts listening when the database is PostgreSQL (SQLite has no notifications: `None`).
/// The returned [`Notify`] is woken at every commit by any node, and once after each
/// (re)connection, so whatever committed meanwhile is read at once; the thread ends when the
/// last holder drops it.
pub fn spawn(url: &DatabaseUrl) -> std::io::Result<Option<Arc<Notify>>> {
    let DatabaseUrl::Postgres(url) = url else { return Ok(None) };
    let url = url.clone();
    let wake = Arc::new(Notify::new());
    let held = Arc::downgrade(&wake);
    std::thread::Builder::new().name("change-listener".to_owned()).spawn(move || run(&url, &held))?;
    Ok(Some(wake))
}

fn run(url: &str, wake: &Weak<Notify>) {
    while wake.strong_count() > 0 {
        let error = match Listener::connect(url) {
            Ok(listener) => match listen(listener, wake) {
                Ok(()) => return,
                Err(error) => error,
            },
            Err(error) => error,
        };
        tracing::warn!(%error, "not listening for changes; retrying (the change log is polled meanwhile)");
        std::thread::sleep(RETRY_AFTER);
    }
}

/// Wakes the publisher once now and at every notification; returns when nobody holds `wake`.
fn listen(mut listener: Listener, wake: &Weak<Notify>) -> Result<(), DbError> {
    let mut heard = 1;
    let mut pinged = Instant::now();
    loop {
        let Some(publisher) = wake.upgrade() else { return Ok(()) };
        if heard > 0 {
            publisher.notify_one();
        }
        drop(publisher);
        std::thread::sleep(TICK);
        heard = listener.take()?;
        if pinged.elapsed() >= PING_EVERY {
            listener.ping()?;
            pinged = Instant::now();
        }
    }
}
