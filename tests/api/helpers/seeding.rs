//! Sites and accounts a test needs, put straight into its database.

use super::{Reply, TestApp};

/// A site to seed.
#[derive(Debug, Clone)]
pub struct Place {
    pub code: String,
    pub name: String,
    pub kind: maskportal::domain::site::SiteKind,
    pub addr: String,
    pub lat: f64,
    pub lng: f64,
    pub max_devices: u16,
}

impl Place {
    pub fn pharmacy(code: &str, lat: f64, lng: f64, addr: &str) -> Self {
        Self {
            code: code.to_owned(),
            name: format!("{code}약국"),
            kind: maskportal::domain::site::SiteKind::Pharmacy,
            addr: addr.to_owned(),
            lat,
            lng,
            max_devices: 1,
        }
    }

    pub fn max_devices(mut self, max_devices: u16) -> Self {
        self.max_devices = max_devices;
        self
    }
}

/// A clerk account made for a test, with the password it signs in with.
pub struct TestClerk {
    pub username: String,
    pub password: String,
}

impl TestApp {
    /// Registers a pharmacy in Mangwon-dong allowing `max_devices` devices.
    pub fn seed_site(&self, code: &str, max_devices: u16) {
        self.seed_sites(&[Place::pharmacy(code, 37.556, 126.910, "서울특별시 마포구 월드컵로 1 (망원동)")
            .max_devices(max_devices)]);
    }

    /// Registers sites in one transaction.
    pub fn seed_sites(&self, places: &[Place]) {
        use maskportal::domain::site::{DisplayText, GeoPoint, SiteCode};
        use maskportal::services::sites::{self, SiteRegistration};
        let registrations: Vec<SiteRegistration> = places
            .iter()
            .map(|p| SiteRegistration {
                code: SiteCode::parse(&p.code).unwrap(),
                name: DisplayText::parse(&p.name).unwrap(),
                kind: p.kind,
                addr: DisplayText::parse(&p.addr).unwrap(),
                location: GeoPoint::new(p.lat, p.lng).unwrap(),
                max_devices: std::num::NonZeroU16::new(p.max_devices).unwrap(),
            })
            .collect();
        sites::register_all(&mut self.db.connect(), &self.clock, &registrations).expect("sites registered");
    }

    /// Creates an account (a clerk of `site_code`, or an admin when `None`).
    pub fn seed_user(&self, username: &str, site_code: Option<&str>) -> TestClerk {
        use maskportal::domain::account::{Password, Username};
        use maskportal::domain::site::SiteCode;
        use maskportal::services::users::{self, Membership};
        let password = format!("pw-{username}-0123456789");
        let hash = maskportal::services::passwords::hash(
            &Password::new_secret(password.clone()).unwrap(),
            &Default::default(),
        )
        .unwrap();
        let membership = match site_code {
            Some(code) => Membership::Clerk(SiteCode::parse(code).unwrap()),
            None => Membership::Admin,
        };
        users::create(
            &mut self.db.connect(),
            &self.clock,
            &maskportal::services::Operator::Cli,
            &Username::parse(username).unwrap(),
            &membership,
            &hash,
        )
        .expect("user created");
        TestClerk { username: username.to_owned(), password }
    }

    /// A site with one clerk, the usual starting point.
    pub fn seed_clerk(&self, site_code: &str, max_devices: u16) -> TestClerk {
        self.seed_site(site_code, max_devices);
        self.seed_user(&format!("clerk{site_code}"), Some(site_code))
    }

    pub async fn sign_in(&self, clerk: &TestClerk, device: &str, takeover: bool) -> Reply {
        let body = serde_json::json!({
            "username": clerk.username,
            "password": clerk.password,
            "device_id": device,
            "device_name": format!("counter {device}"),
            "takeover": takeover,
        });
        self.call(reqwest::Method::POST, "/portal/v1/sessions", None, Some(body)).await
    }

    /// Signs in and returns the token, failing the test otherwise.
    pub async fn token(&self, clerk: &TestClerk, device: &str) -> String {
        let reply = self.sign_in(clerk, device, false).await;
        assert_eq!(reply.status, 201, "sign-in refused: {}", reply.body);
        reply.body["token"].as_str().unwrap().to_owned()
    }

    pub async fn get_as(&self, token: &str, path: &str) -> Reply {
        self.call(reqwest::Method::GET, path, Some(token), None).await
    }

    pub async fn post_as(&self, token: &str, path: &str, body: serde_json::Value) -> Reply {
        self.call(reqwest::Method::POST, path, Some(token), Some(body)).await
    }
}
