//! The dependency rule, checked: domain crates pull in no database, web framework, async
//! runtime or HTTP client, not even transitively.

#![allow(clippy::unwrap_used, clippy::expect_used)]

const DOMAIN: [&str; 7] = [
    "zhicheng-kernel",
    "zhicheng-identity",
    "zhicheng-declaration",
    "zhicheng-approval-path",
    "zhicheng-review-workflow",
    "zhicheng-certificate",
    "zhicheng-documents",
];

const FORBIDDEN: [&str; 10] = [
    "sea-orm",
    "sea-query",
    "sqlx",
    "poem",
    "tokio",
    "hyper",
    "reqwest",
    "axum",
    "rusqlite",
    "mio",
];

#[test]
fn domain_crates_depend_on_no_adapter_technology() {
    let cargo = env!("CARGO");
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    for krate in DOMAIN {
        let out = std::process::Command::new(cargo)
            .args([
                "tree",
                "--offline",
                "-e",
                "normal",
                "--prefix",
                "none",
                "-p",
                krate,
            ])
            .current_dir(root)
            .output()
            .expect("cargo tree runs");
        assert!(
            out.status.success(),
            "cargo tree -p {krate}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let tree = String::from_utf8(out.stdout).unwrap();
        assert!(
            tree.lines().next().unwrap_or_default().starts_with(krate),
            "{tree}"
        );
        for line in tree.lines() {
            let name = line.split_whitespace().next().unwrap_or_default();
            assert!(
                !FORBIDDEN.contains(&name),
                "{krate} depends on {name}:\n{tree}"
            );
        }
    }
}
