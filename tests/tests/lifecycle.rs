//! Server lifecycle: zero-setup start on a fresh SQLite file (the data directory is created and
//! migrated), `/healthz` and `/readyz`, and a graceful stop that finishes serving and returns.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use zhicheng_server::{Application, Config};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn starts_on_a_missing_directory_and_stops_gracefully() {
    let root = std::env::temp_dir().join(format!("zc-life-{}", uuid::Uuid::now_v7().simple()));
    let db = root.join("nested").join("zhicheng.db");
    let mut config = Config::new("127.0.0.1:0", format!("sqlite://{}?mode=rwc", db.display()));
    config.data_dir = root.join("nested");
    let app = Application::build(config)
        .await
        .expect("starts with no setup");
    assert!(db.exists(), "the SQLite file is created with its directory");
    let base = format!("http://127.0.0.1:{}", app.port());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until(async move {
        let _ = stopped.await;
    }));

    let http = reqwest::Client::new();
    let health = http.get(format!("{base}/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    let ready: serde_json::Value = http
        .get(format!("{base}/readyz"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (ready["status"].as_str(), ready["database"].as_str()),
        (Some("ready"), Some("sqlite"))
    );

    stop.send(()).unwrap();
    let ended = tokio::time::timeout(Duration::from_secs(15), server).await;
    assert!(
        matches!(ended, Ok(Ok(Ok(())))),
        "the server returns after a graceful stop: {ended:?}"
    );
    assert!(
        http.get(format!("{base}/healthz")).send().await.is_err(),
        "no longer listening"
    );
    let _ = std::fs::remove_dir_all(root);
}
