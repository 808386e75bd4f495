//! `meeting admin …`: every user's device sessions, for admins; revoking one (a lost
//! laptop) makes that device erase its keys and copies at its next contact.

use clap::Subcommand;
use meeting_client::wipe::Devices;
use meeting_client::{ClientError, Profile};
use uuid::Uuid;

/// Admin commands.
#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// List the device sessions still valid, of every user or of one.
    Devices {
        /// Only this user's devices (login name).
        #[arg(long)]
        user: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Revoke a device session (its id from `meeting admin devices`): the device erases
    /// its keys and copies of meetings at its next contact.
    RevokeDevice {
        /// The session's id.
        token_id: Uuid,
    },
}

/// Runs an admin command.
pub async fn run(profile: &Profile, command: AdminCommand) -> Result<(), ClientError> {
    let devices = Devices::new(profile)?;
    match command {
        AdminCommand::Devices { user, json } => {
            let list = devices.list(user.as_deref()).await?;
            if json {
                return crate::print_json(&list);
            }
            if list.is_empty() {
                println!("No device sessions.");
            }
            for d in list {
                println!(
                    "{}  {:<12} {:<28} since {}  last sync {}",
                    d.id,
                    d.user.username,
                    d.device_name.as_deref().unwrap_or("(unnamed)"),
                    d.created_at.date(),
                    d.last_sync_at.as_deref().unwrap_or("never"),
                );
            }
        }
        AdminCommand::RevokeDevice { token_id } => {
            devices.revoke(token_id).await?;
            eprintln!("Revoked {token_id}: the device erases its keys and copies at its next contact.");
        }
    }
    Ok(())
}
