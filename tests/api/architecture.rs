//! Dependencies point one way. The layer matrix, checked over every source file: the domain
//! knows nothing of the web, the database or I/O; storage knows only the domain; the use-cases
//! know no web; the web layer runs no SQL; nothing in the library reaches back into the wiring
//! (`app`) or the command line (`cli`).

use std::path::{Path, PathBuf};

/// A layer and what its files must not mention: crates and our own modules.
struct Layer {
    name: &'static str,
    forbidden: &'static [&'static str],
}

const OURS: [&str; 11] =
    ["domain", "db", "services", "board", "http", "seed", "config", "secrets", "process", "app", "cli"];

const LAYERS: &[Layer] = &[
    Layer {
        name: "domain",
        forbidden: &[
            "actix",
            "diesel",
            "tokio",
            "reqwest",
            "r2d2",
            "std::fs",
            "std::net",
            "crate::db",
            "crate::services",
            "crate::board",
            "crate::http",
            "crate::seed",
            "crate::config",
            "crate::secrets",
            "crate::app",
            "crate::cli",
        ],
    },
    Layer {
        name: "db",
        forbidden: &[
            "actix",
            "crate::services",
            "crate::board",
            "crate::http",
            "crate::seed",
            "crate::config",
            "crate::secrets",
            "crate::app",
            "crate::cli",
        ],
    },
    Layer {
        name: "services",
        forbidden: &["actix", "crate::board", "crate::http", "crate::app", "crate::cli"],
    },
    Layer { name: "board", forbidden: &["actix", "crate::http", "crate::app", "crate::cli"] },
    Layer { name: "http", forbidden: &["diesel", "r2d2", "crate::db", "crate::app", "crate::cli"] },
    Layer {
        name: "seed",
        forbidden: &["actix", "diesel", "crate::db", "crate::http", "crate::app", "crate::cli"],
    },
    Layer { name: "config", forbidden: &["actix", "diesel", "crate::http", "crate::app", "crate::cli"] },
    Layer { name: "secrets", forbidden: &["actix", "diesel", "crate::http", "crate::app", "crate::cli"] },
    Layer {
        name: "process",
        forbidden: &["actix", "diesel", "crate::db", "crate::http", "crate::app", "crate::cli"],
    },
    Layer { name: "app", forbidden: &["crate::cli"] },
];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// A layer's files: `src/<name>.rs` and everything under `src/<name>/`.
fn files_of(name: &str) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let single = src().join(format!("{name}.rs"));
    if single.is_file() {
        files.push(single);
    }
    let mut dirs = vec![src().join(name)];
    while let Some(dir) = dirs.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for path in entries.map(|e| e.unwrap().path()) {
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    files
}

/// The code of a file, without comments and its unit tests (which may use anything).
fn code_of(path: &Path) -> String {
    let source = std::fs::read_to_string(path).unwrap();
    let until_tests = source.split("#[cfg(test)]\nmod tests").next().unwrap_or_default();
    until_tests.lines().filter(|line| !line.trim_start().starts_with("//")).collect::<Vec<_>>().join("\n")
}

#[test]
fn every_layer_keeps_to_its_own_dependencies() {
    let mut breaches = Vec::new();
    for layer in LAYERS {
        let files = files_of(layer.name);
        assert!(!files.is_empty(), "no files for layer {}", layer.name);
        for path in files {
            let code = code_of(&path);
            for word in layer.forbidden {
                let mentioned = code.match_indices(word).any(|(at, _)| {
                    // `actix` must not match inside another name, e.g. `transaction`.
                    let before = code[..at].chars().next_back();
                    !before.is_some_and(|c| c.is_alphanumeric() || c == '_')
                });
                if mentioned {
                    breaches.push(format!("{} ({}) mentions `{word}`", path.display(), layer.name));
                }
            }
        }
    }
    assert!(breaches.is_empty(), "layer breaches:\n{}", breaches.join("\n"));
}

#[test]
fn every_module_of_ours_has_a_layer() {
    let lib = std::fs::read_to_string(src().join("lib.rs")).unwrap();
    for module in
        lib.lines().filter_map(|l| l.trim().strip_prefix("pub mod ")).map(|m| m.trim_end_matches(';'))
    {
        assert!(OURS.contains(&module), "`{module}` is in lib.rs but not in the layer matrix");
        assert!(
            module == "cli" || LAYERS.iter().any(|layer| layer.name == module),
            "`{module}` has no rules"
        );
    }
}
