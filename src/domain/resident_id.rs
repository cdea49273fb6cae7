//! TEMPORARY
#[derive(Debug, Clone)]
pub struct IdKey(Vec<u8>);
impl IdKey {
    pub fn from_bytes(b: Vec<u8>) -> Self {
        IdKey(b)
    }
}
