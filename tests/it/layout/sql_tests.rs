//! The route-file check on small made-up trees: which files are route files, what in them is
//! SQL, and the ordinary code it must leave alone.

use super::self_tests::tree;

/// The SQL hits of one route file's text.
fn sql_of(source: &str) -> Vec<String> {
    tree(&[("src/clients/routes.rs", source)]).sql
}

#[test]
fn checker_catches_sql_in_route_files() {
    let report = tree(&[
        (
            "src/clients/routes.rs",
            "use crate::db::schema::clients;\n\nasync fn archive() {\n    \
             diesel::update(clients::table.find(&client.id)).set(...).execute(conn)?;\n}",
        ),
        (
            "src/visits/visit_routes.rs",
            "fn one() {\n    table.filter(clients::id.eq(id))\n        .first(conn)?;\n    \
             q.load::<Visit>(conn)\n}",
        ),
        ("src/visits/model.rs", "fn one() {\n    diesel::update(visits::table.find(id)).execute(conn)\n}"),
    ]);
    assert_eq!(
        report.sql,
        [
            "src/clients/routes.rs:1: schema::",
            "src/clients/routes.rs:4: diesel::",
            "src/clients/routes.rs:4: .find(",
            "src/clients/routes.rs:4: .set(",
            "src/clients/routes.rs:4: .execute(",
            "src/visits/visit_routes.rs:2: .filter(",
            "src/visits/visit_routes.rs:3: .first(",
            "src/visits/visit_routes.rs:4: .load::<",
        ]
    );
}

#[test]
fn checker_catches_diesel_behind_aliases_and_std_names() {
    let source = "use crate::db::schema as s;
fn handler(conn: &mut DbConn) {
    s::clients::table.find(id).first::<Client>(conn)?;
    users.find(&form.id);
    checkins.find((item_id, day));
    t.find(7);
    q.set(flag.eq(true)).limit(10).offset(20);
    insert(t).values(&row);
    q.group_by(col);
    conn.batch_execute(SETUP)?;
    RunQueryDsl::execute(q, conn)?;
    sql_query(text);
    insert_into(t);
    ::diesel::delete(t);
    name.find(needle);
}";
    let hits = sql_of(source);
    let expected = [
        "1: schema",
        "3: .find(",
        "3: .first::<",
        "4: .find(",
        "5: .find(",
        "6: .find(",
        "7: .set(",
        "7: .limit(",
        "7: .offset(",
        "8: .values(",
        "9: .group_by(",
        "10: batch_execute",
        "11: RunQueryDsl",
        "11: execute(",
        "12: sql_query",
        "13: insert_into",
        "14: diesel::",
        "15: .find(",
    ];
    let expected: Vec<String> = expected.iter().map(|hit| format!("src/clients/routes.rs:{hit}")).collect();
    assert_eq!(hits, expected);
}

#[test]
fn checker_catches_sql_in_string_literals() {
    let source = r###"const CLAIM: &str = "SELECT id FROM outbox WHERE status = 'queued' ORDER BY id";
fn handler() {
    let q = format!("  \n  update outbox set x = {}", 1);
    let r = r#"
        WITH x AS (SELECT 1) SELECT * FROM x"#;
    conn.run(b"PRAGMA foreign_keys = ON");
    let fine = ["Selected {n}", "updated", "selection", "Dropdown", "CREATE", "altered state", "-- DROP x"];
    let words = ["Delete this trigger point?", "With JavaScript the note saves itself.", "Update the dose"];
}"###;
    assert_eq!(
        sql_of(source),
        [
            "src/clients/routes.rs:1: SQL in a string literal: \"SELECT id FROM outbox WHERE status = 'qu…\"",
            "src/clients/routes.rs:3: SQL in a string literal: \"update outbox set x = {}\"",
            "src/clients/routes.rs:4: SQL in a string literal: \"WITH x AS (SELECT 1) SELECT * FROM x\"",
            "src/clients/routes.rs:6: SQL in a string literal: \"PRAGMA foreign_keys = ON\"",
        ]
    );
    let model = tree(&[("src/mail/outbox.rs", "const CLAIM: &str = \"UPDATE outbox SET x = 1\";")]);
    assert!(model.sql.is_empty(), "{:?}", model.sql);
}

#[test]
fn checker_leaves_ordinary_route_code_alone() {
    let source = r##"use std::sync::atomic::{AtomicU64, Ordering};
use crate::followups::schedule::is_overdue;
// schema::clients and crate::mail
/// See "crate::mail" and `diesel::update`. /* crate::jobs */
fn summary(items: &[Item], list: &[u32], counter: &AtomicU64, name: &str) -> String {
    let done = items.iter().filter(|x| x.done).count();
    let open = items.iter().filter(|x| Status::Open.eq(&x.status)).count();
    let (first, seen) = (list.first(), counter.load(Ordering::Relaxed));
    let raw = r#"schema::x "crate::mail" diesel::"#;
    let quote = ('"', '\'', b'"');
    /* a /* nested */ crate::jobs::run(); */
    let is_late = move |x: &&Item| x.late;
    let found = [
        items.iter().find(|x| x.done),
        items.iter().find(move |x| x.id == 3),
        items.iter().find(is_due),
        items.iter().find(is_late),
        items.iter().find(is_overdue),
        items.iter().find(Item::is_open),
    ];
    let at = (name.find(':'), name.find("ab"), name.find(['a', 'b']), name.find(char::is_whitespace));
    let groups = list.group_by(|a, b| a == b);
    let values = map.values().count();
    let kind = config.schema;
    format!("{done} {open} {first:?} {seen} {raw} {quote:?} schema::x crate::mail {found:?} {at:?} {kind}")
}
fn is_due(item: &&Item) -> bool { item.due }
fn execute(plan: Plan) {}"##;
    assert_eq!(sql_of(source), Vec::<String>::new());
    let report = tree(&[("src/clients/routes.rs", source)]);
    assert_eq!(report.refs.len(), 1);
}

#[test]
fn checker_finds_route_files_through_the_route_table() {
    let table = r#"use actix_web::web;
use crate::{accounts, visits, web as site};
use crate::clients::listing as lists;
use crate::homecare::public_routes::show;
route_table! {
    get  "/healthz"          => site::health::healthz, Public;
    get  "/static/{h}/{n}"   => site::assets::serve, Public;
    get  "/admin/users"      => accounts::admin_routes::list_users, Admin;
    post "/visits/{id}/f"    => visits::finding_routes::add_finding, Therapist;
    get  "/clients"          => lists::all, Therapist;
    get  "/r/{token}"        => show, Public;
    get  "/outside"          => web::to, Public;
    get  "/gone"             => crate::pages::gone::x, Public;
    get  "/moved"            => visits::model::moved, Public;
    get  "/here"             => fallback, Public;
}
fn fallback() { "SELECT 1 AS here" }"#;
    let report = tree(&[
        ("src/accounts/admin_routes.rs", "pub fn list_users() {\n    let q = \"SELECT 1 x\";\n}"),
        ("src/clients/listing.rs", "pub fn all() { t.find(id) }"),
        ("src/clients/model.rs", "pub fn get() { t.find(id) }"),
        ("src/homecare/public_routes.rs", "pub fn show() { t.find(id) }"),
        ("src/routes.rs", table),
        ("src/visits/finding_routes.rs", "pub fn add_finding() {}"),
        ("src/visits/model.rs", "pub fn moved_away() {}"),
        ("src/web/assets/mod.rs", "pub fn serve() { FILES.iter().find(|f| f.name == n); sql_query(q) }"),
        (
            "src/web/health.rs",
            "pub async fn healthz() {\n    state.db.ping(d).await?;\n    t.count().get_result(c)\n}",
        ),
    ]);
    assert_eq!(
        report.sql,
        [
            "src/routes.rs:13: no file holds module `pages::gone` of route handler `crate::pages::gone::x`; \
             make the route name the module that defines it",
            "src/routes.rs:14: route handler `visits::model::moved` is no `fn` of src/visits/model.rs; make \
             the route name the module that defines it, so the SQL check reads that file",
            "src/accounts/admin_routes.rs:2: SQL in a string literal: \"SELECT 1 x\"",
            "src/clients/listing.rs:1: .find(",
            "src/homecare/public_routes.rs:1: .find(",
            "src/routes.rs:17: SQL in a string literal: \"SELECT 1 AS here\"",
            "src/web/assets/mod.rs:1: sql_query",
            "src/web/health.rs:3: .get_result(",
        ]
    );
}

#[test]
fn checker_says_when_the_route_table_cannot_be_read() {
    let report = tree(&[("src/routes.rs", "pub fn configure(cfg: &mut Config) { cfg.add(\"/\", home) }")]);
    assert_eq!(
        report.sql,
        ["src/routes.rs: found no route entries like `get \"/path\" => module::handler, Access;`; teach \
          route_entries in tests/it/layout/sql.rs the table's new shape"]
    );
}
