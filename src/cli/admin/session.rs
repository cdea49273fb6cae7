//! `maskportal admin session list|revoke`.

use clap::Subcommand;

use crate::config::Config;
use crate::domain::clock::Clock;
use crate::domain::site::SiteCode;
use crate::services::sessions::admin;
use crate::services::{sites, Operator};

use super::parsed;

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List live sessions, optionally of one site.
    List {
        #[arg(long, value_parser = parsed(SiteCode::parse))]
        site: Option<SiteCode>,
    },
    /// End a session at once; its device gets 401 `session_revoked` (`revoked_by_admin`).
    Revoke {
        #[arg(long)]
        id: String,
    },
}

pub fn run(command: Command, config: Config) -> anyhow::Result<()> {
    let (mut conn, _) = crate::cli::connect(&config)?;
    match command {
        Command::List { site } => {
            let site_id = site.map(|code| sites::find(&mut conn, &code).map(|s| s.id)).transpose()?;
            println!("{:<36} {:>7} {:<20} {:<20} DEVICE", "SESSION", "SITE_ID", "SIGNED_IN", "LAST_SEEN");
            for s in admin::list(&mut conn, site_id)? {
                let site = s.site_id.map_or_else(|| "-".to_owned(), |id| id.to_string());
                let device = s.device_name.as_deref().unwrap_or(&s.device_id);
                println!(
                    "{:<36} {:>7} {:<20} {:<20} {device}",
                    s.id,
                    site,
                    s.created_at.format("%Y-%m-%d %H:%M:%S"),
                    s.last_seen_at.format("%Y-%m-%d %H:%M:%S")
                );
            }
        }
        Command::Revoke { id } => {
            admin::revoke(&mut conn, &Clock::system(), &Operator::Cli, &id)?;
            println!("revoked session {id}");
        }
    }
    Ok(())
}
