//! The passwords the CLI asks for: the device's (to open its encrypted documents), the
//! server's at login, and the device's old one after a change on the server.

use std::io::{IsTerminal as _, Read as _};

use meeting_client::ClientError;

/// The password that unlocks this device's documents: `MEETING_PASSWORD` (for
/// scripts), else asked on the terminal; without either the command says it is locked.
/// Standard input is left alone: some commands read a document's password from it.
pub(crate) fn device_password() -> Option<zeroize::Zeroizing<String>> {
    if let Ok(p) = std::env::var("MEETING_PASSWORD") {
        return Some(zeroize::Zeroizing::new(p));
    }
    if std::io::stdin().is_terminal() {
        return rpassword::prompt_password("Password (to open this device's documents): ")
            .ok()
            .map(zeroize::Zeroizing::new);
    }
    None
}

pub(crate) fn old_password() -> Result<zeroize::Zeroizing<String>, ClientError> {
    if let Ok(p) = std::env::var("MEETING_OLD_PASSWORD") {
        return Ok(zeroize::Zeroizing::new(p));
    }
    rpassword::prompt_password("This device's old password: ")
        .map(zeroize::Zeroizing::new)
        .map_err(ClientError::io("reading the old password"))
}

pub(crate) fn read_password() -> Result<String, ClientError> {
    if std::io::stdin().is_terminal() {
        rpassword::prompt_password("Password: ").map_err(ClientError::io("reading the password"))
    } else {
        let mut s = String::new();
        std::io::stdin().read_to_string(&mut s).map_err(ClientError::io("reading the password from standard input"))?;
        Ok(s.trim_end_matches(['\n', '\r']).to_owned())
    }
}
