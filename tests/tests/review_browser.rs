//! Unit review in headless Chromium (issue 5): a unit operator signs in, filters the queue by
//! series and level, ticks two declarations and approves them in one batch (批量通过), opens
//! the path health page, reports them (批量上报, 数据上报) and downloads the summary table
//! (一览表) as XLSX through the page's own link with the browser's session cookie. The queue
//! page fits a 390 px phone screen. Data is set up through the API (shared scenario). Skips
//! without Chromium unless ZHICHENG_REQUIRE_BROWSER=1.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Read;

use zhicheng_e2e::browser::{self, Browser};
use zhicheng_e2e::fantoccini::Locator;
use zhicheng_e2e::scenario::{PW, Scenario};
use zhicheng_e2e::server::{CAPTCHA_ANSWER, TestServer};

async fn click(b: &Browser, xpath: &str) {
    b.find(Locator::XPath(xpath))
        .await
        .unwrap_or_else(|e| panic!("{xpath}: {e}"))
        .click()
        .await
        .unwrap();
}

async fn main_text(b: &Browser) -> String {
    b.find(Locator::Css("main"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// Chooses series and level in the filter form and presses 查询.
async fn filter(b: &Browser, series: &str, level: &str) {
    b.find(Locator::Css(&format!("#series option[value={series}]")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.find(Locator::Css(&format!("#level option[value={level}]")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    click(b, "//button[text()='查询']").await;
    // The reloaded page marks the chosen level as selected in its markup.
    b.wait()
        .for_element(Locator::XPath(&format!(
            "//select[@id='level']/option[@value='{level}' and @selected]"
        )))
        .await
        .unwrap();
}

/// No sideways scrolling at phone width.
async fn fits_a_phone(b: &Browser, what: &str) {
    b.set_window_size(390, 844).await.unwrap();
    let widths = b
        .execute(
            "return [document.documentElement.scrollWidth, document.documentElement.clientWidth]",
            vec![],
        )
        .await
        .unwrap();
    let (scroll, client) = (widths[0].as_u64().unwrap(), widths[1].as_u64().unwrap());
    assert!(
        scroll <= client,
        "{what} scrolls sideways at 390px: {scroll} > {client}"
    );
    b.set_window_size(1280, 900).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_unit_filters_approves_reports_and_downloads_the_summary() {
    let Some(b) = browser::start_browser().await else {
        return;
    };
    let srv = TestServer::sqlite().await;
    // Two intermediate declarations with a complete route; a senior one without a path.
    let sc = Scenario::new(&srv, &["intermediate", "senior_deputy"], &["intermediate"]).await;
    let wang = sc
        .submitted(&srv, 400, "王芳", "intermediate", "电气工程")
        .await;
    let li = sc
        .submitted(&srv, 401, "李强", "intermediate", "机械工程")
        .await;
    let senior = sc
        .submitted(&srv, 402, "王伟", "senior_deputy", "电气工程")
        .await;

    // Sign in through the login form.
    b.goto(&srv.url("/login")).await.unwrap();
    for (id, text) in [
        ("login", "wd_hospital"),
        ("password", PW),
        ("captcha_answer", CAPTCHA_ANSWER),
    ] {
        b.find(Locator::Id(id))
            .await
            .unwrap()
            .send_keys(text)
            .await
            .unwrap();
    }
    b.find(Locator::Css("button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.wait()
        .for_element(Locator::Css("header form"))
        .await
        .unwrap();

    // The queue: all three at first, then filtered by series and level.
    click(&b, "//header//a[text()='申报审核与上报']").await;
    b.wait()
        .for_element(Locator::XPath("//h1[text()='职称申报数据审核与上报']"))
        .await
        .unwrap();
    let all = main_text(&b).await;
    assert!(
        all.contains("王芳") && all.contains("李强") && all.contains("王伟"),
        "{all}"
    );
    fits_a_phone(&b, "the queue").await;
    filter(&b, "ENG", "intermediate").await;
    let listed = main_text(&b).await;
    assert!(
        listed.contains("王芳") && listed.contains("李强"),
        "{listed}"
    );
    assert!(!listed.contains("王伟"), "{listed}");
    let tabs = b
        .find(Locator::Css("nav.tabs"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        tabs.contains("全部 2") && tabs.contains("单位审核中 2"),
        "{tabs}"
    );

    // 批量通过 of the two ticked declarations.
    for a in [&wang, &li] {
        b.find(Locator::Id(&format!("pick-{}", a.case_id)))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
    }
    click(&b, "//button[text()='批量通过']").await;
    let notice = b
        .wait()
        .for_element(Locator::Css("[role=status]"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(notice.contains("所选申报已全部审核通过"), "{notice}");
    let approved = main_text(&b).await;
    assert_eq!(
        approved.matches("单位审核通过，待上报").count(),
        3,
        "two rows and their tab: {approved}"
    );

    // The path health page: the intermediate route is complete, the senior one is missing.
    click(&b, "//header//a[text()='路径申请']").await;
    b.wait()
        .for_element(Locator::XPath("//h2[text()='路径健康检查']"))
        .await
        .unwrap();
    assert_eq!(b.title().await.unwrap(), "上报路径 · zhicheng");
    let health = b
        .find(Locator::Id("health"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        health.contains("上报路径完整") && health.contains("不完整"),
        "{health}"
    );

    // 数据上报: back to the queue, the same filter, tick both, 批量上报.
    click(&b, "//header//a[text()='申报审核与上报']").await;
    b.wait().for_element(Locator::Id("series")).await.unwrap();
    filter(&b, "ENG", "intermediate").await;
    for a in [&wang, &li] {
        b.find(Locator::Id(&format!("pick-{}", a.case_id)))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
    }
    click(&b, "//button[text()='批量上报']").await;
    let notice = b
        .wait()
        .for_element(Locator::Css("[role=status]"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(notice.contains("所选申报已全部上报"), "{notice}");
    for a in [&wang, &li] {
        let (_, c) = sc.unit.get(&format!("/api/v1/cases/{}", a.case_id)).await;
        assert_eq!(c["status"], "pending_acceptance", "{c}");
        assert_eq!(c["holder_id"].as_str(), Some(sc.bureau_id.as_str()));
    }
    let (_, c) = sc
        .unit
        .get(&format!("/api/v1/cases/{}", senior.case_id))
        .await;
    assert_eq!(c["status"], "unit_review", "{c}");

    // 导出一览表: the page's XLSX link, fetched with the browser's session cookie.
    let link = b.find(Locator::LinkText("Excel（XLSX）")).await.unwrap();
    let href = link.prop("href").await.unwrap().unwrap();
    assert!(href.contains("/work/cases/summary.xlsx?plan="), "{href}");
    let session = b
        .get_all_cookies()
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.name() == "zc_session")
        .expect("the browser holds the session cookie");
    let resp = reqwest::Client::new()
        .get(&href)
        .header("cookie", format!("zc_session={}", session.value()))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), reqwest::StatusCode::OK);
    assert!(
        resp.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment;")
    );
    let xlsx = resp.bytes().await.unwrap().to_vec();
    assert!(xlsx.starts_with(b"PK\x03\x04"), "an XLSX is a zip");
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(xlsx)).unwrap();
    let mut xml = String::new();
    for name in ["xl/sharedStrings.xml", "xl/worksheets/sheet1.xml"] {
        if let Ok(mut f) = zip.by_name(name) {
            f.read_to_string(&mut xml).unwrap();
        }
    }
    assert!(xml.contains("王芳") && xml.contains("李强"), "{xml}");
    assert!(xml.contains("待受理"), "reported, with their status: {xml}");
    assert!(!xml.contains("王伟"), "another level: {xml}");
    // Without the session the link gives nothing away.
    let anon = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(&href)
        .send()
        .await
        .unwrap();
    assert_eq!(anon.status(), reqwest::StatusCode::SEE_OTHER);
    b.close().await.unwrap();
}
