//! The threads database work runs on, started with the pool by the thread that builds it and
//! so at the process's own priority. Tokio's blocking threads are started by whichever thread
//! first needs one and inherit its niceness; the HTTP workers that hand work over run lower
//! (see `http::server`), and a sale's transaction must not wait behind the open API's floods.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{mpsc, Arc, Mutex};

type Job = Box<dyn FnOnce() + Send>;

/// A fixed set of threads taking jobs in order; they end when the last handle is dropped.
#[derive(Clone)]
pub struct DbThreads {
    jobs: mpsc::Sender<Job>,
}

impl DbThreads {
    pub fn start(count: usize) -> std::io::Result<Self> {
        let (jobs, queue) = mpsc::channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        for n in 0..count.max(1) {
            let queue = queue.clone();
            std::thread::Builder::new().name(format!("database-{n}")).spawn(move || loop {
                // One thread waits in `recv` holding the lock; the rest wait for the lock.
                let next = queue.lock().unwrap_or_else(std::sync::PoisonError::into_inner).recv();
                let Ok(job) = next else { return };
                // A job that panics fails its own caller (its reply is dropped), not the thread.
                let _ = catch_unwind(AssertUnwindSafe(job));
            })?;
        }
        Ok(Self { jobs })
    }

    /// Runs `work` on one of the threads; `None` if it panicked.
    pub async fn run<T: Send + 'static>(&self, work: impl FnOnce() -> T + Send + 'static) -> Option<T> {
        let (reply, result) = tokio::sync::oneshot::channel();
        self.jobs
            .send(Box::new(move || {
                let _ = reply.send(work());
            }))
            .ok()?;
        result.await.ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn work_runs_on_the_database_threads() {
        let threads = DbThreads::start(2).unwrap();
        let name = threads.run(|| std::thread::current().name().map(str::to_owned)).await;
        assert!(matches!(name, Some(Some(name)) if name.starts_with("database-")));
    }

    #[tokio::test]
    async fn a_panicking_job_fails_alone_and_the_thread_lives_on() {
        let threads = DbThreads::start(1).unwrap();
        assert_eq!(threads.run(|| -> u8 { panic!("a failing job") }).await, None);
        assert_eq!(threads.run(|| 7).await, Some(7));
    }
}
