//! Build script: re-embed migrations when they change, and turn on the parts of the integration
//! suite that need something outside Rust: the PostgreSQL half when MYOCHART_TEST_POSTGRES_URL
//! is set, the browser test when Debian's chromium and chromium-driver are installed. Without
//! them those tests are listed as ignored: visible in the output, never silently passed.

fn main() {
    println!("cargo::rerun-if-changed=migrations");
    println!("cargo::rerun-if-env-changed=MYOCHART_TEST_POSTGRES_URL");
    println!("cargo::rustc-check-cfg=cfg(myochart_pg_tests)");
    if std::env::var("MYOCHART_TEST_POSTGRES_URL").is_ok_and(|url| !url.trim().is_empty()) {
        println!("cargo::rustc-cfg=myochart_pg_tests");
    }
    println!("cargo::rustc-check-cfg=cfg(myochart_browser_tests)");
    let browser = ["/usr/bin/chromium", "/usr/bin/chromedriver"];
    if browser.iter().all(|path| std::path::Path::new(path).exists()) {
        for path in browser {
            println!("cargo::rerun-if-changed={path}");
        }
        println!("cargo::rustc-cfg=myochart_browser_tests");
    }
}
