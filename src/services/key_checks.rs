//! Every node of one database must hold the same ID key and JWT key: a node with another ID key
//! would fingerprint the same person differently (a second weekly quota), and one with another
//! JWT key would refuse the others' sessions. The first node records a check value of each key;
//! every later start compares.

use crate::db::connection::write_transaction;
use crate::db::{self, key_checks, Pool};
use crate::domain::clock::Clock;
use crate::secrets::Secrets;

use super::ServiceError;

/// A key that differs from the one this database was first used with.
#[derive(Debug, thiserror::Error)]
#[error(
    "the {key} differs from the one this database was first used with: every node must hold the \
     same key ({variables}); refusing to start"
)]
pub struct KeyMismatch {
    pub key: &'static str,
    pub variables: &'static str,
}

/// Records the keys' check values on first use, or compares with those recorded.
pub async fn verify(
    pool: &Pool,
    clock: &Clock,
    secrets: &Secrets,
) -> Result<Result<(), KeyMismatch>, ServiceError> {
    let keys = [
        (
            "id_key",
            secrets.id_key.check_value(),
            "resident ID key",
            "MASKPORTAL_ID_KEY or MASKPORTAL_ID_KEY_FILE",
        ),
        (
            "jwt_secret",
            secrets.jwt.check_value(),
            "session signing key",
            "MASKPORTAL_JWT_SECRET or MASKPORTAL_JWT_SECRET_FILE",
        ),
    ];
    let at = clock.now().naive_utc();
    db::run(pool, move |conn| {
        write_transaction(conn, |conn| {
            for (name, value, key, variables) in &keys {
                if key_checks::record_or_get(conn, name, value, at)? != *value {
                    return Ok(Err(KeyMismatch { key, variables }));
                }
            }
            Ok(Ok(()))
        })
    })
    .await
}
