//! `completions` and `man`: what clap generates from the types in [`super::args`], written
//! to stdout or a folder.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::CommandFactory as _;

use super::Cli;

pub(super) fn completions(shell: clap_complete::Shell) -> anyhow::Result<ExitCode> {
    // Into a buffer first: clap_complete panics when its writer fails (a closed pipe).
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "newshound", &mut script);
    std::io::stdout().lock().write_all(&script)?;
    Ok(ExitCode::SUCCESS)
}

/// `man`: the one page on stdout, or with `--dir` a page per command in that folder.
pub(super) fn man(dir: Option<&Path>) -> anyhow::Result<ExitCode> {
    let Some(dir) = dir else {
        manual(&mut std::io::stdout().lock())?;
        return Ok(ExitCode::SUCCESS);
    };
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    clap_mangen::generate_to(Cli::command(), dir)
        .with_context(|| format!("cannot write the manual pages into {}", dir.display()))?;
    println!("manual pages written to {}", dir.display());
    Ok(ExitCode::SUCCESS)
}

/// The manual as one page: clap's page for `newshound`, then a COMMANDS section with each
/// command's full help, so that `man newshound` alone covers everything.
fn manual(out: &mut impl Write) -> anyhow::Result<()> {
    let mut command = Cli::command();
    command.build();
    clap_mangen::Man::new(command.clone()).render(out)?;
    writeln!(out, ".SH COMMANDS")?;
    let mut pending: Vec<clap::Command> = command.get_subcommands().cloned().collect();
    pending.reverse();
    while let Some(mut sub) = pending.pop() {
        if sub.get_name() == "help" || sub.is_hide_set() {
            continue;
        }
        let path = sub
            .get_bin_name()
            .map_or_else(|| sub.get_name().to_string(), str::to_string);
        writeln!(out, ".SS \"{}\"\n.nf", roff_text(&path))?;
        for line in sub.render_long_help().to_string().lines() {
            writeln!(out, "{}", roff_text(line))?;
        }
        writeln!(out, ".fi")?;
        let children: Vec<clap::Command> = sub.get_subcommands().cloned().collect();
        pending.extend(children.into_iter().rev());
    }
    Ok(())
}

/// A line of text as roff reads it literally.
fn roff_text(line: &str) -> String {
    let escaped = line.replace('\\', "\\e").replace('"', "\\(dq");
    if escaped.starts_with(['.', '\'']) {
        format!("\\&{escaped}")
    } else {
        escaped
    }
}
