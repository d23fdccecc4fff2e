//! Authentication only: turns a bearer token or the portal's session cookie into a
//! `Principal`. What a principal may do is decided by the domain services.

use poem::Request;
use poem_openapi::SecurityScheme;
use poem_openapi::auth::Bearer;
use zhicheng_identity::SessionToken;
use zhicheng_kernel::Principal;

use crate::state::AppState;

/// Name of the portal's session cookie.
pub const SESSION_COOKIE: &str = "zc_session";

/// `Authorization: Bearer <token>` from `POST /api/v1/auth/login`.
#[derive(SecurityScheme)]
#[oai(ty = "bearer", checker = "bearer_checker")]
pub struct BearerAuth(pub Principal);

async fn bearer_checker(req: &Request, bearer: Bearer) -> Option<Principal> {
    let state = req.data::<AppState>()?;
    principal_for(state, &SessionToken::presented(&bearer.token)).await
}

/// The principal behind a token, if its session is alive.
pub async fn principal_for(state: &AppState, token: &SessionToken) -> Option<Principal> {
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
