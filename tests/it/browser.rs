//! The charting workflow in a real headless Chromium (Debian's chromium + chromium-driver),
//! driven over WebDriver: sign in, create a client, open a visit, click the body map, record the
//! finding, sign, and see the marker on the chart. A screenshot of the chart is kept in
//! test-artifacts/.

// Where Chromium is missing only the stand-in below is compiled; its helpers go unused.
#![cfg_attr(not(myochart_browser_tests), allow(unused_imports, dead_code))]

use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use myochart::charting::catalog;
use myochart::charting::vocab::View;
use thirtyfour::prelude::*;

use crate::common::{Backend, PASSWORD, TestApp};
use crate::on_both_backends;

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// chromedriver on a free port, killed on drop.
struct Driver {
    child: Child,
    port: u16,
}

impl Driver {
    fn start() -> Driver {
        assert!(
            std::path::Path::new(CHROMEDRIVER).exists() && std::path::Path::new(CHROMIUM).exists(),
            "the browser test needs Debian's chromium and chromium-driver (apt-get install chromium chromium-driver; .ci/run does)"
        );
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        // Wait until it accepts connections (bounded).
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(started.elapsed() < Duration::from_secs(20), "chromedriver did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        Driver { child, port }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn browser(driver: &Driver, profile: &std::path::Path) -> WebDriver {
    let mut caps = DesiredCapabilities::chrome();
    caps.set_binary(CHROMIUM).unwrap();
    for arg in [
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--window-size=1280,1100",
    ] {
        caps.add_arg(arg).unwrap();
    }
    caps.add_arg(&format!("--user-data-dir={}", profile.display())).unwrap();
    WebDriver::new(format!("http://127.0.0.1:{}", driver.port), caps).await.expect("a browser session")
}

/// Waits (bounded) until the page shows `text`: a click that submits a form returns before the
/// next page has loaded.
async fn wait_for_text(driver: &WebDriver, text: &str) -> String {
    let started = Instant::now();
    loop {
        let page = driver.source().await.unwrap_or_default();
        if page.contains(text) {
            return page;
        }
        assert!(started.elapsed() < Duration::from_secs(30), "the page never showed {text:?}:\n{page}");
        tokio_sleep().await;
    }
}

async fn tokio_sleep() {
    actix_web::rt::time::sleep(Duration::from_millis(100)).await;
}

async fn value(driver: &WebDriver, id: &str) -> String {
    driver.find(By::Id(id)).await.unwrap().prop("value").await.unwrap().unwrap_or_default()
}

async fn chart_a_trigger_point_in_a_real_browser(backend: Backend) {
    let app = TestApp::new(backend).await;
    let chromedriver = Driver::start();
    let profile = tempfile::tempdir().unwrap();
    let driver = browser(&chromedriver, profile.path()).await;
    let base = app.base.clone();

    driver.goto(format!("{base}/login")).await.unwrap();
    driver.find(By::Id("email")).await.unwrap().send_keys("admin@example.com").await.unwrap();
    driver.find(By::Id("password")).await.unwrap().send_keys(PASSWORD).await.unwrap();
    driver.find(By::Css("main button[type=submit]")).await.unwrap().click().await.unwrap();
    wait_for_text(&driver, "Hello, admin").await;

    driver.goto(format!("{base}/clients/new")).await.unwrap();
    driver.find(By::Id("first_name")).await.unwrap().send_keys("Bruno").await.unwrap();
    driver.find(By::Id("last_name")).await.unwrap().send_keys("Browser").await.unwrap();
    driver.find(By::Id("red_flags")).await.unwrap().send_keys("Recent whiplash: gentle only").await.unwrap();
    driver.find(By::Id("save-client")).await.unwrap().click().await.unwrap();
    wait_for_text(&driver, "Bruno Browser was added").await;
    assert!(driver.source().await.unwrap().contains("Recent whiplash"), "the red-flag banner shows");
    let chart_url = driver.current_url().await.unwrap().to_string();

    driver.find(By::Id("new-visit")).await.unwrap().click().await.unwrap();
    wait_for_text(&driver, "id=\"open-visit\"").await;
    driver.find(By::Id("open-visit")).await.unwrap().click().await.unwrap();
    wait_for_text(&driver, "Visit opened.").await;
    assert!(driver.current_url().await.unwrap().path().starts_with("/visits/"));

    // Click the back figure where the catalog puts the left upper trapezius.
    let catalog = app.with_conn(catalog::all);
    let target = catalog.iter().find(|m| m.code == "upper-trapezius").unwrap();
    let figure = driver.find(By::Css("svg.bodymap-view[data-view='back']")).await.unwrap();
    figure.scroll_into_view().await.unwrap();
    let rect = figure.rect().await.unwrap();
    let dx = ((target.map_x / catalog::MAP_WIDTH - 0.5) * rect.width).round() as i64;
    let dy = ((target.map_y / catalog::MAP_HEIGHT - 0.5) * rect.height).round() as i64;
    driver.action_chain().move_to_element_with_offset(&figure, dx, dy).click().perform().await.unwrap();

    assert_eq!(value(&driver, "map_view").await, "back");
    let x: f64 = value(&driver, "map_x").await.parse().unwrap();
    let y: f64 = value(&driver, "map_y").await.parse().unwrap();
    assert!((x - target.map_x).abs() < 4.0 && (y - target.map_y).abs() < 4.0, "clicked at ({x}, {y})");
    // The page's script and the server agree on the nearest muscle and side.
    let (expected, side) = catalog::nearest(&catalog, View::Back, x, y).unwrap();
    assert_eq!(value(&driver, "muscle_id").await, expected.id);
    assert_eq!(value(&driver, "side").await, side.code());

    driver.find(By::Id("add-finding")).await.unwrap().click().await.unwrap();
    wait_for_text(&driver, "Trigger point recorded.").await;
    driver.find(By::Id("sign-visit")).await.unwrap().click().await.unwrap();
    wait_for_text(&driver, "Trigger points: 1 active, 0 latent").await;
    driver.find(By::Id("confirm-sign")).await.unwrap().click().await.unwrap();
    wait_for_text(&driver, "Signed by").await;

    driver.goto(&chart_url).await.unwrap();
    wait_for_text(&driver, "Bruno").await;
    let markers =
        driver.find_all(By::Css("svg.bodymap-view[data-view='back'] circle.marker-active")).await.unwrap();
    assert_eq!(markers.len(), 1, "one active marker on the back figure");
    let cx: f64 = markers[0].attr("cx").await.unwrap().unwrap().parse().unwrap();
    assert!((cx - x).abs() < 0.2, "the marker sits where the map was clicked");

    let artifacts = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("test-artifacts");
    std::fs::create_dir_all(&artifacts).unwrap();
    let shot = artifacts
        .join(format!("chart-{}.png", if backend == Backend::Sqlite { "sqlite" } else { "postgres" }));
    driver.screenshot(&shot).await.unwrap();
    assert!(std::fs::metadata(&shot).unwrap().len() > 10_000, "a real screenshot");
    driver.quit().await.unwrap();
}

/// A browser signed in as the admin (a therapist too) on `app`, with its driver and profile.
struct Session {
    driver: WebDriver,
    _chromedriver: Driver,
    _profile: tempfile::TempDir,
}

async fn signed_in(app: &TestApp) -> Session {
    let chromedriver = Driver::start();
    let profile = tempfile::tempdir().unwrap();
    let driver = browser(&chromedriver, profile.path()).await;
    driver.goto(format!("{}/login", app.base)).await.unwrap();
    sign_in_on_page(&driver).await;
    wait_for_text(&driver, "Hello, admin").await;
    Session { driver, _chromedriver: chromedriver, _profile: profile }
}

async fn sign_in_on_page(driver: &WebDriver) {
    driver.find(By::Id("email")).await.unwrap().send_keys("admin@example.com").await.unwrap();
    driver.find(By::Id("password")).await.unwrap().send_keys(PASSWORD).await.unwrap();
    driver.find(By::Css("main button[type=submit]")).await.unwrap().click().await.unwrap();
}

async fn type_into(driver: &WebDriver, id: &str, text: &str) {
    let field = driver.find(By::Id(id)).await.unwrap();
    field.scroll_into_view().await.unwrap();
    field.send_keys(text).await.unwrap();
}

async fn choose(driver: &WebDriver, id: &str, value: &str) {
    let select = driver.find(By::Id(id)).await.unwrap();
    thirtyfour::components::SelectElement::new(&select).await.unwrap().select_by_value(value).await.unwrap();
}

async fn click(driver: &WebDriver, id: &str) {
    let button = driver.find(By::Id(id)).await.unwrap();
    button.scroll_into_view().await.unwrap();
    button.click().await.unwrap();
}

/// A draft visit of a new client of the admin; its page's path.
fn draft_visit(app: &TestApp) -> (String, String) {
    let admin = app.user("admin@example.com");
    let client = app.create_client(&admin.id, "Bruno", "Browser");
    let visit = app.open_visit(&client);
    (format!("/visits/{}", visit.id), visit.id)
}

fn stored_subjective(app: &TestApp, visit_id: &str) -> String {
    let admin = app.user("admin@example.com");
    app.with_conn(|conn| myochart::visits::model::find_for_therapist(conn, visit_id, &admin.id))
        .0
        .note
        .subjective
}

/// Typed text survives *Add trigger point*, is autosaved as it is typed, and a removal asks first.
async fn typing_then_adding_a_trigger_point_keeps_the_note(backend: Backend) {
    let app = TestApp::new(backend).await;
    let (path, visit_id) = draft_visit(&app);
    let session = signed_in(&app).await;
    let driver = &session.driver;
    driver.goto(format!("{}{path}", app.base)).await.unwrap();
    type_into(driver, "subjective", "Neck pain since the move").await;
    wait_for_text(driver, "Saved ").await;
    assert_eq!(stored_subjective(&app, &visit_id), "Neck pain since the move", "autosaved");
    type_into(driver, "subjective", ", worse at night").await;
    choose(driver, "muscle_id", "levator-scapulae").await;
    choose(driver, "side", "left").await;
    click(driver, "add-finding").await;
    wait_for_text(driver, "Trigger point recorded.").await;
    assert_eq!(value(driver, "subjective").await, "Neck pain since the move, worse at night");
    assert_eq!(stored_subjective(&app, &visit_id), "Neck pain since the move, worse at night");

    // Removing asks; saying no keeps it.
    let remove = driver.find(By::Css("button[value^='remove:']")).await.unwrap();
    remove.scroll_into_view().await.unwrap();
    remove.click().await.unwrap();
    assert!(driver.get_alert_text().await.unwrap().contains("Levator scapulae"));
    driver.dismiss_alert().await.unwrap();
    assert!(driver.source().await.unwrap().contains("value=\"remove:"), "still there");
    driver.find(By::Css("button[value^='remove:']")).await.unwrap().click().await.unwrap();
    driver.accept_alert().await.unwrap();
    wait_for_text(driver, "Trigger point removed.").await;

    // Leaving with something typed and not yet saved asks first; once autosaved, it does not.
    type_into(driver, "plan", "Ball work at home").await;
    assert!(leaving_asks(driver).await, "unsaved typing guards the page");
    wait_for_text(driver, "Saved ").await;
    assert!(!leaving_asks(driver).await, "nothing unsaved, nothing to ask");
    session.driver.quit().await.unwrap();
}

/// Whether leaving the page now would ask first (the page cancels `beforeunload`).
async fn leaving_asks(driver: &WebDriver) -> bool {
    let script = "const e = new Event('beforeunload', { cancelable: true }); \
                  window.dispatchEvent(e); return e.defaultPrevented;";
    driver.execute(script, vec![]).await.unwrap().convert().unwrap()
}

/// *Review and sign* signs what is on the screen, after showing it.
async fn typing_then_signing_signs_what_is_on_screen(backend: Backend) {
    let app = TestApp::new(backend).await;
    let (path, visit_id) = draft_visit(&app);
    let session = signed_in(&app).await;
    let driver = &session.driver;
    driver.goto(format!("{}{path}", app.base)).await.unwrap();
    type_into(driver, "subjective", "Typed just before signing").await;
    click(driver, "sign-visit").await;
    wait_for_text(driver, "Sign the visit of").await;
    assert!(driver.source().await.unwrap().contains("Typed just before signing"));
    click(driver, "confirm-sign").await;
    wait_for_text(driver, "Signed by").await;
    assert_eq!(stored_subjective(&app, &visit_id), "Typed just before signing");
    session.driver.quit().await.unwrap();
}

/// With a one-minute idle timeout: the session ends while the therapist types; *Save note* asks
/// them to sign in, and signing in saves what they typed and brings them back to the visit.
async fn an_ended_session_loses_nothing(backend: Backend) {
    let app = TestApp::at(backend, chrono::Utc::now().naive_utc(), |c| c.session_idle_minutes = 1).await;
    let (path, visit_id) = draft_visit(&app);
    let session = signed_in(&app).await;
    let driver = &session.driver;
    driver.goto(format!("{}{path}", app.base)).await.unwrap();
    wait_for_text(driver, "SOAP note").await;
    app.state.clock.advance(chrono::Duration::seconds(61));
    type_into(driver, "subjective", "Typed after the session ended").await;
    wait_for_text(driver, "you were signed out").await;
    click(driver, "save-visit").await;
    wait_for_text(driver, "Your session has ended").await;
    sign_in_on_page(driver).await;
    wait_for_text(driver, "Note saved.").await;
    assert_eq!(driver.current_url().await.unwrap().path(), path);
    assert_eq!(value(driver, "subjective").await, "Typed after the session ended");
    assert_eq!(stored_subjective(&app, &visit_id), "Typed after the session ended");
    session.driver.quit().await.unwrap();
}

/// Two tabs on one visit: the second one's autosave notices the first one's save, shows both
/// texts, and keeps its own only when asked.
async fn two_tabs_show_both_texts(backend: Backend) {
    let app = TestApp::new(backend).await;
    let (path, visit_id) = draft_visit(&app);
    let session = signed_in(&app).await;
    let driver = &session.driver;
    let url = format!("{}{path}", app.base);
    driver.goto(&url).await.unwrap();
    let first = driver.window().await.unwrap();
    let second = driver.new_tab().await.unwrap();
    driver.switch_to_window(second.clone()).await.unwrap();
    driver.goto(&url).await.unwrap();
    wait_for_text(driver, "SOAP note").await;
    driver.switch_to_window(first).await.unwrap();
    type_into(driver, "subjective", "From the first tab").await;
    wait_for_text(driver, "Saved ").await;
    driver.switch_to_window(second).await.unwrap();
    type_into(driver, "subjective", "From the second tab").await;
    wait_for_text(driver, "changed in another tab").await;
    let page = driver.source().await.unwrap();
    assert!(page.contains("From the first tab"), "the other tab's text is shown");
    assert_eq!(value(driver, "subjective").await, "From the second tab", "this tab's text stays");
    assert_eq!(stored_subjective(&app, &visit_id), "From the first tab");
    driver.find(By::Css("[data-conflict] button")).await.unwrap().click().await.unwrap();
    wait_for_text(driver, "Saved ").await;
    assert_eq!(stored_subjective(&app, &visit_id), "From the second tab");
    session.driver.quit().await.unwrap();
}

/// At 390 px wide (a phone), a chart with a perpetuating factor is no wider than the screen.
async fn a_chart_fits_a_phone(backend: Backend) {
    let app = TestApp::new(backend).await;
    let admin = app.user("admin@example.com");
    let client = app.create_client(&admin.id, "Bruno", "Browser");
    let finding = app.add_finding(&app.open_visit(&client), "upper-trapezius", "left", "active");
    app.add_factor(&client, std::slice::from_ref(&finding.id));
    let session = signed_in(&app).await;
    let driver = &session.driver;
    driver.set_window_rect(0, 0, 390, 844).await.unwrap();
    driver.goto(format!("{}/clients/{}", app.base, client.id)).await.unwrap();
    wait_for_text(driver, "Head forward at the desk").await;
    let (page, screen): (i64, i64) = driver
        .execute("return [document.documentElement.scrollWidth, window.innerWidth];", vec![])
        .await
        .unwrap()
        .convert()
        .unwrap();
    assert!(page <= screen, "the page is {page} px wide on a {screen} px screen");
    session.driver.quit().await.unwrap();
}

/// With a one-minute idle timeout, a banner warns before the session ends and *Stay signed in*
/// keeps it. (Real seconds pass: run on one backend, the script is the same on both.)
#[cfg(myochart_browser_tests)]
#[actix_web::test]
async fn the_idle_warning_offers_to_stay_signed_in() {
    let app =
        TestApp::at(Backend::Sqlite, chrono::Utc::now().naive_utc(), |c| c.session_idle_minutes = 1).await;
    let session = signed_in(&app).await;
    let driver = &session.driver;
    let started = Instant::now();
    let hidden = "return document.querySelector('.idle-warning').hidden;";
    loop {
        let is_hidden: bool = driver.execute(hidden, vec![]).await.unwrap().convert().unwrap();
        if !is_hidden {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(50), "no warning before the timeout");
        actix_web::rt::time::sleep(Duration::from_millis(250)).await;
    }
    assert!(started.elapsed() > Duration::from_secs(15), "not too early");
    assert!(driver.source().await.unwrap().contains("You will be signed out in"));
    driver.find(By::Css(".idle-warning button")).await.unwrap().click().await.unwrap();
    let kept = Instant::now();
    loop {
        let is_hidden: bool = driver.execute(hidden, vec![]).await.unwrap().convert().unwrap();
        if is_hidden {
            break;
        }
        assert!(kept.elapsed() < Duration::from_secs(10), "the warning stays after Stay signed in");
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
    session.driver.quit().await.unwrap();
}

#[cfg(myochart_browser_tests)]
on_both_backends!(
    a_chart_fits_a_phone,
    chart_a_trigger_point_in_a_real_browser,
    typing_then_adding_a_trigger_point_keeps_the_note,
    typing_then_signing_signs_what_is_on_screen,
    an_ended_session_loses_nothing,
    two_tabs_show_both_texts,
);

/// Stands in for the browser test where Chromium is missing, so the gap shows in the output.
#[cfg(not(myochart_browser_tests))]
#[test]
#[ignore = "install chromium and chromium-driver (then touch build.rs) to run the browser test"]
fn browser_test_needs_chromium() {}
