//! Importing a store directory from CSV in the 2020 public data's columns
//! (`code,name,addr,type,lat,lng`), as Korean spreadsheets save it: every row is checked first,
//! and only a clean file is applied, in one transaction, as an upsert by code.

use std::collections::HashMap;
use std::num::NonZeroU16;

use serde::Serialize;
use serde_json::json;

use crate::db::audit;
use crate::db::connection::write_transaction;
use crate::db::sites::{self as site_rows, NewSite, SiteFields};
use crate::db::DbConnection;
use crate::domain::address::sido_of;
use crate::domain::clock::Clock;
use crate::domain::site::{DisplayText, GeoPoint, GeoPointError, SiteCode, SiteKind};

use super::sites::SiteRegistration;
use super::{Operator, ServiceError};

/// The columns, as the 2020 public data named them.
const COLUMNS: [&str; 6] = ["code", "name", "addr", "type", "lat", "lng"];

/// A row that cannot be imported: its line as a spreadsheet shows it (the header is line 1),
/// the column at fault and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BadRow {
    pub line: u64,
    pub field: String,
    pub reason: String,
}

impl BadRow {
    fn new(line: u64, field: &str, reason: impl Into<String>) -> Self {
        Self { line, field: field.to_owned(), reason: reason.into() }
    }
}

/// What an applied import did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Imported {
    pub added: usize,
    pub updated: usize,
    pub unchanged: usize,
}

/// The file as text: UTF-8 (a byte-order mark is dropped) when it is valid UTF-8, else
/// CP949/EUC-KR, as Excel saves Korean CSV.
fn decode(bytes: &[u8]) -> Result<String, BadRow> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok(text.to_owned());
    }
    let (text, had_errors) = encoding_rs::EUC_KR.decode_without_bom_handling(bytes);
    if had_errors {
        return Err(BadRow::new(1, "file", "the file is neither UTF-8 nor CP949/EUC-KR text"));
    }
    Ok(text.into_owned())
}

/// Reads and checks every row; the sites when all are good, else every bad row.
pub fn parse(bytes: &[u8]) -> Result<Vec<SiteRegistration>, Vec<BadRow>> {
    let text = decode(bytes).map_err(|bad| vec![bad])?;
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(text.as_bytes());
    let header: Vec<String> = match reader.headers() {
        Ok(header) => header.iter().map(|h| h.trim().to_ascii_lowercase()).collect(),
        Err(e) => return Err(vec![BadRow::new(1, "header", e.to_string())]),
    };
    let mut at = [0usize; 6];
    let mut missing = Vec::new();
    for (slot, column) in at.iter_mut().zip(COLUMNS) {
        match header.iter().position(|h| h == column) {
            Some(index) => *slot = index,
            None => missing.push(BadRow::new(1, column, format!("the header has no `{column}` column"))),
        }
    }
    if !missing.is_empty() {
        return Err(missing);
    }
    let mut sites = Vec::new();
    let mut bad = Vec::new();
    let mut first_line: HashMap<String, u64> = HashMap::new();
    for record in reader.records() {
        let record = match record {
            Ok(record) => record,
            Err(e) => {
                let line = e.position().map_or(0, csv::Position::line);
                bad.push(BadRow::new(line, "row", e.to_string()));
                continue;
            }
        };
        let line = record.position().map_or(0, csv::Position::line);
        let cell = |i: usize| record.get(at[i]).unwrap_or("").trim();
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        match row(line, [cell(0), cell(1), cell(2), cell(3), cell(4), cell(5)]) {
            Ok(site) => match first_line.get(site.code.as_str()) {
                Some(first) => {
                    bad.push(BadRow::new(line, "code", format!("repeats the code of line {first}")))
                }
                None => {
                    first_line.insert(site.code.as_str().to_owned(), line);
                    sites.push(site);
                }
            },
            Err(row_errors) => bad.extend(row_errors),
        }
    }
    if bad.is_empty() {
        Ok(sites)
    } else {
        Err(bad)
    }
}

/// One row by the domain's own parsers; every bad field of it is reported.
fn row(line: u64, [code, name, addr, kind, lat, lng]: [&str; 6]) -> Result<SiteRegistration, Vec<BadRow>> {
    let mut bad = Vec::new();
    let mut note = |field: &str, reason: String| bad.push(BadRow::new(line, field, reason));
    let code = SiteCode::parse(code).map_err(|e| note("code", e.to_string())).ok();
    let name = DisplayText::parse(name).map_err(|e| note("name", format!("name {e}"))).ok();
    let addr = match DisplayText::parse(addr) {
        Ok(addr) if sido_of(addr.as_str()).is_some() => Some(addr),
        Ok(_) => {
            note("addr", "the address must begin with a 시/도, e.g. 서울특별시".into());
            None
        }
        Err(e) => {
            note("addr", format!("addr {e}"));
            None
        }
    };
    let kind = SiteKind::ALL.into_iter().find(|k| k.open_api_code() == kind || k.as_str() == kind);
    if kind.is_none() {
        note("type", "type must be 01 (pharmacy), 02 (post office) or 03 (Nonghyup)".into());
    }
    let number = |raw: &str| raw.parse::<f64>().ok().filter(|n| n.is_finite());
    let location = match (number(lat), number(lng)) {
        (Some(lat), Some(lng)) => GeoPoint::new(lat, lng)
            .map_err(|e| match e {
                GeoPointError::Latitude { .. } => note("lat", e.to_string()),
                GeoPointError::Longitude { .. } => note("lng", e.to_string()),
            })
            .ok(),
        (lat_ok, lng_ok) => {
            if lat_ok.is_none() {
                note("lat", "lat must be a number".into());
            }
            if lng_ok.is_none() {
                note("lng", "lng must be a number".into());
            }
            None
        }
    };
    match (code, name, addr, kind, location) {
        (Some(code), Some(name), Some(addr), Some(kind), Some(location)) if bad.is_empty() => {
            Ok(SiteRegistration { code, name, kind, addr, location, max_devices: NonZeroU16::MIN })
        }
        _ => Err(bad),
    }
}

/// Checks the file and, when every row is good, applies it in one transaction: new codes are
/// registered (with one device allowed), changed ones updated, the rest left alone. Every site
/// added or changed goes to the public change log. Returns what was done and the sites changed.
pub fn import(
    conn: &mut DbConnection,
    clock: &Clock,
    by: &Operator,
    bytes: &[u8],
) -> Result<(Imported, Vec<i64>), ServiceError> {
    let sites = parse(bytes).map_err(|rows| ServiceError::InvalidRows { rows })?;
    let now = clock.now().naive_utc();
    write_transaction(conn, |conn| {
        let existing: HashMap<String, site_rows::SiteRow> =
            site_rows::list(conn)?.into_iter().map(|row| (row.code.clone(), row)).collect();
        let mut done = Imported::default();
        let mut added = Vec::new();
        let mut updated = Vec::new();
        for site in &sites {
            let fields = SiteFields {
                name: site.name.as_str(),
                kind: site.kind.as_str(),
                addr: site.addr.as_str(),
                lat: site.location.lat(),
                lng: site.location.lng(),
            };
            match existing.get(site.code.as_str()) {
                None => added.push(NewSite {
                    code: site.code.as_str(),
                    name: fields.name,
                    kind: fields.kind,
                    addr: fields.addr,
                    lat: fields.lat,
                    lng: fields.lng,
                    max_devices: i32::from(site.max_devices.get()),
                    created_at: now,
                }),
                Some(row) if SiteFields::of(row) != fields => {
                    site_rows::update(conn, row.id, &fields)?;
                    updated.push(row.id);
                }
                Some(_) => done.unchanged += 1,
            }
        }
        site_rows::log_changes(conn, &updated, now)?;
        let inserted = site_rows::insert_many(conn, &added, now)?;
        (done.added, done.updated) = (inserted.len(), updated.len());
        let changed: Vec<i64> = inserted.iter().map(|row| row.id).chain(updated).collect();
        let detail = json!({ "added": done.added, "updated": done.updated, "unchanged": done.unchanged });
        audit::record(conn, &by.audit(now, "sites_imported", None, detail))?;
        Ok((done, changed))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "code,name,addr,type,lat,lng\n";

    #[test]
    fn a_clean_file_parses_with_quoted_commas() {
        let text =
            format!("{HEADER}11817488,\"온누리약국, 본점\",서울특별시 강남구 논현로 1,01,37.5,127.03\n");
        let sites = parse(text.as_bytes()).unwrap();
        assert_eq!(sites[0].name.as_str(), "온누리약국, 본점");
        assert_eq!(sites[0].kind, SiteKind::Pharmacy);
    }

    #[test]
    fn every_bad_row_is_reported_by_its_spreadsheet_line() {
        let text = format!(
            "{HEADER}1,가약국,서울특별시 중구 세종대로 1,01,37.5,127.0\n\
             x2,나약국,서울특별시 중구 세종대로 2,01,37.5,127.0\n\
             3,다약국,서울특별시 중구 세종대로 3,09,37.5,200\n\
             1,라약국,서울특별시 중구 세종대로 4,02,37.5,127.0\n"
        );
        let bad = parse(text.as_bytes()).unwrap_err();
        let found: Vec<(u64, &str)> = bad.iter().map(|b| (b.line, b.field.as_str())).collect();
        assert_eq!(found, [(3, "code"), (4, "type"), (4, "lng"), (5, "code")]);
    }

    #[test]
    fn cp949_and_a_bom_are_read() {
        let text = format!("{HEADER}11817488,온누리약국,서울특별시 강남구 논현로 1,01,37.5,127.03\n");
        let (cp949, _, lossy) = encoding_rs::EUC_KR.encode(&text);
        assert!(!lossy);
        assert_eq!(parse(&cp949).unwrap()[0].name.as_str(), "온누리약국");
        let bom = [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat();
        assert_eq!(parse(&bom).unwrap()[0].code.as_str(), "11817488");
    }

    #[test]
    fn a_missing_column_is_reported_on_the_header_line() {
        let bad = parse(b"code,name,addr,lat,lng\n1,a,b,37,127\n").unwrap_err();
        assert_eq!(bad, [BadRow::new(1, "type", "the header has no `type` column")]);
    }
}
