//! `maskportal migrate`: bring the schema up to date.

use crate::config::Config;

#[derive(Debug, clap::Args)]
pub struct Opts {}

pub fn run(_: Opts, config: Config) -> anyhow::Result<()> {
    let (_, applied) = super::connect(&config)?;
    println!("applied {applied} migration(s) to {:?}", config.database_url);
    Ok(())
}
