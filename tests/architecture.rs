//! The house rules of `ARCHITECTURE.md`, checked against the source: every top-level module
//! stands on a floor and uses only modules on its own floor or below; no two modules use each
//! other, directly or around a circle; no two files of one folder do; and no source file grows
//! past the size a reader can hold.
//!
//! The floors are read from `ARCHITECTURE.md` itself, so the map and the check cannot drift
//! apart. Imports are read from the source as written: `use crate::…`, `use super::…` (with
//! their `{…}` groups) and paths such as `crate::util::clock::now_ms()` in code. A file may use
//! its own folder's `mod.rs`: that is the folder's front, which declares its files.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The most lines a source file may have. Past this, split it by what it does.
const MAX_FILE_LINES: usize = 500;

type Module = Vec<String>;

struct Source {
    root: PathBuf,
    /// Every module of the crate, by path (`["replay", "route"]`), with its file.
    modules: BTreeMap<Module, PathBuf>,
    /// Which modules each module's file names.
    uses: BTreeMap<Module, BTreeSet<Module>>,
}

impl Source {
    fn read() -> Source {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut modules = BTreeMap::new();
        for entry in walkdir::WalkDir::new(&root) {
            let entry = entry.unwrap();
            let path = entry.path();
            if path.extension().is_some_and(|ext| ext == "rs") {
                modules.insert(module_of(&root, path), path.to_path_buf());
            }
        }
        let mut uses = BTreeMap::new();
        for (module, path) in &modules {
            let text = std::fs::read_to_string(path).unwrap();
            let mut named = BTreeSet::new();
            for written in paths_in(&code_of(&text)) {
                if let Some(target) = resolve(&modules, module, &written)
                    && target != *module
                {
                    named.insert(target);
                }
            }
            uses.insert(module.clone(), named);
        }
        Source {
            root,
            modules,
            uses,
        }
    }

    /// The top-level modules each top-level module uses.
    fn top_level(&self) -> BTreeMap<String, BTreeSet<String>> {
        let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (from, targets) in &self.uses {
            let Some(from_top) = from.first() else {
                continue; // lib.rs and main.rs only declare.
            };
            let entry = graph.entry(from_top.clone()).or_default();
            for target in targets {
                if let Some(top) = target.first()
                    && top != from_top
                {
                    entry.insert(top.clone());
                }
            }
        }
        graph
    }

    /// For each folder, which of its files use which others (its `mod.rs` left out).
    fn folders(&self) -> BTreeMap<Module, BTreeMap<String, BTreeSet<String>>> {
        let mut folders: BTreeMap<Module, BTreeMap<String, BTreeSet<String>>> = BTreeMap::new();
        for (from, targets) in &self.uses {
            // Files at the top are modules: the circles among them are the check above.
            let Some((name, folder)) = from.split_last().filter(|(_, folder)| !folder.is_empty())
            else {
                continue;
            };
            let files = folders.entry(folder.to_vec()).or_default();
            files.entry(name.clone()).or_default();
            for target in targets {
                // A file of a subfolder counts as that subfolder, seen from above.
                if target.len() > folder.len() && target[..folder.len()] == *folder {
                    let sibling = &target[folder.len()];
                    if sibling != name {
                        files.get_mut(name).unwrap().insert(sibling.clone());
                    }
                }
            }
        }
        folders
    }
}

/// `src/replay/route.rs` is `["replay", "route"]`; a folder's `mod.rs` is the folder.
fn module_of(root: &Path, path: &Path) -> Module {
    let relative = path.strip_prefix(root).unwrap().with_extension("");
    let mut parts: Module = relative
        .components()
        .map(|part| part.as_os_str().to_string_lossy().into_owned())
        .collect();
    if matches!(
        parts.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        parts.pop();
    }
    parts
}

/// `text` without comments (whole-line `//`, `///`, `//!`) and string literals, so that a
/// doc link or a message naming `crate::x` is not an import.
fn code_of(text: &str) -> String {
    let mut code = String::with_capacity(text.len());
    for line in text.lines() {
        if line.trim_start().starts_with("//") {
            continue;
        }
        let mut in_string = false;
        let mut escaped = false;
        for c in line.chars() {
            if in_string {
                if escaped {
                    escaped = false;
                } else if c == '\\' {
                    escaped = true;
                } else if c == '"' {
                    in_string = false;
                }
                continue;
            }
            if c == '"' {
                in_string = true;
                continue;
            }
            code.push(c);
        }
        code.push('\n');
    }
    code
}

/// Every path the code names from `crate`, `super` or `self`, with `use` groups expanded:
/// `use super::{a::X, b};` names `super::a::X` and `super::b`.
fn paths_in(code: &str) -> Vec<Vec<String>> {
    let mut paths = Vec::new();
    let uses = regex::Regex::new(r"\buse\s+((?:crate|super|self)::[^;]*);").unwrap();
    let renamed = regex::Regex::new(r"\s+as\s+[A-Za-z_][A-Za-z0-9_]*").unwrap();
    for found in uses.captures_iter(code) {
        let tree = renamed.replace_all(&found[1], "");
        expand(&tree.split_whitespace().collect::<String>(), &mut paths);
    }
    // Paths in code, once the `use` statements (read above, relative to their own start) are
    // taken out.
    let rest = uses.replace_all(code, "");
    let inline = regex::Regex::new(r"\b(?:crate|super|self)(?:::[A-Za-z_][A-Za-z0-9_]*)+").unwrap();
    for found in inline.find_iter(&rest) {
        paths.push(found.as_str().split("::").map(str::to_string).collect());
    }
    paths
}

/// `tree` (a `use` tree without spaces, `a::{b,c::{d,e}}`) as whole paths.
fn expand(tree: &str, out: &mut Vec<Vec<String>>) {
    let Some(open) = tree.find('{') else {
        out.push(tree.split("::").map(str::to_string).collect());
        return;
    };
    let prefix = tree[..open].trim_end_matches("::");
    let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
    let mut depth = 0;
    let mut start = 0;
    let mut parts = Vec::new();
    for (at, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&inner[start..at]);
                start = at + 1;
            }
            _ => {}
        }
    }
    parts.push(&inner[start..]);
    for part in parts.into_iter().filter(|part| !part.is_empty()) {
        if part == "self" {
            expand(prefix, out);
        } else {
            expand(&format!("{prefix}::{part}"), out);
        }
    }
}

/// The module `path`, written in `from`, names: the longest module its path leads into.
fn resolve(modules: &BTreeMap<Module, PathBuf>, from: &Module, path: &[String]) -> Option<Module> {
    let mut full: Module = match path.first()?.as_str() {
        "crate" => Vec::new(),
        "self" => from.clone(),
        "super" => from.clone(),
        _ => return None,
    };
    let mut rest = &path[1..];
    if path[0] == "super" {
        full.pop();
        while rest.first().is_some_and(|part| part == "super") {
            full.pop();
            rest = &rest[1..];
        }
    }
    full.extend(rest.iter().cloned());
    (0..=full.len())
        .rev()
        .map(|length| full[..length].to_vec())
        .find(|candidate| modules.contains_key(candidate))
}

/// The circles of `graph` (its strongly connected parts of more than one node).
fn circles(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    // Two nodes are in one circle when each reaches the other.
    let reach = |from: &String| {
        let mut seen = BTreeSet::new();
        let mut stack = vec![from.clone()];
        while let Some(node) = stack.pop() {
            for next in graph.get(&node).into_iter().flatten() {
                if seen.insert(next.clone()) {
                    stack.push(next.clone());
                }
            }
        }
        seen
    };
    let reached: BTreeMap<&String, BTreeSet<String>> =
        graph.keys().map(|node| (node, reach(node))).collect();
    let mut found: Vec<Vec<String>> = Vec::new();
    for (node, from_node) in &reached {
        if !from_node.contains(*node) || found.iter().any(|circle| circle.contains(node)) {
            continue;
        }
        let circle: Vec<String> = reached
            .iter()
            .filter(|(other, from_other)| from_node.contains(**other) && from_other.contains(*node))
            .map(|(other, _)| (*other).clone())
            .collect();
        found.push(circle);
    }
    found
}

/// The floors of `ARCHITECTURE.md`: rows `| N | `a`, `b` | … |` of its floors table.
fn floors() -> BTreeMap<String, usize> {
    let map =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("ARCHITECTURE.md"))
            .expect("ARCHITECTURE.md at the top of the repository");
    let mut floors = BTreeMap::new();
    for line in map.lines() {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        if cells.len() < 4 {
            continue;
        }
        let Ok(floor) = cells[1].parse::<usize>() else {
            continue;
        };
        for name in cells[2].split('`').skip(1).step_by(2) {
            floors.insert(name.to_string(), floor);
        }
    }
    assert!(!floors.is_empty(), "ARCHITECTURE.md has no floors table");
    floors
}

#[test]
fn every_module_stands_on_a_floor_and_uses_none_above_it() {
    let source = Source::read();
    let floors = floors();
    let mut broken = Vec::new();
    for (module, uses) in source.top_level() {
        let Some(&floor) = floors.get(&module) else {
            broken.push(format!(
                "src/{module} is on no floor: add it to the floors table of ARCHITECTURE.md"
            ));
            continue;
        };
        for used in uses {
            match floors.get(&used) {
                Some(&above) if above > floor => broken.push(format!(
                    "{module} (floor {floor}) uses {used} (floor {above}): a floor uses only \
                     its own and those below; move what {module} needs down, or {module} up"
                )),
                _ => {}
            }
        }
    }
    assert!(broken.is_empty(), "{}", broken.join("\n"));
}

#[test]
fn no_two_modules_use_each_other() {
    let source = Source::read();
    let found = circles(&source.top_level());
    assert!(
        found.is_empty(),
        "modules that use each other, around a circle: {found:?}; the lower one must not \
         know the higher"
    );
}

#[test]
fn no_two_files_of_a_folder_use_each_other() {
    let source = Source::read();
    let mut broken = Vec::new();
    for (folder, files) in source.folders() {
        for circle in circles(&files) {
            broken.push(format!("src/{}: {circle:?}", folder.join("/")));
        }
    }
    assert!(
        broken.is_empty(),
        "files of one folder that use each other, around a circle:\n{}\nmove what both need \
         into the lower one, or a file of its own",
        broken.join("\n")
    );
}

#[test]
fn no_source_file_grows_past_what_a_reader_holds() {
    let source = Source::read();
    let long: Vec<String> = source
        .modules
        .values()
        .filter_map(|path| {
            let lines = std::fs::read_to_string(path).unwrap().lines().count();
            (lines > MAX_FILE_LINES).then(|| {
                format!(
                    "{}: {lines} lines",
                    path.strip_prefix(&source.root).unwrap().display()
                )
            })
        })
        .collect();
    assert!(
        long.is_empty(),
        "source files over {MAX_FILE_LINES} lines; split each by what it does: {long:?}"
    );
}

/// The checks above find what they look for: a circle, an import through a `use` group, a
/// floor broken.
#[test]
fn the_checks_see_what_they_check() {
    let mut modules = BTreeMap::new();
    for module in [
        vec![],
        vec!["a".to_string()],
        vec!["a".to_string(), "x".to_string()],
        vec!["b".to_string()],
    ] {
        modules.insert(module, PathBuf::new());
    }
    let code = code_of(
        "// use crate::b;\nuse super::{x::Thing as T, super::b::{self, Other}};\nlet s = \"crate::b\";\n",
    );
    let from = vec!["a".to_string(), "y".to_string()];
    let named: BTreeSet<Module> = paths_in(&code)
        .iter()
        .filter_map(|path| resolve(&modules, &from, path))
        .collect();
    assert_eq!(
        named,
        BTreeSet::from([
            vec!["a".to_string(), "x".to_string()],
            vec!["b".to_string()]
        ])
    );
    let graph = BTreeMap::from([
        ("a".to_string(), BTreeSet::from(["b".to_string()])),
        ("b".to_string(), BTreeSet::from(["c".to_string()])),
        ("c".to_string(), BTreeSet::from(["a".to_string()])),
        ("d".to_string(), BTreeSet::from(["a".to_string()])),
    ]);
    assert_eq!(circles(&graph), vec![vec!["a", "b", "c"]]);
}
