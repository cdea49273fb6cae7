//! `maskportal admin site add|list|set-devices`.

use std::num::NonZeroU16;

use anyhow::{bail, Context};
use clap::Subcommand;

use crate::config::Config;
use crate::domain::clock::Clock;
use crate::domain::site::{DisplayText, GeoPoint, SiteCode, SiteKind};
use crate::services::sites::{self, SiteRegistration};
use crate::services::{site_import, Operator, ServiceError};

use super::{padded, parsed};

/// Terminal columns of the NAME column in `site list`: 2020 names ran to about a dozen Hangul.
const NAME_COLUMNS: usize = 24;

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Register a site.
    Add(AddOpts),
    /// List every site.
    List,
    /// Import a store directory from CSV (`code,name,addr,type,lat,lng`; UTF-8 or CP949): every
    /// row is checked first, and only a clean file is applied, as an upsert by code.
    Import {
        /// The CSV file.
        file: std::path::PathBuf,
    },
    /// Set how many devices may be signed in at a site at once.
    SetDevices {
        #[arg(long, value_parser = parsed(SiteCode::parse))]
        code: SiteCode,
        #[arg(long)]
        max_devices: NonZeroU16,
    },
}

#[derive(Debug, clap::Args)]
pub struct AddOpts {
    /// The public site code: digits, e.g. 11817488.
    #[arg(long, value_parser = parsed(SiteCode::parse))]
    code: SiteCode,
    #[arg(long, value_parser = parsed(DisplayText::parse))]
    name: DisplayText,
    /// pharmacy, post_office or nonghyup.
    #[arg(long = "type", value_parser = parsed(str::parse::<SiteKind>))]
    kind: SiteKind,
    /// Road address, e.g. "서울특별시 강남구 논현로 123 (논현동)".
    #[arg(long, value_parser = parsed(DisplayText::parse))]
    addr: DisplayText,
    #[arg(long, allow_negative_numbers = true)]
    lat: f64,
    #[arg(long, allow_negative_numbers = true)]
    lng: f64,
    /// Devices that may be signed in at once.
    #[arg(long, default_value = "1")]
    max_devices: NonZeroU16,
}

pub fn run(command: Command, config: Config) -> anyhow::Result<()> {
    let (mut conn, _) = crate::cli::connect(&config)?;
    let clock = Clock::system();
    match command {
        Command::Add(opts) => {
            let site = sites::register(
                &mut conn,
                &clock,
                &Operator::Cli,
                &SiteRegistration {
                    location: GeoPoint::new(opts.lat, opts.lng)?,
                    code: opts.code,
                    name: opts.name,
                    kind: opts.kind,
                    addr: opts.addr,
                    max_devices: opts.max_devices,
                },
            )?;
            println!("registered site {} {} ({})", site.code, site.name, site.kind);
        }
        Command::List => {
            println!("{:<10} {:<12} {:>3}  {} ADDRESS", "CODE", "TYPE", "DEV", padded("NAME", NAME_COLUMNS));
            for site in sites::list(&mut conn)? {
                println!(
                    "{:<10} {:<12} {:>3}  {} {}",
                    site.code,
                    site.kind,
                    site.max_devices,
                    padded(&site.name, NAME_COLUMNS),
                    site.addr
                );
            }
        }
        Command::Import { file } => {
            let bytes = std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
            match site_import::import(&mut conn, &clock, &Operator::Cli, &bytes) {
                Ok((done, _)) => {
                    println!("added {}, updated {}, unchanged {}", done.added, done.updated, done.unchanged)
                }
                Err(ServiceError::InvalidRows { rows }) => {
                    for row in &rows {
                        eprintln!("line {}: {}: {}", row.line, row.field, row.reason);
                    }
                    bail!("{} row(s) cannot be imported; nothing was applied", rows.len());
                }
                Err(other) => return Err(other.into()),
            }
        }
        Command::SetDevices { code, max_devices } => {
            sites::set_max_devices(&mut conn, &clock, &Operator::Cli, &code, max_devices)?;
            println!("site {code} now allows {max_devices} device(s)");
        }
    }
    Ok(())
}
