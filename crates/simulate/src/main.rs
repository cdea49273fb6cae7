//! `maskportal-simulate`: the command line over the simulation library.

use clap::Parser;

use maskportal_simulate::Opts;

/// Replay a launch morning against the service in-process and print the figures that measure it
/// (latency under load, throughput against baselines, publish lag, staleness).
#[derive(Debug, Parser)]
#[command(name = "maskportal-simulate")]
struct Cli {
    #[command(flatten)]
    opts: Opts,
}

/// Logs warnings only unless `RUST_LOG` says otherwise, so that the progress bar stays readable
/// and the access log does not write a line per request. The environment must hold a valid
/// service configuration, as for `maskportal`; the simulation then reads it again with a
/// database of its own.
fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    maskportal::process::run("warn", |_environment| maskportal_simulate::run(&cli.opts))
}
