//! `maskportal admin user add|list|disable`.

use std::io::BufRead;

use anyhow::{bail, Context};
use clap::Subcommand;

use crate::config::Config;
use crate::domain::account::{Password, Role, Username};
use crate::domain::clock::Clock;
use crate::domain::site::SiteCode;
use crate::services::passwords;
use crate::services::users::{self, Membership};
use crate::services::Operator;

use super::parsed;

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create an account. The password is prompted for, or read from stdin.
    Add(AddOpts),
    /// List every account.
    List,
    /// Disable an account: its sign-ins are refused from then on.
    Disable {
        #[arg(long, value_parser = parsed(Username::parse))]
        username: Username,
    },
}

#[derive(Debug, clap::Args)]
pub struct AddOpts {
    #[arg(long, value_parser = parsed(Username::parse))]
    username: Username,
    /// The site a clerk works at (required for clerks, refused for admins).
    #[arg(long, value_parser = parsed(SiteCode::parse))]
    site: Option<SiteCode>,
    #[arg(long, value_parser = parsed(str::parse::<Role>))]
    role: Role,
    /// Read the password from the first line of standard input instead of prompting.
    #[arg(long)]
    password_stdin: bool,
}

pub fn run(command: Command, config: Config) -> anyhow::Result<()> {
    let clock = Clock::system();
    match command {
        Command::Add(opts) => {
            let membership = match (opts.role, opts.site) {
                (Role::Clerk, Some(site)) => Membership::Clerk(site),
                (Role::Clerk, None) => bail!("a clerk needs --site CODE"),
                (Role::Admin, None) => Membership::Admin,
                (Role::Admin, Some(_)) => bail!("an admin belongs to no site: drop --site"),
            };
            let password = Password::new_secret(read_password(opts.password_stdin)?)?;
            let hash = passwords::hash(&password, &config.sessions.hashing)?;
            let (mut conn, _) = crate::cli::connect(&config)?;
            let user = users::create(&mut conn, &clock, &Operator::Cli, &opts.username, &membership, &hash)?;
            println!("created {} {}", user.role, user.username);
        }
        Command::List => {
            let (mut conn, _) = crate::cli::connect(&config)?;
            println!("{:<24} {:<6} {:<16} STATUS", "USERNAME", "ROLE", "SITE");
            for (user, site_code) in users::list(&mut conn)? {
                let site = site_code.as_deref().unwrap_or("-");
                let status = if user.disabled { "disabled" } else { "active" };
                println!("{:<24} {:<6} {site:<16} {status}", user.username, user.role);
            }
        }
        Command::Disable { username } => {
            let (mut conn, _) = crate::cli::connect(&config)?;
            users::disable(&mut conn, &clock, &Operator::Cli, &username)?;
            println!("disabled {username}");
        }
    }
    Ok(())
}

fn read_password(from_stdin: bool) -> anyhow::Result<String> {
    if from_stdin {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line).context("reading the password from stdin")?;
        return Ok(line.trim_end_matches(['\r', '\n']).to_owned());
    }
    let first = rpassword::prompt_password("password: ").context("reading the password")?;
    let again = rpassword::prompt_password("again: ").context("reading the password")?;
    if first != again {
        bail!("the passwords differ");
    }
    Ok(first)
}
