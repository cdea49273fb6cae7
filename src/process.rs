//! What every maskportal binary does around its command: allocator tuning, the log subscriber,
//! the configuration from the environment, and the exit code.

use std::process::ExitCode;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::EnvFilter;

use crate::config::Config;

/// Runs `command` with the configuration from the environment, logging at `RUST_LOG` or else
/// `default_log_filter`; an error is printed on stderr and the process exits 1. Called first in
/// `main`, before any thread starts.
pub fn run(default_log_filter: &str, command: impl FnOnce(Config) -> anyhow::Result<()>) -> ExitCode {
    run_with(default_log_filter, &[], command)
}

/// A library's error log that a client's mistake causes (a malformed request, a dropped
/// connection): the library's log target and how the message begins.
#[derive(Debug)]
pub struct ClientFault {
    pub target: &'static str,
    pub message_prefix: &'static str,
}

/// Like [`run`], and logs `client_faults` at debug rather than as errors, with a warning that
/// counts them at most once a minute: any client can send garbage, and must not be able to fill
/// the logs with errors.
pub fn run_with(
    default_log_filter: &str,
    client_faults: &'static [ClientFault],
    command: impl FnOnce(Config) -> anyhow::Result<()>,
) -> ExitCode {
    return_large_blocks_to_the_os();
    let logs = tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_log_filter)),
        )
        .with_writer(std::io::stderr);
    let demoted = ClientFaultLogs { faults: client_faults, summary: Mutex::new(Summary::default()) };
    // Structured lines for log shippers; readable ones for people.
    if std::env::var("MASKPORTAL_LOG_FORMAT").is_ok_and(|f| f == "json") {
        logs.json().finish().with(demoted).init();
    } else {
        logs.finish().with(demoted).init();
    }
    match Config::from_env().map_err(anyhow::Error::from).and_then(command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// How often, at most, the count of client faults is logged as a warning.
const CLIENT_FAULT_SUMMARY_EVERY: Duration = Duration::from_secs(60);

/// The layer that turns client faults into debug lines and a counted warning.
struct ClientFaultLogs {
    faults: &'static [ClientFault],
    summary: Mutex<Summary>,
}

/// Client faults since the last warning, and when it was written.
#[derive(Default)]
struct Summary {
    since_last: u64,
    last: Option<Instant>,
}

impl ClientFaultLogs {
    /// Counts a fault; returns the count to warn about when a warning is due.
    fn count(&self) -> Option<u64> {
        let mut summary = self.summary.lock().unwrap_or_else(PoisonError::into_inner);
        summary.since_last += 1;
        let due = summary.last.is_none_or(|last| last.elapsed() >= CLIENT_FAULT_SUMMARY_EVERY);
        due.then(|| {
            summary.last = Some(Instant::now());
            std::mem::take(&mut summary.since_last)
        })
    }
}

impl<S: Subscriber> Layer<S> for ClientFaultLogs {
    fn event_enabled(&self, event: &Event<'_>, _: Context<'_, S>) -> bool {
        let meta = event.metadata();
        if *meta.level() != Level::ERROR {
            return true;
        }
        let Some(fault) = self.faults.iter().find(|fault| fault.target == meta.target()) else { return true };
        let mut message = Message::default();
        event.record(&mut message);
        if !message.0.starts_with(fault.message_prefix) {
            return true;
        }
        // The replacement lines go through the same subscriber: they are not client faults.
        tracing::debug!(target: "maskportal::client_faults", origin = meta.target(), "{}", message.0);
        if let Some(count) = self.count() {
            tracing::warn!(
                target: "maskportal::client_faults",
                count,
                "malformed requests or broken connections from clients (each at debug; this line at most once a minute)"
            );
        }
        false
    }
}

/// An event's message, as text.
#[derive(Default)]
struct Message(String);

impl Visit for Message {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            self.0 = format!("{value:?}");
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
