//! Small fixtures shared by the end-to-end tests: valid fictitious ID numbers built with the
//! domain's own GB 11643 check character (never re-implemented here), and complete
//! declaration materials.

/// A complete set of declaration materials as the API takes them (the domain's own example,
/// so the fixture cannot drift from what the domain accepts).
pub fn materials() -> serde_json::Value {
    serde_json::to_value(zhicheng_declaration::RawMaterials::example()).unwrap_or_default()
}

/// A valid ID number from its first 17 digits.
pub fn id_number_from(first17: &str) -> String {
    let k = zhicheng_identity::id_card::check_char(first17.as_bytes());
    format!("{first17}{}", char::from(k))
}

/// A valid, fictitious ID number of a man or woman born 1985-03-15 in 文登区 (371003), with
/// sequence number `n` (0–999; the last digit decides the gender).
pub fn id_number(n: u32) -> String {
    id_number_from(&format!("37100319850315{:03}", n % 1000))
}

/// An HR bureau (`wd_hrss`) with an open ENG plan for the intermediate level whose window
/// runs from an hour ago for 30 days, a unit (`wd_hospital`) holding the title-review
/// permission, and an applicant (`zhangwei85`) who accepted the commitment letter in force.
/// Returns the applicant's client, the plan id and the unit id.
pub async fn applicant_with_open_plan(
    srv: &crate::server::TestServer,
    password: &str,
) -> (crate::server::Client, String, String) {
    use reqwest::StatusCode;
    use serde_json::json;
    let now = chrono::Utc::now();
    srv.bootstrap_org(
        zhicheng_identity::OrgKind::HrBureau,
        "威海市文登区人力资源和社会保障局",
        "371003",
        "wd_hrss",
        password,
    )
    .await;
    let bureau = srv.login("wd_hrss", password).await;
    let anon = srv.client();
    let (s, unit) = anon
        .post("/api/v1/units", &json!({ "name": "威海市文登区人民医院", "region": "371003", "username": "wd_hospital", "password": password }))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{unit}");
    let unit_admin = srv.login("wd_hospital", password).await;
    let (s, granted) = unit_admin
        .post(
            "/api/v1/units/me/permission",
            &json!({ "uscc": "123710034940875396", "region": "371003" }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{granted}");
    let unit_id = granted["id"].as_str().unwrap().to_owned();
    let year: i32 = now.format("%Y").to_string().parse().unwrap();
    let (s, plan) = bureau
        .post("/api/v1/plans", &json!({ "year": year, "name": "年度工程技术人员职称评审", "series": "ENG", "levels": ["intermediate"],
            "window_start": now - chrono::Duration::hours(1), "window_end": now + chrono::Duration::days(30) }))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{plan}");
    let plan_id = plan["id"].as_str().unwrap().to_owned();
    let (s, opened) = bureau
        .post(&format!("/api/v1/plans/{plan_id}/open"), &json!({}))
        .await;
    assert_eq!(s, StatusCode::OK, "{opened}");
    let (s, person) = anon
        .post("/api/v1/persons", &json!({ "id_number": id_number(1), "name": "张伟", "mobile": "13805315678", "username": "zhangwei85", "password": password }))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{person}");
    let applicant = srv.login("zhangwei85", password).await;
    let (s, accepted) = applicant.post("/api/v1/me/commitment", &json!({})).await;
    assert_eq!(s, StatusCode::OK, "{accepted}");
    (applicant, plan_id, unit_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixture_ids_parse_and_match_the_standard_sample() {
        assert_eq!(id_number(123), "371003198503151231");
        for n in [0, 7, 999] {
            assert!(zhicheng_identity::IdCardNumber::parse(&id_number(n)).is_ok());
        }
    }
}
