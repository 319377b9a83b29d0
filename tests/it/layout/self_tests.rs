//! The checker on small made-up trees: each hole it closes, and the code it must leave alone.

use super::checker::{Report, scan};

/// Scans an in-memory tree of (path, text).
pub(super) fn tree(files: &[(&str, &str)]) -> Report {
    scan(&files.iter().map(|&(path, text)| (path.to_string(), text.to_string())).collect::<Vec<_>>())
}

/// The first line of each cycle: `a -> b -> a`.
fn cycle_names(report: &Report) -> Vec<String> {
    report.cycles().iter().map(|c| c.lines().next().unwrap().to_string()).collect()
}

/// Each reference as `file:line from->to`.
fn refs(report: &Report) -> Vec<String> {
    report.refs.iter().map(|r| format!("{} {}->{}", r.at, r.from, r.to)).collect()
}

#[test]
fn checker_catches_clients_followups_cycle() {
    let report = tree(&[
        (
            "src/clients/model.rs",
            "pub fn archive(conn: &mut DbConn) {\n    crate::followups::model::reassign_open(conn, id)?;\n}",
        ),
        ("src/followups/model.rs", "use crate::clients::model::Client;\n"),
    ]);
    let upward =
        "src/clients/model.rs:2: clients (areas) imports crate::followups::… (areas), which is above it";
    assert_eq!(report.layering(), [upward]);
    assert_eq!(
        report.cycles(),
        ["clients -> followups -> clients\n    clients -> followups: src/clients/model.rs:2\n    \
          followups -> clients: src/followups/model.rs:1"]
    );
}

#[test]
fn checker_catches_visits_charting_cycle() {
    let report = tree(&[
        ("src/charting/findings.rs", "fn add() {\n    crate::visits::model::lock_draft(conn, visit_id)?;\n}"),
        ("src/visits/model.rs", "use crate::charting::findings::{self, Finding};\n"),
    ]);
    let upward =
        "src/charting/findings.rs:2: charting (areas) imports crate::visits::… (areas), which is above it";
    assert_eq!(report.layering(), [upward]);
    assert_eq!(cycle_names(&report), ["charting -> visits -> charting"]);
}

#[test]
fn checker_catches_config_mail_cycle() {
    let report = tree(&[
        (
            "src/config.rs",
            "fn logo(&self) -> &str {\n    crate::mail::transport::logo_type(&self.practice_logo)\n}",
        ),
        ("src/mail/transport.rs", "use crate::config::Config;\n"),
    ]);
    let upward = "src/config.rs:2: config (foundation) imports crate::mail::… (areas), which is above it";
    assert_eq!(report.layering(), [upward]);
    assert_eq!(cycle_names(&report), ["config -> mail -> config"]);
}

#[test]
fn checker_catches_the_db_error_web_auth_accounts_ring() {
    let report = tree(&[
        ("src/accounts/model.rs", "use crate::db::{DbConn, lock_accounts};\n"),
        ("src/auth/session.rs", "use crate::accounts::model::User;\n"),
        (
            "src/db/mod.rs",
            "use crate::error::AppError;\n\nfn first() {\n    crate::charting::catalog::seed(&mut first)\n}",
        ),
        ("src/error.rs", "use crate::web::page::Ctx;\n"),
        ("src/web/page.rs", "use crate::auth::session::RequestAuth;\n"),
    ]);
    assert_eq!(
        report.layering(),
        [
            "src/auth/session.rs:1: auth (foundation) imports crate::accounts::… (areas), which is above it",
            "src/db/mod.rs:4: db (foundation) imports crate::charting::… (areas), which is above it",
            "src/error.rs:1: error (foundation) imports crate::web::… (foundation), which is above it",
        ]
    );
    assert_eq!(cycle_names(&report), ["error -> web -> auth -> accounts -> db -> error"]);
}

#[test]
fn checker_reads_grouped_and_multi_line_use() {
    let report =
        tree(&[("src/clients/routes.rs", "use crate::{\n    accounts::model::{User, Role},\n    mail,\n};")]);
    assert_eq!(
        refs(&report),
        ["src/clients/routes.rs:2 clients->accounts", "src/clients/routes.rs:3 clients->mail"]
    );
    let upward = "src/clients/routes.rs:3: clients (areas) imports crate::mail::… (areas), which is above it";
    assert_eq!(report.layering(), [upward]);
}

#[test]
fn checker_refuses_crate_root_items_and_unknown_modules() {
    let report = tree(&[
        ("src/clients/routes.rs", "fn page(state: &crate::AppState) {}"),
        ("src/lib.rs", "pub struct AppState;\nuse crate::cli::run;\nfn f(_: crate::AppState) {}"),
        ("src/server.rs", "use crate::web;"),
    ]);
    assert_eq!(
        report.layering(),
        [
            "src/server: module `server` is not in LAYERS in tests/it/layout/mod.rs; add it to the list in \
             the layer it belongs to (foundation, areas, pages or top)",
            "src/clients/routes.rs:1: clients refers to crate::AppState, which is not a module in LAYERS; \
             import it from the module that defines it",
        ]
    );
}

#[test]
fn checker_follows_super_out_of_a_module() {
    let report = tree(&[
        ("src/config.rs", "fn logo() {\n    super::mail::x()\n}\nuse super::{self, jobs};"),
        ("src/db/mod.rs", "fn first() {\n    super::charting::catalog::seed(&mut first)\n}"),
        ("src/visits/model.rs", "use super::forms::Form;\nuse super::super::pages::x;\npub(super) fn f() {}"),
        ("src/web/a/b.rs", "use super::super::errors;\nuse super::super::super::audit::Entry;"),
    ]);
    assert_eq!(
        refs(&report),
        [
            "src/config.rs:2 config->mail",
            "src/config.rs:4 config->jobs",
            "src/db/mod.rs:2 db->charting",
            "src/visits/model.rs:1 visits->visits",
            "src/visits/model.rs:2 visits->pages",
            "src/web/a/b.rs:1 web->web",
            "src/web/a/b.rs:2 web->audit",
        ]
    );
    let layering = report.layering();
    let expected = [
        "src/config.rs:2: config (foundation) imports crate::mail::… (areas)",
        "src/config.rs:4: config (foundation) imports crate::jobs::… (top)",
        "src/db/mod.rs:2: db (foundation) imports crate::charting::… (areas)",
        "src/visits/model.rs:2: visits (areas) imports crate::pages::… (pages)",
        "src/web/a/b.rs:2: web (foundation) imports crate::audit::… (areas)",
    ];
    assert_eq!(layering.len(), expected.len(), "{layering:#?}");
    for (line, expected) in layering.iter().zip(expected) {
        assert!(line.starts_with(expected), "{line}\ndoes not start with {expected}");
    }
}

#[test]
fn checker_climbs_from_inline_modules() {
    let source = "use super::mail;
#[cfg(test)]
mod tests {
    use super::*;
    fn t() {
        super::Config::load();
        super::super::jobs::run();
    }
}
fn after() { super::time::now() }";
    let report = tree(&[("src/config.rs", source)]);
    assert_eq!(
        refs(&report),
        [
            "src/config.rs:1 config->mail",
            "src/config.rs:4 config->config",
            "src/config.rs:6 config->config",
            "src/config.rs:7 config->jobs",
            "src/config.rs:10 config->time",
        ]
    );
}

#[test]
fn checker_refuses_other_names_for_the_crate_root() {
    let report = tree(&[
        ("src/clients/model.rs", "use crate as root;\nfn f() { root::pages::x() }"),
        ("src/config.rs", "use super as top;\nuse crate::{self as r, mail};"),
        ("src/db/mod.rs", "extern crate self as myochart;"),
        ("src/lib.rs", "use crate as root;\nextern crate self as myochart;"),
        ("src/visits/model.rs", "use super::super as up;\nuse super as visits_mod;"),
    ]);
    let alias = |at: &str, what: &str| {
        format!(
            "{at}: `{what}` is another name for the crate root, which hides the module each path leads to; \
             write `crate::module::…` paths instead"
        )
    };
    let layering = report.layering();
    let extern_self =
        |at: &str| layering.iter().any(|p| p.starts_with(&format!("{at}: `extern crate self`")));
    assert!(extern_self("src/db/mod.rs:1") && extern_self("src/lib.rs:2"), "{layering:#?}");
    for expected in [
        alias("src/clients/model.rs:1", "crate as root"),
        alias("src/config.rs:1", "super as top"),
        alias("src/config.rs:2", "self as r"),
        alias("src/visits/model.rs:1", "super::super as up"),
    ] {
        assert!(layering.contains(&expected), "missing {expected}\nin {layering:#?}");
    }
    assert_eq!(layering.len(), 7, "{layering:#?}");
}

#[test]
fn checker_refuses_path_attributes_and_exported_macros() {
    let report = tree(&[
        ("src/db/mod.rs", "#[path = \"../pages/x.rs\"]\nmod x;\n#[cfg_attr(test, path = \"t.rs\")]\nmod t;"),
        ("src/lib.rs", "macro_rules! smuggle { () => { crate::pages::x() } }\n#[macro_use]\nmod pages;"),
        ("src/vocab.rs", "#[macro_export]\nmacro_rules! v { () => {} }\n#![cfg_attr(all(), macro_export)]"),
    ]);
    let layering = report.layering();
    let starts =
        ["src/db/mod.rs:1: #[path]", "src/db/mod.rs:3: #[path]", "src/lib.rs:1: macro_rules! in lib.rs"];
    let more =
        ["src/lib.rs:2: #[macro_use]", "src/vocab.rs:1: #[macro_export]", "src/vocab.rs:3: #[macro_export]"];
    for (line, expected) in layering.iter().zip(starts.iter().chain(&more)) {
        assert!(line.starts_with(expected), "{line}\ndoes not start with {expected}");
    }
    assert_eq!(layering.len(), 6, "{layering:#?}");
}

#[test]
fn checker_leaves_module_macros_and_template_paths_alone() {
    let report = tree(&[
        (
            "src/vocab.rs",
            "macro_rules! vocabulary { () => { $crate::error::x() } }\npub(crate) use vocabulary;",
        ),
        (
            "src/homecare/views.rs",
            "#[derive(Template)]\n#[template(ext = \"html\", path = \"a.html\")]\nstruct A;",
        ),
        (
            "src/homecare/model.rs",
            "use crate::vocab::vocabulary;\nvocabulary!(Kind { A => (\"a\", \"A\") });",
        ),
        ("src/lib.rs", "#[cfg_attr(test, allow(clippy::unwrap_used))]\npub mod vocab;"),
    ]);
    assert_eq!(refs(&report), ["src/vocab.rs:1 vocab->error", "src/homecare/model.rs:1 homecare->vocab"]);
    let upward = "src/vocab.rs:1: vocab (foundation) imports crate::error::… (foundation), which is above it";
    assert_eq!(report.layering(), [upward]);
}
