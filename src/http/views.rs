//! Response shapes that more than one handler (and the error type) show.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;

use crate::domain::calendar::KST;
use crate::services::sessions::ActiveDevice;

/// Portal and v2 times are shown in Korea time, with their offset.
pub fn kst_rfc3339(instant: DateTime<Utc>) -> String {
    instant.with_timezone(&KST).to_rfc3339_opts(SecondsFormat::Secs, false)
}

/// A device holding one of a site's slots: in the device list, and in the 409 that a full site
/// answers to a sign-in.
#[derive(Debug, Serialize)]
pub struct DeviceView {
    session_id: String,
    device_name: Option<String>,
    signed_in_at: String,
    last_seen_at: String,
    current: bool,
}

impl DeviceView {
    pub fn new(device: &ActiveDevice, current_session: Option<&str>) -> Self {
        Self {
            current: current_session == Some(device.session_id.as_str()),
            session_id: device.session_id.clone(),
            device_name: device.device_name.clone(),
            signed_in_at: kst_rfc3339(device.signed_in_at),
            last_seen_at: kst_rfc3339(device.last_seen_at),
        }
    }
}
