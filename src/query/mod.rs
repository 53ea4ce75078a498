//! List queries, projection, sorting and paging
//! ([RFC 7644 §3.4.2](https://www.rfc-editor.org/rfc/rfc7644#section-3.4.2)).

mod list;
pub mod projection;
pub mod validate;

pub use list::{
    ListQuery, Selection, Sort, SortKey, SortOrder, apply_query, compare_keys, page_window,
    sort_by_json, sort_key,
};
