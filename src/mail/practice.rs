//! What every email shows of the practice: its name, footer and logo.

use crate::config::Config;

#[derive(Debug, Clone)]
pub struct Practice {
    pub name: String,
    pub footer: String,
    /// Whether the logo is attached (the HTML then shows `cid:practice-logo`).
    pub has_logo: bool,
}

impl Practice {
    pub fn from_config(config: &Config) -> Practice {
        Practice {
            name: config.practice_name.clone(),
            footer: config.practice_footer.clone(),
            has_logo: config.practice_logo.is_some(),
        }
    }
}
