//! `maskportal admin ...`: operator tasks run against the database directly.

pub mod apikey;
pub mod conflicts;
pub mod session;
pub mod site;
pub mod user;

use clap::Subcommand;

use crate::config::Config;

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Register and list selling sites.
    #[command(subcommand)]
    Site(site::Command),
    /// Create, list and disable accounts.
    #[command(subcommand)]
    User(user::Command),
    /// Issue and revoke open-API keys.
    #[command(subcommand)]
    Apikey(apikey::Command),
    /// List and revoke signed-in sessions.
    #[command(subcommand)]
    Session(session::Command),
    /// Offline sales flagged for breaking a rule as of when they were made.
    #[command(subcommand)]
    Conflicts(conflicts::Command),
}

pub fn run(command: Command, config: Config) -> anyhow::Result<()> {
    match command {
        Command::Site(command) => site::run(command, config),
        Command::User(command) => user::run(command, config),
        Command::Apikey(command) => apikey::run(command, config),
        Command::Session(command) => session::run(command, config),
        Command::Conflicts(command) => conflicts::run(command, config),
    }
}

/// `text` followed by spaces up to `columns` terminal columns, counting each Hangul syllable as
/// two (as terminals draw them), so columns after a Korean name line up.
pub(crate) fn padded(text: &str, columns: usize) -> String {
    let width = unicode_width::UnicodeWidthStr::width(text);
    format!("{text}{}", " ".repeat(columns.saturating_sub(width)))
}

/// Parses a CLI value with a domain parser, for clap's `value_parser`.
pub(crate) fn parsed<T, E: std::fmt::Display>(
    parse: impl Fn(&str) -> Result<T, E> + Clone + Send + Sync + 'static,
) -> impl Fn(&str) -> Result<T, String> + Clone + Send + Sync + 'static {
    move |raw| parse(raw).map_err(|e| e.to_string())
}
