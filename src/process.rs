//! What every maskportal binary does around its command: allocator tuning, the log subscriber,
//! the configuration from the environment, and the exit code.

use std::process::ExitCode;

use tracing_subscriber::EnvFilter;

use crate::config::Config;

/// Runs `command` with the configuration from the environment, logging at `RUST_LOG` or else
/// `default_log_filter`; an error is printed on stderr and the process exits 1. Called first in
/// `main`, before any thread starts.
pub fn run(default_log_filter: &str, command: impl FnOnce(Config) -> anyhow::Result<()>) -> ExitCode {
    return_large_blocks_to_the_os();
    let logs = tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_log_filter)),
        )
        .with_writer(std::io::stderr);
    // Structured lines for log shippers; readable ones for people.
    if std::env::var("MASKPORTAL_LOG_FORMAT").is_ok_and(|f| f == "json") {
        logs.json().init();
    } else {
        logs.init();
    }
    match Config::from_env().map_err(anyhow::Error::from).and_then(command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// glibc raises its mmap threshold after a large block is freed, so later large blocks come
/// from a thread's heap and stay there: every blocking thread that once verified a password
/// kept argon2's 19 MiB (175 MB resident after 21 sign-ins). With a fixed threshold, blocks of
/// 4 MiB and more are always mapped, and unmapped when freed; smaller ones are unaffected.
#[allow(unsafe_code)]
fn return_large_blocks_to_the_os() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only adjusts the allocator's tuning; called before any thread starts.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 4 << 20);
    }
}
