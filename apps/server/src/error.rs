//! The one error shape of the API: a stable code, a zh-CN message, an English message, and
//! per-field problems. Internal failures are logged with a request id and answered opaquely.

use poem::http::StatusCode;
use poem::{IntoResponse, Response};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object};
use zhicheng_kernel::{FieldError, Localized, ServiceError, StoreError};

/// A problem with one field.
#[derive(Object, Debug, Clone)]
pub struct FieldProblem {
    pub field: String,
    pub code: String,
    /// zh-CN
    pub message: String,
    pub message_en: String,
}

/// Error body of every non-2xx response.
#[derive(Object, Debug, Clone)]
pub struct ErrorBody {
    /// Stable machine-readable code, e.g. `declaration.outside_window`.
    pub code: String,
    /// Message in Simplified Chinese.
    pub message: String,
    /// Message in English.
    pub message_en: String,
    /// Problems with individual input fields.
    pub fields: Vec<FieldProblem>,
    /// Quote this id when reporting an internal error.
    #[oai(skip_serializing_if_is_none)]
    pub request_id: Option<String>,
}

impl ErrorBody {
    pub fn new(code: &str, zh: impl Into<String>, en: impl Into<String>) -> ErrorBody {
        ErrorBody {
            code: code.to_owned(),
            message: zh.into(),
            message_en: en.into(),
            fields: Vec::new(),
            request_id: None,
        }
    }

    pub fn from_localized(e: &impl Localized) -> ErrorBody {
        let mut b = ErrorBody::new(e.code(), e.zh(), e.en());
        b.fields = e.fields().into_iter().map(FieldProblem::from).collect();
        b
    }
}

impl From<FieldError> for FieldProblem {
    fn from(f: FieldError) -> Self {
        FieldProblem {
            field: f.field,
            code: f.code,
            message: f.zh,
            message_en: f.en,
        }
    }
}

/// Every error status an operation can answer.
#[derive(ApiResponse, Debug)]
pub enum ApiError {
    /// The request could not be read (malformed JSON, missing parameter).
    #[oai(status = 400)]
    BadRequest(Json<ErrorBody>),
    /// Not signed in, or the session has ended.
    #[oai(status = 401)]
    Unauthorized(Json<ErrorBody>),
    /// Signed in, but this role may not do this.
    #[oai(status = 403)]
    Forbidden(Json<ErrorBody>),
    /// The object does not exist or is outside the caller's reach.
    #[oai(status = 404)]
    NotFound(Json<ErrorBody>),
    /// The current state does not allow this (already done, outside the window, no path…).
    #[oai(status = 409)]
    Conflict(Json<ErrorBody>),
    /// The input is invalid; `fields` says what to fix.
    #[oai(status = 422)]
    Unprocessable(Json<ErrorBody>),
    /// Too many failed attempts from this client; try again later.
    #[oai(status = 429)]
    TooManyRequests(Json<ErrorBody>),
    /// Something failed on our side; quote the request id.
    #[oai(status = 500)]
    Internal(Json<ErrorBody>),
}

impl ApiError {
    pub fn unauthorized() -> ApiError {
        ApiError::Unauthorized(Json(ErrorBody::new(
            "auth.required",
            "请先登录",
            "sign in first",
        )))
    }

    pub fn forbidden() -> ApiError {
        ApiError::Forbidden(Json(ErrorBody::new(
            "forbidden",
            "无权进行此操作",
            "you may not do this",
        )))
    }

    pub fn not_found() -> ApiError {
        ApiError::NotFound(Json(ErrorBody::new(
            "not_found",
            "记录不存在或无权查看",
            "not found",
        )))
    }

    /// Invalid input with its field problems.
    pub fn invalid(code: &str, zh: &str, en: &str, fields: Vec<FieldError>) -> ApiError {
        let mut b = ErrorBody::new(code, zh, en);
        b.fields = fields.into_iter().map(FieldProblem::from).collect();
        ApiError::Unprocessable(Json(b))
    }

    /// One invalid field.
    pub fn field(field: &str, zh: &str, en: impl std::fmt::Display) -> ApiError {
        ApiError::invalid(
            &format!("{field}.invalid"),
            zh,
            &en.to_string(),
            vec![FieldError::new(
                field,
                &format!("{field}.invalid"),
                zh,
                en.to_string(),
            )],
        )
    }

    /// An internal failure: logged with a fresh request id, answered without detail.
    #[track_caller]
    pub fn internal(detail: impl std::fmt::Display) -> ApiError {
        let id = uuid::Uuid::now_v7().simple().to_string();
        let at = std::panic::Location::caller();
        tracing::error!(request_id = %id, %at, "internal error: {detail}");
        let mut b = ErrorBody::new(
            "internal",
            "系统内部错误，请稍后重试",
            "internal error; please try again later",
        );
        b.request_id = Some(id);
        ApiError::Internal(Json(b))
    }

    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn body(&self) -> &ErrorBody {
        match self {
            ApiError::BadRequest(b)
            | ApiError::Unauthorized(b)
            | ApiError::Forbidden(b)
            | ApiError::NotFound(b)
            | ApiError::Conflict(b)
            | ApiError::Unprocessable(b)
            | ApiError::TooManyRequests(b)
            | ApiError::Internal(b) => &b.0,
        }
    }
}

impl<E: Localized + std::fmt::Display> From<ServiceError<E>> for ApiError {
    #[track_caller]
    fn from(e: ServiceError<E>) -> Self {
        match &e {
            ServiceError::NotFound => ApiError::not_found(),
            ServiceError::Forbidden => ApiError::forbidden(),
            ServiceError::Rule(r) if r.invalid_input() => {
                ApiError::Unprocessable(Json(ErrorBody::from_localized(&e)))
            }
            ServiceError::Rule(_) => ApiError::Conflict(Json(ErrorBody::from_localized(&e))),
            ServiceError::Store(StoreError::Conflict | StoreError::Duplicate(_)) => {
                ApiError::Conflict(Json(ErrorBody::from_localized(&e)))
            }
            ServiceError::Store(StoreError::NotFound) => ApiError::not_found(),
            ServiceError::Store(StoreError::Unavailable(m)) => ApiError::internal(m),
        }
    }
}

impl From<StoreError> for ApiError {
    #[track_caller]
    fn from(e: StoreError) -> Self {
        ApiError::from(ServiceError::<std::convert::Infallible>::Store(e))
    }
}

/// Turns any error poem produced by itself (unknown route, unreadable body, missing token)
/// into the same JSON shape; our own JSON errors pass through unchanged.
pub async fn normalise_error(err: poem::Error) -> Response {
    let status = err.status();
    let msg = err.to_string();
    let resp = err.into_response();
    let is_json = resp
        .headers()
        .get(poem::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if is_json {
        return resp;
    }
    let body = match status {
        StatusCode::UNAUTHORIZED => ErrorBody::new(
            "auth.required",
            "请先登录（缺少或无效的令牌）",
            "sign in first (missing or invalid token)",
        ),
        StatusCode::NOT_FOUND => ErrorBody::new("not_found", "页面或接口不存在", "no such route"),
        StatusCode::METHOD_NOT_ALLOWED => ErrorBody::new(
            "method_not_allowed",
            "不支持该请求方法",
            "method not allowed",
        ),
        StatusCode::PAYLOAD_TOO_LARGE => ErrorBody::new(
            "payload_too_large",
            "提交的内容过大",
            "request body too large",
        ),
        s if s.is_client_error() => ErrorBody::new(
            "bad_request",
            format!("请求格式有误：{msg}"),
            format!("malformed request: {msg}"),
        ),
        _ => return ApiError::internal(msg).into_response(),
    };
    (
        status,
        poem::web::Json(serde_json::json!({
            "code": body.code, "message": body.message, "message_en": body.message_en, "fields": [],
        })),
    )
        .into_response()
}
