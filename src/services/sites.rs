//! Registering selling sites and setting their device limits.

use std::num::NonZeroU16;

use chrono::NaiveDateTime;
use serde_json::json;

use crate::db::audit::{self, AuditEntry};
use crate::db::connection::write_transaction;
use crate::db::sites::{self as site_rows, NewSite, SiteRow};
use crate::db::DbConnection;
use crate::domain::clock::Clock;
use crate::domain::site::{DisplayText, GeoPoint, SiteCode, SiteKind};

use super::{ConflictCode, ServiceError};

/// A new site, every field already parsed.
#[derive(Debug, Clone)]
pub struct SiteRegistration {
    pub code: SiteCode,
    pub name: DisplayText,
    pub kind: SiteKind,
    pub addr: DisplayText,
    pub location: GeoPoint,
    pub max_devices: NonZeroU16,
}

pub fn register(
    conn: &mut DbConnection,
    clock: &Clock,
    site: &SiteRegistration,
) -> Result<SiteRow, ServiceError> {
    let now = clock.now().naive_utc();
    write_transaction(conn, |conn| insert(conn, now, site)).map_err(ServiceError::on_unique_violation(
        ConflictCode::SiteCodeTaken,
        format!("a site with code {} already exists", site.code),
    ))
}

/// Registers many sites in one transaction (seeding a demo or a simulation).
pub fn register_all(
    conn: &mut DbConnection,
    clock: &Clock,
    all: &[SiteRegistration],
) -> Result<usize, ServiceError> {
    let now = clock.now().naive_utc();
    write_transaction(conn, |conn| {
        all.iter().try_for_each(|site| insert(conn, now, site).map(drop))?;
        Ok(all.len())
    })
    .map_err(ServiceError::on_unique_violation(ConflictCode::SiteCodeTaken, "a site code repeats".to_owned()))
}

fn insert(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    site: &SiteRegistration,
) -> Result<SiteRow, ServiceError> {
    let row = site_rows::insert(
        conn,
        &NewSite {
            code: site.code.as_str(),
            name: site.name.as_str(),
            kind: site.kind.as_str(),
            addr: site.addr.as_str(),
            lat: site.location.lat(),
            lng: site.location.lng(),
            max_devices: i32::from(site.max_devices.get()),
            created_at: now,
        },
    )?;
    audit::record(
        conn,
        &AuditEntry::by_operator(now, "site_registered", Some(row.id), json!({ "code": row.code })),
    )?;
    Ok(row)
}

pub fn list(conn: &mut DbConnection) -> Result<Vec<SiteRow>, ServiceError> {
    Ok(site_rows::list(conn)?)
}

/// How many sites are registered (seeding fills only an empty directory).
pub fn count(conn: &mut DbConnection) -> Result<i64, ServiceError> {
    Ok(site_rows::count(conn)?)
}

pub fn find(conn: &mut DbConnection, code: &SiteCode) -> Result<SiteRow, ServiceError> {
    site_rows::find_by_code(conn, code.as_str())?.ok_or(ServiceError::NotFound { what: "site" })
}

pub fn set_max_devices(
    conn: &mut DbConnection,
    clock: &Clock,
    code: &SiteCode,
    max_devices: NonZeroU16,
) -> Result<(), ServiceError> {
    write_transaction(conn, |conn| {
        let site = find(conn, code)?;
        site_rows::set_max_devices(conn, site.id, i32::from(max_devices.get()))?;
        audit::record(
            conn,
            &AuditEntry::by_operator(
                clock.now().naive_utc(),
                "site_max_devices_set",
                Some(site.id),
                json!({ "max_devices": max_devices.get() }),
            ),
        )?;
        Ok(())
    })
}
