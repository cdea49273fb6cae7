//! What probes and metrics ask of the database: whether it answers with a current schema, how
//! busy the pool is, how many sessions are live.

use crate::db::{self, migrations, sessions as session_rows, Pool};
use crate::domain::clock::Clock;

use super::ServiceError;

pub use crate::db::Backend;

/// Whether the service can take requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Readiness {
    Ready,
    /// The database answers, but its schema is behind this binary.
    MigrationsPending,
}

/// Connections the pool holds, and how many of them are idle.
#[derive(Debug, Clone, Copy)]
pub struct PoolUse {
    pub connections: u32,
    pub idle: u32,
}

pub struct Operations {
    pool: Pool,
    clock: Clock,
    backend: Backend,
}

impl Operations {
    pub fn new(pool: Pool, clock: Clock, backend: Backend) -> Self {
        Self { pool, clock, backend }
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// An error when the database cannot be reached.
    pub async fn readiness(&self) -> Result<Readiness, ServiceError> {
        let pending = db::run(&self.pool, migrations::pending).await?;
        Ok(if pending { Readiness::MigrationsPending } else { Readiness::Ready })
    }

    pub fn pool_use(&self) -> PoolUse {
        let state = self.pool.state();
        PoolUse { connections: state.connections, idle: state.idle_connections }
    }

    pub async fn live_sessions(&self) -> Result<i64, ServiceError> {
        let now = self.clock.now().naive_utc();
        Ok(db::run(&self.pool, move |conn| session_rows::count_live(conn, now)).await?)
    }
}
