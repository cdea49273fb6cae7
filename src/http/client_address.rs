//! The caller's address: the peer, or behind a trusted proxy the address it forwarded. One
//! answer for the open API's rate limits and the sign-in throttle alike.

use std::future::{ready, Ready};
use std::net::{IpAddr, Ipv4Addr};

use actix_web::{web, FromRequest, HttpRequest};
use ipnet::IpNet;

use super::error::ApiError;
use super::state::AppState;

/// Proxies whose `X-Forwarded-For` is believed.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    pub fn new(networks: Vec<IpNet>) -> Self {
        Self(networks)
    }

    /// The peer, or with a trusted proxy in front, the nearest address in `X-Forwarded-For`
    /// that is not itself a trusted proxy.
    pub fn client_of(&self, req: &HttpRequest) -> IpAddr {
        let peer = req.peer_addr().map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |a| a.ip());
        if !self.trusts(peer) {
            return peer;
        }
        let forwarded = req.headers().get_all("x-forwarded-for").filter_map(|v| v.to_str().ok());
        let hops: Vec<IpAddr> =
            forwarded.flat_map(|v| v.split(',')).filter_map(|hop| hop.trim().parse().ok()).collect();
        hops.into_iter().rev().find(|ip| !self.trusts(*ip)).unwrap_or(peer)
    }

    /// Whether `ip` is one of the trusted proxies.
    pub fn trusts(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|net| net.contains(&ip))
    }
}

/// The caller's address, as a handler argument.
#[derive(Debug, Clone, Copy)]
pub struct ClientAddress(pub IpAddr);

impl FromRequest for ClientAddress {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let proxies = req.app_data::<web::Data<AppState>>().map(|state| &state.trusted_proxies);
        let untrusting = TrustedProxies::default();
        ready(Ok(Self(proxies.unwrap_or(&untrusting).client_of(req))))
    }
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    fn proxies(list: &[&str]) -> TrustedProxies {
        TrustedProxies::new(list.iter().map(|n| n.parse().unwrap()).collect())
    }

    #[test]
    fn the_peer_is_the_client_unless_it_is_a_trusted_proxy() {
        let req = TestRequest::default()
            .peer_addr("198.51.100.7:4000".parse().unwrap())
            .insert_header(("x-forwarded-for", "203.0.113.9"))
            .to_http_request();
        assert_eq!(proxies(&[]).client_of(&req), "198.51.100.7".parse::<IpAddr>().unwrap());
        assert_eq!(proxies(&["198.51.100.0/24"]).client_of(&req), "203.0.113.9".parse::<IpAddr>().unwrap());
    }

    #[test]
    fn forged_hops_before_the_trusted_chain_are_ignored() {
        let req = TestRequest::default()
            .peer_addr("10.0.0.2:4000".parse().unwrap())
            .insert_header(("x-forwarded-for", "1.1.1.1, 203.0.113.9, 10.0.0.3"))
            .to_http_request();
        assert_eq!(proxies(&["10.0.0.0/8"]).client_of(&req), "203.0.113.9".parse::<IpAddr>().unwrap());
    }
}
