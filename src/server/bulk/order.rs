//! The order bulk operations run in ([RFC 7644 §3.7.2](https://www.rfc-editor.org/rfc/rfc7644#section-3.7.2),
//! [§3.7.1](https://www.rfc-editor.org/rfc/rfc7644#section-3.7.1)): an operation that refers to
//! a `bulkId` runs after the POST that defines it, whatever their order in the request;
//! otherwise request order is kept. Operations that refer to each other in a cycle form one
//! group, run together (see `execute`).
//!
//! The groups are the strongly connected components of the reference graph (Tarjan's
//! algorithm, iterative so no request can exhaust the stack), in dependency-first order.

/// One step of the plan: operations (request indices, ascending) run together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Step {
    pub(super) ops: Vec<usize>,
    /// Whether the operations refer to each other (a cycle, or an operation that refers to
    /// its own bulkId).
    pub(super) cyclic: bool,
}

/// The plan for a request whose operation `i` depends on the operations `deps[i]`
/// (indices below `deps.len()`; others are ignored).
pub(super) fn plan(deps: &[Vec<usize>]) -> Vec<Step> {
    let n = deps.len();
    let mut t = Tarjan {
        deps,
        index: vec![None; n],
        low: vec![0; n],
        on_stack: vec![false; n],
        stack: Vec::new(),
        next: 0,
        out: Vec::new(),
    };
    for root in 0..n {
        if t.index.get(root).copied().flatten().is_none() {
            t.run(root);
        }
    }
    t.out
}

struct Tarjan<'a> {
    deps: &'a [Vec<usize>],
    index: Vec<Option<usize>>,
    low: Vec<usize>,
    on_stack: Vec<bool>,
    stack: Vec<usize>,
    next: usize,
    out: Vec<Step>,
}

impl Tarjan<'_> {
    fn visit(&mut self, v: usize) {
        set(&mut self.index, v, Some(self.next));
        set(&mut self.low, v, self.next);
        self.next += 1;
        self.stack.push(v);
        set(&mut self.on_stack, v, true);
    }

    fn low(&self, v: usize) -> usize {
        self.low.get(v).copied().unwrap_or(0)
    }

    /// Tarjan's strongconnect from `root`, with an explicit call stack of (node, next edge).
    fn run(&mut self, root: usize) {
        self.visit(root);
        let mut calls: Vec<(usize, usize)> = vec![(root, 0)];
        while let Some(&(v, edge)) = calls.last() {
            let deps = self.deps.get(v).map_or(&[][..], Vec::as_slice);
            if let Some(&w) = deps.get(edge) {
                if let Some(top) = calls.last_mut() {
                    top.1 += 1;
                }
                if w >= self.deps.len() {
                    continue;
                }
                match self.index.get(w).copied().flatten() {
                    None => {
                        self.visit(w);
                        calls.push((w, 0));
                    }
                    Some(wi) if self.on_stack.get(w).copied().unwrap_or(false) => {
                        let low = self.low(v).min(wi);
                        set(&mut self.low, v, low);
                    }
                    Some(_) => {}
                }
                continue;
            }
            calls.pop();
            if let Some(&(parent, _)) = calls.last() {
                let low = self.low(parent).min(self.low(v));
                set(&mut self.low, parent, low);
            }
            if Some(self.low(v)) == self.index.get(v).copied().flatten() {
                let mut ops = Vec::new();
                while let Some(w) = self.stack.pop() {
                    set(&mut self.on_stack, w, false);
                    ops.push(w);
                    if w == v {
                        break;
                    }
                }
                ops.sort_unstable();
                let cyclic = ops.len() > 1 || deps.contains(&v);
                self.out.push(Step { ops, cyclic });
            }
        }
    }
}

fn set<T>(v: &mut [T], i: usize, value: T) {
    if let Some(slot) = v.get_mut(i) {
        *slot = value;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn steps(deps: &[Vec<usize>]) -> Vec<(Vec<usize>, bool)> {
        plan(deps).into_iter().map(|s| (s.ops, s.cyclic)).collect()
    }

    #[test]
    fn request_order_without_references() {
        assert_eq!(
            steps(&[vec![], vec![], vec![]]),
            vec![(vec![0], false), (vec![1], false), (vec![2], false)]
        );
    }

    #[test]
    fn a_definer_runs_first_whatever_its_place() {
        // 0 refers to 2; 1 refers to 0
        assert_eq!(
            steps(&[vec![2], vec![0], vec![]]),
            vec![(vec![2], false), (vec![0], false), (vec![1], false)]
        );
    }

    #[test]
    fn cycles_are_grouped() {
        // 0 <-> 1, 2 refers to 1, 3 refers to itself
        assert_eq!(
            steps(&[vec![1], vec![0], vec![1], vec![3]]),
            vec![(vec![0, 1], true), (vec![2], false), (vec![3], true)]
        );
        // a longer cycle 0 -> 1 -> 2 -> 0
        assert_eq!(
            steps(&[vec![1], vec![2], vec![0]]),
            vec![(vec![0, 1, 2], true)]
        );
    }

    #[test]
    fn long_chains_do_not_recurse() {
        let n = 100_000;
        let deps: Vec<Vec<usize>> = (0..n).map(|i| vec![i + 1]).collect();
        let p = plan(&deps);
        assert_eq!(p.len(), n);
        assert_eq!(p.first().map(|s| s.ops.clone()), Some(vec![n - 1]));
    }
}
