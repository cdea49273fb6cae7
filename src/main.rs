use clap::Parser;

use maskportal::cli::Cli;

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    maskportal::process::run_with("info", maskportal::http::telemetry::CLIENT_FAULTS, |config| {
        cli.run(config)
    })
}
