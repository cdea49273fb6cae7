//! A clerk's password check on the verifier pool, alone and while 60 sign-ins with made-up
//! names (as from 60 addresses, each under its own lock) keep the pool busy.
//! `cargo bench --bench verifier`

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, SamplingMode};
use maskportal::config::HashingCost;
use maskportal::domain::account::Password;
use maskportal::services::passwords::{self, VerifierPool};

/// Sign-ins with made-up names in flight at once during the flood.
const UNKNOWN_NAMES: usize = 60;

fn clerk_verification(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    let cost = HashingCost::default();
    let pool = VerifierPool::new(cost);
    let secret = "pw-clerk-0123456789";
    let stored = passwords::hash(&Password::new_secret(secret.to_owned()).expect("a password"), &cost)
        .expect("a hash");
    let clerk = || Password::attempt(secret.to_owned()).expect("a password");
    let mut group = c.benchmark_group("clerk password check");
    // Flat: a check takes tens of milliseconds, so few iterations per sample are enough.
    group
        .sampling_mode(SamplingMode::Flat)
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(8));

    group.bench_function("alone", |b| {
        b.iter(|| assert!(runtime.block_on(pool.verify(clerk(), Some(stored.clone())))))
    });

    let flooding = Arc::new(AtomicBool::new(true));
    let flood: Vec<_> = (0..UNKNOWN_NAMES)
        .map(|i| {
            let (pool, flooding) = (pool.clone(), flooding.clone());
            runtime.spawn(async move {
                while flooding.load(Ordering::Relaxed) {
                    pool.verify(Password::attempt(format!("guess-{i}")).expect("a password"), None).await;
                }
            })
        })
        .collect();
    // Let every made-up name reach the pool's queue before measuring.
    runtime.block_on(async { tokio::time::sleep(Duration::from_millis(200)).await });
    group.bench_function("beside 60 unknown-name sign-ins", |b| {
        b.iter(|| assert!(runtime.block_on(pool.verify(clerk(), Some(stored.clone())))))
    });
    flooding.store(false, Ordering::Relaxed);
    for task in flood {
        runtime.block_on(task).expect("the flood ends");
    }
    group.finish();
}

criterion_group!(benches, clerk_verification);
criterion_main!(benches);
