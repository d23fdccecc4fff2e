//! Self-tests for the e2e support helpers (PostgreSQL and headless Chromium).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use zhicheng_e2e::fantoccini::Locator;
use zhicheng_e2e::sqlx::{self, Connection, PgConnection};
use zhicheng_e2e::{browser, pg};

#[tokio::test]
async fn fresh_postgres_databases_are_isolated_and_dropped() {
    let Some(db) = pg::fresh_database().await else {
        return;
    };
    let Some(other) = pg::fresh_database().await else {
        return;
    };
    assert_ne!(db.name(), other.name());
    assert!(db.name().starts_with("zc_test_"));
    assert!(
        db.url().ends_with(&format!("/{}", db.name())),
        "{}",
        db.url()
    );

    let mut conn = PgConnection::connect(db.url()).await.unwrap();
    sqlx::raw_sql("CREATE TABLE harness_marker (id INT PRIMARY KEY)")
        .execute(&mut conn)
        .await
        .unwrap();
    let has_table: bool =
        sqlx::query_scalar("SELECT to_regclass('public.harness_marker') IS NOT NULL")
            .fetch_one(&mut conn)
            .await
            .unwrap();
    assert!(has_table, "table should exist in {}", db.name());

    let mut other_conn = PgConnection::connect(other.url()).await.unwrap();
    let other_has_table: bool =
        sqlx::query_scalar("SELECT to_regclass('public.harness_marker') IS NOT NULL")
            .fetch_one(&mut other_conn)
            .await
            .unwrap();
    assert!(!other_has_table, "databases must be isolated");
    other_conn.close().await.unwrap();

    let name = db.name().to_owned();
    let other_name = other.name().to_owned();
    assert!(pg::database_exists(&name).await.unwrap());
    assert!(pg::database_exists(&other_name).await.unwrap());

    // Drop fallback, with a connection still open (DROP ... WITH (FORCE)).
    drop(db);
    assert!(
        !pg::database_exists(&name).await.unwrap(),
        "{name} should be dropped"
    );
    drop(conn);

    // Explicit cleanup.
    other.cleanup().await.unwrap();
    assert!(
        !pg::database_exists(&other_name).await.unwrap(),
        "{other_name} should be dropped"
    );
}

const PAGE: &str = "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\
<title>测试</title></head><body><h1>我的申报</h1><p>headless chromium harness</p></body></html>";

/// Serves `PAGE` for every request on 127.0.0.1:<random port>.
async fn serve_page() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((mut stream, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(async move {
                let mut request = Vec::new();
                let mut buf = [0_u8; 1024];
                while !request.windows(4).any(|w| w == b"\r\n\r\n") && request.len() < 16 * 1024 {
                    match stream.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => request.extend_from_slice(&buf[..n]),
                    }
                }
                let response = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\
                     Content-Length: {}\r\nConnection: close\r\n\r\n{PAGE}",
                    PAGE.len()
                );
                let _ = stream.write_all(response.as_bytes()).await;
                let _ = stream.shutdown().await;
            });
        }
    });
    format!("http://{addr}/")
}

#[tokio::test]
async fn headless_chromium_renders_a_local_page() {
    let Some(browser) = browser::start_browser().await else {
        return;
    };
    let url = serve_page().await;
    browser.goto(&url).await.unwrap();

    let h1 = browser.find(Locator::Css("h1")).await.unwrap();
    assert_eq!(h1.text().await.unwrap(), "我的申报");

    let shot =
        std::env::temp_dir().join(format!("zc-harness-{}.png", uuid::Uuid::now_v7().simple()));
    let written = browser.save_screenshot(&shot).await.unwrap();
    let png = std::fs::read(&shot).unwrap();
    assert!(written > 0 && png.len() == written);
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    std::fs::remove_file(&shot).unwrap();

    browser.close().await.unwrap();
}
