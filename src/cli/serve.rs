//! `maskportal serve`: run the HTTP service.

use crate::app::Application;
use crate::config::Config;
use crate::domain::clock::Clock;

#[derive(Debug, clap::Args)]
pub struct Opts {}

pub fn run(_: Opts, config: Config) -> anyhow::Result<()> {
    actix_web::rt::System::new().block_on(serve(config))
}

/// Builds and runs the service until it is stopped (shared with `demo`).
pub async fn serve(config: Config) -> anyhow::Result<()> {
    let clock = config.clock_start.map_or_else(Clock::system, Clock::starting_at);
    let bind = config.bind;
    let app = Application::build(config, clock).await?;
    tracing::info!(%bind, port = app.port(), "maskportal is serving");
    app.run_until_stopped().await?;
    Ok(())
}
