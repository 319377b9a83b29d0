//! Route files, and the diesel and SQL they must not hold.

use std::collections::{BTreeMap, BTreeSet};

use super::tokens::{Tok, call_args, is_path_sep, is_word, text, tokens, use_bindings};

/// The file holding the route table.
const ROUTE_TABLE: &str = "src/routes.rs";

/// The HTTP methods a route table entry (`get "/path" => module::handler, Access;`) starts with.
const METHODS: &[&str] = &["get", "post", "put", "patch", "delete", "head", "options"];

/// The route files of a tree, and the problems met reading the route table. A route file is
/// one named `routes.rs` or `*_routes.rs`, or the file of a module the route table in
/// `src/routes.rs` takes a handler from (`src/a/b.rs` or `src/a/b/mod.rs` for `a::b::handler`,
/// the table's names resolved through its `use` items, so `site::health` is `web::health`).
/// A handler must be a `fn` of the file its route names, so the right file is read.
pub(super) fn route_files(files: &[(String, String)]) -> (BTreeSet<String>, Vec<String>) {
    let sources: BTreeMap<&str, &str> = files.iter().map(|(p, t)| (p.as_str(), t.as_str())).collect();
    let by_name = |path: &str| {
        let name = path.rsplit('/').next().unwrap_or(path);
        name == "routes.rs" || name.ends_with("_routes.rs")
    };
    let mut found: BTreeSet<String> =
        sources.keys().filter(|path| by_name(path)).map(|path| path.to_string()).collect();
    let mut problems = Vec::new();
    let Some(table) = sources.get(ROUTE_TABLE) else { return (found, problems) };
    let toks = tokens(table);
    let entries = route_entries(&toks);
    if entries.is_empty() {
        problems.push(format!(
            "{ROUTE_TABLE}: found no route entries like `get \"/path\" => module::handler, Access;`; \
             teach route_entries in tests/it/layout/sql.rs the table's new shape"
        ));
    }
    let names: BTreeMap<String, Vec<String>> = use_bindings(&toks).into_iter().collect();
    for (line, handler) in entries {
        let Some(path) = in_crate(&handler, &names) else { continue };
        let Some((name, module)) = path.split_last() else { continue };
        let shown = handler.join("::");
        let Some(file) = module_file(&sources, module) else {
            problems.push(format!(
                "{ROUTE_TABLE}:{line}: no file holds module `{}` of route handler `{shown}`; \
                 make the route name the module that defines it",
                module.join("::")
            ));
            continue;
        };
        if !tokens(sources[file]).windows(2).any(|w| w[0].text == "fn" && w[1].text == *name) {
            problems.push(format!(
                "{ROUTE_TABLE}:{line}: route handler `{shown}` is no `fn` of {file}; make the route \
                 name the module that defines it, so the SQL check reads that file"
            ));
        }
        found.insert(file.to_string());
    }
    (found, problems)
}

/// Each entry of a route table, `get "/path" => a::b::handler, Access;`, as (line, path).
fn route_entries(toks: &[Tok]) -> Vec<(usize, Vec<String>)> {
    let mut entries = Vec::new();
    for (k, tok) in toks.iter().enumerate() {
        let arrow = text(toks, k + 2) == "=" && text(toks, k + 3) == ">";
        if !(METHODS.contains(&tok.text.as_str()) && text(toks, k + 1).starts_with('"') && arrow) {
            continue;
        }
        let (mut path, mut j) = (Vec::new(), k + 4);
        while is_word(text(toks, j)) {
            path.push(text(toks, j).to_string());
            if !is_path_sep(toks, j + 1) {
                break;
            }
            j += 3;
        }
        if !path.is_empty() {
            entries.push((tok.line, path));
        }
    }
    entries
}

/// A handler path of the route table as a path from the crate root, through the names the
/// table's file binds with `use`; `None` if it leads out of the crate.
fn in_crate(handler: &[String], names: &BTreeMap<String, Vec<String>>) -> Option<Vec<String>> {
    let mut path = handler.to_vec();
    if let Some(target) = names.get(&path[0]) {
        path.splice(0..1, target.iter().cloned());
    } else if path.len() == 1 {
        path.insert(0, "self".into());
    }
    match path[0].as_str() {
        // The table's file is the crate root's child, so `super` is the crate root.
        "crate" | "super" => {
            path.remove(0);
        }
        "self" => path[0] = "routes".into(),
        _ if names.contains_key(&handler[0]) => return None,
        _ => {}
    }
    Some(path)
}

/// The file of a module (`src/a/b.rs` or `src/a/b/mod.rs` for `a::b`), or of its nearest
/// parent that has one, for a module inline in its parent's file.
fn module_file<'a>(sources: &BTreeMap<&'a str, &str>, module: &[String]) -> Option<&'a str> {
    if module.is_empty() {
        return sources.get_key_value("src/lib.rs").map(|(path, _)| *path);
    }
    (1..=module.len()).rev().find_map(|n| {
        let dir = module[..n].join("/");
        [format!("src/{dir}.rs"), format!("src/{dir}/mod.rs")]
            .iter()
            .find_map(|file| sources.get_key_value(file.as_str()).map(|(path, _)| *path))
    })
}

/// Diesel query methods with no namesake in std: always diesel after a `.`.
const DSL_METHODS: &[&str] = &[
    "inner_join",
    "left_join",
    "select",
    "order",
    "order_by",
    "limit",
    "offset",
    "get_result",
    "get_results",
    "into_boxed",
    "returning",
    "on_conflict",
];

/// Words that are diesel wherever they stand.
const SQL_WORDS: &[&str] = &["sql_query", "insert_into", "replace_into", "batch_execute"];

/// Diesel's column methods, as in `clients::id.eq(…)`.
const COLUMN_METHODS: &[&str] =
    &["eq", "ne", "gt", "ge", "lt", "le", "eq_any", "ne_all", "is_null", "is_not_null", "like", "between"];

/// The words a string literal of SQL starts with.
const SQL_KEYWORDS: &[&str] =
    &["select", "insert", "update", "delete", "with", "pragma", "create", "drop", "alter", "truncate"];

/// `(line, token)` for each piece of diesel or SQL in a route file's tokens:
/// - the words `schema` and `diesel` anywhere but after a `.` (so `use crate::db::schema as
///   s;` and `use crate::db::{schema, …}` count, a field `.schema` does not), the words of
///   [`SQL_WORDS`], the DSL traits (`…QueryDsl`, `…ExpressionMethods`), `execute(` as a method
///   or a function, and `.m(` for each `m` of [`DSL_METHODS`];
/// - a string literal that starts, after whitespace, with a word of [`SQL_KEYWORDS`] and
///   whitespace, the word in capitals or followed by a clause word (`from`, `into`, `set`,
///   `table`, `where`, `values`): `"SELECT id FROM clients"`, `"select id from clients"`, but
///   not `"Delete this trigger point?"`;
/// - methods that share their name with std, only in their diesel form:
///   - `.find(…)`: unless the argument is a closure (`|x| …`, `move |x| …`: Iterator::find
///     and a str pattern), literals only (`':'`, `"ab"`, `['a', 'b']`: a str pattern), or a
///     function by name: a path ending in a lower-case segment (`char::is_whitespace`,
///     `Self::is_due`), or a lone name the file declares with `fn`, binds to a closure with
///     `let`, or imports with `use`. Anything else (`.find(id)`, `.find(&x.id)`,
///     `.find((a, b))`, `.find(7)`) is read as diesel's primary-key lookup, so a str search
///     with a pattern in a variable must be written `str::find(haystack, pattern)`;
///   - `.group_by(…)`: unless the argument is a closure (a slice's or itertools' grouping);
///   - `.set(…)`, `.values(…)`, `.first(…)`: with an argument (`.first()`, a map's `.values()`
///     have none; a `Cell`'s or `OnceLock`'s `.set(x)` counts, and route files hold none);
///   - `.filter(…)`: the file names `diesel` at all, or the argument holds a column path
///     (`table::column.eq(` with both segments lower-case, so `Status::Open.eq(` is not one);
///   - `.load(…)`: it has an argument that does not name `Ordering` (an atomic's load).
///
/// With a turbofish (`.load::<T>`, `.first::<T>`) `load`, `first` and [`DSL_METHODS`] are
/// always diesel.
pub(super) fn sql_in(toks: &[Tok]) -> Vec<(usize, String)> {
    let uses_diesel = toks.iter().any(|t| t.text == "diesel");
    let functions = function_names(toks);
    let mut hits = Vec::new();
    for (i, tok) in toks.iter().enumerate() {
        let word = tok.text.as_str();
        let before = if i == 0 { "" } else { text(toks, i - 1) };
        let hit = if matches!(word, "schema" | "diesel") && before != "." {
            Some(if is_path_sep(toks, i + 1) { format!("{word}::") } else { word.to_string() })
        } else if SQL_WORDS.contains(&word)
            || word.ends_with("QueryDsl")
            || word.ends_with("ExpressionMethods")
        {
            Some(word.to_string())
        } else if word == "execute"
            && before != "fn"
            && (text(toks, i + 1) == "(" || is_path_sep(toks, i + 1))
        {
            Some(if before == "." { ".execute(" } else { "execute(" }.to_string())
        } else if word == "." {
            method_hit(toks, i + 1, uses_diesel, &functions)
        } else {
            sql_literal(word).map(|sql| format!("SQL in a string literal: {sql}"))
        };
        hits.extend(hit.map(|what| (tok.line, what)));
    }
    hits
}

/// The diesel call at `i` (a method name after a `.`), if it is one; see [`sql_in`].
fn method_hit(toks: &[Tok], i: usize, uses_diesel: bool, functions: &BTreeSet<String>) -> Option<String> {
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
    let literals_only = !args.iter().any(|t| is_word(&t.text));
    let diesel = match name {
        "find" => !(literals_only || is_closure(args) || names_function(args, functions)),
        "group_by" => !is_closure(args),
        "set" | "values" | "first" => !args.is_empty(),
        "filter" => uses_diesel || args.windows(6).any(column),
        "load" => !args.is_empty() && !args.iter().any(|t| t.text == "Ordering"),
        _ => dsl,
    };
    diesel.then(|| format!(".{name}("))
}

/// Whether tokens start a closure: `|…|`, `||`, `move |…|`, `async move |…|`.
fn is_closure(toks: &[Tok]) -> bool {
    let start = toks.iter().take_while(|t| matches!(t.text.as_str(), "move" | "async")).count();
    text(toks, start) == "|"
}

/// Whether an argument is a function by name: a path whose last segment is lower-case and
/// that has more than one segment, or is a name in `functions`.
fn names_function(arg: &[Tok], functions: &BTreeSet<String>) -> bool {
    let path = arg.len() % 3 == 1
        && arg.iter().enumerate().all(|(k, t)| if k % 3 == 0 { is_word(&t.text) } else { t.text == ":" });
    let last = arg.last().map_or("", |t| t.text.as_str());
    let lower = last.starts_with(|ch: char| ch.is_lowercase() || ch == '_');
    path && lower && (arg.len() > 1 || functions.contains(last))
}

/// The names a file gives functions: declared with `fn`, bound to a closure with `let`, or
/// imported with `use`.
fn function_names(toks: &[Tok]) -> BTreeSet<String> {
    let mut names: BTreeSet<String> = use_bindings(toks).into_iter().map(|(name, _)| name).collect();
    for (i, tok) in toks.iter().enumerate() {
        let name = i + 1 + usize::from(text(toks, i + 1) == "mut");
        let closure = text(toks, name + 1) == "=" && is_closure(toks.get(name + 2..).unwrap_or_default());
        if tok.text == "fn" || (tok.text == "let" && closure) {
            names.insert(text(toks, name).to_string());
        }
    }
    names
}

/// The start of a string literal token (`"…"`) if it is SQL: after whitespace (and `\n`, `\t`,
/// `\r` escapes and line continuations), a word of [`SQL_KEYWORDS`] in any case, then
/// whitespace.
fn sql_literal(token: &str) -> Option<String> {
    let body = token.strip_prefix('"')?.strip_suffix('"')?;
    let mut rest = body.trim_start();
    while let Some(escaped) = rest.strip_prefix('\\') {
        let after = escaped.strip_prefix(['n', 't', 'r']).unwrap_or(escaped);
        if after.len() == escaped.len() && !escaped.starts_with(char::is_whitespace) {
            break;
        }
        rest = after.trim_start();
    }
    let end = rest.find(|ch: char| !ch.is_ascii_alphabetic()).unwrap_or(rest.len());
    let (word, after) = rest.split_at(end);
    // A lower-case keyword alone is ordinary text ("Delete this point?"); it is SQL when it is
    // written in capitals, as SQL here is, or when a clause word follows.
    let lower = rest.to_ascii_lowercase();
    let clause =
        [" from ", " into ", " set ", " table ", " where ", " values"].iter().any(|w| lower.contains(w));
    let capitals = word.chars().all(|ch| ch.is_ascii_uppercase());
    if !(SQL_KEYWORDS.iter().any(|k| k.eq_ignore_ascii_case(word))
        && after.starts_with(char::is_whitespace)
        && (capitals || clause))
    {
        return None;
    }
    let sql = rest.split_whitespace().collect::<Vec<_>>().join(" ");
    let shown: String = sql.chars().take(40).collect();
    Some(if shown.len() < sql.len() { format!("\"{shown}…\"") } else { format!("\"{shown}\"") })
}
