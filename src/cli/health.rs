//! `newshound health`: the client of the daemon's health endpoint, for container health
//! checks where no curl is installed.

use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context as _;

use crate::wording::one_line_within;

/// How long `newshound health` waits for the whole answer.
const HEALTH_TIMEOUT: Duration = Duration::from_secs(3);

/// `health`: GET the endpoint; success only for a 200. Proxies are ignored: the endpoint
/// is the daemon beside this process, and a proxy set for the feeds must not answer for it.
pub(super) async fn check(url: &str) -> anyhow::Result<ExitCode> {
    let parsed = url::Url::parse(url).map_err(|e| anyhow::anyhow!("--url `{url}`: {e}"))?;
    anyhow::ensure!(
        matches!(parsed.scheme(), "http" | "https"),
        "--url `{url}`: only http:// and https:// can be checked"
    );
    let client = reqwest::Client::builder()
        .timeout(HEALTH_TIMEOUT)
        .no_proxy()
        .build()
        .context("cannot set up an HTTP client")?;
    let answer = async {
        let mut response = client.get(parsed).send().await?;
        let status = response.status();
        // The reason a health endpoint gives fits in a few lines; read no more.
        let mut body = Vec::new();
        while body.len() < 4096
            && let Some(chunk) = response.chunk().await?
        {
            body.extend_from_slice(&chunk);
        }
        Ok::<_, reqwest::Error>((status, body))
    }
    .await;
    match answer {
        Ok((status, body)) => {
            let healthy = status == reqwest::StatusCode::OK;
            let reason = one_line_within(&String::from_utf8_lossy(&body), 200);
            println!(
                "{} {url}: {status}{}",
                if healthy { "healthy" } else { "unhealthy" },
                if reason.is_empty() {
                    String::new()
                } else {
                    format!(": {reason}")
                }
            );
            Ok(if healthy {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        Err(e) if e.is_timeout() => {
            println!(
                "unhealthy {url}: no answer within {}",
                humantime::format_duration(HEALTH_TIMEOUT)
            );
            Ok(ExitCode::FAILURE)
        }
        Err(e) if e.is_connect() => {
            // The innermost cause ("Connection refused") is the news; the layers above it
            // only repeat the URL.
            let mut cause: &dyn std::error::Error = &e;
            while let Some(inner) = cause.source() {
                cause = inner;
            }
            println!("unhealthy {url}: cannot connect: {cause}");
            Ok(ExitCode::FAILURE)
        }
        Err(e) => {
            println!("unhealthy {url}: {:#}", anyhow::Error::from(e));
            Ok(ExitCode::FAILURE)
        }
    }
}
