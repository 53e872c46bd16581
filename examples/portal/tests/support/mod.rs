//! The browser harness of the portal's end-to-end test: `chromedriver` on a
//! free loopback port, one headless Chromium session through WebDriver
//! (fantoccini), bounded waits, and a numbered screenshot per step under
//! `<target>/browser-e2e/`.
//!
//! Every wait is bounded: a WebDriver command gets [`COMMAND`], an element
//! or a text [`WAIT`], chromedriver's start [`DRIVER_START`]. A failure
//! panics with the current URL and an excerpt of the page source, after a
//! `failure.png` screenshot. `chromedriver` runs in its own process group,
//! killed with the Chromium it started when the [`Browser`] is dropped
//! (also on panic).

use std::future::Future;
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::error::{CmdError, ErrorStatus};
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{Value, json};

/// How long an element or a text may take to appear.
pub(crate) const WAIT: Duration = Duration::from_secs(10);
/// How long one WebDriver command may take (a page load included).
const COMMAND: Duration = Duration::from_secs(30);
/// How long chromedriver may take to answer `/status`.
const DRIVER_START: Duration = Duration::from_secs(20);
/// The interval between two polls of a wait.
const POLL: Duration = Duration::from_millis(100);
/// How much of the page source a failure shows.
const EXCERPT: usize = 3000;

/// Chromium's flags: without them, as root on a closed network, it does not
/// start or hangs (the profile directory is added per session).
const CHROMIUM_ARGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--no-proxy-server",
    "--window-size=1280,1000",
];

/// `<target>/browser-e2e`, the target directory being `CARGO_TARGET_DIR`
/// (relative: to the workspace root) or the workspace's `target`.
pub(crate) fn screenshots_root() -> PathBuf {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join("..");
    let target = match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) if Path::new(&dir).is_absolute() => PathBuf::from(dir),
        Some(dir) => workspace.join(dir),
        None => workspace.join("target"),
    };
    target.join("browser-e2e")
}

/// The executable named by the environment variable `var`, else the first of
/// `names` on `PATH`.
fn executable(var: &str, names: &[&str]) -> PathBuf {
    if let Some(path) = std::env::var_os(var).filter(|p| !p.is_empty()) {
        return PathBuf::from(path);
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    names
        .iter()
        .flat_map(|name| std::env::split_paths(&path).map(move |dir| dir.join(name)))
        .find(|candidate| candidate.is_file())
        .unwrap_or_else(|| {
            panic!(
                "none of {names:?} on PATH and {var} is not set: install Debian's chromium and \
                 chromium-driver (`cargo xtask test` does, as root)"
            )
        })
}

/// A free port on 127.0.0.1 (free when asked: the caller retries on a race).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .expect("cannot bind a loopback port")
}

/// The last `max` characters of `text`, on a character boundary.
fn tail(text: &str, max: usize) -> &str {
    let mut start = text.len().saturating_sub(max);
    while !text.is_char_boundary(start) {
        start += 1;
    }
    &text[start..]
}

/// The first `max` characters of `text`, on a character boundary.
fn head(text: &str, max: usize) -> &str {
    let mut end = text.len().min(max);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// A `chromedriver` child in its own process group.
struct Driver {
    child: Child,
    url: String,
    log: PathBuf,
}

impl Driver {
    /// Starts chromedriver on a free port and waits until `/status` says it
    /// is ready; three attempts (a port taken between the probe and the
    /// bind makes chromedriver exit at once).
    async fn start(chromedriver: &Path, mut log: PathBuf) -> Driver {
        let http = reqwest::Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(2))
            .build()
            .expect("reqwest client");
        let mut last = String::new();
        for _ in 0..3 {
            let port = free_port();
            let out = std::fs::File::create(&log).expect("create chromedriver.log");
            let err = out.try_clone().expect("clone chromedriver.log");
            let child = Command::new(chromedriver)
                .arg(format!("--port={port}"))
                .stdin(Stdio::null())
                .stdout(out)
                .stderr(err)
                .process_group(0)
                .spawn()
                .unwrap_or_else(|e| panic!("cannot start {}: {e}", chromedriver.display()));
            let mut driver = Driver { child, url: format!("http://127.0.0.1:{port}"), log };
            match driver.wait_ready(&http).await {
                Ok(()) => return driver,
                Err(why) => {
                    last = why;
                    driver.kill();
                    log = driver.log.clone();
                }
            }
        }
        let output = std::fs::read_to_string(&log).unwrap_or_default();
        panic!(
            "chromedriver did not start: {last}\n--- {}:\n{}",
            log.display(),
            tail(&output, 2000)
        )
    }

    /// Polls `/status` until `value.ready` is true, the child exits, or
    /// [`DRIVER_START`] passes.
    async fn wait_ready(&mut self, http: &reqwest::Client) -> Result<(), String> {
        let deadline = Instant::now() + DRIVER_START;
        let status = format!("{}/status", self.url);
        loop {
            if let Ok(Some(exit)) = self.child.try_wait() {
                return Err(format!("chromedriver exited ({exit})"));
            }
            if let Ok(response) = http.get(&status).send().await {
                let body = response.bytes().await.unwrap_or_default();
                let body: Value = serde_json::from_slice(&body).unwrap_or_default();
                if body["value"]["ready"] == Value::Bool(true) {
                    return Ok(());
                }
            }
            if Instant::now() >= deadline {
                return Err(format!("no ready answer from {status} within {DRIVER_START:?}"));
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Kills chromedriver and everything in its process group (the Chromium
    /// it started), then reaps it. Harmless when already done.
    fn kill(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let group = format!("kill -KILL -{} 2>/dev/null", self.child.id());
            let _ = Command::new("sh").args(["-c", &group]).status();
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        self.kill();
    }
}

/// What a finished session leaves: its screenshots, in order.
#[derive(Debug)]
pub(crate) struct Finished {
    /// The screenshots `step` saved.
    pub(crate) screenshots: Vec<PathBuf>,
    /// Whether chromedriver's process had exited when `finish` returned.
    pub(crate) driver_exited: bool,
    /// Whether the temporary Chromium profile was removed.
    pub(crate) profile_removed: bool,
}

/// One headless Chromium session driven through chromedriver.
pub(crate) struct Browser {
    client: Option<Client>,
    driver: Driver,
    profile: PathBuf,
    dir: PathBuf,
    screenshots: Vec<PathBuf>,
}

impl Browser {
    /// Starts chromedriver and a Chromium session; screenshots go to `dir`
    /// (its old `*.png` files are removed first).
    pub(crate) async fn start(dir: PathBuf) -> Browser {
        static SESSIONS: AtomicU32 = AtomicU32::new(0);
        let chromium = executable("PORTAL_CHROMIUM", &["chromium", "chromium-browser"]);
        let chromedriver = executable("PORTAL_CHROMEDRIVER", &["chromedriver"]);
        std::fs::create_dir_all(&dir)
            .unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            if entry.path().extension().is_some_and(|ext| ext == "png") {
                let _ = std::fs::remove_file(entry.path());
            }
        }
        let profile = std::env::temp_dir().join(format!(
            "portal-e2e-{}-{}",
            std::process::id(),
            SESSIONS.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&profile);
        std::fs::create_dir_all(&profile)
            .unwrap_or_else(|e| panic!("cannot create {}: {e}", profile.display()));

        let driver = Driver::start(&chromedriver, dir.join("chromedriver.log")).await;
        let mut browser = Browser { client: None, driver, profile, dir, screenshots: Vec::new() };

        let mut args: Vec<String> = CHROMIUM_ARGS.iter().map(|&a| a.to_owned()).collect();
        args.push(format!("--user-data-dir={}", browser.profile.display()));
        let capabilities = json!({
            "browserName": "chrome",
            "pageLoadStrategy": "normal",
            "timeouts": { "pageLoad": 20_000, "script": 10_000, "implicit": 0 },
            "goog:chromeOptions": { "binary": chromium, "args": args },
        });
        let Value::Object(capabilities) = capabilities else { unreachable!("an object") };
        let connected = tokio::time::timeout(
            COMMAND,
            ClientBuilder::new(HttpConnector::new())
                .capabilities(capabilities)
                .connect(&browser.driver.url),
        )
        .await;
        match connected {
            Ok(Ok(client)) => browser.client = Some(client),
            Ok(Err(err)) => panic!("no browser session: {err}\n{}", browser.driver_log()),
            Err(_) => panic!("no browser session within {COMMAND:?}\n{}", browser.driver_log()),
        }
        browser
    }

    fn driver_log(&self) -> String {
        let log = std::fs::read_to_string(&self.driver.log).unwrap_or_default();
        format!("--- {}:\n{}", self.driver.log.display(), tail(&log, 2000))
    }

    fn client(&self) -> &Client {
        self.client.as_ref().expect("the session is open until finish")
    }

    /// Runs one WebDriver command with the [`COMMAND`] bound.
    async fn command<T>(
        &self,
        what: &str,
        command: impl Future<Output = Result<T, CmdError>>,
    ) -> Result<T, String> {
        match tokio::time::timeout(COMMAND, command).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(err)) => Err(format!("{what}: {err}")),
            Err(_) => Err(format!("{what}: no answer within {COMMAND:?}")),
        }
    }

    /// Runs one WebDriver command; panics with the page's context on error.
    async fn must<T>(&self, what: &str, command: impl Future<Output = Result<T, CmdError>>) -> T {
        match self.command(what, command).await {
            Ok(value) => value,
            Err(why) => panic!("{}", self.failure(&why).await),
        }
    }

    /// `message`, the current URL and an excerpt of the page source (and a
    /// `failure.png` screenshot): what a failed step panics with.
    pub(crate) async fn failure(&self, message: &str) -> String {
        let url = match self.command("current url", self.client().current_url()).await {
            Ok(url) => url.to_string(),
            Err(why) => format!("(unknown: {why})"),
        };
        let source = match self.command("page source", self.client().source()).await {
            Ok(source) => source,
            Err(why) => format!("(unknown: {why})"),
        };
        if let Ok(png) = self.command("screenshot", self.client().screenshot()).await {
            let _ = std::fs::write(self.dir.join("failure.png"), png);
        }
        let excerpt = head(&source, EXCERPT);
        let cut = if excerpt.len() < source.len() { "\n[...]" } else { "" };
        format!("{message}\n  at URL: {url}\n  page source:\n{excerpt}{cut}")
    }

    /// Saves a screenshot as `NN-name.png`.
    pub(crate) async fn step(&mut self, name: &str) {
        let png = self.must("screenshot", self.client().screenshot()).await;
        let path = self.dir.join(format!("{:02}-{name}.png", self.screenshots.len() + 1));
        std::fs::write(&path, png)
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
        self.screenshots.push(path);
    }

    /// Loads `url` (waits for its load event).
    pub(crate) async fn goto(&self, url: &str) {
        self.must(&format!("goto {url}"), self.client().goto(url)).await;
    }

    /// The value of the cookie `name` the browser holds for the current page.
    pub(crate) async fn cookie(&self, name: &str) -> String {
        let cookie =
            self.must(&format!("cookie {name}"), self.client().get_named_cookie(name)).await;
        cookie.value().to_owned()
    }

    /// The current URL.
    pub(crate) async fn current_url(&self) -> reqwest::Url {
        self.must("current url", self.client().current_url()).await
    }

    /// Polls `attempt` every [`POLL`] until it gives a value or [`WAIT`]
    /// passes; `attempt` answers `Err` for "not yet" with the reason.
    async fn poll<T, F, Fut>(&self, what: &str, mut attempt: F) -> T
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, String>>,
    {
        let deadline = Instant::now() + WAIT;
        loop {
            let last = match attempt().await {
                Ok(value) => return value,
                Err(why) => why,
            };
            if Instant::now() >= deadline {
                let message = format!("{what}: not within {WAIT:?} (last: {last})");
                panic!("{}", self.failure(&message).await);
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// The element `css` once present, or why not (not found: `Ok(None)`).
    async fn try_find(&self, css: &str) -> Result<Option<Element>, String> {
        match tokio::time::timeout(COMMAND, self.client().find(Locator::Css(css))).await {
            Ok(Ok(element)) => Ok(Some(element)),
            Ok(Err(CmdError::Standard(e))) if e.error == ErrorStatus::NoSuchElement => Ok(None),
            Ok(Err(err)) => Err(format!("find {css}: {err}")),
            Err(_) => Err(format!("find {css}: no answer within {COMMAND:?}")),
        }
    }

    /// Whether `err` is transient while a page changes (retry).
    fn transient(err: &CmdError) -> bool {
        matches!(err, CmdError::Standard(e) if matches!(
            e.error,
            ErrorStatus::StaleElementReference
                | ErrorStatus::NoSuchElement
                | ErrorStatus::ElementNotInteractable
                | ErrorStatus::ElementClickIntercepted
        ))
    }

    /// Runs `action` on the element `css` once it is present, retrying
    /// transient errors (a page being replaced) within [`WAIT`].
    async fn on_element<T, F, Fut>(&self, what: &str, css: &str, action: F) -> T
    where
        F: Fn(Element) -> Fut,
        Fut: Future<Output = Result<T, CmdError>>,
    {
        let what = &format!("{what} {css}");
        let action = &action;
        self.poll(what, move || async move {
            let element = match self.try_find(css).await {
                Ok(Some(element)) => element,
                Ok(None) => return Err("no such element".to_owned()),
                Err(why) => panic!("{}", self.failure(&why).await),
            };
            match tokio::time::timeout(COMMAND, action(element)).await {
                Ok(Ok(value)) => Ok(value),
                Ok(Err(err)) if Self::transient(&err) => Err(err.to_string()),
                Ok(Err(err)) => panic!("{}", self.failure(&format!("{what}: {err}")).await),
                Err(_) => {
                    let why = format!("{what}: no answer within {COMMAND:?}");
                    panic!("{}", self.failure(&why).await)
                }
            }
        })
        .await
    }

    /// Clicks the element `css` (follows a link or submits a form; waits
    /// for the navigation it starts, as chromedriver does).
    pub(crate) async fn click(&self, css: &str) {
        self.on_element("click", css, |element| async move { element.click().await }).await;
    }

    /// Replaces the value of the input `css` with `value`.
    pub(crate) async fn fill(&self, css: &str, value: &str) {
        self.on_element("fill", css, |element| async move {
            element.clear().await?;
            element.send_keys(value).await
        })
        .await;
    }

    /// The `value` property of the input `css`.
    pub(crate) async fn value(&self, css: &str) -> String {
        self.on_element("value of", css, |element| async move { element.prop("value").await })
            .await
            .unwrap_or_default()
    }

    /// The rendered text of the element `css` (trimmed), once present.
    pub(crate) async fn text(&self, css: &str) -> String {
        self.on_element("text of", css, |element| async move { element.text().await })
            .await
            .trim()
            .to_owned()
    }

    /// The text of `css` once it equals `expected`; panics with the last text,
    /// the URL and the page source after [`WAIT`].
    pub(crate) async fn expect_text(&self, css: &str, expected: &str) {
        self.expect(css, &format!("{expected:?}"), |text| text == expected).await;
    }

    /// The text of `css` once it contains `needle`.
    pub(crate) async fn expect_text_containing(&self, css: &str, needle: &str) -> String {
        self.expect(css, &format!("text containing {needle:?}"), |text| text.contains(needle)).await
    }

    /// The text of `css` once it is not empty.
    pub(crate) async fn expect_nonempty(&self, css: &str) -> String {
        self.expect(css, "a non-empty text", |text| !text.is_empty()).await
    }

    async fn expect(&self, css: &str, wanted: &str, ok: impl Fn(&str) -> bool) -> String {
        let ok = &ok;
        self.poll(&format!("{css} should be {wanted}"), move || async move {
            let element = match self.try_find(css).await {
                Ok(Some(element)) => element,
                Ok(None) => return Err(format!("no element {css}")),
                Err(why) => return Err(why),
            };
            match tokio::time::timeout(COMMAND, element.text()).await {
                Ok(Ok(text)) if ok(text.trim()) => Ok(text.trim().to_owned()),
                Ok(Ok(text)) => Err(format!("{css} is {:?}", text.trim())),
                Ok(Err(err)) => Err(err.to_string()),
                Err(_) => Err(format!("text of {css}: no answer within {COMMAND:?}")),
            }
        })
        .await
    }

    /// Waits until the current URL's path is `path`; returns the URL.
    pub(crate) async fn expect_path(&self, path: &str) -> reqwest::Url {
        self.expect_url(&format!("the URL's path should be {path}"), |url| url.path() == path).await
    }

    /// Waits until the current URL starts with `prefix` (`on`) or does not
    /// (`!on`): on a site or away from it; returns the URL.
    pub(crate) async fn expect_on(&self, prefix: &str, on: bool) -> reqwest::Url {
        let what = if on { "start with" } else { "leave" };
        self.expect_url(&format!("the URL should {what} {prefix}"), |url| {
            url.as_str().starts_with(prefix) == on
        })
        .await
    }

    /// Waits until `ok` holds for the current URL; returns it.
    pub(crate) async fn expect_url(
        &self,
        what: &str,
        ok: impl Fn(&reqwest::Url) -> bool,
    ) -> reqwest::Url {
        let ok = &ok;
        self.poll(what, move || async move {
            let url = self.command("current url", self.client().current_url()).await?;
            if ok(&url) { Ok(url) } else { Err(format!("at {url}")) }
        })
        .await
    }

    /// Ends the session, stops chromedriver and Chromium, removes the
    /// profile; returns the screenshots.
    pub(crate) async fn finish(mut self) -> Finished {
        if let Some(client) = self.client.take()
            && let Err(why) = self.command("end session", client.close()).await
        {
            eprintln!("browser: {why} (killing chromedriver)");
        }
        self.driver.kill();
        let driver_exited = matches!(self.driver.child.try_wait(), Ok(Some(_)));
        let _ = std::fs::remove_dir_all(&self.profile);
        let profile_removed = !self.profile.exists();
        Finished {
            screenshots: std::mem::take(&mut self.screenshots),
            driver_exited,
            profile_removed,
        }
    }

    /// The Chromium profile directory of this session.
    pub(crate) fn profile(&self) -> &Path {
        &self.profile
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // On a panic the session cannot be ended politely: kill chromedriver
        // and its Chromium, then remove the profile.
        self.driver.kill();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}
