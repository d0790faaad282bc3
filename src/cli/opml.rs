//! `feeds import` and `feeds export`: OPML files into and out of the configuration. The
//! reading and writing of OPML is [`crate::opml`]'s (pure); here is what touches files:
//! an import is staged in a copy of the configuration and loaded there before the real
//! `conf.d/` file is written, whole.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use chrono::Utc;

use super::load;
use super::print::tag_list;
use crate::config::{self, Settings};
use crate::wording::count;

/// `feeds import`: the new feeds of an OPML file into a `conf.d/` file. Nothing is written
/// unless the configuration with the new file in it loads, and the file appears whole
/// (written beside it as `.NAME.tmp`, which the loader skips, then renamed), so a daemon
/// that reloads meanwhile never reads half of it.
pub(super) fn import_feeds(
    config: &Path,
    file: &Path,
    output: Option<PathBuf>,
    force: bool,
) -> anyhow::Result<ExitCode> {
    let conf_d = folder_of(config).join("conf.d");
    let target = output.unwrap_or_else(|| conf_d.join("imported.toml"));
    let Some(name) = target
        .file_name()
        .filter(|_| target.extension().is_some_and(|e| e == "toml"))
        .map(ToOwned::to_owned)
    else {
        anyhow::bail!(
            "{}: the output must be a file ending in .toml, or the configuration loader skips it",
            target.display()
        );
    };
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let document = crate::opml::parse(&bytes)
        .map_err(|e| anyhow::anyhow!("{}: {e}; nothing was imported", file.display()))?;
    let replacing = target.exists();
    if replacing && !force {
        anyhow::bail!(
            "{} exists; pass --force to replace it, or --output PATH to write another file",
            target.display()
        );
    }
    let in_conf_d = same_folder(folder_of(&target), &conf_d);
    // With --force, the feeds of the file being replaced are not "already configured".
    let existing = if replacing && in_conf_d {
        Staged::new(config, &name, None)?.load()?
    } else {
        load(config)?
    };
    let plan = crate::opml::plan(
        &document,
        existing.feeds.iter().map(|f| (f.name.as_str(), &f.url)),
    );
    for skipped in &plan.skipped {
        match skipped {
            crate::opml::Skipped::Configured { line, url, name } => println!(
                "  = line {line}: {} is already configured as `{name}`",
                crate::feed::redacted(url)
            ),
            crate::opml::Skipped::Repeated {
                line,
                url,
                first_line,
            } => println!(
                "  = line {line}: {} is listed again (first at line {first_line}); its tags are merged",
                crate::feed::redacted(url)
            ),
        }
    }
    for (line, folder) in &document.empty_folders {
        println!("  - line {line}: folder {folder:?} is empty");
    }
    if plan.added.is_empty() {
        println!("nothing new to add; {} not written", target.display());
        return Ok(ExitCode::SUCCESS);
    }

    let header = format!(
        "Feeds imported from {} by `newshound feeds import` on {}.\n\
         Edit freely; `newshound check` validates the result.",
        file.file_name()
            .unwrap_or(file.as_os_str())
            .to_string_lossy(),
        Utc::now().format("%Y-%m-%d")
    );
    let text = crate::opml::feeds_toml(&header, &plan.added);
    let loaded = Staged::new(config, &name, Some(&text))?
        .load()
        .context("the imported feeds would not load; nothing was written")?;
    let read_back = plan.added.iter().all(|new| {
        loaded
            .feeds
            .iter()
            .any(|f| f.name == new.name && f.url == new.url && f.tags == new.tags)
    });
    anyhow::ensure!(
        read_back && loaded.feeds.len() == existing.feeds.len() + plan.added.len(),
        "the configuration does not read back the imported feeds as written; nothing was written"
    );
    write_atomically(&target, &text)?;

    println!(
        "added {} to {}:",
        count(plan.added.len(), "feed", "feeds"),
        target.display()
    );
    for feed in &plan.added {
        let tags = tag_list(&feed.tags);
        println!(
            "  + {} <{}>{tags}",
            feed.name,
            crate::feed::redacted(&feed.url)
        );
    }
    if !in_conf_d {
        eprintln!(
            "note: newshound reads {}/*.toml; move the file there to poll these feeds",
            conf_d.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// `feeds export`: the configured feeds as OPML. `file://` feeds are left out: on another
/// machine they point at nothing.
pub(super) fn export_feeds(config: &Path) -> anyhow::Result<ExitCode> {
    let settings = load(config)?;
    let (local, remote): (Vec<_>, Vec<_>) = settings
        .feeds
        .iter()
        .partition(|f| f.url.scheme() == "file");
    let outlines: Vec<crate::opml::Outline<'_>> = remote
        .iter()
        .map(|f| crate::opml::Outline {
            title: &f.name,
            url: &f.url,
            tags: &f.tags,
        })
        .collect();
    let opml = crate::opml::export("newshound feeds", Utc::now(), &outlines);
    std::io::stdout().lock().write_all(opml.as_bytes())?;
    if !local.is_empty() {
        let names: Vec<&str> = local.iter().map(|f| f.name.as_str()).collect();
        eprintln!(
            "left out {} (file:// URLs): {}",
            count(local.len(), "feed", "feeds"),
            names.join(", ")
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// The folder a path is in (`.` for a bare file name).
fn folder_of(path: &Path) -> &Path {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    }
}

fn same_folder(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => std::path::absolute(a).ok() == std::path::absolute(b).ok(),
    }
}

/// A copy of the configuration (main file and `conf.d/*.toml`) in a temporary folder, with
/// one `conf.d` file replaced or left out: what the loader would read after an import,
/// read before anything real is touched. Removed when dropped.
struct Staged {
    dir: PathBuf,
    main: PathBuf,
    real: PathBuf,
}

impl Staged {
    fn new(
        config: &Path,
        name: &std::ffi::OsStr,
        contents: Option<&str>,
    ) -> anyhow::Result<Staged> {
        let stamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos();
        let dir =
            std::env::temp_dir().join(format!("newshound-import-{}-{stamp}", std::process::id()));
        let staged = Staged {
            main: dir.join(config.file_name().unwrap_or("newshound.toml".as_ref())),
            dir,
            real: folder_of(config).to_path_buf(),
        };
        let conf_d = staged.dir.join("conf.d");
        std::fs::create_dir_all(&conf_d)
            .with_context(|| format!("cannot create {}", conf_d.display()))?;
        std::fs::copy(config, &staged.main)
            .with_context(|| format!("cannot read {}", config.display()))?;
        let real_conf_d = staged.real.join("conf.d");
        if real_conf_d.is_dir() {
            let entries = std::fs::read_dir(&real_conf_d)
                .with_context(|| format!("cannot list {}", real_conf_d.display()))?;
            for path in entries.filter_map(|e| e.ok().map(|e| e.path())) {
                let toml = path.extension().is_some_and(|e| e == "toml") && path.is_file();
                if let Some(file) = path.file_name().filter(|f| toml && *f != name) {
                    std::fs::copy(&path, conf_d.join(file))
                        .with_context(|| format!("cannot read {}", path.display()))?;
                }
            }
        }
        if let Some(contents) = contents {
            std::fs::write(conf_d.join(name), contents)
                .with_context(|| format!("cannot write into {}", conf_d.display()))?;
        }
        Ok(staged)
    }

    /// Loads the staged configuration; errors name the real folder, not the copy.
    fn load(&self) -> anyhow::Result<Settings> {
        config::load(&self.main).map_err(|e| {
            let text = e.to_string();
            anyhow::anyhow!(
                "{}",
                text.replace(
                    &self.dir.display().to_string(),
                    &self.real.display().to_string()
                )
            )
        })
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Writes `text` to `target` so that readers see the old file or the new one, never a part.
fn write_atomically(target: &Path, text: &str) -> anyhow::Result<()> {
    let folder = folder_of(target);
    std::fs::create_dir_all(folder)
        .with_context(|| format!("cannot create {}", folder.display()))?;
    let name = target.file_name().unwrap_or_default().to_string_lossy();
    // Not `*.toml`, so the configuration loader never reads it half-written.
    let temp = folder.join(format!(".{name}.{}.tmp", std::process::id()));
    let written = (|| {
        let mut file = std::fs::File::create(&temp)?;
        file.write_all(text.as_bytes())?;
        file.sync_all()?;
        std::fs::rename(&temp, target)
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_file(&temp);
        return Err(e).with_context(|| format!("cannot write {}", target.display()));
    }
    Ok(())
}
