//! Exactly-once writes: a client key is claimed first, its answer stored in the write's own
//! transaction and replayed for every retry.

use serde::de::DeserializeOwned;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::db::connection::write_transaction;
use crate::db::idempotency as answers;
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

/// A write's answer, and whether it is the stored answer of an earlier attempt.
#[derive(Debug)]
pub struct Answered<T> {
    pub value: T,
    pub replayed: bool,
}

/// Runs `work` in a write transaction once per client key: a retry with the same request gets
/// the stored answer, one with a different request is refused.
///
/// The key is claimed before `work` runs, so a twin arriving while the first attempt is in
/// flight waits on the claimed row (SQLite serialises writers anyway) and then replays the
/// committed answer, rather than running the rules again and being refused by the first
/// attempt's own sale. A refused first attempt rolls its claim back: its twin runs the rules
/// again and is refused in the same way.
pub fn once<T, F>(
    conn: &mut DbConnection,
    scope: &Idempotent,
    now: chrono::NaiveDateTime,
    work: F,
) -> Result<Answered<T>, ServiceError>
where
    T: Serialize + DeserializeOwned,
    F: FnOnce(&mut DbConnection) -> Result<T, ServiceError>,
{
    let key = scope.key.to_string();
    write_transaction(conn, |conn| {
        if !answers::claim(conn, scope.site_id, &key, &scope.request_hash, now)? {
            let stored = answers::find(conn, scope.site_id, &key)?
                .ok_or_else(|| ServiceError::Internal(format!("client key {key} claimed but not stored")))?;
            if stored.request_hash != scope.request_hash {
                return Err(ServiceError::IdempotencyKeyReused);
            }
            let value = serde_json::from_str(&stored.response)
                .map_err(|e| ServiceError::Internal(format!("stored answer for {key}: {e}")))?;
            return Ok(Answered { value, replayed: true });
        }
        let value = work(conn)?;
        let response = serde_json::to_string(&value).map_err(|e| ServiceError::Internal(e.to_string()))?;
        answers::answer(conn, scope.site_id, &key, &response)?;
        Ok(Answered { value, replayed: false })
    })
}
