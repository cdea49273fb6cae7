//! Password hashing with argon2id (OWASP parameters) and constant-shape verification.

use std::sync::{Arc, OnceLock};

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};

use crate::config::HashingCost;
use crate::domain::account::Password;

#[derive(Debug, thiserror::Error)]
#[error("password hashing failed: {0}")]
pub struct HashError(String);

/// Hashes a new password into a PHC string (`$argon2id$v=19$...`) with a fresh random salt.
pub fn hash(password: &Password, cost: &HashingCost) -> Result<String, HashError> {
    let params = Params::new(cost.memory_kib, cost.iterations, cost.parallelism, None)
        .map_err(|e| HashError(e.to_string()))?;
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password(password.expose().as_bytes())
        .map(|hash| hash.to_string())
        .map_err(|e| HashError(e.to_string()))
}

/// Checks a password against a stored hash, with the cost the hash was made with; a malformed
/// stored hash never matches.
pub fn verify(password: &Password, stored: &str) -> bool {
    PasswordHash::new(stored)
        .is_ok_and(|parsed| Argon2::default().verify_password(password.expose().as_bytes(), &parsed).is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_its_password_and_nothing_else() {
        let password = Password::new_secret("correct horse battery".into()).unwrap();
        let stored = hash(&password, &HashingCost::default()).unwrap();
        assert!(stored.starts_with("$argon2id$"), "{stored}");
        assert!(verify(&password, &stored));
        assert!(!verify(&Password::attempt("wrong horse battery".into()).unwrap(), &stored));
        assert!(!verify(&password, "not a phc string"));
    }

    #[test]
    fn the_configured_cost_is_the_cost_in_the_hash() {
        let cost = HashingCost { memory_kib: 8 * 1024, iterations: 3, parallelism: 1 };
        let password = Password::new_secret("correct horse battery".into()).unwrap();
        let stored = hash(&password, &cost).unwrap();
        assert!(stored.starts_with("$argon2id$v=19$m=8192,t=3,p=1$"), "{stored}");
        assert!(verify(&password, &stored));
    }
}

/// Runs password checks on a few blocking threads at most, so a burst of sign-ins queues here
/// instead of taking every thread the rest of the service needs.
#[derive(Debug, Clone)]
pub struct VerifierPool {
    permits: Arc<tokio::sync::Semaphore>,
    cost: HashingCost,
    /// A hash to check against when there is no account, made once at the configured cost, so
    /// a missing account takes as long as a wrong password.
    dummy: Arc<OnceLock<Option<String>>>,
}

impl VerifierPool {
    pub fn new(concurrency: usize, cost: HashingCost) -> Self {
        Self {
            permits: Arc::new(tokio::sync::Semaphore::new(concurrency.max(1))),
            cost,
            dummy: Arc::new(OnceLock::new()),
        }
    }

    /// Checks `password` against `stored`, or against the dummy when there is no account.
    pub async fn verify(&self, password: Password, stored: Option<String>) -> bool {
        let Ok(_permit) = self.permits.acquire().await else { return false };
        let (cost, dummy) = (self.cost, self.dummy.clone());
        tokio::task::spawn_blocking(move || match stored {
            Some(stored) => verify(&password, &stored),
            None => {
                let dummy = dummy.get_or_init(|| {
                    Password::new_secret("dummy-password-for-timing".to_owned())
                        .ok()
                        .and_then(|p| hash(&p, &cost).ok())
                });
                if let Some(dummy) = dummy {
                    verify(&password, dummy);
                }
                false
            }
        })
        .await
        .unwrap_or(false)
    }
}
