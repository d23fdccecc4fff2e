//! Authentication only: turns a bearer token or the portal's session cookie into a
//! `Principal`. What a principal may do is decided by the domain services.

use poem::{IntoResponse, Request};
use poem_openapi::SecurityScheme;
use poem_openapi::auth::Bearer;
use poem_openapi::payload::Json;
use zhicheng_identity::SessionToken;
use zhicheng_identity::service::SignedIn;
use zhicheng_kernel::Principal;

use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;

/// Name of the portal's session cookie.
pub const SESSION_COOKIE: &str = "zc_session";

/// `Authorization: Bearer <token>` from `POST /api/v1/auth/login`. An account whose password
/// was set by someone else is refused (403 `auth.password_change_required`) until it changes
/// it with `POST /me/password`.
#[derive(SecurityScheme)]
#[oai(ty = "bearer", checker = "bearer_checker")]
pub struct BearerAuth(pub Principal);

async fn bearer_checker(req: &Request, bearer: Bearer) -> poem::Result<Principal> {
    let signed_in = session_checker(req, bearer).await?;
    match signed_in.for_business() {
        Ok(p) => Ok(p.clone()),
        Err(e) => Err(poem::Error::from_response(
            ApiError::Forbidden(Json(ErrorBody::from_localized(&e))).into_response(),
        )),
    }
}

/// The same bearer token, also accepted while a password set by someone else is unchanged:
/// only for changing the password, asking who one is and signing out.
#[derive(SecurityScheme)]
#[oai(rename = "BearerAuth", ty = "bearer", checker = "session_checker")]
pub struct SessionAuth(pub SignedIn);

async fn session_checker(req: &Request, bearer: Bearer) -> poem::Result<SignedIn> {
    let state = req
        .data::<AppState>()
        .ok_or_else(|| poem::Error::from_status(poem::http::StatusCode::UNAUTHORIZED))?;
    signed_in_for(state, &SessionToken::presented(&bearer.token))
        .await
        .ok_or_else(|| poem::Error::from_status(poem::http::StatusCode::UNAUTHORIZED))
}

/// Who a token belongs to, if its session is alive.
pub async fn signed_in_for(state: &AppState, token: &SessionToken) -> Option<SignedIn> {
    match zhicheng_identity::service::authenticate(&state.store, &state.clock, state.session, token)
        .await
    {
        Ok(p) => p,
        Err(e) => {
            tracing::error!("session lookup failed: {e}");
            None
        }
    }
}

/// The client address a request comes from: the peer address, or the last `X-Forwarded-For`
/// entry when the server sits behind a trusted proxy (`ZHICHENG_TRUST_FORWARDED_FOR=1`).
pub fn client_ip(state: &AppState, req: &Request) -> Option<String> {
    if state.trust_forwarded_for
        && let Some(last) = req
            .headers()
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .rfind(|s| s.parse::<std::net::IpAddr>().is_ok())
    {
        return Some(last.to_owned());
    }
    req.remote_addr()
        .as_socket_addr()
        .map(|a| a.ip().to_string())
}
