//! `maskportal admin conflicts list`: offline sales flagged across the country.

use clap::{Subcommand, ValueEnum};

use crate::config::Config;
use crate::domain::site::SiteCode;
use crate::services::conflicts::{self, ConflictStatus};
use crate::services::sites;

use super::parsed;

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List conflicts flagged on offline sales, oldest first (up to 1,000).
    List {
        #[arg(long, value_enum, default_value_t = Status::Open)]
        status: Status,
        #[arg(long, value_parser = parsed(SiteCode::parse))]
        site: Option<SiteCode>,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Status {
    Open,
    Resolved,
}

pub fn run(command: Command, config: Config) -> anyhow::Result<()> {
    let (mut conn, _) = crate::cli::connect(&config)?;
    let Command::List { status, site } = command;
    let site_id = site.map(|code| sites::find(&mut conn, &code).map(|s| s.id)).transpose()?;
    let status = match status {
        Status::Open => ConflictStatus::Open,
        Status::Resolved => ConflictStatus::Resolved,
    };
    let found = conflicts::list(&mut conn, site_id, status)?;
    println!(
        "{:>6} {:<10} {:>8} {:<17} {:<20} {:<20} NOTE",
        "ID", "SITE", "SALE", "CODE", "SOLD_AT", "RECORDED_AT"
    );
    for conflict in &found {
        println!(
            "{:>6} {:<10} {:>8} {:<17} {:<20} {:<20} {}",
            conflict.id,
            conflict.site_code,
            conflict.sale_id,
            conflict.code,
            conflict.sold_at.format("%Y-%m-%d %H:%M:%S"),
            conflict.recorded_at.format("%Y-%m-%d %H:%M:%S"),
            conflict.note.as_deref().unwrap_or("-"),
        );
    }
    println!("{} conflict(s)", found.len());
    Ok(())
}
