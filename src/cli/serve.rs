//! `maskportal serve`: run the HTTP service.

use crate::app::Application;
use crate::config::{Config, Role};
use crate::domain::clock::Clock;

#[derive(Debug, clap::Args)]
pub struct Opts {
    /// What this node serves: `all`, `counter` (the portal and counter page) or `public` (the
    /// open API); overrides MASKPORTAL_ROLE.
    #[arg(long)]
    pub role: Option<Role>,
}

pub fn run(opts: Opts, mut config: Config) -> anyhow::Result<()> {
    config.role = opts.role.unwrap_or(config.role);
    actix_web::rt::System::new().block_on(serve(config))
}

/// Builds and runs the service until it is stopped (shared with `demo`).
pub async fn serve(config: Config) -> anyhow::Result<()> {
    let clock = config.clock_start.map_or_else(Clock::system, Clock::starting_at);
    let (bind, role) = (config.bind, config.role);
    let app = Application::build(config, clock).await?;
    tracing::info!(%bind, port = app.port(), ?role, "maskportal is serving");
    app.run_until_stopped().await?;
    Ok(())
}
