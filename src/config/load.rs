//! Finding the files (the main one, then `conf.d/*.toml` in name order), reading each on its
//! own, merging them while noting where every key and array element came from, and layering
//! the `NEWSHOUND__SECTION__KEY` environment over the result.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use super::raw::RawConfig;
use super::validate::validate;
use super::{ConfigError, ENV_PREFIX, Origin, Problem, Settings};

const ARRAYS: [&str; 4] = ["feeds", "watchlists", "digests", "webhooks"];

/// Reads, merges and validates the configuration at `path` (plus its `conf.d/`), with
/// overrides from the process environment.
pub fn load(path: &Path) -> Result<Settings, ConfigError> {
    let env: HashMap<String, String> = std::env::vars()
        .filter(|(k, _)| k.starts_with(&format!("{ENV_PREFIX}__")))
        .collect();
    load_with_env(path, env)
}

/// [`load`] with the environment given explicitly, so tests need not touch the process's.
/// Only variables named `NEWSHOUND__SECTION__KEY` are considered.
pub fn load_with_env(path: &Path, env: HashMap<String, String>) -> Result<Settings, ConfigError> {
    let env: HashMap<String, String> = env
        .into_iter()
        .filter(|(k, _)| k.starts_with(&format!("{ENV_PREFIX}__")))
        .collect();
    let files = config_files(path)?;

    let mut problems = Vec::new();
    let mut merged = toml::Table::new();
    let mut origins = Origins::default();
    for file in &files {
        match read_file(file) {
            Ok(table) => merge_file(&mut merged, table, file, &mut origins),
            Err(problem) => problems.push(problem),
        }
    }
    if !problems.is_empty() {
        return Err(ConfigError { problems });
    }
    origins.env_keys = env
        .keys()
        .map(|k| {
            k[ENV_PREFIX.len() + 2..]
                .to_ascii_lowercase()
                .replace("__", ".")
        })
        .collect();

    let raw = layer_environment(merged, env)?;
    let settings = validate(raw, &origins, files)?;
    Ok(settings)
}

/// The main file followed by `conf.d/*.toml` beside it, in name order.
pub fn config_files(path: &Path) -> Result<Vec<PathBuf>, ConfigError> {
    if !path.is_file() {
        return Err(Problem {
            origin: Origin::File(path.to_path_buf()),
            key: String::new(),
            reason: "no such file (pass --config PATH)".into(),
        }
        .into());
    }
    let mut files = vec![path.to_path_buf()];
    let conf_d = path
        .parent()
        .unwrap_or_else(|| Path::new("."))
        .join("conf.d");
    if conf_d.is_dir() {
        let entries = std::fs::read_dir(&conf_d).map_err(|e| Problem {
            origin: Origin::File(conf_d.clone()),
            key: String::new(),
            reason: format!("cannot list folder: {e}"),
        })?;
        let mut extra: Vec<PathBuf> = entries
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|ext| ext == "toml") && p.is_file())
            .collect();
        extra.sort();
        files.extend(extra);
    }
    Ok(files)
}

/// Parses one file and checks its shape (no unknown keys, right types) on its own, so the
/// error names the file the mistake is in.
fn read_file(path: &Path) -> Result<toml::Table, Problem> {
    let origin = Origin::File(path.to_path_buf());
    let text = std::fs::read_to_string(path).map_err(|e| Problem {
        origin: origin.clone(),
        key: String::new(),
        reason: format!("cannot read: {e}"),
    })?;
    let table: toml::Table = toml::from_str(&text).map_err(|e| Problem {
        origin: origin.clone(),
        key: String::new(),
        reason: toml_error(&text, &e),
    })?;
    let deserializer = toml::Deserializer::parse(&text).map_err(|e| Problem {
        origin: origin.clone(),
        key: String::new(),
        reason: toml_error(&text, &e),
    })?;
    if let Err(e) = serde_path_to_error::deserialize::<_, RawConfig>(deserializer) {
        let key = e.path().to_string();
        return Err(Problem {
            origin,
            key: if key == "." { String::new() } else { key },
            reason: toml_error(&text, e.inner()),
        });
    }
    Ok(table)
}

/// A TOML error as one line: the message and where it is.
fn toml_error(text: &str, error: &toml::de::Error) -> String {
    let message = error.message().trim().to_string();
    match error.span() {
        Some(span) => {
            let before = &text[..span.start.min(text.len())];
            let line = before.matches('\n').count() + 1;
            let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            format!("{message} (line {line}, column {column})")
        }
        None => message,
    }
}

/// Where each part of the merged configuration came from.
#[derive(Debug, Default)]
pub(super) struct Origins {
    /// Dotted key (`polling.interval`) → the last file that set it.
    keys: HashMap<String, PathBuf>,
    /// For each array, its elements' file and index within that file.
    elements: HashMap<String, Vec<(PathBuf, usize)>>,
    /// Dotted keys set by the environment (`polling.concurrency`).
    env_keys: HashSet<String>,
}

impl Origins {
    /// The origin and printable key of `section.key`.
    pub(super) fn scalar(&self, section: &str, key: &str) -> (Origin, String) {
        let dotted = format!("{section}.{key}");
        let origin = if self.env_keys.contains(&dotted) {
            Origin::Environment
        } else {
            match self.keys.get(&dotted).or_else(|| self.keys.get(section)) {
                Some(path) => Origin::File(path.clone()),
                None => Origin::Default,
            }
        };
        (origin, dotted)
    }

    /// The origin and printable key of `array[index]`, e.g. `watchlists[0] ("s400")`,
    /// where the index counts within the file that defined the element.
    pub(super) fn element(
        &self,
        array: &str,
        index: usize,
        name: Option<&str>,
    ) -> (Origin, String) {
        let (origin, local) = match self.elements.get(array).and_then(|v| v.get(index)) {
            Some((path, local)) => (Origin::File(path.clone()), *local),
            None => (Origin::Environment, index),
        };
        let key = match name {
            Some(name) if !name.is_empty() => format!("{array}[{local}] ({name:?})"),
            _ => format!("{array}[{local}]"),
        };
        (origin, key)
    }
}

fn merge_file(merged: &mut toml::Table, table: toml::Table, path: &Path, origins: &mut Origins) {
    for (key, value) in table {
        if ARRAYS.contains(&key.as_str()) {
            let toml::Value::Array(items) = value else {
                continue; // read_file already refused a non-array here
            };
            let slot = merged
                .entry(key.clone())
                .or_insert_with(|| toml::Value::Array(Vec::new()));
            if let toml::Value::Array(existing) = slot {
                let record = origins.elements.entry(key).or_default();
                for (local, item) in items.into_iter().enumerate() {
                    existing.push(item);
                    record.push((path.to_path_buf(), local));
                }
            }
            continue;
        }
        origins.keys.insert(key.clone(), path.to_path_buf());
        if let toml::Value::Table(table) = &value {
            for sub in table.keys() {
                origins
                    .keys
                    .insert(format!("{key}.{sub}"), path.to_path_buf());
            }
        }
        match (merged.get_mut(&key), value) {
            (Some(toml::Value::Table(existing)), toml::Value::Table(new)) => {
                for (k, v) in new {
                    existing.insert(k, v);
                }
            }
            (_, value) => {
                merged.insert(key, value);
            }
        }
    }
}

/// Layers `NEWSHOUND__SECTION__KEY` variables over the merged files.
fn layer_environment(
    merged: toml::Table,
    env: HashMap<String, String>,
) -> Result<RawConfig, ConfigError> {
    let env_problem = |reason: String| -> ConfigError {
        Problem {
            origin: Origin::Environment,
            key: String::new(),
            reason,
        }
        .into()
    };
    let env: config::Map<String, String> = env.into_iter().collect();
    let layered = config::Config::builder()
        .add_source(Merged(merged))
        .add_source(
            config::Environment::with_prefix(ENV_PREFIX)
                .prefix_separator("__")
                .separator("__")
                .try_parsing(true)
                .source(Some(env)),
        )
        .build()
        .map_err(|e| env_problem(e.to_string()))?;
    layered
        .try_deserialize::<RawConfig>()
        .map_err(|e| env_problem(e.to_string()))
}

/// The merged files as a source for the `config` crate. They are handed over as values:
/// printing them back to TOML text for `config` to parse again cost a serialisation and a
/// parse at every load and reload, only to give back the same values.
#[derive(Debug, Clone)]
struct Merged(toml::Table);

impl config::Source for Merged {
    fn clone_into_box(&self) -> Box<dyn config::Source + Send + Sync> {
        Box::new(self.clone())
    }

    fn collect(&self) -> Result<config::Map<String, config::Value>, config::ConfigError> {
        Ok(config_table(&self.0))
    }
}

fn config_table(table: &toml::Table) -> config::Map<String, config::Value> {
    table
        .iter()
        .map(|(key, value)| (key.clone(), config_value(value)))
        .collect()
}

/// A value as `config` makes one from a TOML file it parses itself: datetimes as their
/// text, and no origin, as for text it is given (where a value came from is in
/// [`Origins`], by file).
fn config_value(value: &toml::Value) -> config::Value {
    let kind = match value {
        toml::Value::String(text) => config::ValueKind::String(text.clone()),
        toml::Value::Integer(n) => config::ValueKind::I64(*n),
        toml::Value::Float(x) => config::ValueKind::Float(*x),
        toml::Value::Boolean(b) => config::ValueKind::Boolean(*b),
        toml::Value::Datetime(datetime) => config::ValueKind::String(datetime.to_string()),
        toml::Value::Array(items) => {
            config::ValueKind::Array(items.iter().map(config_value).collect())
        }
        toml::Value::Table(table) => config::ValueKind::Table(config_table(table)),
    };
    config::Value::new(None, kind)
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use config::Source;

    use super::*;

    /// Every kind of TOML value, including what only printing and parsing again could
    /// have changed: text that looks like a number, quotes, backslashes, tabs and
    /// non-ASCII, quoted keys with dots in them, datetimes, arrays of tables.
    const AWKWARD: &str = r#"
        [polling]
        user_agent = "1024"
        adaptive = false
        "dotted.key" = "ünïcode"
        ratio = 0.5
        at = 1979-05-27T07:32:00Z

        [[feeds]]
        name = "Zürich \"Nachrichten\" \\ tab\there"
        tags = ["a.b", "16", "true"]

        [[feeds]]
        name = "second"
        nested = { "straße" = [1, 2] }
    "#;

    #[test]
    fn merged_values_reach_config_as_its_own_toml_reader_makes_them() {
        let merged: toml::Table = toml::from_str(AWKWARD).unwrap();
        let read_by_config = config::File::from_str(AWKWARD, config::FileFormat::Toml)
            .collect()
            .unwrap();
        assert_eq!(Merged(merged).collect().unwrap(), read_by_config);
    }

    #[test]
    fn the_environment_still_overrides_the_merged_files_with_parsed_values() {
        let merged: toml::Table = toml::from_str(
            r#"
            [polling]
            user_agent = "1024"
            adaptive = false

            [[feeds]]
            name = "Zürich \"Nachrichten\" \\ tab\there"
            tags = ["a.b", "16", "true"]
            "#,
        )
        .unwrap();
        let env = [
            ("NEWSHOUND__POLLING__CONCURRENCY", "4"),
            ("NEWSHOUND__POLLING__ADAPTIVE", "true"),
        ]
        .map(|(key, value)| (key.to_string(), value.to_string()));
        let raw = layer_environment(merged, HashMap::from(env)).unwrap();
        let polling = raw.polling.unwrap();
        assert_eq!(polling.concurrency, Some(4));
        assert_eq!(polling.adaptive, Some(true));
        assert_eq!(polling.user_agent.as_deref(), Some("1024"));
        assert_eq!(
            raw.feeds[0].name.as_deref(),
            Some("Zürich \"Nachrichten\" \\ tab\there")
        );
        assert_eq!(raw.feeds[0].tags, ["a.b", "16", "true"]);
    }
}
