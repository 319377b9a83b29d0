//! Bounded lists. A list query fetches one page plus one row, so the page knows whether there
//! is a next one without counting; deep offsets are refused rather than scanned, and long
//! histories page by key instead (the rows after the last one shown).

/// Page numbers stop here: beyond it a search is the better tool, and an OFFSET that deep
/// would scan the whole table.
pub const MAX_PAGE: i64 = 400;

/// Which part of a list to load.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PageRequest {
    /// Page `number` (from 1) of `size` rows.
    Numbered { number: i64, size: i64 },
    /// `size` rows after the row whose key is `after` (the first page when `None`).
    After { after: Option<String>, size: i64 },
}

impl PageRequest {
    /// A numbered page, clamped to 1..=[`MAX_PAGE`].
    pub fn numbered(number: Option<i64>, size: i64) -> PageRequest {
        PageRequest::Numbered { number: number.unwrap_or(1).clamp(1, MAX_PAGE), size }
    }

    /// A keyset page; a blank key means the first page.
    pub fn after(key: &str, size: i64) -> PageRequest {
        let key = key.trim();
        PageRequest::After { after: (!key.is_empty()).then(|| key.to_owned()), size }
    }

    pub fn size(&self) -> i64 {
        match self {
            PageRequest::Numbered { size, .. } | PageRequest::After { size, .. } => *size,
        }
    }

    /// Rows to skip (always 0 for keyset pages).
    pub fn offset(&self) -> i64 {
        match self {
            PageRequest::Numbered { number, size } => (number - 1) * size,
            PageRequest::After { .. } => 0,
        }
    }

    /// Rows to fetch: one more than the page shows.
    pub fn fetch(&self) -> i64 {
        self.size() + 1
    }

    /// The key to continue after, for keyset pages.
    pub fn after_key(&self) -> Option<&str> {
        match self {
            PageRequest::After { after, .. } => after.as_deref(),
            PageRequest::Numbered { .. } => None,
        }
    }
}

/// One page of a list and where the next one starts.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub rows: Vec<T>,
    /// The page number (numbered pages).
    pub number: Option<i64>,
    /// Whether more rows follow.
    pub has_next: bool,
    /// The key of the last row shown (keyset pages with more rows).
    pub next_key: Option<String>,
}

impl<T> Page<T> {
    /// Cuts the fetched rows (up to [`PageRequest::fetch`]) to the page; `key` names a row for
    /// keyset paging.
    pub fn from_fetched(mut rows: Vec<T>, request: &PageRequest, key: impl Fn(&T) -> String) -> Page<T> {
        let size = usize::try_from(request.size()).unwrap_or(0);
        let has_next = rows.len() > size;
        rows.truncate(size);
        let (number, next_key) = match request {
            PageRequest::Numbered { number, .. } => (Some(*number), None),
            PageRequest::After { .. } => (None, has_next.then(|| rows.last().map(&key)).flatten()),
        };
        Page { rows, number, has_next, next_key }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbered_pages_are_clamped_and_know_about_the_next() {
        let request = PageRequest::numbered(Some(9999), 2);
        assert_eq!(request, PageRequest::Numbered { number: MAX_PAGE, size: 2 });
        let request = PageRequest::numbered(Some(2), 2);
        assert_eq!((request.offset(), request.fetch()), (2, 3));
        let page = Page::from_fetched(vec![3, 4, 5], &request, ToString::to_string);
        assert_eq!((page.rows, page.number, page.has_next), (vec![3, 4], Some(2), true));
    }

    #[test]
    fn keyset_pages_continue_after_the_last_row_shown() {
        let request = PageRequest::after(" ", 2);
        assert_eq!(request.after_key(), None);
        let page = Page::from_fetched(vec!["c", "b", "a"], &request, |row| (*row).to_owned());
        assert_eq!(page.next_key.as_deref(), Some("b"));
        let last = Page::from_fetched(vec!["a"], &PageRequest::after("b", 2), |row| (*row).to_owned());
        assert!(!last.has_next && last.next_key.is_none());
    }
}
