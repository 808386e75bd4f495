//! `meeting-server units …` and `meeting-server holidays …`: the office's directory of
//! units and its holiday calendar, for admins at the server. Messages in Vietnamese, then
//! English.

use std::path::PathBuf;

use clap::Subcommand;
use meeting_protocol::{Holiday, UnitInput, parse_day};
use time::OffsetDateTime;

use crate::store::Mode;
use crate::{AppState, Config};

/// Where the office's data is.
#[derive(Debug, clap::Args)]
pub struct Office {
    /// Holds server.db.
    #[arg(long, env = "MEETING_DATA_DIR")]
    data_dir: PathBuf,
    /// The database, if not the data directory's SQLite: postgres://USER@HOST/DB.
    #[arg(long, env = "MEETING_DATABASE")]
    database: Option<String>,
}

impl Office {
    fn open(&self) -> anyhow::Result<AppState> {
        let mut config = Config::new(&self.data_dir);
        config.database.clone_from(&self.database);
        Ok(AppState::open(config)?)
    }
}

/// `meeting-server units`.
#[derive(Debug, Subcommand)]
pub enum UnitsCommand {
    /// Add a unit (sở, ban, ngành, UBND huyện): `--code SKHDT --name "Sở Kế hoạch và Đầu tư"`.
    Add {
        #[command(flatten)]
        office: Office,
        /// Short code, unique in the office: letters and digits (SKHDT).
        #[arg(long)]
        code: String,
        /// Full name.
        #[arg(long)]
        name: String,
    },
    /// List the units.
    List {
        #[command(flatten)]
        office: Office,
        /// As JSON.
        #[arg(long)]
        json: bool,
    },
}

/// `meeting-server holidays`.
#[derive(Debug, Subcommand)]
pub enum HolidaysCommand {
    /// Add a day off (YYYY-MM-DD); adding a day again renames it.
    Add {
        #[command(flatten)]
        office: Office,
        /// The day, YYYY-MM-DD.
        date: String,
        /// Its name ("Tết Nguyên đán").
        #[arg(long, default_value = "")]
        name: String,
    },
    /// Remove a day off.
    Remove {
        #[command(flatten)]
        office: Office,
        /// The day, YYYY-MM-DD.
        date: String,
    },
    /// List the days off.
    List {
        #[command(flatten)]
        office: Office,
        /// As JSON.
        #[arg(long)]
        json: bool,
    },
}

/// Runs `meeting-server units …`.
pub fn units(command: UnitsCommand) -> anyhow::Result<()> {
    match command {
        UnitsCommand::Add { office, code, name } => {
            let state = office.open()?;
            let input = UnitInput { code, name };
            let unit = state.db.run_blocking(Mode::Write, move |tx| {
                crate::core::tasks::add_unit(tx, &input, OffsetDateTime::now_utc())
            })?;
            println!("Đã thêm đơn vị {} — {} / Added unit {}.", unit.code, unit.name, unit.code);
        }
        UnitsCommand::List { office, json } => {
            let state = office.open()?;
            let units = state.db.run_blocking(Mode::Read, |tx| Ok(crate::store::units::all(tx)?))?;
            if json {
                println!("{}", serde_json::to_string_pretty(&units)?);
            } else if units.is_empty() {
                println!("Chưa có đơn vị nào / No units yet: meeting-server units add --code CODE --name NAME");
            } else {
                for u in units {
                    println!("{:<12} {}", u.code, u.name);
                }
            }
        }
    }
    Ok(())
}

fn day(text: &str) -> anyhow::Result<time::Date> {
    parse_day(text.trim()).ok_or_else(|| {
        anyhow::anyhow!("ngày {text:?} không hợp lệ, hãy viết YYYY-MM-DD / {text:?} is not a day: write YYYY-MM-DD")
    })
}

/// Runs `meeting-server holidays …`.
pub fn holidays(command: HolidaysCommand) -> anyhow::Result<()> {
    match command {
        HolidaysCommand::Add { office, date, name } => {
            let h = Holiday { day: day(&date)?, name: crate::core::meetings::text("name", &name, 200, false)? };
            let state = office.open()?;
            let shown = h.clone();
            state.db.run_blocking(Mode::Write, move |tx| Ok(crate::store::units::put_holiday(tx, &h)?))?;
            println!("Đã thêm ngày nghỉ {} / Added the holiday {}.", vn_day(shown.day), shown.day);
        }
        HolidaysCommand::Remove { office, date } => {
            let d = day(&date)?;
            let state = office.open()?;
            let removed =
                state.db.run_blocking(Mode::Write, move |tx| Ok(crate::store::units::remove_holiday(tx, d)?))?;
            if removed {
                println!("Đã bỏ ngày nghỉ {} / Removed the holiday {d}.", vn_day(d));
            } else {
                anyhow::bail!("ngày {} không có trong lịch nghỉ / {d} is not a holiday", vn_day(d));
            }
        }
        HolidaysCommand::List { office, json } => {
            let state = office.open()?;
            let days = state.db.run_blocking(Mode::Read, |tx| Ok(crate::store::units::holidays(tx)?))?;
            if json {
                println!("{}", serde_json::to_string_pretty(&days)?);
            } else {
                for h in days {
                    println!("{}  {}", vn_day(h.day), h.name);
                }
            }
        }
    }
    Ok(())
}

/// A day as Vietnamese write it: `05/02/2027`.
fn vn_day(d: time::Date) -> String {
    format!("{:02}/{:02}/{:04}", d.day(), u8::from(d.month()), d.year())
}
