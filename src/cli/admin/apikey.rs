//! `maskportal admin apikey issue|revoke|list`.

use std::num::NonZeroU32;

use clap::Subcommand;

use crate::config::Config;
use crate::domain::clock::Clock;
use crate::domain::site::DisplayText;
use crate::services::{api_keys, Operator};

use super::parsed;

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Issue a key; the key is printed once, alone on stdout.
    Issue {
        #[arg(long, value_parser = parsed(DisplayText::parse))]
        name: DisplayText,
        /// Sustained requests per second allowed for this key.
        #[arg(long)]
        per_second: NonZeroU32,
        /// Requests allowed at once above the sustained rate (default: 5 × per-second).
        #[arg(long)]
        burst: Option<NonZeroU32>,
    },
    /// Revoke a key by id: its requests get 401 from then on.
    Revoke {
        #[arg(long)]
        id: i64,
    },
    /// List keys (never the keys themselves).
    List,
}

pub fn run(command: Command, config: Config) -> anyhow::Result<()> {
    let (mut conn, _) = crate::cli::connect(&config)?;
    let clock = Clock::system();
    match command {
        Command::Issue { name, per_second, burst } => {
            let burst = burst.unwrap_or_else(|| per_second.saturating_mul(NonZeroU32::MIN.saturating_add(4)));
            let issued = api_keys::issue(&mut conn, &clock, &Operator::Cli, &name, per_second, burst)?;
            eprintln!(
                "issued API key {} ({}) at {}/s, burst {}; it is shown only now:",
                issued.row.id, issued.row.name, per_second, burst
            );
            println!("{}", issued.key);
        }
        Command::Revoke { id } => {
            api_keys::revoke(&mut conn, &clock, &Operator::Cli, id)?;
            println!("revoked API key {id}");
        }
        Command::List => {
            println!("{:>5} {:>6} {:>6} {:<8} NAME", "ID", "RATE", "BURST", "STATUS");
            for key in api_keys::list(&mut conn)? {
                let status = if key.revoked_at.is_some() { "revoked" } else { "active" };
                println!("{:>5} {:>6} {:>6} {:<8} {}", key.id, key.per_second, key.burst, status, key.name);
            }
        }
    }
    Ok(())
}
