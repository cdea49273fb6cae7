//! Exactly-once writes: a client key's first answer is stored in the write's own transaction
//! and replayed for every retry.

use serde::de::DeserializeOwned;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::db::connection::write_transaction;
use crate::db::idempotency::{self as answers, StoredAnswer};
use crate::db::DbConnection;
use crate::domain::client_key::ClientKey;

use super::ServiceError;

/// A write's scope (site and client key) and a digest of what it asked for.
#[derive(Debug, Clone)]
pub struct Idempotent {
    pub site_id: i64,
    pub key: ClientKey,
    pub request_hash: String,
}

impl Idempotent {
    /// `parts` describe the parsed request; resident IDs appear only as keyed fingerprints,
    /// so the stored digest reveals nothing.
    pub fn new(site_id: i64, key: ClientKey, parts: &[&str]) -> Self {
        let mut digest = Sha256::new();
        for part in parts {
            digest.update(part.as_bytes());
            digest.update([0x1f]);
        }
        Self { site_id, key, request_hash: hex::encode(digest.finalize()) }
    }
}

/// Concurrent first attempts with one key race to insert; the losers retry and replay.
const ATTEMPTS: usize = 3;

/// Runs `work` in a write transaction once per client key: a retry with the same request gets
/// the stored answer, one with a different request is refused.
pub fn once<T, F>(
    conn: &mut DbConnection,
    scope: &Idempotent,
    now: chrono::NaiveDateTime,
    mut work: F,
) -> Result<T, ServiceError>
where
    T: Serialize + DeserializeOwned,
    F: FnMut(&mut DbConnection) -> Result<T, ServiceError>,
{
    let key = scope.key.to_string();
    let mut attempt = 0;
    loop {
        attempt += 1;
        let result = write_transaction(conn, |conn| {
            if let Some(stored) = answers::find(conn, scope.site_id, &key)? {
                if stored.request_hash != scope.request_hash {
                    return Err(ServiceError::IdempotencyKeyReused);
                }
                return serde_json::from_str(&stored.response)
                    .map_err(|e| ServiceError::Internal(format!("stored answer for {key}: {e}")));
            }
            let value = work(conn)?;
            let response =
                serde_json::to_string(&value).map_err(|e| ServiceError::Internal(e.to_string()))?;
            let answer = StoredAnswer { request_hash: scope.request_hash.clone(), response };
            answers::store(conn, scope.site_id, &key, &answer, now)?;
            Ok(value)
        });
        match result {
            Err(ServiceError::Db(error)) if attempt < ATTEMPTS && error.is_lost_race() => continue,
            other => return other,
        }
    }
}
