//! A real OS keystore for a test: a private D-Bus session bus with GNOME Keyring's
//! Secret Service on it, its keyrings in a temporary home, unlocked with a known
//! password. Each one is another "machine's" keystore; dropping it stops both daemons.

use std::io::{BufRead as _, Write as _};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running private Secret Service; see the module.
pub struct OsKeystore {
    bus: Child,
    keyring: Child,
    address: String,
    _home: tempfile::TempDir,
}

impl OsKeystore {
    /// Starts the bus and the keyring daemon; panics with what to install when missing.
    pub fn start() -> Self {
        Self::try_start().unwrap_or_else(|e| panic!("{e}"))
    }

    /// [`OsKeystore::start`], saying what is missing instead of panicking (a benchmark
    /// measures the keystore's path only where it can run).
    pub fn try_start() -> Result<Self, String> {
        let home = tempfile::tempdir().map_err(|e| e.to_string())?;
        let mut bus = Command::new("dbus-daemon")
            .args(["--session", "--nofork", "--print-address=1"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("dbus-daemon (package dbus-daemon, see scripts/setup): {e}"))?;
        let mut address = String::new();
        if let Some(out) = bus.stdout.take() {
            let _ = std::io::BufReader::new(out).read_line(&mut address);
        }
        let address = address.trim().to_owned();
        if address.is_empty() {
            let _ = bus.kill();
            let _ = bus.wait();
            return Err("dbus-daemon printed no address".into());
        }
        let keyring = Command::new("gnome-keyring-daemon")
            .args(["--foreground", "--unlock", "--components=secrets"])
            .env("DBUS_SESSION_BUS_ADDRESS", &address)
            .env("HOME", home.path())
            .env("XDG_DATA_HOME", home.path().join("data"))
            .env("XDG_RUNTIME_DIR", home.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        let mut keyring = match keyring {
            Ok(k) => k,
            Err(e) => {
                let _ = bus.kill();
                let _ = bus.wait();
                return Err(format!("gnome-keyring-daemon (package gnome-keyring, see scripts/setup): {e}"));
            }
        };
        // The new login keyring's password, then end of input.
        let _ = keyring.stdin.take().map(|mut i| i.write_all(b"keyring-test"));
        let me = Self { bus, keyring, address, _home: home };
        me.wait_for_secret_service()?;
        Ok(me)
    }

    /// The environment that makes a program use this keystore (and not the one, if any,
    /// of the session running the tests).
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![("DBUS_SESSION_BUS_ADDRESS", self.address.clone()), ("PHONGHOP_KEYSTORE", "os".into())]
    }

    fn wait_for_secret_service(&self) -> Result<(), String> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let out = Command::new("dbus-send")
                .env("DBUS_SESSION_BUS_ADDRESS", &self.address)
                .args([
                    "--session",
                    "--print-reply",
                    "--dest=org.freedesktop.DBus",
                    "/org/freedesktop/DBus",
                    "org.freedesktop.DBus.NameHasOwner",
                    "string:org.freedesktop.secrets",
                ])
                .output()
                .map_err(|e| format!("dbus-send (package dbus-bin): {e}"))?;
            if String::from_utf8_lossy(&out.stdout).contains("boolean true") {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err("GNOME Keyring did not take the Secret Service name in 10 s".into());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for OsKeystore {
    fn drop(&mut self) {
        for child in [&mut self.keyring, &mut self.bus] {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
