//! Generated data for demos, simulations and benchmarks: a national directory of selling sites,
//! each site as the sites service registers it, and the directory as a public board.

pub mod directory;

use std::num::NonZeroU16;

use chrono::{DateTime, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::board::snapshot::{SiteInfo, Snapshot};
use crate::board::PublicSite;
use crate::domain::site::{DisplayText, GeoPoint, SiteCode};
use crate::services::sites::SiteRegistration;

use self::directory::DirectorySite;

/// A generated site as a registration: every field parsed, one device.
pub fn registration(site: DirectorySite) -> anyhow::Result<SiteRegistration> {
    Ok(SiteRegistration {
        code: SiteCode::parse(&site.code)?,
        name: DisplayText::parse(&site.name)?,
        kind: site.kind,
        addr: DisplayText::parse(&site.addr)?,
        location: GeoPoint::new(site.lat, site.lng)?,
        max_devices: NonZeroU16::MIN,
    })
}

/// A board of `count` generated sites, every one delivered to at `delivered_at` and holding
/// 0–249 masks, as the publisher would build it: no database, no HTTP.
pub fn board(count: usize, seed: u64, delivered_at: DateTime<Utc>) -> Snapshot {
    let mut rng = StdRng::seed_from_u64(seed);
    let at = delivered_at.naive_utc();
    let sites = directory::generate(count, seed)
        .into_iter()
        .zip(1..)
        .map(|(site, site_id)| PublicSite {
            site_id,
            info: SiteInfo {
                code: site.code,
                name: site.name,
                kind: site.kind,
                addr: site.addr,
                lat: site.lat,
                lng: site.lng,
            },
            on_hand: rng.random_range(0..250),
            stock_at: Some(at),
            sales_halted: false,
            updated_at: at,
        })
        .collect();
    Snapshot::build(sites, Utc::now())
}
