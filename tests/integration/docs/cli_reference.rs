//! docs/reference/cli.md is the `--help` of every command, generated from clap, so that the
//! reference cannot drift from the binary.

use super::repository;
use clap::CommandFactory;
use jobmock::cli::Cli;

const PAGE: &str = "docs/reference/cli.md";

fn render() -> String {
    let mut root = Cli::command();
    root.build();
    let mut page = String::from(
        "# The command line\n\n\
         Every command's `--help`, as the binary prints it. This page is generated from the\n\
         command line's definition (`src/cli/`) and checked by `make test`; after changing a flag,\n\
         write it afresh with `JOBMOCK_BLESS=1 cargo test --test integration docs::`.\n\n\
         Exit codes: [exit-codes.md](exit-codes.md).\n",
    );
    let mut commands = vec![(String::from("jobmock"), root)];
    while let Some((name, mut command)) = commands.pop() {
        let help = command.render_long_help().to_string();
        page.push_str(&format!(
            "\n## `{name}`\n\n```text\n{}\n```\n",
            help.trim_end()
        ));
        let mut children: Vec<_> = command
            .get_subcommands()
            .filter(|child| child.get_name() != "help")
            .map(|child| (format!("{name} {}", child.get_name()), child.clone()))
            .collect();
        children.reverse();
        commands.extend(children);
    }
    page
}

#[test]
fn the_cli_reference_is_the_binarys_help() {
    let path = repository().join(PAGE);
    let fresh = render();
    if std::env::var_os("JOBMOCK_BLESS").is_some() {
        std::fs::write(&path, &fresh).unwrap();
        return;
    }
    let written = std::fs::read_to_string(&path).unwrap_or_default();
    if written != fresh {
        let diff = similar::TextDiff::from_lines(&written, &fresh)
            .unified_diff()
            .header(PAGE, "jobmock --help")
            .to_string();
        panic!(
            "{PAGE} is not what the command line says; write it afresh with \
             `JOBMOCK_BLESS=1 cargo test --test integration docs::` and commit it:\n{diff}"
        );
    }
}
