//! Password hashing with argon2id (OWASP parameters), constant-shape verification, and the pool
//! that runs checks with existing accounts served first.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, OnceLock};

use tokio::sync::oneshot;

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

/// Runs password checks on a few blocking threads at most, so a burst of sign-ins queues here
/// instead of taking every thread the rest of the service needs. When checks queue, one for an
/// existing account goes before every check for a name that does not exist: bad sign-ins with
/// made-up names from many addresses (each address under its own lock) cannot make a clerk
/// wait behind all of them. With nothing queued, as under normal load, both kinds take the
/// same path (a free thread at once, one argon2 check at the configured cost), so their
/// latency tells nothing.
#[derive(Debug, Clone)]
pub struct VerifierPool {
    gate: Arc<Gate>,
    cost: HashingCost,
    /// A hash to check against when there is no account, made once at the configured cost, so
    /// a missing account takes as long as a wrong password.
    dummy: Arc<OnceLock<Option<String>>>,
}

impl VerifierPool {
    /// A pool with half this machine's cores (at least one) for checks.
    pub fn new(cost: HashingCost) -> Self {
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get().div_ceil(2));
        Self { gate: Gate::new(threads), cost, dummy: Arc::new(OnceLock::new()) }
    }

    /// Checks `password` against `stored`, or against the dummy when there is no account.
    pub async fn verify(&self, password: Password, stored: Option<String>) -> bool {
        let queue = if stored.is_some() { Queue::Existing } else { Queue::Unknown };
        let Some(slot) = self.gate.enter(queue).wait().await else { return false };
        let (cost, dummy) = (self.cost, self.dummy.clone());
        tokio::task::spawn_blocking(move || {
            // Held until the check ends, even if the sign-in that asked for it is dropped.
            let _slot = slot;
            match stored {
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
            }
        })
        .await
        .unwrap_or(false)
    }
}

/// Which queue a check waits in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Queue {
    /// The account exists: its stored hash is checked.
    Existing,
    /// No such account: the dummy hash is checked.
    Unknown,
}

/// The pool's threads as slots, with a queue of waiters per kind; a freed slot goes to the
/// longest-waiting check for an existing account, else to the longest-waiting other one.
#[derive(Debug)]
struct Gate {
    waiting: Mutex<Waiting>,
}

#[derive(Debug)]
struct Waiting {
    free: usize,
    existing: VecDeque<oneshot::Sender<Slot>>,
    unknown: VecDeque<oneshot::Sender<Slot>>,
}

/// The right to run one check; dropping it hands it to the next waiter.
#[derive(Debug)]
struct Slot {
    gate: Option<Arc<Gate>>,
}

impl Drop for Slot {
    fn drop(&mut self) {
        if let Some(gate) = self.gate.take() {
            gate.release();
        }
    }
}

/// A slot at once, or a place in a queue.
#[derive(Debug)]
enum Turn {
    Now(Slot),
    Queued(oneshot::Receiver<Slot>),
}

impl Turn {
    /// The slot, once it is this check's turn.
    async fn wait(self) -> Option<Slot> {
        match self {
            Turn::Now(slot) => Some(slot),
            Turn::Queued(turn) => turn.await.ok(),
        }
    }
}

impl Gate {
    fn new(slots: usize) -> Arc<Self> {
        let waiting = Waiting { free: slots.max(1), existing: VecDeque::new(), unknown: VecDeque::new() };
        Arc::new(Self { waiting: Mutex::new(waiting) })
    }

    fn waiting(&self) -> std::sync::MutexGuard<'_, Waiting> {
        self.waiting.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Takes a free slot, or joins the end of `queue`.
    fn enter(self: &Arc<Self>, queue: Queue) -> Turn {
        let mut waiting = self.waiting();
        if waiting.free > 0 {
            waiting.free -= 1;
            return Turn::Now(Slot { gate: Some(self.clone()) });
        }
        let (turn, queued) = oneshot::channel();
        match queue {
            Queue::Existing => waiting.existing.push_back(turn),
            Queue::Unknown => waiting.unknown.push_back(turn),
        }
        Turn::Queued(queued)
    }

    /// Hands a freed slot to the next waiter still waiting, or keeps it free.
    fn release(self: &Arc<Self>) {
        let mut waiting = self.waiting();
        while let Some(next) = waiting.existing.pop_front().or_else(|| waiting.unknown.pop_front()) {
            match next.send(Slot { gate: Some(self.clone()) }) {
                Ok(()) => return,
                // That sign-in was dropped while it waited: the slot goes on to the next.
                Err(mut unclaimed) => unclaimed.gate = None,
            }
        }
        waiting.free += 1;
    }
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

    fn queued(turn: Turn) -> oneshot::Receiver<Slot> {
        match turn {
            Turn::Queued(queued) => queued,
            Turn::Now(_) => panic!("a slot was free"),
        }
    }

    fn now(turn: Turn) -> Slot {
        match turn {
            Turn::Now(slot) => slot,
            Turn::Queued(_) => panic!("no slot was free"),
        }
    }

    #[test]
    fn an_existing_accounts_check_goes_before_sixty_queued_checks_for_unknown_names() {
        let gate = Gate::new(1);
        let running = now(gate.enter(Queue::Unknown));
        let mut unknown: Vec<_> = (0..60).map(|_| queued(gate.enter(Queue::Unknown))).collect();
        let mut clerk = queued(gate.enter(Queue::Existing));
        assert!(clerk.try_recv().is_err(), "the running check still holds the only slot");

        drop(running);
        let clerks_slot = clerk.try_recv().expect("the clerk is served next");
        assert!(unknown.iter_mut().all(|u| u.try_recv().is_err()), "no unknown name went first");

        drop(clerks_slot);
        let _first_unknown = unknown[0].try_recv().expect("then the unknown names, in order");
        assert!(unknown[1..].iter_mut().all(|u| u.try_recv().is_err()));
    }

    #[test]
    fn a_slot_is_free_at_once_when_nothing_waits_whichever_the_kind() {
        let gate = Gate::new(2);
        let first = now(gate.enter(Queue::Unknown));
        let second = now(gate.enter(Queue::Existing));
        drop(queued(gate.enter(Queue::Existing)));
        drop((first, second));
        // The waiter that gave up did not keep a slot: both are free again.
        let _both = (now(gate.enter(Queue::Existing)), now(gate.enter(Queue::Unknown)));
    }
}
