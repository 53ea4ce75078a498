//! List queries, projection, sorting and paging
//! ([RFC 7644 §3.4.2](https://www.rfc-editor.org/rfc/rfc7644#section-3.4.2)).

mod list;
mod page;
pub mod projection;
mod sort;
pub mod validate;

pub use list::{CursorPosition, ListQuery, Selection, apply_query, page_window};
pub use page::Page;
pub use sort::{Sort, SortKey, SortOrder, compare_keys, sort_by_json, sort_key};
