//! Extractors that give handlers the signed-in caller: any session, or a clerk with a site.

use std::future::Future;
use std::pin::Pin;

use actix_web::http::header;
use actix_web::{web, FromRequest, HttpRequest};

use crate::http::state::AppState;
use crate::services::counter::Actor;
use crate::services::sessions::{AuthError, SessionContext, SiteContext};

use super::error::ApiError;

impl FromRequest for SessionContext {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let token = bearer_token(req);
        let state = req.app_data::<web::Data<AppState>>().cloned();
        Box::pin(async move {
            let token = token.ok_or(AuthError::NotSignedIn)?;
            let state = state.ok_or_else(|| ApiError::from(AuthError::NotSignedIn))?;
            Ok(state.sessions.authenticate(&token).await?)
        })
    }
}

/// A signed-in clerk and the site they act for.
#[derive(Debug, Clone)]
pub struct Clerk {
    pub session: SessionContext,
    pub site: SiteContext,
}

impl FromRequest for Clerk {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut actix_web::dev::Payload) -> Self::Future {
        let session = SessionContext::from_request(req, payload);
        Box::pin(async move {
            let session = session.await?;
            match session.site.clone() {
                Some(site) => Ok(Clerk { session, site }),
                None => Err(ApiError::forbidden("this needs a clerk signed in at a site")),
            }
        })
    }
}

impl Clerk {
    /// The clerk as the author of a write.
    pub fn actor(&self) -> Actor {
        Actor {
            user_id: self.session.user_id,
            site_id: self.site.id,
            session_id: self.session.session_id.clone(),
            device_id: self.session.device_id.clone(),
        }
    }
}

/// The token of an `Authorization: Bearer <token>` header, if the request carries one.
pub fn bearer_token(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim().to_owned()).filter(|t| !t.is_empty())
}
