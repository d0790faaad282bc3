//! The signals `newshound run` listens for: SIGINT and SIGTERM stop the daemon, SIGHUP
//! reloads its configuration.

/// Signals for `newshound run`: the first SIGINT or SIGTERM completes the returned
/// future (a clean shutdown); a second one exits at once, with 128 + its number as the
/// shell reports a death by signal. SIGHUP asks for a config reload on `reload`. The
/// handlers are installed here, before the daemon starts, so a signal that arrives during
/// start-up is not lost (nor does it kill the process with its default action).
#[cfg(unix)]
pub(super) fn service_signals(
    reload: tokio::sync::mpsc::UnboundedSender<()>,
) -> anyhow::Result<impl std::future::Future<Output = ()>> {
    use anyhow::Context as _;
    use tokio::signal::unix::{SignalKind, signal};
    let mut interrupt = signal(SignalKind::interrupt()).context("cannot listen for SIGINT")?;
    let mut terminate = signal(SignalKind::terminate()).context("cannot listen for SIGTERM")?;
    let mut hangup = signal(SignalKind::hangup()).context("cannot listen for SIGHUP")?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        let mut stop = Some(stop);
        loop {
            let (name, code) = tokio::select! {
                _ = interrupt.recv() => ("SIGINT", 130),
                _ = terminate.recv() => ("SIGTERM", 143),
                _ = hangup.recv() => {
                    tracing::info!("SIGHUP received; reloading the configuration");
                    let _ = reload.send(());
                    continue;
                }
            };
            match stop.take() {
                Some(stop) => {
                    tracing::info!("{name} received; a second one stops at once");
                    let _ = stop.send(());
                }
                None => {
                    tracing::warn!("{name} received again: exiting now, without waiting");
                    std::process::exit(code);
                }
            }
        }
    });
    Ok(async move {
        let _ = stopped.await;
    })
}

#[cfg(not(unix))]
pub(super) fn service_signals(
    _reload: tokio::sync::mpsc::UnboundedSender<()>,
) -> anyhow::Result<impl std::future::Future<Output = ()>> {
    Ok(async {
        if tokio::signal::ctrl_c().await.is_ok() {
            tracing::info!("Ctrl-C received");
        }
    })
}
