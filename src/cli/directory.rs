//! TEMPORARY
use crate::domain::site::SiteKind;
pub struct DirectorySite {
    pub code: String,
    pub name: String,
    pub kind: SiteKind,
    pub addr: String,
    pub lat: f64,
    pub lng: f64,
}
pub fn generate(_: usize, _: u64) -> Vec<DirectorySite> {
    vec![]
}
