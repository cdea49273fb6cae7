//! The test harness: `spawn_app` on a fresh SQLite file or a fresh PostgreSQL database, the
//! real binary, seeding, and the invariants every test may check. One file per job.

mod app;
mod binary;
mod database;
mod invariants;
mod seeding;

pub use self::app::{error_of, Reply, TestApp};
pub use self::binary::{add_clerk_by_cli, add_site_by_cli, maskportal, stdout, test_clock, ServedBinary};
pub use self::database::TestDatabase;
pub use self::invariants::{
    assert_ledgers_match_stock, assert_quotas_match_sales, audit_actions, audit_entries,
};
pub use self::seeding::{Place, TestClerk};

use maskportal::domain::clock::Clock;

/// Runs an async test body once per backend, on a fresh fixture (`TestApp` or `TestDatabase`).
/// The PostgreSQL run needs `TEST_DATABASE_URL`; without it the run is skipped, unless `CI` is
/// set, where a missing server fails the test.
#[macro_export]
macro_rules! on_both_backends {
    ($(#[$meta:meta])* async fn $name:ident($arg:ident: $fixture:ty) $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            use $crate::helpers::{Fixture, TestDatabase};

            async fn body($arg: $fixture) $body

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                body(<$fixture as Fixture>::create(TestDatabase::sqlite()).await).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(db) = TestDatabase::postgres_if_configured() {
                    body(<$fixture as Fixture>::create(db).await).await;
                }
            }
        }
    };
}

/// What a test body receives, made from a fresh database.
pub trait Fixture: Sized {
    async fn create(db: TestDatabase) -> Self;
}

impl Fixture for TestDatabase {
    async fn create(db: TestDatabase) -> Self {
        db
    }
}

impl Fixture for TestApp {
    async fn create(db: TestDatabase) -> Self {
        TestApp::spawn_on(db, Clock::system()).await
    }
}

/// Polls `check` until it holds or `within` passes; returns how long it took.
pub async fn eventually<F, Fut>(within: std::time::Duration, mut check: F) -> std::time::Duration
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let start = std::time::Instant::now();
    loop {
        if check().await {
            return start.elapsed();
        }
        assert!(start.elapsed() < within, "not within {within:?}");
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
}
