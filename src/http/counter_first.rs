//! The counter ahead of the public, within one process. The portal and the open API share this
//! process's worker threads and cores, and a map-app read costs as much CPU outside its handler
//! (parsing, and writing ~50 KB to the socket) as in it; so a flood slows a clerk's sale through
//! every hop: the worker's run queue, the database thread's wait for a core, the reply.
//!
//! While any counter request is in flight, open-API reads are therefore held. A held read
//! goes as soon as the counter is idle (sales take milliseconds), so a flood loses only the
//! counter's busy time; held longer than [`MAX_HOLD`] (the counter busy without a break), reads
//! go one at a time, so the public is slowed but never starved. Held reads cost no CPU, and a
//! client that waits for each answer sends nothing new meanwhile, so the flood pauses itself.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::web;
use tokio::sync::{Notify, Semaphore, SemaphorePermit};

use super::state::AppState;

/// The longest an open-API read waits for the counter to be idle before it takes the lane.
pub const MAX_HOLD: Duration = Duration::from_millis(25);

pub struct CounterFirst {
    counter_requests: AtomicUsize,
    /// Woken when the last counter request in flight ends.
    counter_idle: Notify,
    /// The one long-held open-API read let through at a time while the counter stays busy.
    public_lane: Semaphore,
}

impl Default for CounterFirst {
    fn default() -> Self {
        Self {
            counter_requests: AtomicUsize::new(0),
            counter_idle: Notify::new(),
            public_lane: Semaphore::new(1),
        }
    }
}

/// A counter request in flight, until dropped.
pub struct CounterBusy<'a>(&'a CounterFirst);

impl Drop for CounterBusy<'_> {
    fn drop(&mut self) {
        if self.0.counter_requests.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.0.counter_idle.notify_waiters();
        }
    }
}

impl CounterFirst {
    pub fn counter_request(&self) -> CounterBusy<'_> {
        self.counter_requests.fetch_add(1, Ordering::AcqRel);
        CounterBusy(self)
    }

    fn counter_busy(&self) -> bool {
        self.counter_requests.load(Ordering::Acquire) > 0
    }

    /// Waits until an open-API read may run: once the counter is idle (no permit), or after
    /// [`MAX_HOLD`] with the public lane's permit, to be held while the read runs.
    pub async fn public_read(&self) -> Option<SemaphorePermit<'_>> {
        let hold_ends = tokio::time::Instant::now() + MAX_HOLD;
        let mut held_long = false;
        loop {
            if !self.counter_busy() {
                return None;
            }
            let idle = self.counter_idle.notified();
            tokio::pin!(idle);
            // Registered before the second look, so the counter going idle in between wakes it.
            idle.as_mut().enable();
            if !self.counter_busy() {
                return None;
            }
            tokio::select! {
                () = &mut idle => {}
                () = tokio::time::sleep_until(hold_ends), if !held_long => held_long = true,
                // The semaphore is never closed.
                permit = self.public_lane.acquire(), if held_long => return permit.ok(),
            }
        }
    }
}

/// Marks a portal request as counter work for as long as it runs.
pub async fn counter_work(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let _busy = state.as_ref().map(|state| state.counter_first.counter_request());
    next.call(req).await
}

/// Holds an open-API request until it may run (see the module doc).
pub async fn public_read(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let _lane = match &state {
        Some(state) => state.counter_first.public_read().await,
        None => None,
    };
    next.call(req).await
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use futures_util::FutureExt;

    use super::*;

    #[tokio::test]
    async fn reads_run_at_once_while_the_counter_is_idle() {
        let gate = CounterFirst::default();
        let reads: Vec<_> = (0..3).map(|_| gate.public_read().now_or_never()).collect();
        assert!(reads.iter().all(|read| matches!(read, Some(None))), "a read waited with the counter idle");
    }

    #[tokio::test(start_paused = true)]
    async fn held_reads_all_go_the_moment_the_counter_is_idle() {
        let gate = Arc::new(CounterFirst::default());
        let busy = gate.counter_request();
        let waiting: Vec<_> = (0..3)
            .map(|_| {
                let gate = gate.clone();
                tokio::spawn(async move {
                    let lane = gate.public_read().await;
                    (lane.is_none(), tokio::time::Instant::now())
                })
            })
            .collect();
        tokio::time::sleep(MAX_HOLD / 2).await;
        let freed_at = tokio::time::Instant::now();
        drop(busy);
        for read in waiting {
            let (without_lane, at) = read.await.expect("the read task");
            assert!(without_lane, "a read took the lane although the counter went idle");
            assert_eq!(at, freed_at, "a read waited on after the counter went idle");
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_counter_busy_without_a_break_lets_reads_through_one_at_a_time() {
        let gate = CounterFirst::default();
        let _busy = gate.counter_request();
        let started = tokio::time::Instant::now();
        let first = gate.public_read().await;
        assert!(first.is_some(), "a long-held read runs in the lane");
        assert_eq!(started.elapsed(), MAX_HOLD);
        let mut second = Box::pin(gate.public_read());
        assert!((&mut second).now_or_never().is_none());
        tokio::time::sleep(MAX_HOLD * 2).await;
        assert!((&mut second).now_or_never().is_none(), "two reads ran beside each other");
        drop(first);
        assert!(second.await.is_some());
    }
}
