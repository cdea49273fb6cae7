//! The command line: one file per subcommand, each an options struct and a `run`.

pub mod admin;
pub mod demo;
pub mod migrate;
pub mod serve;

use clap::{Parser, Subcommand};

use crate::config::Config;
use crate::db::{self, DbConnection};

#[derive(Debug, Parser)]
#[command(name = "maskportal", version, about = "Counter portal and public open API for rationed face masks")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP service (migrates the database first).
    Serve(serve::Opts),
    /// Apply pending database migrations and exit.
    Migrate(migrate::Opts),
    /// Seed a realistic demo (sites across Korea, one clerk per site kind) and serve it.
    Demo(demo::Opts),
    /// Operator tasks: sites, users, API keys.
    #[command(subcommand)]
    Admin(admin::Command),
}

impl Cli {
    pub fn run(self, config: Config) -> anyhow::Result<()> {
        match self.command {
            Command::Serve(opts) => serve::run(opts, config),
            Command::Migrate(opts) => migrate::run(opts, config),
            Command::Demo(opts) => demo::run(opts, config),
            Command::Admin(command) => admin::run(command, config),
        }
    }
}

/// One connection for a short-lived command (these and `maskportal-simulate`), schema brought up
/// to date; returns how many migrations that took.
pub fn connect(config: &Config) -> anyhow::Result<(DbConnection, usize)> {
    use anyhow::Context;
    use r2d2::ManageConnection;
    let mut conn = db::connection::ConnectionManager::new(config.database_url.clone())
        .connect()
        .with_context(|| format!("cannot open the database {:?}", config.database_url))?;
    let applied = db::migrations::apply(&mut conn)?;
    Ok((conn, applied))
}
