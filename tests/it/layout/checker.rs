//! The scanner behind the three checks: reads a source tree's text and reports which top-level
//! module uses which, the constructs that would hide it, and the SQL of route files.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::path::Path;

use super::LAYERS;
use super::sql;
use super::tokens::{Tok, call_args, is_path_sep, is_word, text, tokens};

/// One path in a file of top-level module `from` that leads to top-level module (or crate-root
/// item) `to`: `crate::<to>::…`, or `super::…` that climbs out of `from`'s files. The crate
/// root's own files are not recorded.
pub(super) struct Ref {
    pub(super) at: String,
    pub(super) from: String,
    pub(super) to: String,
}

/// What [`scan`] found in a source tree.
pub(super) struct Report {
    /// The top-level modules present in the tree.
    pub(super) modules: BTreeSet<String>,
    pub(super) refs: Vec<Ref>,
    /// `file:line: what, and what to do` for each construct refused outright, because it would
    /// hide where paths go: another name for the crate root, `#[path]`, exported macros.
    pub(super) refused: Vec<String>,
    /// `file:line: token` for each piece of diesel or SQL in a route file, after the problems
    /// reading the route table (`src/routes.rs:line: …`).
    pub(super) sql: Vec<String>,
}

/// Every `.rs` file under `root`, as (`src/…` path, text), sorted by path.
pub(super) fn read_tree(root: &Path) -> Vec<(String, String)> {
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

/// Reads the paths and refused constructs of every file, and the SQL of every route file.
pub(super) fn scan(files: &[(String, String)]) -> Report {
    let (route_files, table_problems) = sql::route_files(files);
    let mut report =
        Report { modules: BTreeSet::new(), refs: Vec::new(), refused: Vec::new(), sql: table_problems };
    for (path, text) in files {
        let toks = tokens(text);
        report.refused.extend(refusals(path, &toks));
        if route_files.contains(path) {
            let hits = sql::sql_in(&toks);
            report.sql.extend(hits.into_iter().map(|(line, what)| format!("{path}:{line}: {what}")));
        }
        let module = module_path(path);
        let Some(from) = module.first() else { continue };
        report.modules.insert(from.clone());
        let Paths { refs, aliases } = paths_in(&toks, &module);
        for (to, line) in refs {
            report.refs.push(Ref { at: format!("{path}:{line}"), from: from.clone(), to });
        }
        for (line, alias) in aliases {
            report.refused.push(format!(
                "{path}:{line}: `{alias}` is another name for the crate root, which hides the module each \
                 path leads to; write `crate::module::…` paths instead"
            ));
        }
    }
    report
}

/// The module a file holds, as its path from the crate root: `src/a.rs` and `src/a/mod.rs` are
/// `a`, `src/a/b.rs` is `a::b`; `lib.rs` and `main.rs` are the crate root (empty).
pub(super) fn module_path(path: &str) -> Vec<String> {
    let rel = path.strip_prefix("src/").unwrap_or(path);
    let rel = rel.strip_suffix(".rs").unwrap_or(rel);
    let mut module: Vec<String> = rel.split('/').map(String::from).collect();
    if module.last().is_some_and(|last| last == "mod") || matches!(rel, "lib" | "main") {
        module.pop();
    }
    module
}

/// A module's position in the flattened [`LAYERS`], and its layer.
fn rank(module: &str) -> Option<(usize, &'static str)> {
    let flat = LAYERS.iter().flat_map(|&(layer, modules)| modules.iter().map(move |&m| (m, layer)));
    flat.enumerate().find(|&(_, (m, _))| m == module).map(|(i, (_, layer))| (i, layer))
}

impl Report {
    /// Refused constructs, modules missing from `LAYERS`, paths to crate-root items, and imports
    /// of higher modules.
    pub(super) fn layering(&self) -> Vec<String> {
        let mut out = self.refused.clone();
        out.extend(self.modules.iter().filter(|m| rank(m).is_none()).map(|m| {
            format!(
                "src/{m}: module `{m}` is not in LAYERS in tests/it/layout/mod.rs; add it to the \
                 list in the layer it belongs to (foundation, areas, pages or top)"
            )
        }));
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
    pub(super) fn cycles(&self) -> Vec<String> {
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

/// What the paths of one file lead to; see [`paths_in`].
#[derive(Default)]
struct Paths {
    /// The top-level module (or crate-root item) each path leads to, with its line.
    refs: Vec<(String, usize)>,
    /// Each other name given to the crate root, as (line, `crate as root`).
    aliases: Vec<(usize, String)>,
}

/// The paths of a file of module `module` (not the crate root) that leave for another place:
/// each `crate::…` (`$crate::` too) and `super::…` path, and each other name given to the
/// crate root (`use crate as root;`). `super` climbs from the module the token stands in: the
/// file's module, or an inline `mod name { … }` inside it (a `#[cfg(test)] mod tests`).
fn paths_in(toks: &[Tok], module: &[String]) -> Paths {
    let mut paths = Paths::default();
    let mut inline: Vec<(&str, usize)> = Vec::new();
    let mut depth = 0;
    for (i, tok) in toks.iter().enumerate() {
        let after_sep = i >= 2 && is_path_sep(toks, i - 2);
        match tok.text.as_str() {
            "{" => {
                depth += 1;
                if i >= 2 && toks[i - 2].text == "mod" && is_word(&toks[i - 1].text) {
                    inline.push((&toks[i - 1].text, depth));
                }
            }
            "}" => {
                if inline.last().is_some_and(|&(_, open)| open == depth) {
                    inline.pop();
                }
                depth = usize::saturating_sub(depth, 1);
            }
            "crate" | "super" if !after_sep => {
                let mut here: Vec<&str> = module.iter().map(String::as_str).collect();
                here.extend(inline.iter().map(|&(name, _)| name));
                let mut last = i;
                if tok.text == "crate" {
                    here.clear();
                } else {
                    here.pop();
                    while is_path_sep(toks, last + 1) && text(toks, last + 3) == "super" {
                        here.pop();
                        last += 3;
                    }
                }
                let root = || toks[i..=last].iter().map(|t| t.text.as_str()).collect::<String>();
                match (here.first(), is_path_sep(toks, last + 1), text(toks, last + 1)) {
                    (Some(top), true, _) => paths.refs.push((top.to_string(), tok.line)),
                    (None, true, _) => root_paths(toks, last + 3, &mut paths),
                    (None, false, "as") => {
                        paths.aliases.push((tok.line, format!("{} as {}", root(), text(toks, last + 2))));
                    }
                    _ => {}
                }
            }
            _ => {}
        }
    }
    paths
}

/// The first segment of the path after the crate root at `head`, with its line. In a group, as
/// in `use crate::{accounts::model::User, mail};`, that is the first segment of each entry; a
/// `self as name` entry is another name for the crate root.
fn root_paths(toks: &[Tok], head: usize, paths: &mut Paths) {
    let Some(first) = toks.get(head) else { return };
    if first.text != "{" {
        paths.refs.push((first.text.clone(), first.line));
        return;
    }
    let (mut depth, mut entry_starts) = (0, true);
    for (k, tok) in toks.iter().enumerate().skip(head) {
        match tok.text.as_str() {
            "{" => depth += 1,
            "}" if depth == 1 => break,
            "}" => depth -= 1,
            "," if depth == 1 => entry_starts = true,
            "self" if depth == 1 => {
                if text(toks, k + 1) == "as" {
                    paths.aliases.push((tok.line, format!("self as {}", text(toks, k + 2))));
                }
                entry_starts = false;
            }
            first if depth == 1 && entry_starts => {
                paths.refs.push((first.to_string(), tok.line));
                entry_starts = false;
            }
            _ => {}
        }
    }
}

/// Refused because `#[path]` unties a file's place from its module.
const PATH_ATTRIBUTE: &str = "#[path] points a module at a file elsewhere, so a file's place in src/ no \
                              longer tells its module (nor its layer); move the file to where its module \
                              is and drop the attribute";
/// Refused because an exported macro lives at the crate root.
const MACRO_EXPORT: &str = "#[macro_export] puts the macro at the crate root, where any module can \
                            call it and the paths it holds count for none; keep it a module's macro: \
                            `pub(crate) use name;` after its macro_rules!, as src/vocab.rs does";
/// Refused because `#[macro_use]` scopes macros by the order of `mod` items, not by path.
const MACRO_USE: &str = "#[macro_use] lets a module's macros into every module declared after it, \
                         past the layering; import a macro by path (`use crate::module::name;`) instead";
/// Refused because a macro in lib.rs belongs to no layer.
const MACRO_IN_LIB: &str = "macro_rules! in lib.rs defines a macro outside every layer: its paths \
                            (crate::pages::…) would count for none of the modules that call it; define \
                            it in the module it belongs to and re-export it with `pub(crate) use name;`";
/// Refused because the crate's second name works from every module.
const EXTERN_SELF: &str = "`extern crate self` gives the crate a second name that every module can \
                           use in place of `crate::`, which hides where paths go; write \
                           `crate::module::…` paths instead";

/// The constructs of a file refused outright, as `file:line: what, and what to do`:
/// `#[path]`, `#[macro_export]` and `#[macro_use]` (also inside `cfg_attr`) anywhere,
/// `extern crate self` anywhere (in lib.rs it would name the crate for every module), and
/// `macro_rules!` in lib.rs. Other names for the crate root come from [`paths_in`].
fn refusals(path: &str, toks: &[Tok]) -> Vec<String> {
    let mut out = Vec::new();
    for (i, tok) in toks.iter().enumerate() {
        let mut found = Vec::new();
        match tok.text.as_str() {
            "#" => {
                let open = if text(toks, i + 1) == "!" { i + 2 } else { i + 1 };
                if text(toks, open) == "[" {
                    let mut applied = Vec::new();
                    applied_attributes(toks, open + 1, &mut applied);
                    for k in applied {
                        found.extend(match text(toks, k) {
                            "path" if text(toks, k + 1) == "=" => Some(PATH_ATTRIBUTE),
                            "macro_export" => Some(MACRO_EXPORT),
                            "macro_use" => Some(MACRO_USE),
                            _ => None,
                        });
                    }
                }
            }
            "macro_rules" if path == "src/lib.rs" && text(toks, i + 1) == "!" => found.push(MACRO_IN_LIB),
            "extern" if text(toks, i + 1) == "crate" && text(toks, i + 2) == "self" => {
                found.push(EXTERN_SELF)
            }
            _ => {}
        }
        out.extend(found.into_iter().map(|what| format!("{path}:{}: {what}", tok.line)));
    }
    out
}

/// The start of each attribute that the attribute starting at `i` applies: itself, or, for
/// `cfg_attr(predicate, a, b)`, those of `a` and `b`.
fn applied_attributes(toks: &[Tok], i: usize, out: &mut Vec<usize>) {
    if !(text(toks, i) == "cfg_attr" && text(toks, i + 1) == "(") {
        out.push(i);
        return;
    }
    let mut depth = 0;
    for (k, tok) in call_args(toks, i + 1).iter().enumerate() {
        match tok.text.as_str() {
            "(" | "[" | "{" => depth += 1,
            ")" | "]" | "}" => depth -= 1,
            "," if depth == 0 => applied_attributes(toks, i + 3 + k, out),
            _ => {}
        }
    }
}
