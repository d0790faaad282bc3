//! What packaging relies on: shell completions and manual pages generated from the CLI
//! definition, `newshound health` against real loopback listeners, the binary behaving
//! as the container image runs it (storage path from the environment, a read-only config
//! folder, a writable data folder), and the invariants of the Dockerfile, compose.yaml and
//! the systemd unit.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use clap::CommandFactory as _;
use newshound::cli::Cli;
use support::FeedServer;
use support::fixtures::{feed_table, served_copy};

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// The binary with `args`, run in `dir`, with no logging settings from the outside.
fn newshound_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_newshound"))
        .args(args)
        .current_dir(dir)
        .env_remove("RUST_LOG")
        .output()
        .expect("run newshound")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Every command name, nested ones as `feeds import`.
fn command_paths() -> Vec<String> {
    fn walk(command: &clap::Command, prefix: &str, out: &mut Vec<String>) {
        for sub in command.get_subcommands() {
            let path = format!("{prefix}{}", sub.get_name());
            out.push(path.clone());
            walk(sub, &format!("{path} "), out);
        }
    }
    let mut paths = Vec::new();
    walk(&Cli::command(), "", &mut paths);
    assert!(paths.len() > 15, "{paths:?}");
    paths
}

// ---------------------------------------------------------------------------------------
// Completions and manual

#[test]
fn bash_completion_names_every_command_parses_and_completes() {
    let work = tempfile::tempdir().unwrap();
    let output = newshound_in(work.path(), &["completions", "bash"]);
    assert!(output.status.success(), "{output:?}");
    let script = stdout(&output);
    for path in command_paths() {
        let last = path.rsplit(' ').next().unwrap();
        assert!(script.contains(last), "bash completion lacks `{path}`");
    }
    let file = work.path().join("newshound.bash");
    std::fs::write(&file, &script).unwrap();
    let syntax = Command::new("bash").arg("-n").arg(&file).output().unwrap();
    assert!(syntax.status.success(), "bash -n: {syntax:?}");

    // Loaded in a shell, it completes `newshound fe<TAB>` and `newshound feeds <TAB>`.
    let complete = |words: &str, current: usize| {
        let run = Command::new("bash")
            .arg("-c")
            .arg(format!(
                "source {}; COMP_WORDS=({words}); COMP_CWORD={current}; \
                 COMP_LINE=\"{words}\"; COMP_POINT=${{#COMP_LINE}}; \
                 _newshound newshound; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
                file.display()
            ))
            .output()
            .unwrap();
        assert!(run.status.success(), "{run:?}");
        stdout(&run)
    };
    let words = complete("newshound fe", 1);
    assert!(words.lines().any(|w| w == "feeds"), "{words}");
    let words = complete("newshound feeds ''", 2);
    assert!(
        words.lines().any(|w| w == "import") && words.lines().any(|w| w == "export"),
        "{words}"
    );
}

#[test]
fn every_shell_gets_a_script_and_an_unknown_one_is_refused() {
    let work = tempfile::tempdir().unwrap();
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let output = newshound_in(work.path(), &["completions", shell]);
        assert!(output.status.success(), "{shell}: {output:?}");
        assert!(stdout(&output).contains("health"), "{shell}");
    }
    let output = newshound_in(work.path(), &["completions", "tcsh"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("possible values"));
}

#[test]
fn the_manual_has_a_title_and_every_command_and_man_renders_it() {
    let work = tempfile::tempdir().unwrap();
    let output = newshound_in(work.path(), &["man"]);
    assert!(output.status.success(), "{output:?}");
    let page = stdout(&output);
    assert!(page.contains(".TH newshound 1"), "{page}");
    assert!(page.contains(".SH COMMANDS"));
    for path in command_paths().iter().filter(|p| !p.ends_with("help")) {
        assert!(
            page.contains(&format!(".SS \"newshound {path}\"")),
            "the manual lacks `{path}`"
        );
    }
    // Help text is literal in roff: an option's dashes and a quoted query survive.
    assert!(page.contains("\\-\\-force") || page.contains("--force"));

    let file = work.path().join("newshound.1");
    std::fs::write(&file, &page).unwrap();
    match Command::new("man")
        .args(["-l", "-P", "cat"])
        .arg(&file)
        .env("MANWIDTH", "100")
        .stderr(Stdio::piped())
        .output()
    {
        Ok(rendered) => {
            assert!(rendered.status.success(), "man -l: {rendered:?}");
            let text = stdout(&rendered);
            assert!(text.contains("newshound feeds import"), "{text}");
            assert!(text.contains("COMMANDS"), "{text}");
            let warnings = String::from_utf8_lossy(&rendered.stderr);
            assert!(!warnings.contains("warning"), "{warnings}");
        }
        Err(e) => eprintln!("man is not installed ({e}): the page was checked as text only"),
    }
}

#[test]
fn man_dir_writes_one_page_per_command() {
    let work = tempfile::tempdir().unwrap();
    let dir = work.path().join("man/man1");
    let output = newshound_in(work.path(), &["man", "--dir", dir.to_str().unwrap()]);
    assert!(output.status.success(), "{output:?}");
    for path in command_paths().iter().filter(|p| !p.ends_with("help")) {
        let page = dir.join(format!("newshound-{}.1", path.replace(' ', "-")));
        let text =
            std::fs::read_to_string(&page).unwrap_or_else(|e| panic!("{}: {e}", page.display()));
        assert!(text.contains(".TH"), "{}", page.display());
    }
    assert!(dir.join("newshound.1").is_file());
}

// ---------------------------------------------------------------------------------------
// Health

/// Runs `newshound health --url URL` from a folder without any configuration, as the
/// container's HEALTHCHECK does.
fn health(url: &str) -> Output {
    let nowhere = tempfile::tempdir().unwrap();
    newshound_in(nowhere.path(), &["health", "--url", url])
}

#[test]
fn health_is_zero_on_200_and_one_on_503_a_closed_port_or_silence() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let served = tempfile::tempdir().unwrap();
    std::fs::write(served.path().join("healthz"), "ok\n").unwrap();
    let http = runtime.block_on(FeedServer::start(served.path()));

    let ok = health(&http.url("healthz"));
    assert_eq!(ok.status.code(), Some(0), "{ok:?}");
    assert!(stdout(&ok).starts_with("healthy "), "{ok:?}");
    assert!(stdout(&ok).contains("200 OK: ok"), "{ok:?}");

    let unavailable = health(&http.url("status/503"));
    assert_eq!(unavailable.status.code(), Some(1), "{unavailable:?}");
    assert!(
        stdout(&unavailable).contains("unhealthy") && stdout(&unavailable).contains("503"),
        "{unavailable:?}"
    );

    let missing = health(&http.url("nothing-here"));
    assert_eq!(missing.status.code(), Some(1), "{missing:?}");
    assert!(stdout(&missing).contains("404"), "{missing:?}");

    let closed = support::Unavailable::start();
    let refused = health(&format!("http://127.0.0.1:{}/healthz", closed.port()));
    assert_eq!(refused.status.code(), Some(1), "{refused:?}");
    assert!(stdout(&refused).contains("unhealthy"), "{refused:?}");

    let down = support::unused_port();
    let refused = health(&format!("http://127.0.0.1:{down}/healthz"));
    assert_eq!(refused.status.code(), Some(1), "{refused:?}");
    assert!(stdout(&refused).contains("cannot connect"), "{refused:?}");

    let silent = health(&http.url("hang"));
    assert_eq!(silent.status.code(), Some(1), "{silent:?}");
    assert!(
        stdout(&silent).contains("no answer within 3s"),
        "{silent:?}"
    );
}

#[test]
fn health_refuses_a_url_it_cannot_ask() {
    for url in ["not a url", "ftp://127.0.0.1/healthz"] {
        let output = health(url);
        assert_eq!(output.status.code(), Some(1), "{output:?}");
        assert!(
            String::from_utf8_lossy(&output.stderr).contains("--url"),
            "{output:?}"
        );
    }
}

// ---------------------------------------------------------------------------------------
// The binary as the image runs it

#[test]
fn a_read_only_config_folder_and_the_database_where_the_environment_says() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let served = served_copy(&["wire.rss"]);
    let http = runtime.block_on(FeedServer::start(served.path()));
    let root = tempfile::tempdir().unwrap();
    // /config, read-only, with the relative storage path of the shipped config...
    let config_dir = root.path().join("config");
    std::fs::create_dir(&config_dir).unwrap();
    let config = config_dir.join("newshound.toml");
    std::fs::write(
        &config,
        format!(
            "[storage]\npath = \"data/newshound.db\"\n\n{}\
             [[watchlists]]\nname = \"s400\"\nquery = '\"S-400\"'\n",
            feed_table("wire", &http.url("wire.rss"))
        ),
    )
    .unwrap();
    read_only(&config_dir);
    // ...and /data, the working folder, where NEWSHOUND__STORAGE__PATH points.
    let data = root.path().join("data");
    std::fs::create_dir(&data).unwrap();
    let database = data.join("newshound.db");
    let before = std::fs::read(&config).unwrap();

    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_newshound"))
            .arg("--config")
            .arg(&config)
            .args(args)
            .current_dir(&data)
            .env("NEWSHOUND__STORAGE__PATH", &database)
            .env_remove("RUST_LOG")
            .output()
            .unwrap()
    };
    let check = run(&["check"]);
    assert!(check.status.success(), "{check:?}");
    assert!(
        stdout(&check).contains(&format!("database: {}", database.display())),
        "{check:?}"
    );
    let poll = run(&["poll", "--once"]);
    assert!(poll.status.success(), "{poll:?}");
    assert!(stdout(&poll).contains("2 new matches"), "{poll:?}");
    let matches = run(&["matches", "--json"]);
    assert!(
        stdout(&matches).contains("\"watchlist\":\"s400\""),
        "{matches:?}"
    );

    assert!(database.is_file());
    // Not the config's own relative path, inside the data folder it runs in.
    assert!(!data.join("data").exists());
    let config_files: Vec<_> = std::fs::read_dir(&config_dir).unwrap().collect();
    assert_eq!(
        config_files.len(),
        1,
        "something was written beside the config"
    );
    assert_eq!(std::fs::read(&config).unwrap(), before);
    writable(&config_dir);
}

fn read_only(dir: &Path) {
    use std::os::unix::fs::PermissionsExt;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o444)).unwrap();
    }
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o555)).unwrap();
}

fn writable(dir: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755)).unwrap();
}

// ---------------------------------------------------------------------------------------
// Dockerfile, compose.yaml, systemd unit

/// The Dockerfile's instructions (continuation lines joined, comments dropped), as
/// (INSTRUCTION, arguments), for the stage that starts at the last FROM.
fn runtime_stage() -> Vec<(String, String)> {
    let text = std::fs::read_to_string(repo("Dockerfile")).unwrap();
    let mut instructions = Vec::new();
    let mut current = String::new();
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('#') || (line.is_empty() && current.is_empty()) {
            continue;
        }
        match line.strip_suffix('\\') {
            Some(part) => current.push_str(part),
            None => {
                current.push_str(line);
                let (word, rest) = current.split_once(' ').unwrap_or((&current, ""));
                instructions.push((word.to_uppercase(), rest.trim().to_string()));
                current.clear();
            }
        }
    }
    let last_from = instructions.iter().rposition(|(i, _)| i == "FROM").unwrap();
    instructions.split_off(last_from)
}

fn instruction<'a>(stage: &'a [(String, String)], name: &str) -> Vec<&'a str> {
    stage
        .iter()
        .filter(|(i, _)| i == name)
        .map(|(_, args)| args.as_str())
        .collect()
}

#[test]
fn the_dockerfile_runs_as_a_user_with_a_volume_a_health_check_and_real_paths() {
    let text = std::fs::read_to_string(repo("Dockerfile")).unwrap();
    let stage = runtime_stage();

    let user = instruction(&stage, "USER");
    assert_eq!(user.len(), 1, "{stage:?}");
    assert!(
        !["root", "0", "0:0"].contains(&user[0]),
        "runs as {}",
        user[0]
    );
    assert!(instruction(&stage, "VOLUME")[0].contains("\"/data\""));
    assert_eq!(instruction(&stage, "EXPOSE"), ["9090"]);
    assert_eq!(instruction(&stage, "STOPSIGNAL"), ["SIGTERM"]);

    let healthcheck = instruction(&stage, "HEALTHCHECK");
    assert_eq!(healthcheck.len(), 1);
    for option in ["--interval=", "--timeout=", "--start-period="] {
        assert!(healthcheck[0].contains(option), "{}", healthcheck[0]);
    }
    let command = healthcheck[0].split("CMD").nth(1).unwrap().trim();
    let argv: Vec<String> = serde_json::from_str(command).expect("HEALTHCHECK CMD in exec form");
    assert_eq!(argv, ["newshound", "health"]);
    // The command the image runs is one the binary has, needing no config.
    let nowhere = tempfile::tempdir().unwrap();
    let help = newshound_in(nowhere.path(), &[&argv[1], "--help"]);
    assert!(help.status.success(), "{help:?}");
    assert!(stdout(&help).contains(newshound::cli::DEFAULT_HEALTH_URL));
    // ...and the address it asks is where the image's daemon listens.
    let env = instruction(&stage, "ENV").join(" ");
    assert!(
        env.contains("NEWSHOUND__SERVER__LISTEN=0.0.0.0:9090"),
        "{env}"
    );
    assert!(newshound::cli::DEFAULT_HEALTH_URL.starts_with("http://127.0.0.1:9090/"));
    assert!(env.contains("NEWSHOUND__STORAGE__PATH=/data/"), "{env}");

    // Every file COPY'd from the build context exists, and .dockerignore keeps it in.
    let ignored = std::fs::read_to_string(repo(".dockerignore")).unwrap();
    let ignored: Vec<&str> = ignored
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    assert!(ignored.contains(&"target/") && ignored.contains(&".git/"));
    let mut sources = Vec::new();
    for line in text.lines().map(str::trim) {
        if let Some(args) = line.strip_prefix("COPY ")
            && !args.starts_with("--from")
        {
            let parts: Vec<&str> = args.split_whitespace().collect();
            sources.extend(parts[..parts.len() - 1].iter().map(|s| s.to_string()));
        }
    }
    assert!(sources.contains(&"src".to_string()), "{sources:?}");
    for source in &sources {
        assert!(repo(source).exists(), "COPY {source}: no such path");
        let top = source.split('/').next().unwrap();
        assert!(
            !ignored.iter().any(|i| i.trim_end_matches('/') == top),
            "COPY {source} is excluded by .dockerignore"
        );
    }
    // Cargo refuses to build anything when a target that Cargo.toml names explicitly has
    // no file (the image once lacked benches/ for the [[bench]]): each must be COPY'd.
    let manifest: toml::Table = std::fs::read_to_string(repo("Cargo.toml"))
        .unwrap()
        .parse()
        .unwrap();
    for (kind, folder) in [
        ("bench", "benches"),
        ("test", "tests"),
        ("example", "examples"),
    ] {
        if manifest.get(kind).is_some() {
            assert!(
                sources.iter().any(|s| s == folder),
                "Cargo.toml has [[{kind}]] targets but the image does not COPY {folder}"
            );
        }
    }
    // The entry point reads the config where the image puts it.
    let entrypoint: Vec<String> =
        serde_json::from_str(instruction(&stage, "ENTRYPOINT")[0]).unwrap();
    assert_eq!(
        entrypoint,
        ["newshound", "--config", "/config/newshound.toml"]
    );
    assert!(text.contains("COPY config/newshound.toml /config/newshound.toml"));
}

#[test]
fn compose_mounts_config_and_data_checks_health_and_keeps_the_relay_optional() {
    let text = std::fs::read_to_string(repo("compose.yaml")).unwrap();
    // A service's block: its `  name:` line, then the lines indented deeper.
    let service = |name: &str| -> String {
        let mut lines = text.lines().skip_while(|l| *l != format!("  {name}:"));
        assert!(lines.next().is_some(), "no service {name}");
        lines
            .take_while(|l| l.trim().is_empty() || l.starts_with("    "))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let newshound = service("newshound");
    for line in [
        "restart: unless-stopped",
        "- ./config:/config:ro",
        "- newshound-data:/data",
        "test: [\"CMD\", \"newshound\", \"health\"]",
        "stop_signal: SIGTERM",
        "build: .",
    ] {
        assert!(
            newshound.contains(line),
            "newshound service lacks `{line}`:\n{newshound}"
        );
    }
    assert!(
        !newshound.contains("profiles:"),
        "newshound must start by default"
    );
    let relay = service("relay");
    assert!(relay.contains("profiles: [relay]"), "{relay}");
    assert!(relay.contains("image: "), "{relay}");
    // The documented config points at the relay by its service name.
    assert!(text.contains("host = \"relay\""));
}

#[test]
fn the_systemd_unit_reloads_with_hup_checks_first_and_is_hardened() {
    let text = std::fs::read_to_string(repo("deploy/newshound.service")).unwrap();
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    for expected in [
        "ExecReload=/bin/kill -HUP $MAINPID",
        "Restart=on-failure",
        "ProtectSystem=strict",
        "DynamicUser=yes",
        "StateDirectory=newshound",
        "ReadWritePaths=/var/lib/newshound",
        "NoNewPrivileges=yes",
    ] {
        assert!(lines.contains(&expected), "the unit lacks `{expected}`");
    }
    let start_pre = lines
        .iter()
        .find(|l| l.starts_with("ExecStartPre="))
        .expect("ExecStartPre");
    assert!(start_pre.ends_with(" check"), "{start_pre}");
    let start = lines.iter().find(|l| l.starts_with("ExecStart=")).unwrap();
    assert!(start.ends_with(" run"), "{start}");
    // Both use the same configuration, and the binary takes the flags as written.
    let config = |line: &str| line.split_whitespace().nth(2).map(str::to_string);
    assert_eq!(config(start_pre), config(start));
    assert!(lines.contains(&"Type=simple") || lines.contains(&"Type=notify"));
}
