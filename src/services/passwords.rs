//! Password hashing with argon2id (OWASP parameters) and constant-shape verification.

use std::sync::LazyLock;

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::Argon2;

use crate::domain::account::Password;

#[derive(Debug, thiserror::Error)]
#[error("password hashing failed: {0}")]
pub struct HashError(String);

/// Hashes a new password into a PHC string (`$argon2id$v=19$...`) with a fresh random salt.
pub fn hash(password: &Password) -> Result<String, HashError> {
    Argon2::default()
        .hash_password(password.expose().as_bytes())
        .map(|hash| hash.to_string())
        .map_err(|e| HashError(e.to_string()))
}

/// Checks a password against a stored hash; a malformed stored hash never matches.
pub fn verify(password: &Password, stored: &str) -> bool {
    PasswordHash::new(stored)
        .is_ok_and(|parsed| Argon2::default().verify_password(password.expose().as_bytes(), &parsed).is_ok())
}

/// Spends the same work as a real check, so a missing account takes as long as a wrong password.
pub fn verify_against_dummy(password: &Password) {
    static DUMMY: LazyLock<Option<String>> = LazyLock::new(|| {
        Password::new_secret("dummy-password-for-timing".to_owned()).ok().and_then(|p| hash(&p).ok())
    });
    if let Some(dummy) = DUMMY.as_deref() {
        verify(password, dummy);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_its_password_and_nothing_else() {
        let password = Password::new_secret("correct horse battery".into()).unwrap();
        let stored = hash(&password).unwrap();
        assert!(stored.starts_with("$argon2id$"), "{stored}");
        assert!(verify(&password, &stored));
        assert!(!verify(&Password::attempt("wrong horse battery".into()).unwrap(), &stored));
        assert!(!verify(&password, "not a phc string"));
    }
}

/// Runs password checks on a few blocking threads at most, so a burst of sign-ins queues here
/// instead of taking every thread the rest of the service needs.
#[derive(Debug, Clone)]
pub struct VerifierPool {
    permits: std::sync::Arc<tokio::sync::Semaphore>,
}

impl VerifierPool {
    pub fn new(concurrency: usize) -> Self {
        Self { permits: std::sync::Arc::new(tokio::sync::Semaphore::new(concurrency.max(1))) }
    }

    /// Checks `password` against `stored`, or against a dummy when there is no account, taking
    /// the same time either way.
    pub async fn verify(&self, password: Password, stored: Option<String>) -> bool {
        let Ok(_permit) = self.permits.acquire().await else { return false };
        tokio::task::spawn_blocking(move || match stored {
            Some(stored) => verify(&password, &stored),
            None => {
                verify_against_dummy(&password);
                false
            }
        })
        .await
        .unwrap_or(false)
    }
}
