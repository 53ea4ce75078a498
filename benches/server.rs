//! Written by a later step of the plan; see the issue.
fn main() {}
