//! Keeps the layering of `src/` standing: which top-level module may use which.
//!
//! The top-level modules form layers, listed from the bottom up in [`LAYERS`]. A module may
//! use only the modules listed before it, never one after it, and no two modules may need
//! each other. Route files build no SQL: their queries live in the area's model. To add a
//! module or move one, change `LAYERS`; it is the one place the order is written down.
//!
//! The checker reads the source text: every `crate::…` path in code (comments and string
//! literals left out, `#[cfg(test)]` modules included), so it needs nothing but std.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::path::Path;

/// The top-level modules of `src/` (`src/<name>.rs` or `src/<name>/`), in layers from the
/// bottom up. A module may use only the modules listed before it, never one after it: the rank
/// is the position in the whole list, so within a layer the order counts too (`clients` may
/// use `accounts` but not `mail`). `lib.rs` and `main.rs` may use anything. A new module in
/// `src/` must be added here, in the layer it belongs to.
const LAYERS: &[(&str, &[&str])] = &[
    ("foundation", &["vocab", "sensitive", "error", "time", "config", "db", "auth", "web"]),
    ("areas", &["audit", "accounts", "clients", "mail", "charting", "visits", "followups", "homecare"]),
    ("pages", &["pages"]),
    ("top", &["routes", "jobs", "app", "cli"]),
];

/// The source tree the three checks read.
const SRC: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/src");

#[test]
fn no_module_imports_upward() {
    let problems = scan(&read_tree(Path::new(SRC))).layering();
    let fix = "Move the rule up into the imported module's layer, or the shared function down into a lower \
               module; the order lives in LAYERS in tests/it/layout.rs.";
    assert_none(&problems, "layering problem(s) in src/", fix);
}

#[test]
fn no_cycles_between_modules() {
    let cycles = scan(&read_tree(Path::new(SRC))).cycles();
    let fix = "Break each by moving what both sides need into the lower module; the order lives in LAYERS \
               in tests/it/layout.rs.";
    assert_none(&cycles, "cycle(s) between top-level modules of src/", fix);
}

#[test]
fn route_files_do_not_touch_sql() {
    let hits = scan(&read_tree(Path::new(SRC))).sql;
    let fix = "Move each query into the area's model and call a function from there.";
    assert_none(&hits, "piece(s) of SQL in route files (routes.rs, *_routes.rs)", fix);
}

/// Fails listing `problems` under a heading, then says how to fix them; passes if there are none.
#[track_caller]
fn assert_none(problems: &[String], heading: &str, fix: &str) {
    assert!(problems.is_empty(), "{} {heading}:\n{}\n\n{fix}", problems.len(), problems.join("\n"));
}

/// One `crate::<to>` path in a file of module `from` (the crate root's files are not recorded).
struct Ref {
    at: String,
    from: String,
    to: String,
}

/// What [`scan`] found in a source tree.
struct Report {
    /// The top-level modules present in the tree.
    modules: BTreeSet<String>,
    refs: Vec<Ref>,
    /// `file:line: token` for each piece of diesel query code in a route file.
    sql: Vec<String>,
}

/// Every `.rs` file under `root`, as (`src/…` path, text), sorted by path.
fn read_tree(root: &Path) -> Vec<(String, String)> {
    fn walk(dir: &Path, rel: &str, out: &mut Vec<(String, String)>) {
        let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()));
        for entry in entries {
            let path = entry.unwrap().path();
            let rel = format!("{rel}/{}", path.file_name().unwrap().to_string_lossy());
            if path.is_dir() {
                walk(&path, &rel, out);
            } else if rel.ends_with(".rs") {
                out.push((rel, std::fs::read_to_string(&path).unwrap()));
            }
        }
    }
    let mut files = Vec::new();
    walk(root, "src", &mut files);
    files.sort();
    files
}

/// Reads the `crate::` paths of every file and the SQL of every route file.
fn scan(files: &[(String, String)]) -> Report {
    let mut report = Report { modules: BTreeSet::new(), refs: Vec::new(), sql: Vec::new() };
    for (path, text) in files {
        let toks = tokens(text);
        let file_name = path.rsplit('/').next().unwrap_or(path);
        if file_name == "routes.rs" || file_name.ends_with("_routes.rs") {
            report.sql.extend(sql_in(&toks).into_iter().map(|(line, what)| format!("{path}:{line}: {what}")));
        }
        let Some(from) = module_of(path) else { continue };
        report.modules.insert(from.to_string());
        for (to, line) in crate_refs(&toks) {
            report.refs.push(Ref { at: format!("{path}:{line}"), from: from.to_string(), to });
        }
    }
    report
}

/// The top-level module a file belongs to; `None` for the crate root (`lib.rs`, `main.rs`).
fn module_of(path: &str) -> Option<&str> {
    let rel = path.strip_prefix("src/").unwrap_or(path);
    match rel.split_once('/') {
        Some((dir, _)) => Some(dir),
        None if rel == "lib.rs" || rel == "main.rs" => None,
        None => Some(rel.trim_end_matches(".rs")),
    }
}

/// A module's position in the flattened [`LAYERS`], and its layer.
fn rank(module: &str) -> Option<(usize, &'static str)> {
    let flat = LAYERS.iter().flat_map(|&(layer, modules)| modules.iter().map(move |&m| (m, layer)));
    flat.enumerate().find(|&(_, (m, _))| m == module).map(|(i, (_, layer))| (i, layer))
}

impl Report {
    /// Modules missing from `LAYERS`, paths to crate-root items, and imports of higher modules.
    fn layering(&self) -> Vec<String> {
        let mut out: Vec<String> = (self.modules.iter().filter(|m| rank(m).is_none()))
            .map(|m| {
                format!(
                    "src/{m}: module `{m}` is not in LAYERS in tests/it/layout.rs; add it to the \
                     list in the layer it belongs to (foundation, areas, pages or top)"
                )
            })
            .collect();
        for r in &self.refs {
            match (rank(&r.from), rank(&r.to)) {
                (_, None) if !self.modules.contains(&r.to) => out.push(format!(
                    "{}: {} refers to crate::{}, which is not a module in LAYERS; import it from \
                     the module that defines it",
                    r.at, r.from, r.to
                )),
                (Some((from, from_layer)), Some((to, to_layer))) if to > from => out.push(format!(
                    "{}: {} ({from_layer}) imports crate::{}::… ({to_layer}), which is above it",
                    r.at, r.from, r.to
                )),
                _ => {}
            }
        }
        out
    }

    /// Each cycle in the graph of top-level modules, as `a -> b -> a` and an example per edge.
    /// Every edge that lies on a cycle shows up in at least one (its shortest way back).
    fn cycles(&self) -> Vec<String> {
        let mut edges: BTreeMap<(&str, &str), &str> = BTreeMap::new();
        let mut next = Graph::new();
        for r in &self.refs {
            let is_module = rank(&r.to).is_some() || self.modules.contains(&r.to);
            if r.from != r.to && is_module && !edges.contains_key(&(&r.from, &r.to)) {
                edges.insert((&r.from, &r.to), &r.at);
                next.entry(&r.from).or_default().push(&r.to);
            }
        }
        let order = |m: &str| (rank(m).map_or(usize::MAX, |(i, _)| i), m.to_string());
        let (mut seen, mut out) = (BTreeSet::new(), Vec::new());
        for &(from, to) in edges.keys() {
            let Some(back) = shortest_path(&next, to, from) else { continue };
            let mut ring = vec![from];
            ring.extend(&back[..back.len() - 1]);
            let lowest = (0..ring.len()).min_by_key(|&i| order(ring[i])).unwrap();
            ring.rotate_left(lowest);
            if !seen.insert(ring.clone()) {
                continue;
            }
            let mut text = format!("{} -> {}", ring.join(" -> "), ring[0]);
            for (i, a) in ring.iter().enumerate() {
                let b = ring[(i + 1) % ring.len()];
                text += &format!("\n    {a} -> {b}: {}", edges[&(*a, b)]);
            }
            out.push((ring.len(), text));
        }
        out.sort();
        out.into_iter().map(|(_, text)| text).collect()
    }
}

/// Which modules each module uses.
type Graph<'a> = BTreeMap<&'a str, Vec<&'a str>>;

/// The shortest path `start -> … -> goal` in `next`, both ends included.
fn shortest_path<'a>(next: &Graph<'a>, start: &'a str, goal: &'a str) -> Option<Vec<&'a str>> {
    let mut came_from: BTreeMap<&str, &str> = BTreeMap::new();
    let mut queue = VecDeque::from([start]);
    while let Some(node) = queue.pop_front() {
        if node == goal {
            let mut path = vec![goal];
            while let Some(&prev) = came_from.get(path.last().unwrap()) {
                path.push(prev);
            }
            path.reverse();
            return Some(path);
        }
        for &n in next.get(node).into_iter().flatten() {
            if n != start && !came_from.contains_key(n) {
                came_from.insert(n, node);
                queue.push_back(n);
            }
        }
    }
    None
}

/// A word (identifier, keyword or number) or a single punctuation character, with its line.
struct Tok {
    text: String,
    line: usize,
}

/// The tokens of Rust source with comments (nested ones too), string, byte and raw string
/// literals and char literals left out. Lifetimes keep their `'` as a token.
fn tokens(text: &str) -> Vec<Tok> {
    let c: Vec<char> = text.chars().collect();
    let at = |i: usize| c.get(i).copied().unwrap_or('\0');
    let is_word = |ch: char| ch.is_alphanumeric() || ch == '_';
    let (mut out, mut line, mut i) = (Vec::new(), 1, 0);
    while i < c.len() {
        match (c[i], at(i + 1)) {
            ('\n', _) => (line, i) = (line + 1, i + 1),
            (ch, _) if ch.is_whitespace() => i += 1,
            ('/', '/') => i = c[i..].iter().position(|&ch| ch == '\n').map_or(c.len(), |n| i + n),
            ('/', '*') => {
                let mut depth = 0;
                while i < c.len() {
                    match (c[i], at(i + 1)) {
                        ('/', '*') => (depth, i) = (depth + 1, i + 2),
                        ('*', '/') => (depth, i) = (depth - 1, i + 2),
                        (ch, _) => (line, i) = (line + usize::from(ch == '\n'), i + 1),
                    }
                    if depth == 0 {
                        break;
                    }
                }
            }
            ('"', _) => i = skip_string(&c, i + 1, None, &mut line),
            // A char literal: '\n', '\'', '\u{..}' or 'x'; anything else is a lifetime or label.
            ('\'', '\\') => i = (i + 3..c.len()).find(|&k| c[k] == '\'').map_or(c.len(), |k| k + 1),
            ('\'', _) if at(i + 2) == '\'' => i += 3,
            (ch, _) if is_word(ch) => {
                let start = i;
                while is_word(at(i)) {
                    i += 1;
                }
                let word: String = c[start..i].iter().collect();
                let hashes = c[i..].iter().take_while(|&&ch| ch == '#').count();
                if matches!(word.as_str(), "r" | "br" | "cr") && at(i + hashes) == '"' {
                    i = skip_string(&c, i + hashes + 1, Some(hashes), &mut line);
                } else if matches!(word.as_str(), "b" | "c") && at(i) == '"' {
                    i = skip_string(&c, i + 1, None, &mut line);
                } else {
                    out.push(Tok { text: word, line });
                }
            }
            (ch, _) => {
                out.push(Tok { text: ch.to_string(), line });
                i += 1;
            }
        }
    }
    out
}

/// Skips a string literal whose body starts at `i`; `raw` is the number of `#` of a raw string.
fn skip_string(c: &[char], mut i: usize, raw: Option<usize>, line: &mut usize) -> usize {
    while i < c.len() {
        match c[i] {
            '\n' => *line += 1,
            '\\' if raw.is_none() => {
                i += 1;
                *line += usize::from(c.get(i) == Some(&'\n'));
            }
            '"' if (1..=raw.unwrap_or(0)).all(|k| c.get(i + k) == Some(&'#')) => {
                return i + 1 + raw.unwrap_or(0);
            }
            _ => {}
        }
        i += 1;
    }
    i
}

/// The text of token `i`, or `""` past the end.
fn text(toks: &[Tok], i: usize) -> &str {
    toks.get(i).map_or("", |t| t.text.as_str())
}

/// Whether tokens `i` and `i + 1` make a `::`.
fn is_path_sep(toks: &[Tok], i: usize) -> bool {
    text(toks, i) == ":" && text(toks, i + 1) == ":"
}

/// The first segment after each `crate::` (`$crate::` too), with its line. In a group, as in
/// `use crate::{accounts::model::User, mail};`, that is the first segment of each entry.
fn crate_refs(toks: &[Tok]) -> Vec<(String, usize)> {
    let mut refs = Vec::new();
    for i in (0..toks.len()).filter(|&i| toks[i].text == "crate" && is_path_sep(toks, i + 1)) {
        let Some(head) = toks.get(i + 3) else { continue };
        if head.text != "{" {
            refs.push((head.text.clone(), head.line));
            continue;
        }
        let (mut depth, mut entry_starts) = (0, true);
        for tok in &toks[i + 3..] {
            match tok.text.as_str() {
                "{" => depth += 1,
                "}" if depth == 1 => break,
                "}" => depth -= 1,
                "," if depth == 1 => entry_starts = true,
                "self" if depth == 1 => entry_starts = false,
                first if depth == 1 && entry_starts => {
                    refs.push((first.to_string(), tok.line));
                    entry_starts = false;
                }
                _ => {}
            }
        }
    }
    refs
}

/// Diesel query methods with no namesake in std: always flagged in a route file.
const DSL_METHODS: &[&str] = &[
    "inner_join",
    "left_join",
    "select",
    "order",
    "order_by",
    "get_result",
    "get_results",
    "into_boxed",
    "execute",
];

/// Diesel's column methods, as in `clients::id.eq(…)`.
const COLUMN_METHODS: &[&str] =
    &["eq", "ne", "gt", "ge", "lt", "le", "eq_any", "ne_all", "is_null", "is_not_null", "like", "between"];

/// `(line, token)` for each piece of diesel in a file's tokens: `schema::`, `diesel::`,
/// `sql_query`, the DSL traits (`…QueryDsl`, `…ExpressionMethods`) and the methods of
/// [`DSL_METHODS`]. Three method names also belong to std, so they are flagged only when:
/// - `.filter(…)`: the file names `diesel` at all, or the argument holds a column path
///   (`table::column.eq(` with both segments lower-case, so `Status::Open.eq(` is not one);
///   `iter().filter(|x| x.done)` passes;
/// - `.first(…)`: it has an argument (`.first(conn)`); a slice's `.first()` has none;
/// - `.load(…)`: it has an argument that does not name `Ordering` (an atomic's load).
///
/// With a turbofish (`.load::<T>`, `.first::<T>`) they are always diesel.
fn sql_in(toks: &[Tok]) -> Vec<(usize, String)> {
    let uses_diesel = toks.iter().any(|t| t.text == "diesel");
    let mut hits = Vec::new();
    for (i, tok) in toks.iter().enumerate() {
        let word = tok.text.as_str();
        let hit = if (word == "schema" || word == "diesel") && is_path_sep(toks, i + 1) {
            Some(format!("{word}::"))
        } else if word == "sql_query" || word.ends_with("QueryDsl") || word.ends_with("ExpressionMethods") {
            Some(word.to_string())
        } else if word == "." {
            method_hit(toks, i + 1, uses_diesel)
        } else {
            None
        };
        hits.extend(hit.map(|what| (tok.line, what)));
    }
    hits
}

/// The diesel call at `i` (a method name after a `.`), if it is one; see [`sql_in`].
fn method_hit(toks: &[Tok], i: usize, uses_diesel: bool) -> Option<String> {
    let name = text(toks, i);
    let dsl = DSL_METHODS.contains(&name);
    if is_path_sep(toks, i + 1) && text(toks, i + 3) == "<" {
        return (dsl || name == "load" || name == "first").then(|| format!(".{name}::<"));
    }
    if text(toks, i + 1) != "(" {
        return None;
    }
    let args = call_args(toks, i + 1);
    let lower = |t: &Tok| t.text.starts_with(|ch: char| ch.is_ascii_lowercase() || ch == '_');
    let column = |w: &[Tok]| {
        lower(&w[0])
            && is_path_sep(w, 1)
            && lower(&w[3])
            && w[4].text == "."
            && COLUMN_METHODS.contains(&w[5].text.as_str())
    };
    let diesel = match name {
        "filter" => uses_diesel || args.windows(6).any(column),
        "first" => !args.is_empty(),
        "load" => !args.is_empty() && !args.iter().any(|t| t.text == "Ordering"),
        _ => dsl,
    };
    diesel.then(|| format!(".{name}("))
}

/// The tokens between the parenthesis at `open` and its match.
fn call_args(toks: &[Tok], open: usize) -> &[Tok] {
    let mut depth = 0;
    for (k, tok) in toks.iter().enumerate().skip(open) {
        match tok.text.as_str() {
            "(" => depth += 1,
            ")" if depth == 1 => return &toks[open + 1..k],
            ")" => depth -= 1,
            _ => {}
        }
    }
    &toks[open + 1..]
}

/// Scans an in-memory tree of (path, text).
fn tree(files: &[(&str, &str)]) -> Report {
    scan(&files.iter().map(|&(path, text)| (path.to_string(), text.to_string())).collect::<Vec<_>>())
}

/// The first line of each cycle: `a -> b -> a`.
fn cycle_names(report: &Report) -> Vec<String> {
    report.cycles().iter().map(|c| c.lines().next().unwrap().to_string()).collect()
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
    ]);
    assert_eq!(
        report.sql,
        [
            "src/clients/routes.rs:1: schema::",
            "src/clients/routes.rs:4: diesel::",
            "src/clients/routes.rs:4: .execute(",
            "src/visits/visit_routes.rs:2: .filter(",
            "src/visits/visit_routes.rs:3: .first(",
            "src/visits/visit_routes.rs:4: .load::<",
        ]
    );
}

#[test]
fn checker_leaves_ordinary_route_code_alone() {
    let source = r##"use std::sync::atomic::{AtomicU64, Ordering};
// schema::clients and crate::mail
/// See "crate::mail" and `diesel::update`. /* crate::jobs */
fn summary(items: &[Item], list: &[u32], counter: &AtomicU64) -> String {
    let done = items.iter().filter(|x| x.done).count();
    let open = items.iter().filter(|x| Status::Open.eq(&x.status)).count();
    let (first, seen) = (list.first(), counter.load(Ordering::Relaxed));
    let raw = r#"schema::x "crate::mail" diesel::"#;
    let quote = ('"', '\'', b'"');
    /* a /* nested */ crate::jobs::run(); */
    format!("{done} {open} {first:?} {seen} {raw} {quote:?} schema::x crate::mail")
}"##;
    let report = tree(&[("src/clients/routes.rs", source)]);
    assert!(report.sql.is_empty(), "{:?}", report.sql);
    assert!(report.refs.is_empty());
}

#[test]
fn checker_reads_grouped_and_multi_line_use() {
    let report =
        tree(&[("src/clients/routes.rs", "use crate::{\n    accounts::model::{User, Role},\n    mail,\n};")]);
    let refs: Vec<_> = report.refs.iter().map(|r| format!("{} {}->{}", r.at, r.from, r.to)).collect();
    assert_eq!(refs, ["src/clients/routes.rs:2 clients->accounts", "src/clients/routes.rs:3 clients->mail"]);
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
            "src/server: module `server` is not in LAYERS in tests/it/layout.rs; add it to the list in \
             the layer it belongs to (foundation, areas, pages or top)",
            "src/clients/routes.rs:1: clients refers to crate::AppState, which is not a module in LAYERS; \
             import it from the module that defines it",
        ]
    );
}
