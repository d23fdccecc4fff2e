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
    match zhicheng_identity::service::authenticate(&state.store, &state.clock, token).await {
        Ok(p) => p,
        Err(e) => {
            tracing::error!("session lookup failed: {e}");
            None
        }
    }
}
