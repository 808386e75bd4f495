//! The province's units (`units`), the unit a user acts for (`users.unit_id`) and the
//! office's holidays (`holidays`). The rules are in [`crate::core::tasks`].

use meeting_protocol::{Holiday, Unit};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use super::StoreResult;
use super::sql::{Row, Tx, params};

fn unit_row(r: &Row<'_>) -> StoreResult<Unit> {
    Ok(Unit { id: r.get(0)?, code: r.get(1)?, name: r.get(2)? })
}

/// Adds a unit unless its code is taken; whether it was added.
pub fn insert(tx: &Tx<'_>, unit: &Unit, at: OffsetDateTime) -> StoreResult<bool> {
    let n = tx.execute(
        "INSERT INTO units (id, code, name, created_at) VALUES (?1, ?2, ?3, ?4) ON CONFLICT (code) DO NOTHING",
        params![unit.id, unit.code, unit.name, at],
    )?;
    Ok(n > 0)
}

/// Every unit, by code.
pub fn all(tx: &Tx<'_>) -> StoreResult<Vec<Unit>> {
    tx.query_map("SELECT id, code, name FROM units ORDER BY code", (), unit_row)
}

/// The unit of this code (any case).
pub fn by_code(tx: &Tx<'_>, code: &str) -> StoreResult<Option<Unit>> {
    tx.query_opt("SELECT id, code, name FROM units WHERE code = ?1", [code], unit_row)
}

/// The unit of this id.
pub fn by_id(tx: &Tx<'_>, id: &Uuid) -> StoreResult<Option<Unit>> {
    tx.query_opt("SELECT id, code, name FROM units WHERE id = ?1", [id], unit_row)
}

/// The unit the user acts for, if any.
pub fn of_user(tx: &Tx<'_>, user_id: &str) -> StoreResult<Option<Uuid>> {
    Ok(tx.query_opt("SELECT unit_id FROM users WHERE id = ?1", [user_id], |r| r.get::<_, Option<Uuid>>(0))?.flatten())
}

/// Sets the unit a user acts for.
pub fn set_user_unit(tx: &Tx<'_>, user_id: &Uuid, unit: Option<&Uuid>) -> StoreResult<()> {
    tx.execute("UPDATE users SET unit_id = ?2 WHERE id = ?1", params![user_id, unit])?;
    Ok(())
}

/// The enabled users acting for the unit.
pub fn members(tx: &Tx<'_>, unit: &Uuid) -> StoreResult<Vec<String>> {
    tx.query_map("SELECT id FROM users WHERE unit_id = ?1 AND disabled = 0", [unit], |r| r.get(0))
}

/// Adds or renames a holiday.
pub fn put_holiday(tx: &Tx<'_>, h: &Holiday) -> StoreResult<()> {
    tx.execute(
        "INSERT INTO holidays (day, name) VALUES (?1, ?2) ON CONFLICT (day) DO UPDATE SET name = excluded.name",
        params![h.day, h.name],
    )?;
    Ok(())
}

/// Removes a holiday; whether there was one.
pub fn remove_holiday(tx: &Tx<'_>, day: Date) -> StoreResult<bool> {
    Ok(tx.execute("DELETE FROM holidays WHERE day = ?1", params![day])? > 0)
}

/// The holidays, by day.
pub fn holidays(tx: &Tx<'_>) -> StoreResult<Vec<Holiday>> {
    tx.query_map("SELECT day, name FROM holidays ORDER BY day", (), |r| Ok(Holiday { day: r.get(0)?, name: r.get(1)? }))
}
