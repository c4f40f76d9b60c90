//! SIGINT and SIGTERM: the first asks the command to stop (no new write
//! starts; it reports what it had done and exits 130 or 143), a second
//! ends the process at once. If the command has not ended a second after
//! the first, the process ends by itself: every command stops within a
//! second.

use std::fmt;
use std::time::Duration;

use tokio::sync::watch;

use crate::exit;

/// How long a command has to stop after the first signal.
pub const GRACE: Duration = Duration::from_secs(1);

/// The signal that stopped the command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Signal {
    /// SIGINT: Ctrl-C, or the first signal of a cancelled CI job.
    Interrupt,
    /// SIGTERM: a CI job cancelled, or a process manager stopping it.
    Terminate,
}

impl Signal {
    /// The exit code it ends the command with (130 or 143).
    pub fn exit_code(self) -> u8 {
        match self {
            Signal::Interrupt => exit::SIGINT,
            Signal::Terminate => exit::SIGTERM,
        }
    }
}

impl fmt::Display for Signal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Signal::Interrupt => "SIGINT",
            Signal::Terminate => "SIGTERM",
        })
    }
}

/// Whether, and by which signal, the command was asked to stop. Clones
/// share it.
#[derive(Clone, Debug)]
pub struct Interrupt {
    signal: watch::Receiver<Option<Signal>>,
}

impl Interrupt {
    /// Starts listening for SIGINT and SIGTERM (on Windows, Ctrl-C). Call
    /// it inside the runtime, before any work: from then on a signal no
    /// longer ends the process by itself. `before_exit` runs when the
    /// process is ended without the command's own ending (a second
    /// signal, or no stop within [`GRACE`]): it finishes the output.
    pub fn listen(before_exit: impl Fn() + Send + 'static) -> Interrupt {
        let (send, signal) = watch::channel(None);
        match Signals::new() {
            Ok(mut signals) => {
                tokio::spawn(async move {
                    let first = signals.next().await;
                    let _ = send.send(Some(first));
                    let ended = tokio::select! {
                        second = signals.next() => {
                            before_exit();
                            eprintln!("partner-center: {second} again: stopping at once, without the report. Running the same command again continues from where it stopped.");
                            second
                        }
                        () = tokio::time::sleep(GRACE) => {
                            before_exit();
                            eprintln!("partner-center: {first}: the command did not stop within {} s; stopping now. Running the same command again continues from where it stopped.", GRACE.as_secs());
                            first
                        }
                    };
                    std::process::exit(ended.exit_code().into());
                });
            }
            Err(e) => {
                eprintln!(
                    "warning: cannot listen for SIGINT and SIGTERM ({e}); a signal ends the command without its report"
                );
                // The sender lives on, so the command is never told to stop.
                std::mem::forget(send);
            }
        }
        Interrupt { signal }
    }

    /// An interrupt that a test sets itself.
    #[cfg(test)]
    pub fn manual() -> (Interrupt, watch::Sender<Option<Signal>>) {
        let (send, signal) = watch::channel(None);
        (Interrupt { signal }, send)
    }

    /// The signal that asked the command to stop, if one did.
    pub fn signal(&self) -> Option<Signal> {
        *self.signal.borrow()
    }

    /// Waits until a signal asks the command to stop (forever if none does).
    pub async fn wait(&self) -> Signal {
        let mut signal = self.signal.clone();
        let seen = signal.wait_for(Option::is_some).await.ok().and_then(|s| *s);
        match seen {
            Some(s) => s,
            None => std::future::pending().await,
        }
    }
}

/// The signals listened for.
#[cfg(unix)]
struct Signals {
    interrupt: tokio::signal::unix::Signal,
    terminate: tokio::signal::unix::Signal,
}

#[cfg(unix)]
impl Signals {
    fn new() -> std::io::Result<Signals> {
        use tokio::signal::unix::{signal, SignalKind};
        Ok(Signals {
            interrupt: signal(SignalKind::interrupt())?,
            terminate: signal(SignalKind::terminate())?,
        })
    }

    async fn next(&mut self) -> Signal {
        tokio::select! {
            Some(()) = self.interrupt.recv() => Signal::Interrupt,
            Some(()) = self.terminate.recv() => Signal::Terminate,
            else => std::future::pending().await,
        }
    }
}

/// The signals listened for (Ctrl-C only).
#[cfg(not(unix))]
struct Signals {
    ctrl_c: tokio::signal::windows::CtrlC,
}

#[cfg(not(unix))]
impl Signals {
    fn new() -> std::io::Result<Signals> {
        Ok(Signals {
            ctrl_c: tokio::signal::windows::ctrl_c()?,
        })
    }

    async fn next(&mut self) -> Signal {
        match self.ctrl_c.recv().await {
            Some(()) => Signal::Interrupt,
            None => std::future::pending().await,
        }
    }
}

/// The command line as it was run, quoted for a POSIX shell, to say how
/// to continue.
pub fn same_command() -> String {
    std::env::args_os()
        .map(|arg| quote(&arg.to_string_lossy()))
        .collect::<Vec<_>>()
        .join(" ")
}

fn quote(arg: &str) -> String {
    let plain = !arg.is_empty()
        && arg
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:@%+,".contains(c));
    if plain {
        arg.to_string()
    } else {
        format!("'{}'", arg.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_128_plus_the_signal() {
        assert_eq!(Signal::Interrupt.exit_code(), 130);
        assert_eq!(Signal::Terminate.exit_code(), 143);
        assert_eq!(Signal::Terminate.to_string(), "SIGTERM");
    }

    #[test]
    fn the_command_is_quoted_as_a_shell_reads_it() {
        assert_eq!(quote("apply"), "apply");
        assert_eq!(quote("offers/a.yaml"), "offers/a.yaml");
        assert_eq!(quote("my offer.yaml"), "'my offer.yaml'");
        assert_eq!(quote("it's"), r"'it'\''s'");
        assert_eq!(quote(""), "''");
    }

    #[tokio::test]
    async fn waiting_ends_with_the_signal_and_it_stays_set() {
        let (interrupt, send) = Interrupt::manual();
        assert_eq!(interrupt.signal(), None);
        let waiting = tokio::spawn({
            let interrupt = interrupt.clone();
            async move { interrupt.wait().await }
        });
        tokio::task::yield_now().await;
        assert!(!waiting.is_finished());
        send.send(Some(Signal::Terminate)).unwrap();
        assert_eq!(waiting.await.unwrap(), Signal::Terminate);
        assert_eq!(interrupt.signal(), Some(Signal::Terminate));
        assert_eq!(interrupt.wait().await, Signal::Terminate);
    }
}
