//! Administrative divisions for the region picker (province → city → district), from the
//! 2023 list compiled into the kernel. Public reference data: no sign-in needed.

use poem_openapi::param::Query;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};
use zhicheng_kernel::RegionCode;
use zhicheng_kernel::divisions::{self, Division};

use super::Tag;
use crate::error::ApiError;

pub struct DivisionsApi;

#[derive(Object)]
pub struct DivisionDto {
    /// Six-digit code, e.g. `371003`.
    pub code: String,
    pub name: String,
    /// province, prefecture or county.
    pub level: String,
}

impl From<&Division> for DivisionDto {
    fn from(d: &Division) -> Self {
        DivisionDto {
            code: d.code.to_string(),
            name: d.name.to_owned(),
            level: d.level.as_str().to_owned(),
        }
    }
}

#[derive(ApiResponse)]
pub enum DivisionList {
    #[oai(status = 200)]
    Ok(Json<Vec<DivisionDto>>),
}

/// The divisions under `parent` (the provinces when empty), as the picker lists them.
///
/// # Errors
/// 422 naming `parent` when it is malformed or not in the list.
pub fn children_of(parent: Option<&str>) -> Result<Vec<&'static Division>, ApiError> {
    let parent = match parent.map(str::trim).filter(|p| !p.is_empty()) {
        None => None,
        Some(p) => {
            let code = RegionCode::parse(p)
                .ok()
                .filter(|c| divisions::division(*c).is_some())
                .ok_or_else(|| {
                    ApiError::field(
                        "parent",
                        "上级行政区划代码不存在",
                        "no such administrative division",
                    )
                })?;
            Some(code)
        }
    };
    Ok(divisions::children(parent))
}

#[OpenApi(tag = "Tag::Organisations")]
impl DivisionsApi {
    /// 行政区划: the provinces, or the divisions directly under `parent` (a province's cities,
    /// a city's districts), by code. For the region picker.
    #[oai(path = "/divisions", method = "get")]
    async fn divisions(&self, parent: Query<Option<String>>) -> Result<DivisionList, ApiError> {
        let list = children_of(parent.0.as_deref())?;
        Ok(DivisionList::Ok(Json(
            list.into_iter().map(DivisionDto::from).collect(),
        )))
    }
}
