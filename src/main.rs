use clap::Parser;
use tracing_subscriber::EnvFilter;

use maskportal::cli::Cli;
use maskportal::config::Config;

fn main() -> std::process::ExitCode {
    let logs = tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")))
        .with_writer(std::io::stderr);
    // Structured lines for log shippers; readable ones for people.
    if std::env::var("MASKPORTAL_LOG_FORMAT").is_ok_and(|f| f == "json") {
        logs.json().init();
    } else {
        logs.init();
    }
    let cli = Cli::parse();
    let result = Config::from_env().map_err(anyhow::Error::from).and_then(|config| cli.run(config));
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
