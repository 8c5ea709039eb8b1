//! Which of the real material beside the project (`../shared`) is there: the tests that measure
//! on it are compiled as ignored, with the reason, where it is not.

fn main() {
    for (cfg, path) in [
        ("graph_metadata", "../shared/graph-metadata/v1.0.csdl"),
        ("seed_pages", "../shared/seeds"),
    ] {
        println!("cargo::rustc-check-cfg=cfg({cfg})");
        println!("cargo::rerun-if-changed={path}");
        if std::path::Path::new(path).exists() {
            println!("cargo::rustc-cfg={cfg}");
        }
    }
}
