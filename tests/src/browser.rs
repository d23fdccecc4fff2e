//! Headless Chromium driven through chromedriver and fantoccini.
//!
//! [`start_browser`] spawns `chromedriver` on a free loopback port, waits for
//! it to answer, and opens a WebDriver session for headless Chromium with a
//! fresh temporary profile. The returned [`Browser`] derefs to
//! [`fantoccini::Client`]; dropping it shuts chromedriver (and with it the
//! browser) down and removes the temporary profile. Prefer
//! [`Browser::close`] at the end of a test to end the session cleanly.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::ops::Deref;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::error::CmdError;
use fantoccini::{Client, ClientBuilder};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Environment variable that turns "skip" into "panic" when no browser is usable.
pub const REQUIRE_ENV: &str = "ZHICHENG_REQUIRE_BROWSER";
/// Optional override for the Chromium binary path.
pub const CHROMIUM_ENV: &str = "ZHICHENG_CHROMIUM";
/// Optional override for the chromedriver binary path.
pub const CHROMEDRIVER_ENV: &str = "ZHICHENG_CHROMEDRIVER";

/// Arguments passed to Chromium (besides `--user-data-dir`).
pub const CHROMIUM_ARGS: &[&str] = &[
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--window-size=1280,900",
    // Browse like the portal's users: Chinese first (the portal honours Accept-Language).
    "--lang=zh-CN",
];

const DRIVER_READY_TIMEOUT: Duration = Duration::from_secs(20);
const SESSION_TIMEOUT: Duration = Duration::from_secs(60);
const SPAWN_ATTEMPTS: usize = 3;

/// Whether `ZHICHENG_REQUIRE_BROWSER=1` is set.
pub fn required() -> bool {
    crate::env_flag(REQUIRE_ENV)
}

/// Errors from [`save_screenshot`].
#[derive(Debug, thiserror::Error)]
pub enum ScreenshotError {
    /// The WebDriver screenshot command failed.
    #[error("taking the screenshot failed: {0}")]
    WebDriver(#[from] CmdError),
    /// Writing the PNG failed.
    #[error("writing the screenshot failed: {0}")]
    Io(#[from] std::io::Error),
}

/// A running chromedriver plus a WebDriver session for headless Chromium.
pub struct Browser {
    client: Client,
    driver: Option<Child>,
    driver_port: u16,
    temp_dir: PathBuf,
}

impl std::fmt::Debug for Browser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Browser")
            .field("driver_port", &self.driver_port)
            .field("temp_dir", &self.temp_dir)
            .finish_non_exhaustive()
    }
}

impl Deref for Browser {
    type Target = Client;

    fn deref(&self) -> &Client {
        &self.client
    }
}

impl Browser {
    /// The WebDriver client.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The chromedriver URL, e.g. `http://127.0.0.1:<port>`.
    pub fn webdriver_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.driver_port)
    }

    /// Saves a PNG screenshot of the current viewport to `path` (creating
    /// parent directories) and returns the number of bytes written.
    pub async fn save_screenshot(&self, path: impl AsRef<Path>) -> Result<usize, ScreenshotError> {
        save_screenshot(&self.client, path).await
    }

    /// Ends the WebDriver session (quitting Chromium), then stops chromedriver
    /// and removes the temporary profile.
    pub async fn close(self) -> Result<(), CmdError> {
        // `Client::close` consumes a handle; the clone talks to the same session.
        self.client.clone().close().await
        // `Drop` then stops chromedriver and removes the profile.
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if let Some(child) = self.driver.take() {
            stop_driver(child, self.driver_port);
        }
        remove_dir_best_effort(&self.temp_dir);
    }
}

/// Saves a PNG screenshot taken by `client` to `path` (creating parent
/// directories) and returns the number of bytes written.
pub async fn save_screenshot(
    client: &Client,
    path: impl AsRef<Path>,
) -> Result<usize, ScreenshotError> {
    let png = client.screenshot().await?;
    let path = path.as_ref();
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(path, &png)?;
    Ok(png.len())
}

/// Starts chromedriver and headless Chromium.
///
/// Returns `None` (after printing `SKIP: ...` to stderr) when Chromium or
/// chromedriver is missing or cannot be started, or panics instead when
/// `ZHICHENG_REQUIRE_BROWSER=1`.
pub async fn start_browser() -> Option<Browser> {
    match try_start().await {
        Ok(browser) => Some(browser),
        Err(reason) => {
            if required() {
                panic!("headless Chromium unavailable: {reason} ({REQUIRE_ENV}=1 is set)");
            }
            eprintln!("SKIP: headless Chromium unavailable: {reason}");
            None
        }
    }
}

/// Path of the Chromium binary, if one is found.
pub fn find_chromium() -> Option<PathBuf> {
    find_binary(
        CHROMIUM_ENV,
        &["chromium", "chromium-browser"],
        &["/usr/bin/chromium", "/usr/bin/chromium-browser"],
    )
}

/// Path of the chromedriver binary, if one is found.
pub fn find_chromedriver() -> Option<PathBuf> {
    find_binary(
        CHROMEDRIVER_ENV,
        &["chromedriver"],
        &["/usr/bin/chromedriver"],
    )
}

fn find_binary(env: &str, names: &[&str], fallbacks: &[&str]) -> Option<PathBuf> {
    if let Some(path) = std::env::var_os(env).filter(|v| !v.is_empty()) {
        return Some(PathBuf::from(path)).filter(|p| p.is_file());
    }
    let path_var = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path_var)
        .flat_map(|dir| names.iter().map(move |name| dir.join(name)))
        .chain(fallbacks.iter().map(PathBuf::from))
        .find(|candidate| candidate.is_file())
}

async fn try_start() -> Result<Browser, String> {
    let chromium = find_chromium().ok_or_else(|| {
        format!(
            "chromium not found (looked in PATH, /usr/bin/chromium; override with {CHROMIUM_ENV})"
        )
    })?;
    let chromedriver = find_chromedriver().ok_or_else(|| {
        format!("chromedriver not found (looked in PATH, /usr/bin/chromedriver; override with {CHROMEDRIVER_ENV})")
    })?;

    let temp_dir =
        std::env::temp_dir().join(format!("zc-chromium-{}", uuid::Uuid::now_v7().simple()));
    let profile_dir = temp_dir.join("profile");
    std::fs::create_dir_all(&profile_dir)
        .map_err(|e| format!("cannot create {}: {e}", profile_dir.display()))?;

    let result = launch(&chromium, &chromedriver, &temp_dir, &profile_dir).await;
    if result.is_err() {
        remove_dir_best_effort(&temp_dir);
    }
    result
}

async fn launch(
    chromium: &Path,
    chromedriver: &Path,
    temp_dir: &Path,
    profile_dir: &Path,
) -> Result<Browser, String> {
    let log_path = temp_dir.join("chromedriver.log");
    let (child, port) = spawn_driver(chromedriver, &log_path).await?;
    // From here on the Browser owns chromedriver, so every early return cleans up.
    let mut args: Vec<String> = CHROMIUM_ARGS.iter().map(|a| (*a).to_owned()).collect();
    args.push(format!("--user-data-dir={}", profile_dir.display()));
    let capabilities = json!({
        "browserName": "chrome",
        "goog:chromeOptions": {
            "binary": chromium.display().to_string(),
            "args": args,
            "prefs": { "intl.accept_languages": "zh-CN,zh" },
        },
    });
    let serde_json::Value::Object(capabilities) = capabilities else {
        unreachable!("capabilities are a JSON object")
    };
    let webdriver_url = format!("http://127.0.0.1:{port}");
    // fantoccini without default features has no TLS connector; chromedriver
    // speaks plain HTTP on loopback, so hyper-util's HttpConnector suffices.
    let mut builder = ClientBuilder::new(HttpConnector::new());
    builder.capabilities(capabilities);
    let client = match tokio::time::timeout(SESSION_TIMEOUT, builder.connect(&webdriver_url)).await
    {
        Ok(Ok(client)) => client,
        Ok(Err(e)) => {
            stop_driver(child, port);
            return Err(format!(
                "could not start a Chromium session via {}: {e}{}",
                chromedriver.display(),
                log_tail(&log_path)
            ));
        }
        Err(_) => {
            stop_driver(child, port);
            return Err(format!(
                "Chromium session did not start within {SESSION_TIMEOUT:?}"
            ));
        }
    };
    Ok(Browser {
        client,
        driver: Some(child),
        driver_port: port,
        temp_dir: temp_dir.to_owned(),
    })
}

/// Spawns chromedriver on a free port and waits until `/status` answers.
async fn spawn_driver(chromedriver: &Path, log_path: &Path) -> Result<(Child, u16), String> {
    let mut last_error = String::new();
    for _ in 0..SPAWN_ATTEMPTS {
        let port = crate::port::free_local_port().map_err(|e| format!("no free port: {e}"))?;
        let mut child = Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .arg(format!("--log-path={}", log_path.display()))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot run {}: {e}", chromedriver.display()))?;
        let deadline = Instant::now() + DRIVER_READY_TIMEOUT;
        loop {
            if let Ok(Some(status)) = child.try_wait() {
                // Typically the port was taken in the meantime: retry.
                last_error = format!("chromedriver exited early ({status}){}", log_tail(log_path));
                break;
            }
            if driver_ready(port).await {
                return Ok((child, port));
            }
            if Instant::now() >= deadline {
                let _ = child.kill();
                let _ = child.wait();
                last_error = format!(
                    "chromedriver did not answer on port {port} within {DRIVER_READY_TIMEOUT:?}"
                );
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    Err(last_error)
}

/// Whether chromedriver answers `GET /status` with HTTP 200.
async fn driver_ready(port: u16) -> bool {
    let probe = async {
        let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port)).await?;
        stream
            .write_all(b"GET /status HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            .await?;
        let mut head = [0_u8; 16];
        let n = stream.read(&mut head).await?;
        Ok::<bool, std::io::Error>(head[..n].starts_with(b"HTTP/1.1 200"))
    };
    matches!(
        tokio::time::timeout(Duration::from_secs(2), probe).await,
        Ok(Ok(true))
    )
}

/// Asks chromedriver to quit all sessions and exit; kills it if it does not.
fn stop_driver(mut child: Child, port: u16) {
    if let Ok(None) = child.try_wait() {
        request_shutdown(port);
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        let _ = child.kill();
    }
    let _ = child.wait();
}

/// Blocking `GET /shutdown` (chromedriver quits all sessions, then exits).
fn request_shutdown(port: u16) {
    let timeout = Duration::from_secs(5);
    let Ok(addr) = format!("127.0.0.1:{port}").parse() else {
        return;
    };
    let Ok(mut stream) = TcpStream::connect_timeout(&addr, timeout) else {
        return;
    };
    let _ = stream.set_read_timeout(Some(timeout));
    let _ = stream.set_write_timeout(Some(timeout));
    if stream
        .write_all(b"GET /shutdown HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        .is_ok()
    {
        let mut sink = Vec::new();
        let _ = stream.read_to_end(&mut sink);
    }
}

fn remove_dir_best_effort(dir: &Path) {
    // Chromium may still be flushing its profile for a moment after quitting.
    for _ in 0..20 {
        match std::fs::remove_dir_all(dir) {
            Ok(()) => return,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return,
            Err(_) => std::thread::sleep(Duration::from_millis(50)),
        }
    }
}

fn log_tail(log_path: &Path) -> String {
    match std::fs::read_to_string(log_path) {
        Ok(log) if !log.trim().is_empty() => {
            let lines: Vec<&str> = log.lines().collect();
            let tail = lines[lines.len().saturating_sub(15)..].join("\n");
            format!("\n--- chromedriver log tail ---\n{tail}")
        }
        _ => String::new(),
    }
}
