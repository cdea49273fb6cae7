//! Registering selling sites and setting their device limits.

use std::num::NonZeroU16;

use chrono::NaiveDateTime;
use serde_json::json;

use crate::db::audit;
use crate::db::connection::write_transaction;
use crate::db::sites::{self as site_rows, NewSite, SiteFields, SiteRow};
use crate::db::DbConnection;
use crate::domain::clock::Clock;
use crate::domain::site::{DisplayText, GeoPoint, SiteCode, SiteKind};

use super::{ConflictCode, Operator, ServiceError};

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
    by: &Operator,
    site: &SiteRegistration,
) -> Result<SiteRow, ServiceError> {
    let now = clock.now().naive_utc();
    write_transaction(conn, |conn| insert(conn, now, by, site)).map_err(ServiceError::on_unique_violation(
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
        all.iter().try_for_each(|site| insert(conn, now, &Operator::Cli, site).map(drop))?;
        Ok(all.len())
    })
    .map_err(ServiceError::on_unique_violation(ConflictCode::SiteCodeTaken, "a site code repeats".to_owned()))
}

fn insert(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    by: &Operator,
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
    audit::record(conn, &by.audit(now, "site_registered", Some(row.id), json!({ "code": row.code })))?;
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
    by: &Operator,
    code: &SiteCode,
    max_devices: NonZeroU16,
) -> Result<(), ServiceError> {
    write_transaction(conn, |conn| {
        let site = find(conn, code)?;
        site_rows::set_max_devices(conn, site.id, i32::from(max_devices.get()))?;
        audit::record(
            conn,
            &by.audit(
                clock.now().naive_utc(),
                "site_max_devices_set",
                Some(site.id),
                json!({ "max_devices": max_devices.get() }),
            ),
        )?;
        Ok(())
    })
}

/// What an operator changes of a site; `None` keeps the field as it is.
#[derive(Debug, Clone, Default)]
pub struct SiteEdit {
    pub name: Option<DisplayText>,
    pub addr: Option<DisplayText>,
    pub location: Option<GeoPoint>,
    pub max_devices: Option<NonZeroU16>,
}

/// Edits a site's name, address, position or device limit; the public board hears of it.
pub fn edit(
    conn: &mut DbConnection,
    clock: &Clock,
    by: &Operator,
    code: &SiteCode,
    edit: &SiteEdit,
) -> Result<SiteRow, ServiceError> {
    let now = clock.now().naive_utc();
    write_transaction(conn, |conn| {
        let site = find(conn, code)?;
        let fields = SiteFields {
            name: edit.name.as_ref().map_or(site.name.as_str(), DisplayText::as_str),
            kind: &site.kind,
            addr: edit.addr.as_ref().map_or(site.addr.as_str(), DisplayText::as_str),
            lat: edit.location.map_or(site.lat, GeoPoint::lat),
            lng: edit.location.map_or(site.lng, GeoPoint::lng),
        };
        site_rows::update(conn, site.id, &fields)?;
        if let Some(max) = edit.max_devices {
            site_rows::set_max_devices(conn, site.id, i32::from(max.get()))?;
        }
        site_rows::log_change(conn, site.id, now)?;
        let detail = json!({
            "name": edit.name.as_ref().map(DisplayText::as_str),
            "addr": edit.addr.as_ref().map(DisplayText::as_str),
            "lat": edit.location.map(GeoPoint::lat),
            "lng": edit.location.map(GeoPoint::lng),
            "max_devices": edit.max_devices.map(NonZeroU16::get),
        });
        audit::record(conn, &by.audit(now, "site_edited", Some(site.id), detail))?;
        Ok(site_rows::find(conn, site.id)?)
    })
}
