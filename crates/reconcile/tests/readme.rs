//! The README's variable reference is the settings table, generated
//! (`reconcile::settings::markdown_table`). `UPDATE_README=1 cargo test -p reconcile --test
//! readme` rewrites it between its markers.

use std::path::PathBuf;

const BEGIN: &str = "<!-- settings:begin -->\n";
const END: &str = "<!-- settings:end -->";

#[test]
fn the_readme_shows_the_settings_table() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../README.md");
    let text = std::fs::read_to_string(&path).expect("README.md");
    let (Some(begin), Some(end)) = (text.find(BEGIN), text.find(END)) else {
        panic!("README.md has no {BEGIN:?} … {END:?} markers");
    };
    let generated = reconcile::settings::markdown_table();
    let current = &text[begin + BEGIN.len()..end];
    if current == generated {
        return;
    }
    if std::env::var_os("UPDATE_README").is_some() {
        let updated = format!("{}{generated}{}", &text[..begin + BEGIN.len()], &text[end..]);
        std::fs::write(&path, updated).expect("writing README.md");
        return;
    }
    panic!(
        "README.md's settings table differs from crates/reconcile/src/settings/defs.rs; \
         run `UPDATE_README=1 cargo test -p reconcile --test readme`"
    );
}
