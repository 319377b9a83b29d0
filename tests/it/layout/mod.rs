//! Keeps the layering of `src/` standing: which top-level module may use which.
//!
//! The top-level modules form layers, listed from the bottom up in [`LAYERS`]. A module may
//! use only the modules listed before it, never one after it, and no two modules may need
//! each other. Route files build no SQL: their queries live in the area's model. To add a
//! module or move one, change `LAYERS`; it is the one place the order is written down.
//!
//! The checker reads the source text, so it needs nothing but std: every `crate::…` path in
//! code, and every `super::…` path that climbs out of its top-level module (comments and string
//! literals left out, `#[cfg(test)]` modules included). What would hide a path from it is
//! refused outright: another name for the crate root, `#[path]`, `#[macro_export]`,
//! `#[macro_use]` and `macro_rules!` in lib.rs. `checker.rs` scans, `sql.rs` finds the route
//! files and their SQL, `tokens.rs` reads Rust source; `self_tests.rs` and `sql_tests.rs` prove
//! each rule on small made-up trees.

mod checker;
mod self_tests;
mod sql;
mod sql_tests;
mod tokens;

use std::path::Path;

use checker::{read_tree, scan};

/// The top-level modules of `src/` (`src/<name>.rs` or `src/<name>/`), in layers from the
/// bottom up. A module may use only the modules listed before it, never one after it: the rank
/// is the position in the whole list, so within a layer the order counts too (`clients` may
/// use `accounts` but not `mail`). `lib.rs` and `main.rs` may use anything. A new module in
/// `src/` must be added here, in the layer it belongs to.
const LAYERS: &[(&str, &[&str])] = &[
    ("foundation", &["vocab", "sensitive", "error", "time", "config", "db", "auth", "web"]),
    ("areas", &["audit", "accounts", "clients", "mail", "charting", "visits", "followups", "homecare"]),
    ("pages", &["pages"]),
    ("top", &["routes", "jobs", "app", "demo", "cli"]),
];

/// The source tree the three checks read.
const SRC: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/src");

#[test]
fn no_module_imports_upward() {
    let problems = scan(&read_tree(Path::new(SRC))).layering();
    let fix = "Each line above says what to change. For an upward import: move the rule up into the \
               imported module's layer, or the shared function down into a lower module; the order lives \
               in LAYERS in tests/it/layout/mod.rs.";
    assert_none(&problems, "layering problem(s) in src/", fix);
}

#[test]
fn no_cycles_between_modules() {
    let cycles = scan(&read_tree(Path::new(SRC))).cycles();
    let fix = "Break each by moving what both sides need into the lower module; the order lives in LAYERS \
               in tests/it/layout/mod.rs.";
    assert_none(&cycles, "cycle(s) between top-level modules of src/", fix);
}

#[test]
fn route_files_do_not_touch_sql() {
    let hits = scan(&read_tree(Path::new(SRC))).sql;
    let fix = "Move each query into the area's model and call a function from there. `.find(` counts as \
               diesel's primary-key lookup unless its argument is a closure, literals or a function's \
               name: give Iterator::find a closure, and write a str search for a pattern held in a \
               variable as `str::find(haystack, pattern)`. The rules are on `sql_in` in \
               tests/it/layout/sql.rs.";
    let heading = "piece(s) of SQL in route files (routes.rs, *_routes.rs, and the files of the handlers \
                   src/routes.rs names)";
    assert_none(&hits, heading, fix);
}

/// Fails listing `problems` under a heading, then says how to fix them; passes if there are none.
#[track_caller]
fn assert_none(problems: &[String], heading: &str, fix: &str) {
    assert!(problems.is_empty(), "{} {heading}:\n{}\n\n{fix}", problems.len(), problems.join("\n"));
}
