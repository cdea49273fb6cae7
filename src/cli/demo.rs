//! `maskportal demo`: a realistic directory and one clerk per site kind, then serve.

use anyhow::Context;
use rand::distr::{Alphanumeric, SampleString};

use crate::config::{Config, HashingCost};
use crate::db::sites::SiteRow;
use crate::db::DbConnection;
use crate::domain::account::{Password, Username};
use crate::domain::client_key::ClientKey;
use crate::domain::clock::Clock;
use crate::domain::quantity::Quantity;
use crate::domain::site::{Note, SiteCode, SiteKind};
use crate::seed::{directory, registration};
use crate::services::counter::{Actor, Counter};
use crate::services::publishing::StockEvents;
use crate::services::sites;
use crate::services::stock::Delivery;
use crate::services::users::{self, Membership};
use crate::services::{passwords, Operator, ServiceError};

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

/// The demo's operator: the console's account, under which the opening deliveries are recorded.
const DEMO_OPERATOR: &str = "demo-operator";

/// A demo account: its username and the site kind it works at.
const DEMO_CLERKS: [(&str, SiteKind); 3] = [
    ("demo-pharmacy", SiteKind::Pharmacy),
    ("demo-post-office", SiteKind::PostOffice),
    ("demo-nonghyup", SiteKind::Nonghyup),
];

pub fn run(opts: Opts, config: Config) -> anyhow::Result<()> {
    let clock = config.clock_start.map_or_else(Clock::system, Clock::starting_at);
    let (mut conn, _) = super::connect(&config)?;

    let cost = &config.sessions.hashing;
    let seeded = seed_directory(&mut conn, &clock, opts.sites, opts.seed)?;
    let sites = sites::list(&mut conn)?;
    let (operator, operator_password) =
        reset_demo_account(&mut conn, &clock, cost, DEMO_OPERATOR, Membership::Admin)?;
    if seeded > 0 {
        let stocked = deliver_opening_stock(&config, &clock, operator, &sites, opts.seed)?;
        println!("seeded {seeded} sites across Korea; {stocked} have had a first delivery");
    }
    println!("\nDemo clerk accounts (passwords are new on every `demo` start):");
    for (name, kind) in DEMO_CLERKS {
        let Some(site) = sites.iter().find(|s| s.kind == kind.as_str()) else { continue };
        let membership = Membership::Clerk(SiteCode::parse(&site.code)?);
        let (_, password) = reset_demo_account(&mut conn, &clock, cost, name, membership)?;
        println!("  {name:<17} {password}  → {} {} ({kind})", site.code, site.name);
    }
    println!("Demo operator account, for the console at /console:");
    println!("  {DEMO_OPERATOR:<17} {operator_password}");
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
    let base = format!("http://{}", config.bind);
    println!("\nserving on {base}: the counter page at {base}/, the console at {base}/console, the API at {base}/docs");
    super::serve::run(super::serve::Opts { role: None }, config)
}

/// A first delivery at most sites, in amounts that show every public status (plenty, some,
/// few, empty), recorded like any delivery: ledger, audit and change log.
fn deliver_opening_stock(
    config: &Config,
    clock: &Clock,
    operator: i64,
    sites: &[SiteRow],
    seed: u64,
) -> anyhow::Result<usize> {
    use rand::{Rng, SeedableRng};
    const AMOUNTS: [i64; 8] = [0, 1, 12, 25, 48, 90, 150, 300];
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let deliveries: Vec<(i64, i64)> =
        sites.iter().map(|s| (s.id, AMOUNTS[rng.random_range(0..AMOUNTS.len())])).collect();
    let (config, clock) = (config.clone(), clock.clone());
    actix_web::rt::System::new().block_on(async move {
        let pool = crate::app::open_database(&config).await?;
        let secrets = crate::secrets::Secrets::load(&config)?;
        let counter = Counter::new(
            pool,
            clock,
            std::sync::Arc::new(crate::app::load_policy(&config)?),
            secrets.id_key,
            config.void_window,
            config.backdate_window,
            StockEvents::default(),
        );
        let mut stocked = 0;
        for (site_id, quantity) in deliveries.into_iter().filter(|(_, q)| *q > 0) {
            let actor = Actor {
                user_id: operator,
                site_id,
                session_id: "demo-seed".into(),
                device_id: "demo".into(),
            };
            let delivery = Delivery {
                quantity: Quantity::new(quantity)?,
                reference: Some(Note::parse("demo opening stock")?),
                client_key: ClientKey::parse(&uuid::Uuid::new_v4().to_string())?,
            };
            counter.stock_in(&actor, delivery).await?;
            stocked += 1;
        }
        Ok(stocked)
    })
}

/// Seeds the generated directory into an empty database; leaves a used one alone.
fn seed_directory(conn: &mut DbConnection, clock: &Clock, count: usize, seed: u64) -> anyhow::Result<usize> {
    if sites::count(conn)? > 0 {
        return Ok(0);
    }
    let registrations =
        directory::generate(count, seed).into_iter().map(registration).collect::<anyhow::Result<Vec<_>>>()?;
    Ok(sites::register_all(conn, clock, &registrations)?)
}

/// Creates a demo account, or gives an existing one a fresh password; returns its id and the
/// password.
fn reset_demo_account(
    conn: &mut DbConnection,
    clock: &Clock,
    cost: &HashingCost,
    name: &str,
    membership: Membership,
) -> anyhow::Result<(i64, String)> {
    let clear = Alphanumeric.sample_string(&mut rand::rng(), 16);
    let hash = passwords::hash(&Password::new_secret(clear.clone())?, cost)?;
    let username = Username::parse(name)?;
    match users::set_password_hash(conn, clock, &Operator::Cli, &username, &hash) {
        Err(ServiceError::NotFound { .. }) => {
            users::create(conn, clock, &Operator::Cli, &username, &membership, &hash)
                .context("creating a demo account")?;
        }
        other => other?,
    }
    Ok((users::find(conn, &username)?.id, clear))
}
