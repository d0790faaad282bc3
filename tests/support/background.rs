//! A server loop on a thread of its own, with its own runtime, that stops when dropped.
//!
//! Dropping the runtime (rather than asking each task to finish) is what makes shutdown
//! reliable: connections parked in `/hang`, `/trickle` or an idle SMTP session are
//! cancelled and their sockets closed, so the port is free again once `drop` returns.

use std::future::Future;
use std::net::TcpListener as StdTcpListener;
use std::thread::JoinHandle;

use tokio::net::TcpListener;
use tokio::sync::oneshot;

pub(crate) struct Background {
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Background {
    /// Runs `serve(listener)` on a new thread until [`Background::stop`] or drop.
    ///
    /// The listener is bound by the caller, so the port is known (and connectable) before
    /// this returns.
    pub(crate) fn spawn<F, Fut>(name: &str, listener: StdTcpListener, serve: F) -> Background
    where
        F: FnOnce(TcpListener) -> Fut + Send + 'static,
        Fut: Future<Output = ()>,
    {
        listener
            .set_nonblocking(true)
            .expect("set listener non-blocking");
        let (shutdown, stopped) = oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name(name.to_string())
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("build server runtime");
                runtime.block_on(async move {
                    let listener = TcpListener::from_std(listener).expect("register listener");
                    tokio::select! {
                        () = serve(listener) => {}
                        _ = stopped => {}
                    }
                });
                // Cancels every connection task still running and closes its socket.
                drop(runtime);
            })
            .expect("spawn server thread");
        Background {
            shutdown: Some(shutdown),
            thread: Some(thread),
        }
    }

    /// Stops the server and waits until its sockets are closed.
    pub(crate) fn stop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(thread) = self.thread.take() {
            // A panic on the server thread has already been printed; re-raising it from
            // a destructor could abort the test binary, so it is not propagated.
            let _ = thread.join();
        }
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        self.stop();
    }
}
