//! The pager under a list: links to the neighbouring pages of a [`Page`], with the list's own
//! filters kept in the query string. One template (`_pager.html`) draws every pager.

use crate::db::paging::Page;

/// Where the pager's links go; `None` hides a link.
#[derive(Debug, Clone, Default)]
pub struct Pager {
    pub previous: Option<String>,
    pub next: Option<String>,
    /// "Page 3", or empty for keyset lists.
    pub current: String,
    /// The text of the next link ("Next", "Older entries").
    pub next_label: &'static str,
}

impl Pager {
    /// Numbered paging. `href(n)` is the address of page `n` with the list's filters.
    pub fn numbered<T>(page: &Page<T>, href: impl Fn(i64) -> String) -> Pager {
        let number = page.number.unwrap_or(1);
        Pager {
            previous: (number > 1).then(|| href(number - 1)),
            next: page.has_next.then(|| href(number + 1)),
            current: format!("Page {number}"),
            next_label: "Next",
        }
    }

    /// Keyset paging through a history, newest first. `href(key)` continues after `key`.
    pub fn older<T>(page: &Page<T>, href: impl Fn(&str) -> String) -> Pager {
        Pager::more(page, "Older entries", href)
    }

    /// Keyset paging: one link, labelled `label`, to the rows after this page.
    pub fn more<T>(page: &Page<T>, label: &'static str, href: impl Fn(&str) -> String) -> Pager {
        Pager {
            previous: None,
            next: page.next_key.as_deref().map(href),
            current: String::new(),
            next_label: label,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.previous.is_none() && self.next.is_none() && self.current.is_empty()
    }
}

/// A query string built from (name, value) pairs, for pager links.
pub fn query(pairs: &[(&str, &str)]) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    for (name, value) in pairs {
        query.append_pair(name, value);
    }
    format!("?{}", query.finish())
}
