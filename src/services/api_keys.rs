//! Issuing and revoking open-API keys; only a key's hash is ever stored.

use std::num::NonZeroU32;

use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::db::api_keys::{self as key_rows, ApiKeyRow, NewApiKey};
use crate::db::audit;
use crate::db::connection::write_transaction;
use crate::db::{self, DbConnection, Pool};
use crate::domain::clock::Clock;
use crate::domain::site::DisplayText;

use super::{Operator, ServiceError};

/// A key as shown to its holder once; afterwards only its hash exists.
pub struct IssuedKey {
    pub row: ApiKeyRow,
    pub key: String,
}

/// Keys carry 256 random bits, so a plain SHA-256 is enough to make the stored hash useless.
pub fn hash_key(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

pub fn issue(
    conn: &mut DbConnection,
    clock: &Clock,
    by: &Operator,
    name: &DisplayText,
    per_second: NonZeroU32,
    burst: NonZeroU32,
) -> Result<IssuedKey, ServiceError> {
    let mut secret = [0u8; 32];
    rand::rng().fill_bytes(&mut secret);
    let key = format!("mpk_{}", hex::encode(secret));
    let now = clock.now().naive_utc();
    let as_i32 = |n: NonZeroU32| i32::try_from(n.get()).unwrap_or(i32::MAX);
    write_transaction(conn, |conn| {
        let row = key_rows::insert(
            conn,
            &NewApiKey {
                name: name.as_str(),
                key_hash: &hash_key(&key),
                per_second: as_i32(per_second),
                burst: as_i32(burst),
                created_at: now,
            },
        )?;
        audit::record(
            conn,
            &by.audit(now, "api_key_issued", None, serde_json::json!({ "id": row.id, "name": row.name })),
        )?;
        Ok(IssuedKey { row, key })
    })
}

pub fn revoke(conn: &mut DbConnection, clock: &Clock, by: &Operator, id: i64) -> Result<(), ServiceError> {
    let now = clock.now().naive_utc();
    write_transaction(conn, |conn| {
        if !key_rows::revoke(conn, id, now)? {
            return Err(ServiceError::NotFound { what: "live API key" });
        }
        audit::record(conn, &by.audit(now, "api_key_revoked", None, serde_json::json!({ "id": id })))?;
        Ok(())
    })
}

pub fn list(conn: &mut DbConnection) -> Result<Vec<ApiKeyRow>, ServiceError> {
    Ok(key_rows::list(conn)?)
}

/// A live key's hash and its limits, as the open API's rate limiter keeps them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyLimits {
    pub key_hash: String,
    pub per_second: NonZeroU32,
    pub burst: NonZeroU32,
}

/// Every key not revoked, with its limits.
pub async fn live_limits(pool: &Pool) -> Result<Vec<KeyLimits>, ServiceError> {
    let rows = db::run(pool, list).await?;
    let limit = |n: i32| NonZeroU32::new(u32::try_from(n).unwrap_or(1)).unwrap_or(NonZeroU32::MIN);
    Ok(rows
        .into_iter()
        .filter(|row| row.revoked_at.is_none())
        .map(|row| KeyLimits {
            per_second: limit(row.per_second),
            burst: limit(row.burst),
            key_hash: row.key_hash,
        })
        .collect())
}
