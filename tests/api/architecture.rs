//! Dependencies point one way: the domain rules know nothing of the web, the database or I/O.

#[test]
fn the_domain_imports_neither_actix_nor_diesel_nor_io() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src/domain");
    let mut checked = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let source = std::fs::read_to_string(&path).unwrap();
        for line in source.lines().filter(|l| l.trim_start().starts_with("use ")) {
            for outside in [
                "actix",
                "diesel",
                "tokio",
                "reqwest",
                "std::fs",
                "std::net",
                "crate::db",
                "crate::http",
                "crate::services",
            ] {
                assert!(
                    !line.contains(outside),
                    "{}: `{}` reaches outside the domain",
                    path.display(),
                    line.trim()
                );
            }
        }
        checked += 1;
    }
    assert!(checked >= 10, "the domain modules were not found");
}
