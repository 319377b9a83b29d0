//! The muscle catalog: the shipped entries (from `muscles.toml`, kept in step with the database
//! at every start), practice-specific additions, and the reverse lookup from a pain zone to the
//! muscles that can refer pain there.

use std::collections::{BTreeMap, HashMap};

use chrono::{NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Deserialize;

use crate::audit::{Audited, Subject};
use crate::charting::vocab::{Region, Side, View, Zone};
use crate::db::schema::{muscle_zones, muscles};
use crate::db::{DbConn, write_tx};
use crate::error::AppError;

const SHIPPED: &str = include_str!("muscles.toml");
/// The body-map figures are drawn in a 200 × 460 view box.
pub const MAP_WIDTH: f64 = 200.0;
pub const MAP_HEIGHT: f64 = 460.0;
/// Enough for any real catalog; keeps the query bounded.
const MAX_MUSCLES: i64 = 2000;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = muscles)]
pub struct Muscle {
    pub id: String,
    pub code: String,
    pub name: String,
    pub region: String,
    pub map_view: String,
    pub map_x: f64,
    pub map_y: f64,
    pub trp_sites: String,
    pub referral: String,
    pub palpation: String,
    pub shipped: bool,
    pub created_by: Option<String>,
    pub created_at: NaiveDateTime,
}

impl Muscle {
    pub fn region_label(&self) -> &str {
        Region::label_of(&self.region)
    }

    /// The body-map point for one side. Catalog points are on the person's left; the right is
    /// the mirror image across the figure's midline.
    pub fn point(&self, side: Side) -> (f64, f64) {
        match side {
            Side::Right => (MAP_WIDTH - self.map_x, self.map_y),
            Side::Left | Side::Bilateral => (self.map_x, self.map_y),
        }
    }

    /// The x of the right-side point, for the body-map script.
    pub fn mirrored_x(&self) -> f64 {
        MAP_WIDTH - self.map_x
    }

    /// A catalog entry named by its code alone, for unit tests elsewhere.
    #[cfg(test)]
    pub fn test_entry(code: &str) -> Muscle {
        Muscle {
            id: code.into(),
            code: code.into(),
            name: code.into(),
            region: "head_neck".into(),
            map_view: "back".into(),
            map_x: 50.0,
            map_y: 50.0,
            trp_sites: String::new(),
            referral: String::new(),
            palpation: String::new(),
            shipped: true,
            created_by: None,
            created_at: NaiveDateTime::default(),
        }
    }
}

impl Audited for Muscle {
    fn subject(&self) -> Subject {
        Subject::new("muscle", &self.id)
    }
}

/// One entry of `muscles.toml`.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct ShippedMuscle {
    pub code: String,
    pub name: String,
    pub region: String,
    pub view: String,
    pub x: f64,
    pub y: f64,
    pub trp_sites: String,
    pub referral: String,
    pub zones: Vec<String>,
    pub palpation: String,
}

#[derive(Debug, Deserialize)]
struct CatalogFile {
    muscle: Vec<ShippedMuscle>,
}

/// The shipped catalog, checked: known regions, views and zones, points on the map, unique codes.
pub fn shipped() -> Result<Vec<ShippedMuscle>, String> {
    let file: CatalogFile = toml::from_str(SHIPPED).map_err(|e| format!("muscles.toml: {e}"))?;
    let mut seen = std::collections::HashSet::new();
    for m in &file.muscle {
        let bad = |what: &str| format!("muscles.toml: {} has {what}", m.code);
        if !seen.insert(m.code.as_str()) {
            return Err(bad("a duplicate code"));
        }
        Region::parse(&m.region).ok_or_else(|| bad("an unknown region"))?;
        View::parse(&m.view).ok_or_else(|| bad("an unknown view"))?;
        if let Some(zone) = m.zones.iter().find(|z| Zone::parse(z).is_none()) {
            return Err(bad(&format!("the unknown zone {zone}")));
        }
        if !(0.0..=MAP_WIDTH).contains(&m.x) || !(0.0..=MAP_HEIGHT).contains(&m.y) {
            return Err(bad("a point off the body map"));
        }
    }
    Ok(file.muscle)
}

impl ShippedMuscle {
    fn row(&self, now: NaiveDateTime) -> Muscle {
        Muscle {
            // Shipped entries use their code as id, so the id is the same in every installation.
            id: self.code.clone(),
            code: self.code.clone(),
            name: self.name.clone(),
            region: self.region.clone(),
            map_view: self.view.clone(),
            map_x: self.x,
            map_y: self.y,
            trp_sites: self.trp_sites.clone(),
            referral: self.referral.clone(),
            palpation: self.palpation.clone(),
            shipped: true,
            created_by: None,
            created_at: now,
        }
    }
}

fn same_content(row: &Muscle, wanted: &Muscle) -> bool {
    (&row.name, &row.region, &row.map_view, &row.trp_sites, &row.referral, &row.palpation)
        == (
            &wanted.name,
            &wanted.region,
            &wanted.map_view,
            &wanted.trp_sites,
            &wanted.referral,
            &wanted.palpation,
        )
        && row.map_x == wanted.map_x
        && row.map_y == wanted.map_y
}

/// Brings the shipped entries in the database in line with `muscles.toml`: inserts new ones
/// and updates changed ones (with their zones). Custom entries are never touched. Returns how
/// many entries were written. Run at start-up, before the exercise library.
pub fn seed(conn: &mut DbConn) -> Result<usize, AppError> {
    let wanted = shipped().map_err(|e| AppError::Internal(anyhow::anyhow!(e)))?;
    write_tx(conn, |conn| {
        let existing: HashMap<String, Muscle> = muscles::table
            .filter(muscles::shipped.eq(true))
            .select(Muscle::as_select())
            .load(conn)?
            .into_iter()
            .map(|m| (m.id.clone(), m))
            .collect();
        let mut zones_now: HashMap<String, Vec<String>> = HashMap::new();
        for (muscle_id, zone) in muscle_zones::table
            .inner_join(muscles::table)
            .filter(muscles::shipped.eq(true))
            .select((muscle_zones::muscle_id, muscle_zones::zone))
            .load::<(String, String)>(conn)?
        {
            zones_now.entry(muscle_id).or_default().push(zone);
        }
        let now = Utc::now().naive_utc();
        let mut written = 0;
        for entry in &wanted {
            let row = entry.row(now);
            let mut zones = entry.zones.clone();
            zones.sort();
            zones.dedup();
            let mut current_zones = zones_now.remove(&row.id).unwrap_or_default();
            current_zones.sort();
            match existing.get(&row.id) {
                Some(current) if same_content(current, &row) && current_zones == zones => continue,
                Some(_) => {
                    diesel::update(muscles::table.find(&row.id))
                        .set((
                            muscles::name.eq(&row.name),
                            muscles::region.eq(&row.region),
                            muscles::map_view.eq(&row.map_view),
                            muscles::map_x.eq(row.map_x),
                            muscles::map_y.eq(row.map_y),
                            muscles::trp_sites.eq(&row.trp_sites),
                            muscles::referral.eq(&row.referral),
                            muscles::palpation.eq(&row.palpation),
                        ))
                        .execute(conn)?;
                    diesel::delete(muscle_zones::table.filter(muscle_zones::muscle_id.eq(&row.id)))
                        .execute(conn)?;
                }
                None => {
                    diesel::insert_into(muscles::table).values(&row).execute(conn)?;
                }
            }
            insert_zones(conn, &row.id, &zones)?;
            written += 1;
        }
        Ok(written)
    })
}

fn insert_zones(conn: &mut DbConn, muscle_id: &str, zones: &[String]) -> Result<(), AppError> {
    // One row at a time: diesel's multi-backend connection has no batch insert; a muscle has
    // only a handful of zones, inside the caller's transaction.
    for zone in zones {
        diesel::insert_into(muscle_zones::table)
            .values((muscle_zones::muscle_id.eq(muscle_id), muscle_zones::zone.eq(zone)))
            .execute(conn)?;
    }
    Ok(())
}

/// Every muscle, by region and name.
pub fn all(conn: &mut DbConn) -> Result<Vec<Muscle>, AppError> {
    Ok(muscles::table
        .select(Muscle::as_select())
        .order((muscles::region.asc(), muscles::name.asc()))
        .limit(MAX_MUSCLES)
        .load(conn)?)
}

/// Referral zones of every muscle.
pub fn zones_by_muscle(conn: &mut DbConn) -> Result<BTreeMap<String, Vec<String>>, AppError> {
    let mut zones: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (muscle_id, zone) in muscle_zones::table
        .select((muscle_zones::muscle_id, muscle_zones::zone))
        .load::<(String, String)>(conn)?
    {
        zones.entry(muscle_id).or_default().push(zone);
    }
    Ok(zones)
}

pub fn find(conn: &mut DbConn, id: &str) -> Result<Option<Muscle>, AppError> {
    Ok(muscles::table.find(id).select(Muscle::as_select()).first(conn).optional()?)
}

/// The reverse lookup: muscles whose referral pattern covers `zone`, by name.
pub fn candidates_for_zone(conn: &mut DbConn, zone: Zone) -> Result<Vec<Muscle>, AppError> {
    Ok(muscles::table
        .inner_join(muscle_zones::table)
        .filter(muscle_zones::zone.eq(zone.code()))
        .select(Muscle::as_select())
        .order(muscles::name.asc())
        .limit(MAX_MUSCLES)
        .load(conn)?)
}

/// What the catalog page is filtered by.
#[derive(Debug, Clone, Default)]
pub struct CatalogFilter {
    /// Where it hurts: the reverse lookup.
    pub zone: Option<Zone>,
    pub region: Option<Region>,
    /// Part of the muscle's name, in any case ("" for any).
    pub name: String,
}

/// A catalog entry with the zones it refers pain to.
#[derive(Debug, Clone)]
pub struct CatalogEntry {
    pub muscle: Muscle,
    pub zones: Vec<Zone>,
}

impl CatalogEntry {
    /// "Temple, Back of the neck".
    pub fn zone_labels(&self) -> String {
        self.zones.iter().map(|z| z.label()).collect::<Vec<_>>().join(", ")
    }
}

/// The catalog page: the muscles that match the filter, each with its zones.
pub fn browse(conn: &mut DbConn, filter: CatalogFilter) -> Result<Vec<CatalogEntry>, AppError> {
    let muscles = match filter.zone {
        Some(zone) => candidates_for_zone(conn, zone)?,
        None => all(conn)?,
    };
    let mut zones = zones_by_muscle(conn)?;
    let name = filter.name.trim().to_lowercase();
    Ok(muscles
        .into_iter()
        .filter(|m| filter.region.is_none_or(|region| m.region == region.code()))
        .filter(|m| name.is_empty() || m.name.to_lowercase().contains(&name))
        .map(|muscle| CatalogEntry {
            zones: zones
                .remove(&muscle.id)
                .unwrap_or_default()
                .iter()
                .filter_map(|z| Zone::parse(z))
                .collect(),
            muscle,
        })
        .collect())
}

/// A practice-specific entry.
pub struct NewCustomMuscle {
    pub name: String,
    pub region: Region,
    pub view: View,
    pub x: f64,
    pub y: f64,
    pub trp_sites: String,
    pub referral: String,
    pub palpation: String,
    pub zones: Vec<Zone>,
}

/// Adds a practice-specific muscle. Call inside a write transaction.
pub fn insert_custom(
    conn: &mut DbConn,
    new: &NewCustomMuscle,
    created_by: &str,
    now: NaiveDateTime,
) -> Result<Muscle, AppError> {
    // Compared in Rust: SQLite's lower() folds ASCII only.
    let wanted = new.name.trim().to_lowercase();
    let names: Vec<String> = muscles::table.select(muscles::name).limit(MAX_MUSCLES).load(conn)?;
    if names.iter().any(|name| name.to_lowercase() == wanted) {
        return Err(AppError::field("name", "The catalog already has a muscle with this name."));
    }
    let id = uuid::Uuid::now_v7().to_string();
    let row = Muscle {
        code: format!("custom-{id}"),
        id,
        name: new.name.trim().to_owned(),
        region: new.region.code().to_owned(),
        map_view: new.view.code().to_owned(),
        map_x: new.x,
        map_y: new.y,
        trp_sites: new.trp_sites.trim().to_owned(),
        referral: new.referral.trim().to_owned(),
        palpation: new.palpation.trim().to_owned(),
        shipped: false,
        created_by: Some(created_by.to_owned()),
        created_at: now,
    };
    diesel::insert_into(muscles::table).values(&row).execute(conn)?;
    let zones: Vec<String> = new.zones.iter().map(|z| z.code().to_owned()).collect();
    insert_zones(conn, &row.id, &zones)?;
    Ok(row)
}

/// The muscle nearest to a body-map click, and the side it is on.
pub fn nearest(catalog: &[Muscle], view: View, x: f64, y: f64) -> Option<(&Muscle, Side)> {
    catalog
        .iter()
        .filter(|m| m.map_view == view.code())
        .flat_map(|m| [(m, Side::Left), (m, Side::Right)])
        .map(|(m, side)| {
            let (px, py) = m.point(side);
            ((px - x).powi(2) + (py - y).powi(2), m, side)
        })
        .min_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, m, side)| (m, side))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_catalog_is_complete_and_valid() {
        let catalog = shipped().unwrap();
        assert!(catalog.len() >= 80, "{} muscles", catalog.len());
        for region in Region::ALL {
            let count = catalog.iter().filter(|m| m.region == region.code()).count();
            assert!(count >= 6, "{} has only {count} muscles", region.code());
        }
        for zone in Zone::ALL {
            assert!(
                catalog.iter().any(|m| m.zones.iter().any(|z| z == zone.code())),
                "no muscle refers to {}",
                zone.code()
            );
        }
        for m in &catalog {
            assert!(
                !m.zones.is_empty()
                    && !m.referral.is_empty()
                    && !m.palpation.is_empty()
                    && !m.trp_sites.is_empty(),
                "{}",
                m.code
            );
        }
    }
}
