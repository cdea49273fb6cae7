//! `maskportal demo`: a realistic directory and one clerk per site kind, then serve.

use std::num::NonZeroU16;

use anyhow::Context;
use rand::distr::{Alphanumeric, SampleString};

use crate::config::Config;
use crate::db::sites::SiteRow;
use crate::db::DbConnection;
use crate::domain::account::{Password, Username};
use crate::domain::clock::Clock;
use crate::domain::site::{DisplayText, GeoPoint, SiteCode, SiteKind};
use crate::services::sites::{self, SiteRegistration};
use crate::services::users::{self, Membership};
use crate::services::{passwords, ServiceError};

use super::directory::{self, DirectorySite};

#[derive(Debug, clap::Args)]
pub struct Opts {
    /// How many sites to seed into an empty database.
    #[arg(long, default_value_t = 300)]
    sites: usize,
    /// Seed of the generated directory (the same seed gives the same sites).
    #[arg(long, default_value_t = 2020)]
    seed: u64,
    /// Seed and print the accounts, but do not serve.
    #[arg(long)]
    no_serve: bool,
}

/// A demo account: its username and the site kind it works at.
const DEMO_CLERKS: [(&str, SiteKind); 3] = [
    ("demo-pharmacy", SiteKind::Pharmacy),
    ("demo-post-office", SiteKind::PostOffice),
    ("demo-nonghyup", SiteKind::Nonghyup),
];

pub fn run(opts: Opts, config: Config) -> anyhow::Result<()> {
    let clock = config.clock_start.map_or_else(Clock::system, Clock::starting_at);
    let (mut conn, _) = super::connect(&config)?;

    let seeded = seed_directory(&mut conn, &clock, opts.sites, opts.seed)?;
    if seeded > 0 {
        println!("seeded {seeded} sites across Korea");
    }
    let sites = sites::list(&mut conn)?;
    println!("\nDemo clerk accounts (passwords are new on every `demo` start):");
    for (name, kind) in DEMO_CLERKS {
        let Some(site) = sites.iter().find(|s| s.kind == kind.as_str()) else { continue };
        let password = reset_demo_clerk(&mut conn, &clock, name, site)?;
        println!("  {name:<17} {password}  → {} {} ({kind})", site.code, site.name);
    }
    drop(conn);

    // Made now, not at serve time, so `--no-serve` leaves a database ready to serve.
    crate::secrets::Secrets::load(&config)?;
    if config.jwt_secret.value.is_none() && config.jwt_secret.file.is_none() {
        for path in crate::secrets::generated_paths(&config) {
            println!("development secret: {} (0600, never in the database)", path.display());
        }
    }
    if opts.no_serve {
        return Ok(());
    }
    println!("\nserving on http://{}  (try /readyz)", config.bind);
    super::serve::run(super::serve::Opts {}, config)
}

/// Seeds the generated directory into an empty database; leaves a used one alone.
fn seed_directory(conn: &mut DbConnection, clock: &Clock, count: usize, seed: u64) -> anyhow::Result<usize> {
    if crate::db::sites::count(conn)? > 0 {
        return Ok(0);
    }
    let registrations =
        directory::generate(count, seed).into_iter().map(registration).collect::<anyhow::Result<Vec<_>>>()?;
    Ok(sites::register_all(conn, clock, &registrations)?)
}

pub(super) fn registration(site: DirectorySite) -> anyhow::Result<SiteRegistration> {
    Ok(SiteRegistration {
        code: SiteCode::parse(&site.code)?,
        name: DisplayText::parse(&site.name)?,
        kind: site.kind,
        addr: DisplayText::parse(&site.addr)?,
        location: GeoPoint::new(site.lat, site.lng)?,
        max_devices: NonZeroU16::MIN,
    })
}

/// Creates the demo clerk, or gives an existing one a fresh password; returns the password.
fn reset_demo_clerk(
    conn: &mut DbConnection,
    clock: &Clock,
    name: &str,
    site: &SiteRow,
) -> anyhow::Result<String> {
    let clear = Alphanumeric.sample_string(&mut rand::rng(), 16);
    let hash = passwords::hash(&Password::new_secret(clear.clone())?)?;
    let username = Username::parse(name)?;
    match users::set_password_hash(conn, clock, &username, &hash) {
        Err(ServiceError::NotFound { .. }) => {
            let membership = Membership::Clerk(SiteCode::parse(&site.code)?);
            users::create(conn, clock, &username, &membership, &hash).context("creating a demo clerk")?;
        }
        other => other?,
    }
    Ok(clear)
}
