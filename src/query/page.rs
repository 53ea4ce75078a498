//! One page of a list answer ([RFC 7644 §3.4.2](https://www.rfc-editor.org/rfc/rfc7644#section-3.4.2),
//! ListResponse; paging per [§3.4.2.4](https://www.rfc-editor.org/rfc/rfc7644#section-3.4.2.4)).

/// One page of a list: the resources of the requested window and the total number that
/// matched ([RFC 7644 §3.4.2](https://www.rfc-editor.org/rfc/rfc7644#section-3.4.2),
/// `totalResults`, `startIndex`, `itemsPerPage`).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Page<T> {
    /// The resources of this page, in order.
    pub resources: Vec<T>,
    /// How many resources matched the filter in all (`totalResults`).
    pub total_results: usize,
    /// The 1-based index of the first resource of this page (`startIndex`).
    pub start_index: usize,
    /// In a cursor walk ([`ListQuery::cursor`](crate::query::ListQuery::cursor)), the
    /// position after this page when more resources may follow: the `id` of its last resource
    /// (or of the last one examined); `None` on the last page. The server seals it into
    /// `nextCursor` ([RFC 9865 §2.2](https://www.rfc-editor.org/rfc/rfc9865#section-2.2)).
    pub next: Option<String>,
    /// In a cursor walk, the position before this page when resources may precede it: the
    /// position of its first resource; `None` on the first page. The server seals it into
    /// `previousCursor` ([RFC 9865 §2.2](https://www.rfc-editor.org/rfc/rfc9865#section-2.2)),
    /// which comes back as [`CursorPosition::Before`](crate::query::CursorPosition::Before).
    pub previous: Option<String>,
}

impl<T> Page<T> {
    /// A page of `resources` starting at the 1-based `start_index`, out of `total_results`.
    pub fn new(resources: Vec<T>, total_results: usize, start_index: usize) -> Self {
        Page {
            resources,
            total_results,
            start_index: start_index.max(1),
            next: None,
            previous: None,
        }
    }

    /// The same page with the position after it (see [`Page::next`]).
    pub fn with_next(mut self, next: Option<String>) -> Self {
        self.next = next;
        self
    }

    /// The same page with the position before it (see [`Page::previous`]).
    pub fn with_previous(mut self, previous: Option<String>) -> Self {
        self.previous = previous;
        self
    }

    /// An empty answer: nothing matched.
    pub fn empty(start_index: usize) -> Self {
        Self::new(Vec::new(), 0, start_index)
    }

    /// `itemsPerPage`: the number of resources on this page.
    pub fn items_per_page(&self) -> usize {
        self.resources.len()
    }

    /// The same page with each resource converted.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            resources: self.resources.into_iter().map(f).collect(),
            total_results: self.total_results,
            start_index: self.start_index,
            next: self.next,
            previous: self.previous,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_basics() {
        let p = Page::new(vec![1, 2], 10, 0);
        assert_eq!(p.start_index, 1);
        assert_eq!(p.items_per_page(), 2);
        let q = p.map(|x| x * 10);
        assert_eq!(q.resources, vec![10, 20]);
        assert_eq!(q.total_results, 10);
        assert_eq!(Page::<u8>::empty(3).total_results, 0);
        let n = Page::new(vec![1], 5, 1)
            .with_next(Some("a".into()))
            .map(|x| x + 1);
        assert_eq!(n.next.as_deref(), Some("a"));
    }
}
