//! Files from static/, compiled into the binary and served under content-hashed URLs so
//! browsers may cache them for good.

use std::collections::HashMap;
use std::sync::LazyLock;

use actix_web::http::header;
use actix_web::{HttpResponse, web};

use crate::error::AppError;

#[derive(rust_embed::Embed)]
#[folder = "static/"]
struct Files;

/// File name → first 12 hex digits of its SHA-256.
static HASHES: LazyLock<HashMap<String, String>> = LazyLock::new(|| {
    Files::iter()
        .filter_map(|name| {
            let file = Files::get(&name)?;
            let hash: String =
                file.metadata.sha256_hash().iter().take(6).map(|b| format!("{b:02x}")).collect();
            Some((name.into_owned(), hash))
        })
        .collect()
});

/// The URL for a static file, e.g. `/static/3fa2…/app.css`.
pub fn url(name: &str) -> String {
    let hash = HASHES.get(name).map(String::as_str).unwrap_or("0");
    format!("/static/{hash}/{name}")
}

/// Serves a static file; immutable caching only when the hash in the URL is current.
pub async fn serve(path: web::Path<(String, String)>) -> Result<HttpResponse, AppError> {
    let (hash, name) = path.into_inner();
    let file = Files::get(&name).ok_or(AppError::NotFound)?;
    let cache =
        if HASHES.get(&name) == Some(&hash) { "public, max-age=31536000, immutable" } else { "no-cache" };
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, file.metadata.mimetype()))
        .insert_header((header::CACHE_CONTROL, cache))
        .body(file.data.into_owned()))
}
