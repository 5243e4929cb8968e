//! Stored settings. The KPI thresholds live in the database, not in a config file, because the
//! rollups were computed with them: changing them must rebuild the rollups in the same
//! transaction, or dashboards would mix two definitions.

use servq_kpi::KpiSettings;
use sqlx::AnyConnection;

use crate::{Result, Store, StoreError, cubes, rollup};

const SHORT_ABANDON: &str = "kpi.short_abandon_ms";
const SERVICE_LEVEL: &str = "kpi.service_level_ms";
const FCR_WINDOW: &str = "kpi.fcr_window_ms";

async fn setting(connection: &mut AnyConnection, key: &str, default: i64) -> Result<i64> {
    let value: Option<String> = sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
        .bind(key)
        .fetch_optional(&mut *connection)
        .await?;
    match value {
        None => Ok(default),
        Some(text) => text.parse().map_err(|_| StoreError::BadSetting {
            key: key.to_owned(),
            value: text,
        }),
    }
}

pub(crate) async fn kpi_settings(connection: &mut AnyConnection) -> Result<KpiSettings> {
    let defaults = KpiSettings::default();
    Ok(KpiSettings {
        short_abandon_ms: setting(connection, SHORT_ABANDON, defaults.short_abandon_ms).await?,
        service_level_ms: setting(connection, SERVICE_LEVEL, defaults.service_level_ms).await?,
        fcr_window_ms: setting(connection, FCR_WINDOW, defaults.fcr_window_ms).await?,
    })
}

impl Store {
    /// The KPI thresholds the rollups are computed with.
    pub async fn kpi_settings(&self) -> Result<KpiSettings> {
        let mut connection = self.pool.acquire().await?;
        kpi_settings(&mut connection).await
    }

    /// The centre's time zone: day cubes are cut at its midnights.
    pub async fn centre_zone(&self) -> Result<String> {
        let mut connection = self.pool.acquire().await?;
        cubes::centre_zone_name(&mut connection).await
    }

    /// Changes the centre's time zone (an IANA name, checked by the caller) and rebuilds the day
    /// cubes at the new midnights, atomically.
    pub async fn set_centre_zone(&self, zone_name: &str) -> Result<()> {
        let mut transaction = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(cubes::CENTRE_ZONE_KEY)
        .bind(zone_name)
        .execute(&mut *transaction)
        .await?;
        cubes::rebuild(&mut transaction, cubes::Source::Contacts).await?;
        cubes::rebuild(&mut transaction, cubes::Source::States).await?;
        crate::ticket_cube::mark_all(&mut transaction).await?;
        crate::cache::bump_data_version(&mut transaction).await?;
        transaction.commit().await?;
        Ok(())
    }

    /// Stores new KPI thresholds and rebuilds the contact rollup with them, atomically.
    pub async fn set_kpi_settings(&self, settings: &KpiSettings) -> Result<()> {
        let mut transaction = self.begin_write().await?;
        for (key, value) in [
            (SHORT_ABANDON, settings.short_abandon_ms),
            (SERVICE_LEVEL, settings.service_level_ms),
            (FCR_WINDOW, settings.fcr_window_ms),
        ] {
            sqlx::query(
                "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            )
            .bind(key)
            .bind(value.to_string())
            .execute(&mut *transaction)
            .await?;
        }
        rollup::rebuild_contact_rollup(&mut transaction, settings).await?;
        crate::cache::bump_data_version(&mut transaction).await?;
        transaction.commit().await?;
        Ok(())
    }

    /// A text setting (JSON documents such as the desk calendar), if set.
    pub async fn text_setting(&self, key: &str) -> Result<Option<String>> {
        Ok(
            sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
                .bind(key)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    /// Stores one text setting (JSON the caller checked) and audits it.
    pub async fn set_text_setting(
        &self,
        key: &str,
        value: &str,
        actor: &crate::Actor,
        now_ms: i64,
    ) -> Result<()> {
        self.set_text_settings(&[(key, value.to_owned())], actor, now_ms)
            .await
    }

    /// Stores several text settings in one transaction (all or none), each audited.
    pub async fn set_text_settings(
        &self,
        settings: &[(&str, String)],
        actor: &crate::Actor,
        now_ms: i64,
    ) -> Result<()> {
        let mut transaction = self.begin_write().await?;
        for (key, value) in settings {
            sqlx::query(
                "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            )
            .bind(*key)
            .bind(value)
            .execute(&mut *transaction)
            .await?;
            crate::users::audit(
                &mut transaction,
                actor,
                now_ms,
                "update",
                "setting",
                key,
                "{}",
            )
            .await?;
        }
        transaction.commit().await?;
        Ok(())
    }
}
