//! Build script: re-embed migrations when they change, and turn on the PostgreSQL half of the
//! integration suite when MYOCHART_TEST_POSTGRES_URL is set (otherwise those tests are listed
//! as ignored, so a missing backend is visible in the output rather than silently passed).

fn main() {
    println!("cargo::rerun-if-changed=migrations");
    println!("cargo::rerun-if-env-changed=MYOCHART_TEST_POSTGRES_URL");
    println!("cargo::rustc-check-cfg=cfg(myochart_pg_tests)");
    if std::env::var("MYOCHART_TEST_POSTGRES_URL").is_ok_and(|url| !url.trim().is_empty()) {
        println!("cargo::rustc-cfg=myochart_pg_tests");
    }
}
