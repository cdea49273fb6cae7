use clap::Parser;

use maskportal::cli::Cli;

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    maskportal::process::run("info", |config| cli.run(config))
}
