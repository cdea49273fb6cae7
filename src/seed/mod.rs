//! Generated data for demos and simulations: a national directory of selling sites, and each
//! site as the sites service registers it.

pub mod directory;

use std::num::NonZeroU16;

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
