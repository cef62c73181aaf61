//! The house rules of `ARCHITECTURE.md`, checked against the source: every top-level module
//! stands on a floor and uses only modules on its own floor or below; no two modules use each
//! other, directly or around a circle; no two files of one folder do (a file of a subfolder
//! counting as its subfolder); and no file of `src/` grows past the size a reader can hold.
//!
//! The floors are read from `ARCHITECTURE.md` itself, so the map and the check cannot drift
//! apart. Imports are read from the source as written: `use crate::…`, `use super::…` (with
//! their `{…}` groups and `as` renames) and paths such as `crate::util::clock::now_ms()` in
//! code, outside comments, strings and character literals; `super` inside an inline
//! `mod tests { … }` is that module's parent, the file. A name a folder's `mod.rs` re-exports
//! (`pub use child::Name`, `pub use child::*`) is a use of the child that defines it. A file may
//! use its own folder's `mod.rs`: that is the folder's front, which declares its files.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The most lines a file of `src/` may have. Past this, split it by what it does.
const MAX_FILE_LINES: usize = 500;

type Module = Vec<String>;

fn module(path: &[&str]) -> Module {
    path.iter().map(|part| part.to_string()).collect()
}

/// The crate's modules and what each one's code names.
struct Source {
    /// Each module's code (comments, strings and character literals taken out).
    code: BTreeMap<Module, String>,
    /// Which modules each module names.
    uses: BTreeMap<Module, BTreeSet<Module>>,
}

impl Source {
    /// The crate under `src/` (`main.rs` is the binary, which names the library as `jobmock`).
    fn read() -> Source {
        Source::of(
            source_files()
                .into_iter()
                .filter(|(module, _)| module.as_slice() != ["main"])
                .collect(),
        )
    }

    /// The crate whose files are `files` (module path, text).
    fn of(files: Vec<(Module, String)>) -> Source {
        let code: BTreeMap<Module, String> = files
            .into_iter()
            .map(|(module, text)| (module, code_of(&text)))
            .collect();
        let mut source = Source {
            code,
            uses: BTreeMap::new(),
        };
        let mut uses = BTreeMap::new();
        for (module, code) in &source.code {
            let mut named = BTreeSet::new();
            for (inside, written) in paths_in(module, code) {
                if let Some(target) = source.resolve(&inside, &written)
                    && target != *module
                {
                    named.insert(target);
                }
            }
            uses.insert(module.clone(), named);
        }
        source.uses = uses;
        source
    }

    /// The module `path`, written in module `from` (a file's module, or an inline module in
    /// it), names: the longest module its path leads into, or, for a name a folder re-exports,
    /// the child that defines it.
    fn resolve(&self, from: &Module, path: &[String]) -> Option<Module> {
        let mut full: Module = match path.first()?.as_str() {
            "crate" => Vec::new(),
            "self" | "super" => from.clone(),
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
        let found = (0..=full.len())
            .rev()
            .map(|length| full[..length].to_vec())
            .find(|candidate| self.code.contains_key(candidate))?;
        // A name the module re-exports from one of its children is that child's.
        if let Some(name) = full.get(found.len())
            && let Some(child) = self.reexported(&found, name)
        {
            return Some(child);
        }
        Some(found)
    }

    /// The child of `folder` that `folder` re-exports `name` from, if it does.
    fn reexported(&self, folder: &Module, name: &str) -> Option<Module> {
        let code = self.code.get(folder)?;
        let reexports = regex::Regex::new(
            r"\bpub(\([^)]*\))?\s+use\s+(?:self::)?([A-Za-z_][A-Za-z0-9_]*)::([^;]*);",
        )
        .unwrap();
        for found in reexports.captures_iter(code) {
            let child: Module = folder
                .iter()
                .cloned()
                .chain([found[2].to_string()])
                .collect();
            if !self.code.contains_key(&child) {
                continue;
            }
            let names = found[3]
                .trim()
                .trim_start_matches('{')
                .trim_end_matches('}');
            // `Name`, `path::Name`, `Name as Other`: the name the folder offers is the last word.
            let listed = names.split(',').any(|item| {
                item.split_whitespace()
                    .last()
                    .and_then(|word| word.rsplit("::").next())
                    == Some(name)
            });
            let globbed = names.trim() == "*" && defines(&self.code[&child], name);
            if listed || globbed {
                return Some(child);
            }
        }
        None
    }

    /// The top-level modules each top-level module uses.
    fn top_level(&self) -> BTreeMap<String, BTreeSet<String>> {
        let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (from, targets) in &self.uses {
            let Some(from_top) = from.first() else {
                continue; // lib.rs only declares.
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

    /// For each folder, which of its files (or subfolders) use which others; the folder's own
    /// `mod.rs` is left out. A file of a subfolder is that subfolder, seen from above.
    fn folders(&self) -> BTreeMap<Module, BTreeMap<String, BTreeSet<String>>> {
        let mut folders: BTreeMap<Module, BTreeMap<String, BTreeSet<String>>> = BTreeMap::new();
        for (from, targets) in &self.uses {
            // Files at the top are modules: the circles among them are another check.
            for depth in 1..from.len() {
                let (folder, name) = (&from[..depth], &from[depth]);
                let files = folders.entry(folder.to_vec()).or_default();
                let named = files.entry(name.clone()).or_default();
                for target in targets {
                    if target.len() > depth && target[..depth] == *folder && target[depth] != *name
                    {
                        named.insert(target[depth].clone());
                    }
                }
            }
        }
        folders
    }
}

/// Every `.rs` file under `src/`, as its module path and text: `src/replay/route.rs` is
/// `["replay", "route"]`, a folder's `mod.rs` the folder, `lib.rs` the crate (`[]`).
fn source_files() -> Vec<(Module, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    for entry in walkdir::WalkDir::new(&root) {
        let entry = entry.unwrap();
        let path = entry.path();
        if path.extension().is_none_or(|ext| ext != "rs") {
            continue;
        }
        let relative = path.strip_prefix(&root).unwrap().with_extension("");
        let mut parts: Module = relative
            .components()
            .map(|part| part.as_os_str().to_string_lossy().into_owned())
            .collect();
        if matches!(parts.last().map(String::as_str), Some("mod" | "lib")) {
            parts.pop();
        }
        files.push((parts, std::fs::read_to_string(path).unwrap()));
    }
    files
}

/// Whether `code` defines an item called `name`.
fn defines(code: &str, name: &str) -> bool {
    let item = format!(
        r"\b(fn|struct|enum|type|const|static|trait|mod|use)\s+{}\b",
        regex::escape(name)
    );
    regex::Regex::new(&item).unwrap().is_match(code)
}

/// `text` without its comments, string literals (raw ones too) and character literals, so that
/// a doc link, a message or a `'"'` naming `crate::x` is not taken for code. Line breaks are
/// kept.
fn code_of(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut code = String::with_capacity(text.len());
    let mut at = 0;
    let next_is = |at: usize, wanted: &str| {
        chars[at..]
            .iter()
            .take(wanted.len())
            .copied()
            .eq(wanted.chars())
    };
    while at < chars.len() {
        let c = chars[at];
        if next_is(at, "//") {
            while at < chars.len() && chars[at] != '\n' {
                at += 1;
            }
        } else if next_is(at, "/*") {
            let mut depth = 0;
            while at < chars.len() {
                if next_is(at, "/*") {
                    depth += 1;
                    at += 2;
                } else if next_is(at, "*/") {
                    depth -= 1;
                    at += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    at += 1;
                }
            }
        } else if c == 'r'
            && (next_is(at + 1, "\"") || next_is(at + 1, "#"))
            && !at
                .checked_sub(1)
                .and_then(|before| chars.get(before))
                .is_some_and(|&b| (b.is_alphanumeric() || b == '_') && b != 'b')
        {
            // A raw string: r"…", r#"…"#, with as many hashes at the end as at the start.
            let hashes = chars[at + 1..].iter().take_while(|&&h| h == '#').count();
            if chars.get(at + 1 + hashes) != Some(&'"') {
                code.push(c);
                at += 1;
                continue;
            }
            let end: String = std::iter::once('"')
                .chain(std::iter::repeat_n('#', hashes))
                .collect();
            at += 2 + hashes;
            while at < chars.len() && !next_is(at, &end) {
                at += 1;
            }
            at += end.len();
        } else if c == '"' {
            at += 1;
            while at < chars.len() && chars[at] != '"' {
                at += if chars[at] == '\\' { 2 } else { 1 };
            }
            at += 1;
        } else if c == '\'' && chars.get(at + 1) == Some(&'\\') {
            // '\n', '\'', '\u{…}'
            at += 2;
            while at < chars.len() && chars[at] != '\'' {
                at += 1;
            }
            at += 1;
        } else if c == '\'' && chars.get(at + 2) == Some(&'\'') {
            at += 3; // 'x'; a lifetime ('a) has no closing quote.
        } else {
            code.push(c);
            at += 1;
        }
    }
    code
}

/// Every path `code` (the code of module `file`) names from `crate`, `super` or `self`, with
/// the module it is written in (the file's, or an inline module's inside it) and `use` groups
/// expanded: `use super::{a::X, b};` names `super::a::X` and `super::b`.
fn paths_in(file: &Module, code: &str) -> Vec<(Module, Vec<String>)> {
    let mut paths = Vec::new();
    let inline_module = regex::Regex::new(r"\bmod\s+([A-Za-z_][A-Za-z0-9_]*)\s*\{").unwrap();
    let mut rest = code.to_string();
    // Inline modules first, each read as the module it is, then taken out of the file's code.
    while let Some(found) = inline_module.captures(&rest) {
        let whole = found.get(0).unwrap();
        let open = whole.end() - 1;
        let mut depth = 0;
        let mut close = rest.len();
        for (at, c) in rest[open..].char_indices() {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        close = open + at;
                        break;
                    }
                }
                _ => {}
            }
        }
        let inner: Module = file.iter().cloned().chain([found[1].to_string()]).collect();
        paths.extend(paths_in(&inner, &rest[open + 1..close.min(rest.len())]));
        rest.replace_range(whole.start()..(close + 1).min(rest.len()), "");
    }
    let uses = regex::Regex::new(r"\buse\s+((?:crate|super|self)::[^;]*);").unwrap();
    let renamed = regex::Regex::new(r"\s+as\s+[A-Za-z_][A-Za-z0-9_]*").unwrap();
    for found in uses.captures_iter(&rest) {
        let tree = renamed.replace_all(&found[1], "");
        let mut expanded = Vec::new();
        expand(&tree.split_whitespace().collect::<String>(), &mut expanded);
        paths.extend(expanded.into_iter().map(|path| (file.clone(), path)));
    }
    // Paths in code, once the `use` statements (read above, relative to their own start) are
    // taken out.
    let code = uses.replace_all(&rest, "");
    let inline = regex::Regex::new(r"\b(?:crate|super|self)(?:::[A-Za-z_][A-Za-z0-9_]*)+").unwrap();
    for found in inline.find_iter(&code) {
        paths.push((
            file.clone(),
            found.as_str().split("::").map(str::to_string).collect(),
        ));
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

/// The floors of a map: rows `| N | `a`, `b` | … |` of its floors table.
fn floors_of(map: &str) -> BTreeMap<String, usize> {
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
    floors
}

fn floors() -> BTreeMap<String, usize> {
    let map =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("ARCHITECTURE.md"))
            .expect("ARCHITECTURE.md at the top of the repository");
    let floors = floors_of(&map);
    assert!(!floors.is_empty(), "ARCHITECTURE.md has no floors table");
    floors
}

/// What breaks the floors: a module on no floor, or one that uses a module above its own.
fn floor_breaks(source: &Source, floors: &BTreeMap<String, usize>) -> Vec<String> {
    let mut broken = Vec::new();
    for (module, uses) in source.top_level() {
        let Some(&floor) = floors.get(&module) else {
            broken.push(format!(
                "src/{module} is on no floor: add it to the floors table of ARCHITECTURE.md"
            ));
            continue;
        };
        for used in uses {
            if let Some(&above) = floors.get(&used)
                && above > floor
            {
                broken.push(format!(
                    "{module} (floor {floor}) uses {used} (floor {above}): a floor uses only its \
                     own and those below; move what {module} needs down, or {module} up"
                ));
            }
        }
    }
    broken
}

fn folder_circles(source: &Source) -> Vec<String> {
    let mut broken = Vec::new();
    for (folder, files) in source.folders() {
        for circle in circles(&files) {
            broken.push(format!("src/{}: {circle:?}", folder.join("/")));
        }
    }
    broken
}

#[test]
fn every_module_stands_on_a_floor_and_uses_none_above_it() {
    let broken = floor_breaks(&Source::read(), &floors());
    assert!(broken.is_empty(), "{}", broken.join("\n"));
}

#[test]
fn no_two_modules_use_each_other() {
    let found = circles(&Source::read().top_level());
    assert!(
        found.is_empty(),
        "modules that use each other, around a circle: {found:?}; the lower one must not know \
         the higher"
    );
}

#[test]
fn no_two_files_of_a_folder_use_each_other() {
    let broken = folder_circles(&Source::read());
    assert!(
        broken.is_empty(),
        "files of one folder that use each other, around a circle:\n{}\nmove what both need \
         into the lower one, or a file of its own",
        broken.join("\n")
    );
}

#[test]
fn no_source_file_grows_past_what_a_reader_holds() {
    let long: Vec<String> = source_files()
        .into_iter()
        .filter_map(|(module, text)| {
            let lines = text.lines().count();
            (lines > MAX_FILE_LINES).then(|| format!("src/{}: {lines} lines", module.join("/")))
        })
        .collect();
    assert!(
        long.is_empty(),
        "files over {MAX_FILE_LINES} lines; split each by what it does: {long:?}"
    );
}

/// The checks find what they look for, in a crate made up here: a circle between two files
/// hidden behind a folder's re-export, one between a file and a subfolder's file, an import
/// up a floor, and paths in `use` groups, inline test modules, strings and character literals.
#[test]
fn the_checks_see_what_they_check() {
    let files = vec![
        (module(&[]), "pub mod a; pub mod b;".to_string()),
        (
            module(&["a"]),
            "mod x; mod y; mod sub; pub use x::Thing; pub use y::*;".to_string(),
        ),
        // x uses y through the folder's glob re-export; y uses x by name.
        (module(&["a", "x"]), "pub struct Thing; fn f() -> super::Other { todo!() }".to_string()),
        (
            module(&["a", "y"]),
            "pub struct Other;\nuse super::x::Thing as T;\nlet quote = '\"'; let s = \"crate::b\";\n"
                .to_string(),
        ),
        (module(&["a", "sub"]), "mod deep;".to_string()),
        (module(&["a", "sub", "deep"]), "use crate::a::Thing;".to_string()),
        // b is on floor 1 and uses a, on floor 2; its tests' `super` is b itself.
        (
            module(&["b"]),
            "use crate::a::{self, Thing};\n#[cfg(test)]\nmod tests {\n    use super::super::b;\n}\n"
                .to_string(),
        ),
    ];
    let source = Source::of(files);
    assert_eq!(
        source.uses[&module(&["a", "x"])],
        BTreeSet::from([module(&["a", "y"])]),
        "a name a folder re-exports with a glob is the child's"
    );
    assert_eq!(
        source.uses[&module(&["a", "sub", "deep"])],
        BTreeSet::from([module(&["a", "x"])])
    );
    assert_eq!(
        source.uses[&module(&["b"])],
        BTreeSet::from([module(&["a"]), module(&["a", "x"])])
    );
    assert_eq!(
        folder_circles(&source),
        vec![r#"src/a: ["x", "y"]"#.to_string()]
    );
    let floors = floors_of("| 1 | `b` | |\n| 2 | `a` | |\n");
    assert_eq!(
        floor_breaks(&source, &floors).len(),
        1,
        "b (floor 1) uses a (floor 2)"
    );

    let graph = BTreeMap::from([
        ("a".to_string(), BTreeSet::from(["b".to_string()])),
        ("b".to_string(), BTreeSet::from(["c".to_string()])),
        ("c".to_string(), BTreeSet::from(["a".to_string()])),
        ("d".to_string(), BTreeSet::from(["a".to_string()])),
    ]);
    assert_eq!(circles(&graph), vec![vec!["a", "b", "c"]]);
    assert_eq!(
        code_of("let q = '\"'; x::y(); r#\"crate::a\"#; 'a"),
        "let q = ; x::y(); ; 'a"
    );
}
